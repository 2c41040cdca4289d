//! Checks on a finished training run before its weights are kept.

use crate::data::Matrix;
use crate::error::{AekitError, Result};
use crate::model::FittedNetwork;
use crate::train::History;

/// After a run that diverged, refuses to keep weights that are untrained
/// (no epoch ended with a finite loss) or that give outputs that are not
/// finite on the training rows.
pub(super) fn check_divergence(
    network: &dyn FittedNetwork,
    history: &History,
    inputs: &Matrix,
) -> Result<()> {
    if history.stop_reason != crate::train::StopReason::Diverged {
        return Ok(());
    }
    refuse_untrained(history)?;
    let epoch = diverged_epoch(history);
    if let Some(predictor) = network.predictor() {
        let outputs = predictor.predict(inputs)?;
        if outputs.values.iter().any(|v| !v.is_finite()) {
            return Err(AekitError::Diverged {
                epoch,
                kept: format!(
                    "the weights of epoch {} give outputs that are not finite",
                    history.kept_epoch
                ),
            });
        }
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
/// it has only its untrained weights (a detector's member as a model).
pub(crate) fn refuse_untrained(history: &History) -> Result<()> {
    if history.stop_reason == crate::train::StopReason::Diverged && history.kept_epoch == 0 {
        return Err(AekitError::Diverged {
            epoch: diverged_epoch(history),
            kept: "no epoch ended with a finite loss, so only the untrained weights remain".into(),
        });
    }
    Ok(())
}
