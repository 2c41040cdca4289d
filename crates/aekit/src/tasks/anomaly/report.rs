//! How to score a file and what scoring it found.

use serde::Serialize;

use crate::tasks::metrics::Confusion;
use crate::tasks::ranking_sketch::DEFAULT_EXACT_ROWS;

/// Rows scored at a time by default: measured on a 880 MB, 100-column CSV,
/// 8192 rows peaked at 83-86 MB and 2048 at 42-46 MB, with no loss of speed
/// (the reader, not the chunk's kernels, bounds the rate).
pub const DEFAULT_SCORE_CHUNK_ROWS: usize = 2048;

/// How to score a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Overrides the model's threshold.
    pub threshold: Option<f64>,
    /// Name the top N features of each row's error (0: none).
    pub explain: usize,
    /// A 0/1 column (1 = anomaly) to compute metrics against.
    pub label: Option<String>,
    /// Rows read, scored and written at a time.
    pub chunk_rows: usize,
    /// With `label`: rows whose (score, label) are kept for exact ROC AUC
    /// and average precision; past them both come from a histogram
    /// ([`RankingSketch`](crate::tasks::ranking_sketch::RankingSketch)), memory staying flat.
    pub exact_rows: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            threshold: None,
            explain: 0,
            label: None,
            chunk_rows: DEFAULT_SCORE_CHUNK_ROWS,
            exact_rows: DEFAULT_EXACT_ROWS,
        }
    }
}

/// Detection quality against known labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionMetrics {
    /// Area under the ROC curve of the scores (None: one class only).
    pub roc_auc: Option<f64>,
    /// Average precision of the scores (None: no anomalies).
    pub average_precision: Option<f64>,
    /// Whether ROC AUC and average precision are exact (every row kept);
    /// otherwise they come from a histogram of the scores.
    pub exact: bool,
    /// The true ROC AUC lies within this of `roc_auc` (0 when exact).
    pub roc_auc_error_bound: f64,
    /// Precision of the flags at the threshold.
    pub precision: f64,
    /// Recall of the flags at the threshold.
    pub recall: f64,
    /// F1 of the flags at the threshold.
    pub f1: f64,
    /// The flags against the labels.
    pub confusion: Confusion,
}

/// What scoring a file found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    /// Rows scored.
    pub rows: usize,
    /// Rows flagged.
    pub anomalies: usize,
    /// The threshold used.
    pub threshold: f64,
    /// Metrics, when a label column was given.
    pub metrics: Option<DetectionMetrics>,
    /// Cells whose category training did not see (read as all-zero blocks).
    #[serde(skip_serializing_if = "is_zero")]
    pub unseen_categories: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
