//! burn's path, for every model kind: autodiff and burn's optimisers over
//! any module that offers [`BurnTrainable`]. A new layer type trains here
//! before (or without ever) having kernels of its own.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::batches::{Pairs, TrainingData, to_tensor};
use super::config::TrainingConfig;
use super::fit_loop::{self, Engine};
use super::history::History;
use super::loss::LossKind;
use super::observer::TrainingObserver;
use crate::data::Matrix;
use crate::kernel::activate::Activation;
use crate::kernel::loss::loss_and_gradient;

/// Rows per forward pass when evaluating without gradients.
pub const INFERENCE_CHUNK: usize = 4096;

/// Values per output tensor of one evaluation pass: [`INFERENCE_CHUNK`]
/// rows of up to 1 024 outputs; wider outputs take fewer rows a pass.
const INFERENCE_VALUES: usize = INFERENCE_CHUNK * 1024;

/// Rows per evaluation pass for outputs `width` wide: [`INFERENCE_CHUNK`]
/// unless that many rows would pass [`INFERENCE_VALUES`] (10 000 classes:
/// 419 rows, 16 MB a tensor, where 4 096 rows took 164 MB each).
pub fn inference_rows(width: usize) -> usize {
    (INFERENCE_VALUES / width.max(1)).clamp(1, INFERENCE_CHUNK)
}

/// A forward pass in training: the output layer before its activation,
/// that activation, and any term the kind adds to the loss.
pub struct TrainingForward {
    /// The output layer's pre-activation values, `[batch, n_outputs]`.
    pub logits: Tensor<2>,
    /// The output activation.
    pub activation: Activation,
    /// A term added to the reconstruction loss (for instance a variational
    /// model's KL divergence), `[1]`; `None` for plain models.
    pub penalty: Option<Tensor<1>>,
}

/// A burn module the generic trainer can fit.
pub trait BurnTrainable: Module {
    /// The training-mode forward pass.
    ///
    /// # Shapes
    /// - input: `[batch, n_inputs]`
    fn forward_training(&self, inputs: Tensor<2>) -> TrainingForward;

    /// The loss of `forward` against `targets`, for kinds whose loss is
    /// not a reconstruction loss (a classifier's softmax cross-entropy);
    /// `None`, the default, uses the training config's loss.
    ///
    /// # Shapes
    /// - logits: `[batch, n_outputs]`, targets `batch` rows (as wide as the
    ///   kind lays them out: a classifier's are class indices); output: `[1]`
    fn own_loss(&self, _logits: Tensor<2>, _targets: &Matrix) -> Option<Tensor<1>> {
        None
    }

    /// The dense targets of a batch, for kinds whose inputs are stored
    /// sparse (a document autoencoder rebuilds its TF-IDF rows from their
    /// ids and weights); the default keeps `targets`.
    fn batch_targets(&self, _inputs: &Matrix, targets: Matrix) -> Matrix {
        targets
    }

    /// Rows per evaluation pass: [`INFERENCE_CHUNK`]; kinds with wide
    /// outputs bound it with [`inference_rows`].
    fn inference_rows(&self) -> usize {
        INFERENCE_CHUNK
    }
}

/// Builds a model by `init` from `config.seed`'s generator on the training
/// device, then fits it as [`fit`] does.
pub fn fit_from_seed<M: BurnTrainable>(
    init: impl FnOnce(&mut StdRng, &Device) -> M,
    config: &TrainingConfig,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    observer: &mut dyn TrainingObserver,
) -> crate::error::Result<(M, History)> {
    let device = crate::backend::training_device();
    let model = init(&mut StdRng::seed_from_u64(config.seed), &device);
    fit(model, config, data, validation, &device, observer)
}

/// Trains `model` (on an autodiff `device`) with burn's autodiff and
/// optimisers; returns it in inference form with its history.
pub fn fit<M: BurnTrainable>(
    model: M,
    config: &TrainingConfig,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    device: &Device,
    observer: &mut dyn TrainingObserver,
) -> crate::error::Result<(M, History)> {
    device.seed(config.seed);
    let engine = BurnEngine {
        model: Some(model),
        optim: config.optimizer.init(),
        lr: config.optimizer.lr(),
        loss: config.loss,
        // The fused loss is a CPU kernel: on a GPU it would bring every
        // batch's outputs to the host and back.
        fused_loss: config.fused_loss && crate::backend::is_cpu(device),
        device: device.clone(),
        last_penalty: None,
    };
    fit_loop::run(engine, config, data, validation, observer)
}

struct BurnEngine<M> {
    /// Always present between steps; taken while the optimiser consumes it.
    model: Option<M>,
    optim: ModuleOptimizer,
    lr: f64,
    loss: LossKind,
    fused_loss: bool,
    device: Device,
    last_penalty: Option<f64>,
}

impl<M: BurnTrainable> BurnEngine<M> {
    fn model(&self) -> &M {
        self.model
            .as_ref()
            .expect("the model is back after every step")
    }
}

impl<M: BurnTrainable> Engine for BurnEngine<M> {
    type Snapshot = M;
    type Model = M;

    fn step(&mut self, train: Pairs<'_>, rows: &[usize]) -> f64 {
        let device = &self.device;
        let (inputs, targets) = train.batch(rows);
        let model = self
            .model
            .take()
            .expect("the model is back after every step");
        let targets = model.batch_targets(&inputs, targets);
        let forward = model.forward_training(to_tensor(inputs, device));
        let (logits, activation) = (forward.logits, forward.activation);
        let own = model.own_loss(logits.clone(), &targets);
        let (mut value, mut loss) = if let Some(loss) = own {
            (f64::from(loss.clone().into_scalar::<f32>()), loss)
        } else if self.fused_loss {
            let z = logits
                .to_data()
                .try_into_vec::<f32>()
                .expect("model outputs are f32");
            let (value, g) = loss_and_gradient(self.loss, activation, &z, &targets.values);
            let g: Tensor<2> = Tensor::from_data(TensorData::new(g, logits.dims()), device);
            // d/dz sum(z * g) = g: the fused gradient flows back through the model.
            (value, (logits * g).sum())
        } else {
            let loss = self
                .loss
                .from_logits(logits, activation, to_tensor(targets, device));
            (f64::from(loss.clone().into_scalar::<f32>()), loss)
        };
        self.last_penalty = None;
        if let Some(penalty) = forward.penalty {
            let p = f64::from(penalty.clone().into_scalar::<f32>());
            self.last_penalty = Some(p);
            value += p;
            loss = loss + penalty;
        }
        if !value.is_finite() {
            self.model = Some(model);
            return value;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.lr, model, grads));
        value
    }

    fn last_penalty(&self) -> Option<f64> {
        self.last_penalty
    }

    fn validation_loss(&self, pairs: Pairs<'_>) -> f64 {
        mean_loss(&self.model().valid(), self.loss, pairs)
    }

    fn snapshot(&self) -> M {
        self.model().clone()
    }

    fn into_model(self, kept: M) -> M {
        kept.valid()
    }
}

/// Mean loss (with the kind's penalty) of an inference-mode model over
/// `pairs`, computed in chunks on the inference device.
pub fn mean_loss<M: BurnTrainable>(model: &M, loss: LossKind, pairs: Pairs<'_>) -> f64 {
    let device = crate::backend::inference_device();
    let n = pairs.inputs.n_rows();
    let mut sum = 0.0f64;
    let mut start = 0;
    while start < n {
        let end = (start + model.inference_rows()).min(n);
        let inputs = pairs.inputs.slice_rows(start, end);
        let y = model.batch_targets(&inputs, pairs.targets.slice_rows(start, end));
        let forward = model.forward_training(to_tensor(inputs, &device));
        let mut value = match model.own_loss(forward.logits.clone(), &y) {
            Some(own) => own,
            None => loss.from_logits(forward.logits, forward.activation, to_tensor(y, &device)),
        };
        if let Some(penalty) = forward.penalty {
            value = value + penalty;
        }
        sum += f64::from(value.into_scalar::<f32>()) * (end - start) as f64;
        start = end;
    }
    sum / n as f64
}
