//! What a fit is given besides its training rows: rows to validate on and
//! an observer to report to. Both optional.

use crate::data::Dataset;
use crate::train::TrainingObserver;

/// Validation rows and an observer for a fit; by default neither: the
/// fit validates on `validation_split` when set, and reports to no one.
///
/// ```
/// use aekit::{Autoencoder, FitOptions, TrainingSetters};
/// use aekit::train::{Control, EpochRecord, StopReason};
/// use ndarray::Array2;
///
/// let train = Array2::from_shape_fn((64, 3), |(i, j)| ((i * (j + 1)) % 10) as f32);
/// let test = Array2::from_shape_fn((16, 3), |(i, j)| ((i + j) % 10) as f32);
/// // An observer: a closure over each epoch that stops after the third.
/// let mut curve = Vec::new();
/// let mut watch = |epoch: &EpochRecord| {
///     curve.push(epoch.val_loss);
///     Control::stop_if(epoch.epoch == 3)
/// };
/// let model = Autoencoder::params()
///     .epochs(50)
///     .fit_with(&train, FitOptions::new().validation(&test).observer(&mut watch))?;
/// assert_eq!(model.history().stop_reason, StopReason::StopRequested);
/// assert_eq!(curve.len(), 3);
/// assert!(curve.iter().all(Option::is_some));
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Default)]
pub struct FitOptions<'a> {
    validation: Option<Dataset<'a>>,
    validation_target: Option<Dataset<'a>>,
    observer: Option<&'a mut dyn TrainingObserver>,
}

impl std::fmt::Debug for FitOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitOptions")
            .field("validation", &self.validation)
            .field("validation_target", &self.validation_target)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl<'a> FitOptions<'a> {
    /// No validation rows, no observer.
    pub fn new() -> FitOptions<'a> {
        FitOptions::default()
    }

    /// Rows to validate on after every epoch (their loss is the monitored
    /// one for early stopping). Default: none (the last `validation_split`
    /// of the training rows, when that is set).
    pub fn validation(mut self, rows: impl Into<Dataset<'a>>) -> Self {
        self.validation = Some(rows.into());
        self
    }

    /// For a paired fit, the targets of the validation rows (row i with
    /// row i). Default: none.
    pub fn validation_target(mut self, rows: impl Into<Dataset<'a>>) -> Self {
        self.validation_target = Some(rows.into());
        self
    }

    /// Reports progress to `observer`, which can stop the fit. Default:
    /// no one.
    pub fn observer(mut self, observer: &'a mut dyn TrainingObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The parts: validation rows, their targets, the observer.
    pub(crate) fn into_parts(
        self,
    ) -> (
        Option<Dataset<'a>>,
        Option<Dataset<'a>>,
        Option<&'a mut dyn TrainingObserver>,
    ) {
        (self.validation, self.validation_target, self.observer)
    }
}
