//! What training did, epoch by epoch: stored in the model file.

use serde::{Deserialize, Serialize};

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (training mode).
    pub loss: f64,
    /// Loss on the validation data at the end of the epoch (inference mode).
    pub val_loss: Option<f64>,
    /// Wall-clock seconds the epoch took. Not saved in model files, so
    /// that the same run saves the same bytes (0 when loaded).
    #[serde(skip_serializing, default)]
    pub seconds: f64,
    /// The part of `loss` the model's kind adds to the reconstruction
    /// loss (a VAE's beta-weighted KL term), for kinds that add one; the
    /// reconstruction term is `loss - penalty`. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<f64>,
}

impl EpochRecord {
    /// The reconstruction term of the training loss.
    pub fn reconstruction(&self) -> f64 {
        self.loss - self.penalty.unwrap_or(0.0)
    }
}

/// Why training ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every epoch ran.
    #[default]
    Completed,
    /// The monitored loss did not improve for `patience` epochs.
    EarlyStopped,
    /// The loss became NaN or infinite; the last finite weights were kept.
    Diverged,
    /// An observer asked to stop ([`Control::Stop`](super::Control::Stop)).
    StopRequested,
}

/// The training history.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct History {
    /// Per-epoch figures.
    pub epochs: Vec<EpochRecord>,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// The epoch whose weights the model holds.
    pub kept_epoch: usize,
}

impl History {
    /// The monitored loss of an epoch: val_loss when there is one.
    pub fn monitored(record: &EpochRecord) -> f64 {
        record.val_loss.unwrap_or(record.loss)
    }

    /// The record of the epoch whose weights were kept.
    pub fn kept(&self) -> Option<&EpochRecord> {
        self.epochs.iter().find(|r| r.epoch == self.kept_epoch)
    }

    /// The last epoch's record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }
}
