//! Training hyper-parameters.

use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpointing;
use super::loss::LossKind;
use super::noise::Noise;
use super::optimizer::OptimizerConfig;
use crate::backend::DeviceChoice;
use crate::error::{AekitError, Result};

/// How to train: optimiser, loss, schedule, validation and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingConfig {
    /// The optimiser and its hyper-parameters (kind, learning rate, weight
    /// decay, momentum, epsilon). Default Adam with Keras' settings.
    pub optimizer: OptimizerConfig,
    /// The reconstruction loss. Default MSE; binary cross-entropy needs a
    /// sigmoid output. The text kinds train on their own loss.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub loss: LossKind,
    /// Passes over the training data, at least 1. Default 50.
    pub epochs: usize,
    /// Rows per gradient step, at least 1. Default 32 (Keras' default).
    pub batch_size: usize,
    /// Shuffle the rows before every epoch. Default true.
    pub shuffle: bool,
    /// Hold out this fraction of the training rows, in (0, 1), for
    /// validation when no validation rows are given: the last ones (as
    /// Keras' `validation_split`), or drawn at random with
    /// `shuffle_before_split`. Default none; 0 in a mapping (or on the
    /// command line) is none.
    #[serde(deserialize_with = "crate::named_values::zero_is_none")]
    pub validation_split: Option<f64>,
    /// Draw the `validation_split` rows at random (seeded) instead of
    /// taking the last ones. Default false (Keras' behaviour).
    pub shuffle_before_split: bool,
    /// Stop after this many epochs (at least 1) without improvement of
    /// the monitored loss (val_loss when there is validation data) and
    /// restore the best weights. Default: no early stopping; 0 in a mapping
    /// (or on the command line) is none.
    #[serde(deserialize_with = "crate::named_values::zero_is_none")]
    pub patience: Option<usize>,
    /// Smallest decrease of the monitored loss that counts as improvement
    /// for `patience`, at least 0. Default 0.
    pub min_delta: f64,
    /// Seeds weight initialisation, shuffling, the validation draw,
    /// dropout and input noise. Default 42.
    pub seed: u64,
    /// Corrupts the training inputs afresh each epoch (a denoising
    /// autoencoder); the targets stay clean, and so does validation.
    /// Default none.
    #[serde(deserialize_with = "crate::named_values::optional_name_or_value")]
    pub noise: Option<Noise>,
    /// On burn's path (`native_kernels` false), compute the output
    /// activation and the loss in one fused pass (aekit's loss kernel) instead
    /// of burn's chain of tensor operations. Same values and gradients;
    /// default true. The kernels always fuse.
    pub fused_loss: bool,
    /// Train on the kind's own kernels where it has them (dense models:
    /// aekit's CPU kernels) rather than burn's autodiff. Same results within
    /// float tolerance (dropout draws its own masks, so there the same in
    /// distribution); default true.
    pub native_kernels: bool,
    /// Save checkpoints of the run (or resume from one). Not part of the
    /// model file: a resumed run saves the same model as an uninterrupted
    /// one. Default none.
    #[serde(skip)]
    pub checkpoint: Option<Checkpointing>,
    /// CPU threads for fitting (and, kept by the fitted model, for using
    /// it), at least 1; `None` takes `RAYON_NUM_THREADS`, else every core.
    /// The same seed and thread count give the same model. Not part of the
    /// model file. Default `None`.
    #[serde(skip)]
    pub threads: Option<usize>,
    /// Where to train (and, kept by the fitted model, to infer): `cpu`,
    /// `gpu`, `gpu:N` or `auto` ([`DeviceChoice`]); a GPU needs aekit
    /// built with the `wgpu` or `cuda` feature. On a GPU every kind takes
    /// burn's generic path (aekit's CPU kernels stay on the CPU). Not part
    /// of the model file. Default `cpu`.
    #[serde(skip)]
    pub device: DeviceChoice,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            optimizer: OptimizerConfig::default(),
            loss: LossKind::Mse,
            epochs: 50,
            batch_size: 32,
            shuffle: true,
            validation_split: None,
            shuffle_before_split: false,
            patience: None,
            min_delta: 0.0,
            seed: 42,
            noise: None,
            fused_loss: true,
            native_kernels: true,
            checkpoint: None,
            threads: None,
            device: DeviceChoice::Cpu,
        }
    }
}

impl TrainingConfig {
    /// Checks every hyper-parameter once, before any work.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(AekitError::param("epochs", "must be at least 1"));
        }
        if self.batch_size == 0 {
            return Err(AekitError::param("batch_size", "must be at least 1"));
        }
        if let Some(split) = self.validation_split
            && !(split > 0.0 && split < 1.0)
        {
            return Err(AekitError::param("validation_split", "must be in (0, 1)"));
        }
        if self.patience == Some(0) {
            return Err(AekitError::param("patience", "must be at least 1"));
        }
        if !(self.min_delta >= 0.0 && self.min_delta.is_finite()) {
            return Err(AekitError::param("min_delta", "must be non-negative"));
        }
        if let Some(noise) = self.noise {
            noise.validate()?;
        }
        if self.threads == Some(0) {
            return Err(AekitError::param("threads", "must be at least 1"));
        }
        if let Some(cp) = &self.checkpoint {
            cp.validate()?;
        }
        self.optimizer.validate()
    }

    /// Refuses the reconstruction settings (a loss other than the
    /// default, input noise) for a kind that trains on its own loss.
    pub(crate) fn refuse_reconstruction(&self, kind: &str) -> Result<()> {
        let set = [
            ("loss", self.loss != LossKind::Mse),
            ("noise", self.noise.is_some()),
        ];
        match set.iter().find(|(_, given)| *given) {
            Some(&(name, _)) => Err(AekitError::param(
                name,
                format!(
                    "does not apply to {kind}, which train on clean inputs with their own loss"
                ),
            )),
            None => Ok(()),
        }
    }
}
