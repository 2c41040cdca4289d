//! The fit sequence every kind goes through around its own training
//! step: the validation split, the observer told what is about to be
//! trained (and obeyed if it says stop), the kind's training, then the
//! divergence check before the weights are kept. A kind supplies its
//! rows, its module and its step; the sequence is written here once.

use super::TrainingConfig;
use super::history::{History, StopReason};
use super::observer::{StopAtOnce, TrainingObserver, TrainingStart};
use super::validation_split::{SplitStream, validation_rows};
use crate::data::Matrix;
use crate::error::{AekitError, Result};

/// The rows to fit on and the rows to validate on (none without a
/// `validation_split`), out of `n`: the one validation split, as
/// [`validation_rows`] draws it for `stream`.
pub(crate) fn split_rows(
    training: &TrainingConfig,
    n: usize,
    stream: SplitStream,
) -> Result<(Vec<usize>, Vec<usize>)> {
    Ok(validation_rows(training, n, stream)?.unwrap_or_else(|| ((0..n).collect(), Vec::new())))
}

/// Tells `observer` what is about to be trained, trains with `train`, and
/// checks the result with [`check_divergence`] (`outputs`: the trained
/// model's outputs on its training rows, when the kind has them). An
/// observer that answers stop at the start stops training before the
/// first epoch: the model keeps its initial weights.
pub(crate) fn train_observed<N>(
    observer: &mut dyn TrainingObserver,
    start: &TrainingStart,
    train: impl FnOnce(&mut dyn TrainingObserver) -> Result<(N, History)>,
    outputs: impl FnOnce(&N) -> Result<Option<Matrix>>,
) -> Result<(N, History)> {
    let mut stopped = StopAtOnce;
    let observer: &mut dyn TrainingObserver = if observer.on_train_start(start).is_stop() {
        &mut stopped
    } else {
        observer
    };
    let (net, history) = train(observer)?;
    check_divergence(&history, || outputs(&net))?;
    Ok((net, history))
}

/// After a run that diverged, refuses to keep weights that are untrained
/// (no epoch ended with a finite loss) or whose `outputs` on the training
/// rows are not finite.
pub(crate) fn check_divergence(
    history: &History,
    outputs: impl FnOnce() -> Result<Option<Matrix>>,
) -> Result<()> {
    if history.stop_reason != StopReason::Diverged {
        return Ok(());
    }
    refuse_untrained(history)?;
    if let Some(outputs) = outputs()?
        && outputs.values.iter().any(|v| !v.is_finite())
    {
        return Err(AekitError::Diverged {
            epoch: diverged_epoch(history),
            kept: format!(
                "the weights of epoch {} give outputs that are not finite",
                history.kept_epoch
            ),
        });
    }
    Ok(())
}

/// The epoch in which a diverged run's loss stopped being finite.
fn diverged_epoch(history: &History) -> usize {
    match history.epochs.last() {
        Some(r) if !History::monitored(r).is_finite() => r.epoch,
        Some(r) => r.epoch + 1,
        None => 1,
    }
}

/// Refuses a run that diverged before any epoch ended with a finite loss:
/// it has only its untrained weights.
fn refuse_untrained(history: &History) -> Result<()> {
    if history.stop_reason == StopReason::Diverged && history.kept_epoch == 0 {
        return Err(AekitError::Diverged {
            epoch: diverged_epoch(history),
            kept: "no epoch ended with a finite loss, so only the untrained weights remain".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{Control, EpochRecord};

    fn diverged(kept_epoch: usize) -> History {
        History {
            stop_reason: StopReason::Diverged,
            kept_epoch,
            ..History::default()
        }
    }

    #[test]
    fn a_stop_at_the_start_reaches_the_training_step() {
        struct No;
        impl TrainingObserver for No {
            fn on_train_start(&mut self, _start: &TrainingStart) -> Control {
                Control::Stop
            }
        }
        let start = TrainingStart {
            n_rows: 3,
            n_validation_rows: 0,
            n_features: 1,
            skipped_text: vec![],
            skipped_empty: vec![],
        };
        // Whether the training step's observer asks to stop at epoch 1.
        let stops = |observer: &mut dyn TrainingObserver| {
            train_observed(
                observer,
                &start,
                |o| Ok((o.on_epoch_start(1, 1, 1).is_stop(), History::default())),
                |_| Ok(None),
            )
            .unwrap()
            .0
        };
        assert!(stops(&mut No));
        let mut epochs = |_: &EpochRecord| Control::Continue;
        assert!(!stops(&mut epochs));
    }

    #[test]
    fn divergence_keeps_only_finite_trained_weights() {
        let finite = || Ok(Some(Matrix::new(vec![1.0, 2.0], 2)));
        let nan = || Ok(Some(Matrix::new(vec![f32::NAN, 2.0], 2)));
        assert!(check_divergence(&History::default(), nan).is_ok());
        assert!(check_divergence(&diverged(2), finite).is_ok());
        assert!(matches!(
            check_divergence(&diverged(2), nan),
            Err(AekitError::Diverged { .. })
        ));
        assert!(matches!(
            check_divergence(&diverged(0), || Ok(None)),
            Err(AekitError::Diverged { epoch: 1, .. })
        ));
    }
}
