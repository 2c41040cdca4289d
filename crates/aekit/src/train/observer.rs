//! How training reports progress, and how whoever listens stops it: an
//! observer whose callbacks each answer [`Control::Continue`] or
//! [`Control::Stop`], with do-nothing defaults.

use super::history::EpochRecord;

/// What is about to be trained on, once the data has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingStart {
    /// Training rows.
    pub n_rows: usize,
    /// Validation rows (0: none).
    pub n_validation_rows: usize,
    /// Feature columns (the text kinds: token ids, the vocabulary's size).
    pub n_features: usize,
    /// Text columns that were not named and so were left out.
    pub skipped_text: Vec<String>,
    /// Columns whose every cell is empty, left out.
    pub skipped_empty: Vec<String>,
}

/// An observer's answer to the training loop.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Control {
    /// Go on training.
    #[default]
    Continue,
    /// Stop: after this batch, or before this epoch. The history ends
    /// with [`StopReason::StopRequested`](super::StopReason::StopRequested).
    Stop,
}

impl Control {
    /// [`Stop`](Control::Stop) when `condition` holds.
    pub fn stop_if(condition: bool) -> Control {
        if condition {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    /// Whether this is [`Stop`](Control::Stop).
    pub fn is_stop(self) -> bool {
        self == Control::Stop
    }
}

/// Receives progress from the loop and can stop it; every method has a
/// default that does nothing and continues.
///
/// Stopping from [`on_batch_end`](Self::on_batch_end) ends the epoch after
/// that batch: it is recorded (its loss over the batches it ran,
/// validated as every epoch is) and [`on_epoch_end`](Self::on_epoch_end)
/// still hears of it. Stopping from [`on_epoch_end`](Self::on_epoch_end)
/// ends training after that epoch; from
/// [`on_epoch_start`](Self::on_epoch_start), before that epoch; from
/// [`on_train_start`](Self::on_train_start), before the first. The model
/// keeps the weights it had at the stop (the best ones, with early
/// stopping's patience set).
///
/// Observers run on the library's thread pool, so they are [`Send`]. A
/// closure taking an [`EpochRecord`] is an observer of epochs.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// use aekit::train::{Control, StopReason, TrainingObserver};
/// use aekit::{Autoencoder, FitOptions, TrainingSetters};
/// use ndarray::Array2;
///
/// /// Counts batches, and stops when another thread (a GUI, a signal
/// /// handler) raises the flag.
/// struct Cancellable {
///     batches: usize,
///     cancel: Arc<AtomicBool>,
/// }
///
/// impl TrainingObserver for Cancellable {
///     fn on_batch_end(&mut self, _batch: usize, _loss: f64) -> Control {
///         self.batches += 1;
///         if self.batches == 10 {
///             self.cancel.store(true, Ordering::Relaxed); // as if a user clicked
///         }
///         Control::stop_if(self.cancel.load(Ordering::Relaxed))
///     }
/// }
///
/// let x = Array2::from_shape_fn((320, 3), |(i, j)| ((i + j) % 9) as f32);
/// let mut observer = Cancellable { batches: 0, cancel: Arc::default() };
/// let model = Autoencoder::params()
///     .epochs(100)
///     .fit_with(&x, FitOptions::new().observer(&mut observer))?;
/// assert_eq!(observer.batches, 10); // ten batches of 32 rows: one epoch
/// assert_eq!(model.history().stop_reason, StopReason::StopRequested);
/// # Ok::<(), aekit::AekitError>(())
/// ```
pub trait TrainingObserver: Send {
    /// The data is checked and training is about to start.
    fn on_train_start(&mut self, _start: &TrainingStart) -> Control {
        Control::Continue
    }
    /// An epoch (1-based, of `epochs`) is starting with `n_batches` batches.
    fn on_epoch_start(&mut self, _epoch: usize, _epochs: usize, _n_batches: usize) -> Control {
        Control::Continue
    }
    /// A batch (1-based) finished with this mean loss.
    fn on_batch_end(&mut self, _batch: usize, _loss: f64) -> Control {
        Control::Continue
    }
    /// An epoch finished.
    fn on_epoch_end(&mut self, _record: &EpochRecord) -> Control {
        Control::Continue
    }
}

/// A closure over each finished epoch.
impl<F: FnMut(&EpochRecord) -> Control + Send> TrainingObserver for F {
    fn on_epoch_end(&mut self, record: &EpochRecord) -> Control {
        self(record)
    }
}

/// An observer that ignores everything (what a fit without one uses).
pub struct Silent;

impl TrainingObserver for Silent {}

/// Stops before the first epoch: stands in for an observer that said stop
/// as training started.
pub(crate) struct StopAtOnce;

impl TrainingObserver for StopAtOnce {
    fn on_epoch_start(&mut self, _epoch: usize, _epochs: usize, _n_batches: usize) -> Control {
        Control::Stop
    }
}
