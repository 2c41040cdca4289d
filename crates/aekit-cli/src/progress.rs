//! Shows training progress: a bar on a terminal, one plain line per epoch otherwise.

use std::io::IsTerminal;

use aekit::train::{Control, EpochRecord, TrainingObserver, TrainingStart};
use indicatif::{ProgressBar, ProgressStyle};

/// Prints each epoch's figures to stderr, with a batch bar on terminals.
pub struct EpochPrinter {
    bar: Option<ProgressBar>,
    epochs: usize,
    quiet: bool,
    interactive: bool,
}

impl EpochPrinter {
    /// A printer; `quiet` prints nothing.
    pub fn new(quiet: bool) -> EpochPrinter {
        EpochPrinter {
            bar: None,
            epochs: 0,
            quiet,
            interactive: std::io::stderr().is_terminal(),
        }
    }
}

/// One epoch as a line.
pub fn epoch_line(record: &EpochRecord, epochs: usize) -> String {
    let width = epochs.to_string().len();
    let val = record
        .val_loss
        .map(|v| format!("  val_loss {v:.6}"))
        .unwrap_or_default();
    let terms = record
        .penalty
        .map(|p| {
            format!(
                " (reconstruction {:.6} + kl {p:.6})",
                record.reconstruction()
            )
        })
        .unwrap_or_default();
    // Model files keep no wall-clock times (so they are reproducible): a
    // record read from one has 0 seconds, shown as no time at all.
    let seconds = if record.seconds > 0.0 {
        format!("  {:.3}s", record.seconds)
    } else {
        String::new()
    };
    format!(
        "epoch {:>width$}/{epochs}  loss {:.6}{terms}{val}{seconds}",
        record.epoch, record.loss
    )
}

impl TrainingObserver for EpochPrinter {
    fn on_train_start(&mut self, start: &TrainingStart) -> Control {
        if self.quiet {
            return Control::Continue;
        }
        if !start.skipped_empty.is_empty() {
            eprintln!(
                "note: empty columns left out of the features: {}",
                start.skipped_empty.join(", ")
            );
        }
        if !start.skipped_text.is_empty() {
            eprintln!(
                "note: text columns left out of the features (more distinct values than --max-categories, or empty): {}",
                start.skipped_text.join(", ")
            );
        }
        let validation = match start.n_validation_rows {
            0 => String::new(),
            n => format!(", validating on {n} rows"),
        };
        eprintln!(
            "training on {} rows x {} features{validation}",
            start.n_rows, start.n_features
        );
        Control::Continue
    }

    fn on_epoch_start(&mut self, epoch: usize, epochs: usize, n_batches: usize) -> Control {
        self.epochs = epochs;
        if self.quiet || !self.interactive {
            return Control::Continue;
        }
        let bar = ProgressBar::new(n_batches as u64);
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "epoch {epoch}/{epochs} [{{bar:30}}] {{pos}}/{{len}} {{msg}}"
        )) {
            bar.set_style(style.progress_chars("=> "));
        }
        self.bar = Some(bar);
        Control::Continue
    }

    fn on_batch_end(&mut self, batch: usize, loss: f64) -> Control {
        if let Some(bar) = &self.bar {
            bar.set_position(batch as u64);
            bar.set_message(format!("loss {loss:.6}"));
        }
        Control::Continue
    }

    fn on_epoch_end(&mut self, record: &EpochRecord) -> Control {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if !self.quiet {
            eprintln!("{}", epoch_line(record, self.epochs));
        }
        Control::Continue
    }
}

/// Shows rows processed and rows per second on a terminal.
pub struct RowMeter {
    bar: Option<ProgressBar>,
}

impl RowMeter {
    /// A meter; `quiet` or a non-terminal stderr shows nothing.
    pub fn new(quiet: bool) -> RowMeter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {human_pos} rows  {per_sec}  {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        RowMeter { bar }
    }

    /// `rows` rows are done.
    pub fn update(&mut self, rows: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(rows as u64);
        }
    }

    /// Clears the meter.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
