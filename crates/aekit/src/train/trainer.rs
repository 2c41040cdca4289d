//! The training loop: mini-batches, validation, early stopping with best
//! weights, and a stop that keeps the last good weights if the loss diverges.
//! It reports through an observer and never prints.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::config::TrainingConfig;
use super::fused;
use super::history::{EpochRecord, History, StopReason};
use super::loss::LossKind;
use super::native::NativeTrainer;
use crate::data::Matrix;
use crate::kernel::DenseNet;
use crate::model::DenseAutoencoder;

/// Rows per forward pass when evaluating without gradients.
pub const INFERENCE_CHUNK: usize = 4096;

/// Keeps the shuffling stream apart from the initialisation stream drawn from the same seed.
const SHUFFLE_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// What is about to be trained on, once the data has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingStart {
    /// Training rows.
    pub n_rows: usize,
    /// Validation rows (0: none).
    pub n_validation_rows: usize,
    /// Feature columns.
    pub n_features: usize,
    /// Text columns that were not named and so were left out.
    pub skipped_text: Vec<String>,
}

/// Receives progress from the loop; every method has a do-nothing default.
pub trait TrainingObserver {
    /// The data is checked and training is about to start.
    fn on_train_start(&mut self, _start: &TrainingStart) {}
    /// An epoch is starting with `n_batches` batches.
    fn on_epoch_start(&mut self, _epoch: usize, _epochs: usize, _n_batches: usize) {}
    /// A batch finished with this mean loss.
    fn on_batch_end(&mut self, _batch: usize, _loss: f64) {}
    /// An epoch finished.
    fn on_epoch_end(&mut self, _record: &EpochRecord) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl TrainingObserver for Silent {}

/// Input rows and the rows the model should produce for them.
#[derive(Debug, Clone, Copy)]
pub struct Pairs<'a> {
    /// What the model sees.
    pub inputs: &'a Matrix,
    /// What it should reconstruct (the inputs themselves for a plain autoencoder).
    pub targets: &'a Matrix,
}

/// Builds a `[rows, cols]` tensor from a matrix.
pub fn to_tensor(m: Matrix, device: &Device) -> Tensor<2> {
    let rows = m.n_rows();
    Tensor::from_data(TensorData::new(m.values, [rows, m.n_cols]), device)
}

/// Trains `model` (on an autodiff `device`) and returns it in inference
/// form with its history, on aekit's kernels unless `config.native_kernels`
/// is off (then on burn's autodiff and optimisers).
pub fn train(
    model: DenseAutoencoder,
    config: &TrainingConfig,
    train: Pairs<'_>,
    validation: Option<Pairs<'_>>,
    device: &Device,
    observer: &mut dyn TrainingObserver,
) -> (DenseAutoencoder, History) {
    if config.native_kernels {
        let engine = NativeEngine {
            trainer: NativeTrainer::new(
                DenseNet::trainable(&model),
                &config.optimizer,
                config.loss,
                config.seed,
            ),
            model,
        };
        run(engine, config, train, validation, observer)
    } else {
        device.seed(config.seed);
        let engine = BurnEngine {
            model: Some(model),
            optim: config.optimizer.init(),
            lr: config.optimizer.lr(),
            loss: config.loss,
            fused_loss: config.fused_loss,
            device: device.clone(),
        };
        run(engine, config, train, validation, observer)
    }
}

/// What carries out the steps of the loop: burn's autodiff or the kernels.
trait Engine {
    /// The weights at a point of training, to go back to.
    type Snapshot;
    /// One optimiser step on `rows` of `train`; returns the batch's mean
    /// loss, and updates nothing when that is not finite.
    fn step(&mut self, train: Pairs<'_>, rows: &[usize], same_targets: bool) -> f64;
    /// Mean loss over `pairs` in inference mode.
    fn validation_loss(&self, pairs: Pairs<'_>) -> f64;
    /// The current weights.
    fn snapshot(&self) -> Self::Snapshot;
    /// `kept` as an inference-mode model.
    fn into_model(self, kept: Self::Snapshot) -> DenseAutoencoder;
}

/// burn's path: autodiff and burn's optimisers.
struct BurnEngine {
    /// Always present between steps; taken while the optimiser consumes it.
    model: Option<DenseAutoencoder>,
    optim: ModuleOptimizer,
    lr: f64,
    loss: LossKind,
    fused_loss: bool,
    device: Device,
}

impl BurnEngine {
    fn model(&self) -> &DenseAutoencoder {
        self.model
            .as_ref()
            .expect("the model is back after every step")
    }
}

impl Engine for BurnEngine {
    type Snapshot = DenseAutoencoder;

    fn step(&mut self, train: Pairs<'_>, rows: &[usize], same_targets: bool) -> f64 {
        let device = &self.device;
        let inputs = train.inputs.gather(rows);
        let targets = if same_targets {
            inputs.clone()
        } else {
            train.targets.gather(rows)
        };
        let model = self
            .model
            .take()
            .expect("the model is back after every step");
        let (logits, activation) = model.forward_logits(to_tensor(inputs, device));
        let (value, loss) = if self.fused_loss {
            let z = logits
                .to_data()
                .try_into_vec::<f32>()
                .expect("model outputs are f32");
            let (value, g) = fused::loss_and_gradient(self.loss, activation, &z, &targets.values);
            let g: Tensor<2> = Tensor::from_data(TensorData::new(g, logits.dims()), device);
            // d/dz sum(z * g) = g: the fused gradient flows back through the model.
            (value, (logits * g).sum())
        } else {
            let loss = self
                .loss
                .from_logits(logits, activation, to_tensor(targets, device));
            (f64::from(loss.clone().into_scalar::<f32>()), loss)
        };
        if !value.is_finite() {
            self.model = Some(model);
            return value;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.lr, model, grads));
        value
    }

    fn validation_loss(&self, pairs: Pairs<'_>) -> f64 {
        evaluate(&self.model().valid(), self.loss, pairs)
    }

    fn snapshot(&self) -> DenseAutoencoder {
        self.model().clone()
    }

    fn into_model(self, kept: DenseAutoencoder) -> DenseAutoencoder {
        kept.valid()
    }
}

/// aekit's kernels ([`NativeTrainer`]); `model` only gives the weights a home at the end.
struct NativeEngine {
    trainer: NativeTrainer,
    model: DenseAutoencoder,
}

impl Engine for NativeEngine {
    type Snapshot = DenseNet;

    fn step(&mut self, train: Pairs<'_>, rows: &[usize], same_targets: bool) -> f64 {
        self.trainer.step(train, rows, same_targets)
    }

    fn validation_loss(&self, pairs: Pairs<'_>) -> f64 {
        // Inference mode: batch norm with its running statistics, folded in.
        self.trainer
            .net()
            .folded()
            .mean_loss(self.trainer.loss(), pairs)
    }

    fn snapshot(&self) -> DenseNet {
        self.trainer.net().clone()
    }

    fn into_model(self, kept: DenseNet) -> DenseAutoencoder {
        kept.write_into(self.model)
    }
}

/// The loop itself: epochs, shuffling, validation, early stopping and the
/// stop on divergence, whatever carries out the steps.
fn run<E: Engine>(
    mut engine: E,
    config: &TrainingConfig,
    train: Pairs<'_>,
    validation: Option<Pairs<'_>>,
    observer: &mut dyn TrainingObserver,
) -> (DenseAutoencoder, History) {
    let n_rows = train.inputs.n_rows();
    let same_targets = std::ptr::eq(train.inputs, train.targets);
    let mut rng = StdRng::seed_from_u64(config.seed.wrapping_add(SHUFFLE_STREAM));
    let mut order: Vec<usize> = (0..n_rows).collect();
    let n_batches = n_rows.div_ceil(config.batch_size);

    let mut history = History::default();
    let mut last_good = (engine.snapshot(), 0usize);
    let mut best: Option<(f64, E::Snapshot, usize)> = None;
    let mut since_best = 0usize;

    'epochs: for epoch in 1..=config.epochs {
        let started = Instant::now();
        observer.on_epoch_start(epoch, config.epochs, n_batches);
        if config.shuffle {
            order.shuffle(&mut rng);
        }
        let mut loss_sum = 0.0f64;
        for (b, rows) in order.chunks(config.batch_size).enumerate() {
            let value = engine.step(train, rows, same_targets);
            if !value.is_finite() {
                history.stop_reason = StopReason::Diverged;
                break 'epochs;
            }
            loss_sum += value * rows.len() as f64;
            observer.on_batch_end(b + 1, value);
        }
        let val_loss = validation.map(|v| engine.validation_loss(v));
        let record = EpochRecord {
            epoch,
            loss: loss_sum / n_rows as f64,
            val_loss,
            seconds: started.elapsed().as_secs_f64(),
        };
        observer.on_epoch_end(&record);
        let monitored = History::monitored(&record);
        history.epochs.push(record);
        if !monitored.is_finite() {
            history.stop_reason = StopReason::Diverged;
            break;
        }
        last_good = (engine.snapshot(), epoch);
        if let Some(patience) = config.patience {
            let improved = best
                .as_ref()
                .is_none_or(|(b, _, _)| monitored < b - config.min_delta);
            if improved {
                best = Some((monitored, engine.snapshot(), epoch));
                since_best = 0;
            } else {
                since_best += 1;
                if since_best >= patience {
                    history.stop_reason = StopReason::EarlyStopped;
                    break;
                }
            }
        }
    }

    // With early stopping the best weights come back, as with Keras'
    // restore_best_weights; best is only ever set from a finite epoch.
    let (kept, kept_epoch) = match best {
        Some((_, snapshot, best_epoch)) => (snapshot, best_epoch),
        None => last_good,
    };
    history.kept_epoch = kept_epoch;
    (engine.into_model(kept), history)
}

/// Mean loss of an inference-mode model over `pairs`, computed in chunks.
pub fn evaluate(model: &DenseAutoencoder, loss: LossKind, pairs: Pairs<'_>) -> f64 {
    let device = inference_device(model);
    let n = pairs.inputs.n_rows();
    let mut sum = 0.0f64;
    let mut start = 0;
    while start < n {
        let end = (start + INFERENCE_CHUNK).min(n);
        let x = to_tensor(pairs.inputs.slice_rows(start, end), &device);
        let y = to_tensor(pairs.targets.slice_rows(start, end), &device);
        let (logits, activation) = model.forward_logits(x);
        let value: f32 = loss.from_logits(logits, activation, y).into_scalar();
        sum += f64::from(value) * (end - start) as f64;
        start = end;
    }
    sum / n as f64
}

/// The (non-autodiff) device an inference model's weights live on.
pub fn inference_device(model: &DenseAutoencoder) -> Device {
    model.encoder.layers[0].linear.weight.val().device()
}
