//! Saving a freshly trained model and telling how its training ended.

use std::path::Path;

use aekit::Autoencoder;
use aekit::report::plot;
use aekit::train::StopReason;
use anyhow::Result;

use crate::commands::history_title;

/// Saves a freshly trained model, draws its curves, and reports how training ended.
pub fn finish_training(
    model: &Autoencoder,
    out: &Path,
    plot: Option<&Path>,
    quiet: bool,
) -> Result<()> {
    model.save(out)?;
    let history = model.history();
    if let Some(png) = plot {
        plot::history(history, &history_title(out), png)?;
    }
    match history.stop_reason {
        StopReason::Diverged => eprintln!(
            "warning: the loss became NaN or infinite; stopped and kept the weights of epoch {}",
            history.kept_epoch
        ),
        StopReason::EarlyStopped if !quiet => eprintln!(
            "early stop: no improvement for {} epochs; kept the best weights (epoch {})",
            model.meta().training.patience.unwrap_or_default(),
            history.kept_epoch
        ),
        _ => {}
    }
    if !quiet {
        if let Some(kept) = history.kept() {
            let val = kept
                .val_loss
                .map(|v| format!(", val_loss {v:.6}"))
                .unwrap_or_default();
            let whose = if model.kind() == "ensemble" {
                " (last model)"
            } else {
                ""
            };
            eprintln!(
                "kept epoch {}{whose}: loss {:.6}{val}",
                kept.epoch, kept.loss
            );
        }
        eprintln!("saved {}", out.display());
    }
    Ok(())
}
