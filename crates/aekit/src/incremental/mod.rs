//! Fitting a dense autoencoder a chunk of rows at a time, and the pieces a
//! data-parallel engine needs: the model's parameters as one flat vector to
//! average, and column statistics that merge ([`ScalerStats`]).
//!
//! The first chunk fixes the columns and (unless a scaler was given) the
//! scaler; every later chunk continues the same optimiser state, as
//! scikit-learn's `partial_fit` does. Steps run on the dense kind's
//! kernels, so results are the kernels' for a given seed and thread count.

mod parameters;
mod scaler_stats;
mod shuffle_buffer;
mod stream;

use linfa::ParamGuard;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::autoencoder::{Autoencoder, AutoencoderParams, AutoencoderValidParams};
use crate::backend;
use crate::data::{Dataset, Matrix, Scaler, Schema};
use crate::error::{AekitError, Result};
use crate::model::dense::fitted::DenseFitted;
use crate::model::dense::kernel_bridge::{trainable_net, write_into};
use crate::model::dense::module::DenseAutoencoder;
use crate::model::{DenseAutoencoderConfig, ModelConfig};
use crate::model_file::{FORMAT_VERSION, ModelMeta, Preprocessing, TaskData};
use crate::train::kernel_trainer::KernelTrainer;
use crate::train::{EpochRecord, LossKind, Pairs, StopReason, TrainingData};

pub use parameters::average;
pub use scaler_stats::ScalerStats;
pub use shuffle_buffer::ShuffleBuffer;
pub(crate) use stream::for_each_chunk;
pub use stream::{StreamConfig, StreamReport};

/// Keeps the shuffling stream apart from the initialisation stream drawn
/// from the same seed (the fit loop's constant).
const SHUFFLE_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

impl AutoencoderParams {
    /// Checks the params and starts an incremental fit: feed it chunks with
    /// [`IncrementalFit::partial_fit`]. Dense models only (not paired),
    /// trained on the kernels.
    pub fn incremental(&self) -> Result<IncrementalFit> {
        IncrementalFit::new(self.check_ref()?.clone())
    }
}

/// An autoencoder being fitted chunk by chunk (see the module docs).
///
/// ```
/// use aekit::{Autoencoder, TrainingSetters};
/// use ndarray::{Array2, s};
///
/// let x = Array2::from_shape_fn((300, 4), |(i, j)| ((i % 10) * (j + 1)) as f32 / 40.0);
/// let mut fit = Autoencoder::params().bottleneck(2).seed(1).incremental()?;
/// for start in (0..300).step_by(100) {
///     fit.partial_fit(x.slice(s![start..start + 100, ..]))?; // one pass over the chunk
/// }
/// let model = fit.model()?;
/// assert_eq!(model.history().epochs.len(), 3);
/// assert_eq!(model.transform(x.view())?.ncols(), 2);
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct IncrementalFit {
    params: AutoencoderValidParams,
    config: DenseAutoencoderConfig,
    /// A scaler given before the first chunk (else fitted on it).
    scaler: Option<Scaler>,
    /// Columns fixed before the first chunk (else resolved from it).
    columns: Option<Schema>,
    started: Option<Started>,
}

/// Everything fixed by the first chunk, and the training state.
#[derive(Debug, Clone)]
struct Started {
    schema: Schema,
    scaler: Scaler,
    n_inputs: usize,
    /// Gives the trained weights a home (burn's module, as the file stores).
    template: DenseAutoencoder,
    trainer: KernelTrainer,
    /// The current chunk, scaled.
    rows: Matrix,
    /// The current pass's inputs when noise corrupts them.
    noisy: Option<Matrix>,
    order: Vec<usize>,
    /// Position in `order` of the next batch's first row.
    cursor: usize,
    /// Passes started over chunks (1-based once stepping began).
    passes: usize,
    rng: StdRng,
    history: crate::train::History,
}

impl IncrementalFit {
    fn new(params: AutoencoderValidParams) -> Result<IncrementalFit> {
        let config = match params.model() {
            ModelConfig::Dense(c) => c.clone(),
            other => {
                return Err(AekitError::Unsupported {
                    operation: "partial fitting",
                    needs: "a dense model".into(),
                    has: format!("is of kind {}", other.kind()),
                });
            }
        };
        if !params.training().native_kernels {
            return Err(AekitError::param(
                "native_kernels",
                "partial fitting runs on the dense kernels: leave native_kernels on",
            ));
        }
        if !params.training().device.is_cpu() {
            return Err(AekitError::param(
                "device",
                "partial fitting runs on the CPU's dense kernels: leave device at cpu",
            ));
        }
        if params.training().checkpoint.is_some() {
            return Err(AekitError::param(
                "checkpoint",
                "partial fitting keeps its state in memory: save the model between chunks instead",
            ));
        }
        Ok(IncrementalFit {
            params,
            config,
            scaler: None,
            columns: None,
            started: None,
        })
    }

    /// Uses `scaler` (fitted elsewhere: on every partition's merged
    /// [`ScalerStats`], say) instead of fitting one on the first chunk.
    /// Only before the first chunk.
    pub fn set_scaler(&mut self, scaler: Scaler) -> Result<()> {
        if self.started.is_some() {
            return Err(AekitError::param(
                "scaler",
                "is fixed by the first chunk: give it before partial fitting starts",
            ));
        }
        self.scaler = Some(scaler);
        Ok(())
    }

    /// The hyper-parameters.
    pub fn params(&self) -> &AutoencoderValidParams {
        &self.params
    }

    /// Whether a chunk has fixed the columns and scaler yet.
    pub fn is_started(&self) -> bool {
        self.started.is_some()
    }

    /// The model's input matrix of `chunk`, unscaled. The first call
    /// resolves the columns from it (as `fit` does); later calls read
    /// those columns, and a cell that cannot be read is an error naming
    /// its row and column.
    pub fn read(&self, chunk: &Dataset<'_>) -> Result<Matrix> {
        match &self.started {
            Some(s) => s.schema.input_matrix(chunk),
            None => self.first_schema(chunk)?.input_matrix(chunk),
        }
    }

    /// Statistics of `chunk`'s columns for the scaler of this fit's
    /// `scale`, to merge with other chunks' ([`ScalerStats::merge`]).
    pub fn scaler_stats(&self, chunk: &Dataset<'_>) -> Result<ScalerStats> {
        let m = self.read(chunk)?;
        ScalerStats::of(self.params.scale(), &m.values, m.n_cols)
    }

    /// Resolves the columns from `chunk` (as the first chunk would) and
    /// keeps them for every later chunk, so that statistics gathered before
    /// training starts read every chunk the same way. Only before the
    /// first chunk is loaded; a second call keeps the first columns.
    pub fn fix_columns(&mut self, chunk: &Dataset<'_>) -> Result<()> {
        if self.started.is_none() && self.columns.is_none() {
            self.columns = Some(self.first_schema(chunk)?);
        }
        Ok(())
    }

    fn first_schema(&self, chunk: &Dataset<'_>) -> Result<Schema> {
        if let Some(fixed) = &self.columns {
            return Ok(fixed.clone());
        }
        let mut schema = self.params.columns().resolve(chunk)?.schema;
        schema.fit_missing(chunk)?;
        Ok(schema)
    }

    /// Makes `chunk` the rows that [`run_steps`](Self::run_steps) draws
    /// batches from (the first chunk fixes the columns, the scaler unless
    /// one was given, and builds the network from the seed).
    pub fn load(&mut self, chunk: &Dataset<'_>) -> Result<()> {
        let threads = self.params.threads();
        backend::install(threads, || self.load_here(chunk))?
    }

    fn load_here(&mut self, chunk: &Dataset<'_>) -> Result<()> {
        let (mut rows, schema) = match &self.started {
            Some(s) => (s.schema.input_matrix(chunk)?, None),
            None => {
                let schema = self.first_schema(chunk)?;
                (schema.input_matrix(chunk)?, Some(schema))
            }
        };
        if rows.n_rows() == 0 {
            return Err(chunk.error("has no rows to fit on"));
        }
        let scaler = match (&self.started, &self.scaler) {
            (Some(s), _) => s.scaler.clone(),
            (None, Some(given)) if given.n_features() != rows.n_cols => {
                return Err(AekitError::param(
                    "scaler",
                    format!(
                        "was fitted on {} columns, but {} has {} feature columns",
                        given.n_features(),
                        chunk.describe(),
                        rows.n_cols
                    ),
                ));
            }
            (None, Some(given)) => given.clone(),
            (None, None) => Scaler::fit(self.params.scale(), &rows.values, rows.n_cols),
        };
        scaler.transform(&mut rows.values);
        self.install(rows, schema, scaler)
    }

    /// Decides what was left to a plain table of `n_inputs` inputs and
    /// `n_train` training rows (a streamed fit counts them first), before
    /// the first chunk.
    pub(crate) fn decide_for_table(&mut self, n_inputs: usize, n_train: usize) {
        if self.started.is_none() && self.params.image_shape().is_none() {
            self.params.decide_for_table(n_inputs, Some(n_train));
            if let ModelConfig::Dense(c) = self.params.model() {
                self.config = c.clone();
            }
        }
    }

    /// Makes rows already read with the fixed columns and scaled by the
    /// given scaler (see [`fix_columns`](Self::fix_columns) and
    /// [`set_scaler`](Self::set_scaler)) the rows steps draw from.
    /// On the caller's thread pool.
    pub(crate) fn load_scaled(&mut self, rows: Matrix) -> Result<()> {
        let (schema, scaler) = match (&self.started, &self.columns, &self.scaler) {
            (Some(s), _, _) => (None, s.scaler.clone()),
            (None, Some(c), Some(sc)) => (Some(c.clone()), sc.clone()),
            _ => {
                return Err(AekitError::param(
                    "scaler",
                    "scaled rows need the columns and scaler fixed first",
                ));
            }
        };
        self.install(rows, schema, scaler)
    }

    fn install(&mut self, rows: Matrix, schema: Option<Schema>, scaler: Scaler) -> Result<()> {
        if self.params.training().loss == LossKind::Bce
            && rows.values.iter().any(|v| !(0.0..=1.0).contains(v))
        {
            return Err(AekitError::param(
                "loss",
                "bce needs targets in [0, 1]: scale min-max (and a later chunk must stay within the first's range)",
            ));
        }
        let n = rows.n_rows();
        match (&mut self.started, schema) {
            (Some(s), _) => {
                if rows.n_cols != s.n_inputs {
                    return Err(AekitError::Width {
                        operation: "partial fit",
                        expected: s.n_inputs,
                        got: rows.n_cols,
                    });
                }
                s.rows = rows;
                s.order = (0..n).collect();
                s.cursor = 0;
                s.noisy = None;
            }
            (None, Some(schema)) => {
                let n_inputs = rows.n_cols;
                // A plain table's first chunk decides the code width left to it.
                if self.params.image_shape().is_none() {
                    self.params.decide_for_table(n_inputs, None);
                    if let ModelConfig::Dense(c) = self.params.model() {
                        self.config = c.clone();
                    }
                }
                self.config.check_size(n_inputs, n_inputs)?;
                let training = self.params.training();
                let mut init = StdRng::seed_from_u64(training.seed);
                let template =
                    self.config
                        .init(n_inputs, n_inputs, &mut init, &backend::training_device());
                let trainer = KernelTrainer::new(
                    trainable_net(&template),
                    &training.optimizer,
                    training.loss,
                    training.seed,
                );
                self.started = Some(Started {
                    schema,
                    scaler,
                    n_inputs,
                    template,
                    trainer,
                    rows,
                    noisy: None,
                    order: (0..n).collect(),
                    cursor: 0,
                    passes: 0,
                    rng: StdRng::seed_from_u64(training.seed.wrapping_add(SHUFFLE_STREAM)),
                    history: Default::default(),
                });
            }
            (None, None) => unreachable!("a first chunk resolves its schema"),
        }
        Ok(())
    }

    /// Batches in one pass over the loaded rows.
    pub fn steps_per_pass(&self) -> usize {
        self.started.as_ref().map_or(0, |s| {
            s.rows.n_rows().div_ceil(self.params.training().batch_size)
        })
    }

    /// Runs `n` optimiser steps on batches of the loaded rows, a seeded
    /// shuffle of them per pass (when `shuffle`), carrying on where the
    /// last call stopped; returns the steps' mean loss. A loss that is not
    /// finite stops with an error and updates nothing.
    pub fn run_steps(&mut self, n: usize) -> Result<f64> {
        let threads = self.params.threads();
        backend::install(threads, || self.run_steps_here(n))?
    }

    fn run_steps_here(&mut self, n: usize) -> Result<f64> {
        let training = self.params.training().clone();
        let clip = (self.config.output_activation == crate::model::Activation::Sigmoid)
            .then_some((0.0, 1.0));
        let s = self
            .started
            .as_mut()
            .ok_or_else(|| AekitError::param("rows", "load a chunk before running steps"))?;
        let mut sum = 0.0;
        for _ in 0..n {
            if s.cursor == 0 {
                s.passes += 1;
                if training.shuffle {
                    s.order.shuffle(&mut s.rng);
                }
                s.noisy = training.noise.map(|_| {
                    let data = TrainingData::new(&s.rows, None).with_noise(
                        training.noise,
                        clip,
                        training.seed,
                    );
                    let epoch = data.epoch(s.passes);
                    epoch.pairs().inputs.clone()
                });
            }
            let end = (s.cursor + training.batch_size).min(s.order.len());
            let pairs = Pairs {
                inputs: s.noisy.as_ref().unwrap_or(&s.rows),
                targets: &s.rows,
            };
            let loss = s.trainer.step(pairs, &s.order[s.cursor..end]);
            s.cursor = if end == s.order.len() { 0 } else { end };
            if !loss.is_finite() {
                return Err(AekitError::Diverged {
                    epoch: s.history.epochs.len() + 1,
                    kept: "the step was not taken".into(),
                });
            }
            sum += loss;
        }
        Ok(sum / n.max(1) as f64)
    }

    /// Loads `chunk` and makes one pass over it ([`load`](Self::load),
    /// then [`run_steps`](Self::run_steps) for a pass), recorded in the
    /// history as an epoch; returns its mean loss.
    pub fn partial_fit<'d>(&mut self, chunk: impl Into<Dataset<'d>>) -> Result<f64> {
        self.load(&chunk.into())?;
        let loss = self.run_steps(self.steps_per_pass())?;
        self.record_epoch(loss);
        Ok(loss)
    }

    /// Records an epoch's mean training loss in the history (an engine
    /// records the loss averaged over its workers).
    pub fn record_epoch(&mut self, loss: f64) {
        if let Some(s) = &mut self.started {
            let epoch = s.history.epochs.len() + 1;
            s.history.epochs.push(EpochRecord {
                epoch,
                loss,
                val_loss: None,
                seconds: 0.0,
                penalty: None,
            });
            s.history.kept_epoch = epoch;
            s.history.stop_reason = StopReason::Completed;
        }
    }

    /// The fitted model so far: the network in inference form (batch norm
    /// with its running statistics), the columns and scaler, the history.
    pub fn model(&self) -> Result<Autoencoder> {
        let s = self.started()?;
        let module = write_into(s.trainer.net(), s.template.clone());
        let network = DenseFitted::new(module, self.config.clone());
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            model: self.params.model().clone(),
            input: Preprocessing {
                shape: vec![s.n_inputs],
                schema: s.schema.clone(),
                scaler: s.scaler.clone(),
            },
            target: None,
            training: self.params.training().clone(),
            history: s.history.clone(),
            tasks: TaskData::default(),
        };
        Ok(Autoencoder::from_parts(
            meta,
            Box::new(network),
            self.params.threads(),
            crate::backend::DeviceChoice::Cpu,
        ))
    }

    /// Mean loss over `pairs` (scaled) in inference mode, as the fit
    /// loop validates.
    pub(crate) fn validation_loss(&self, pairs: Pairs<'_>) -> Result<f64> {
        let s = self.started()?;
        Ok(s.trainer.net().folded().mean_loss(
            s.trainer.loss(),
            &pairs.inputs.values,
            &pairs.targets.values,
        ))
    }

    /// The training state (weights and optimiser moments) to go back to.
    pub(crate) fn snapshot(&self) -> Option<KernelTrainer> {
        self.started.as_ref().map(|s| s.trainer.clone())
    }

    /// Goes back to a [`snapshot`](Self::snapshot).
    pub(crate) fn restore(&mut self, snapshot: KernelTrainer) {
        if let Some(s) = &mut self.started {
            s.trainer = snapshot;
        }
    }

    /// The history, to record epochs and how training ended in.
    pub(crate) fn history_mut(&mut self) -> Option<&mut crate::train::History> {
        self.started.as_mut().map(|s| &mut s.history)
    }

    fn started(&self) -> Result<&Started> {
        self.started
            .as_ref()
            .ok_or_else(|| AekitError::param("rows", "no chunk has been fitted yet"))
    }
}
