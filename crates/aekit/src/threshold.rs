//! Anomaly thresholds: the rule that sets one from training scores, and
//! the threshold a detector's model file stores. Plain data, so the model
//! file does not depend on the anomaly task.

use serde::{Deserialize, Serialize};

use crate::data::ScaleKind;
use crate::error::{AekitError, Result};

/// How the threshold is set from the training scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum ThresholdRule {
    /// Expected share of anomalies in the training data, in (0, 0.5]: the
    /// threshold is the (1 - P) quantile of the training scores (PyOD's rule).
    Contamination(f64),
    /// The threshold is this percentile (0-100) of the training scores.
    Percentile(f64),
}

impl Default for ThresholdRule {
    fn default() -> Self {
        ThresholdRule::Contamination(DEFAULT_CONTAMINATION)
    }
}

/// PyOD's default contamination.
pub const DEFAULT_CONTAMINATION: f64 = 0.1;

impl ThresholdRule {
    /// Checks the rule's value.
    pub fn validate(self) -> Result<()> {
        match self {
            ThresholdRule::Contamination(p) if !(p > 0.0 && p <= 0.5) => Err(AekitError::param(
                "contamination",
                format!("must be in (0, 0.5], got {p}"),
            )),
            ThresholdRule::Percentile(q) if !(0.0..=100.0).contains(&q) => Err(AekitError::param(
                "threshold_percentile",
                format!("must be in [0, 100], got {q}"),
            )),
            _ => Ok(()),
        }
    }

    /// The quantile (0-1) of the training scores this rule takes.
    pub fn quantile(self) -> f64 {
        match self {
            ThresholdRule::Contamination(p) => 1.0 - p,
            ThresholdRule::Percentile(q) => q / 100.0,
        }
    }
}

/// The threshold stored with a detector, and how it came about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyThreshold {
    /// Rows scoring above this are anomalies.
    pub threshold: f64,
    /// The rule that set it.
    pub rule: ThresholdRule,
    /// Share of training rows above the threshold.
    pub training_flagged: f64,
}

/// What a detector chose and how each of its models trained, stored with
/// it so that `aekit summary` can show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorRecord {
    /// The feature scaling.
    pub scale: ScaleKind,
    /// Share of the worst-rebuilt training rows each member was refitted
    /// without (0: no refit).
    pub trim: f64,
    /// Bins of the width-0 member's per-feature histograms (None: none;
    /// detectors before it had none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram_bins: Option<usize>,
    /// k of the neighbour member (None: none; detectors before it had none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<usize>,
    /// The weight of each kind of member, autoencoders first, then the
    /// histograms and the neighbours if present (None: every member the
    /// same weight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_weights: Option<Vec<f64>>,
    /// The models, in the order they score.
    pub members: Vec<MemberRecord>,
}

impl DetectorRecord {
    /// The record of a detector that is one dense model of code `width`,
    /// trained `epochs` epochs on `rows` rows, with no refit.
    pub fn one_model(scale: ScaleKind, width: usize, epochs: usize, rows: usize) -> DetectorRecord {
        DetectorRecord {
            scale,
            trim: 0.0,
            histogram_bins: None,
            neighbours: None,
            kind_weights: None,
            members: vec![MemberRecord {
                width,
                epochs,
                refit_epochs: None,
                rows,
            }],
        }
    }
}

/// How one model of a detector trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// Width of its code.
    pub width: usize,
    /// Epochs of the first fit (on every training row).
    pub epochs: usize,
    /// Epochs of the refit without the trimmed rows (None: no refit).
    pub refit_epochs: Option<usize>,
    /// Rows the kept fit trained and validated on.
    pub rows: usize,
}
