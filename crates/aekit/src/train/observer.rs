//! How training reports progress: an observer with do-nothing defaults.

use super::history::EpochRecord;

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
