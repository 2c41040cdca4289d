//! One function per subcommand: read, call the library, print.

use aekit::data::Table;
use aekit::data::output::check_writable;
use aekit::tasks::features;
use aekit::train::StopReason;
use aekit::{Autoencoder, apply, backend};
use anyhow::{Context, Result};

use crate::cli::{ApplyArgs, EvaluateArgs, SummaryArgs, TrainArgs};
use crate::progress::EpochPrinter;
use crate::settings;

/// `aekit train`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let params = settings::train_params(args)?;
    let csv = settings::csv_options(&args.csv)?;
    check_writable(&args.out)?;
    backend::set_threads(args.threads)?;
    let table = Table::read(&args.data, &csv)?;
    let validation = args
        .validation
        .as_ref()
        .map(|p| Table::read(p, &csv))
        .transpose()?;
    let mut printer = EpochPrinter::new(args.quiet);
    let model = params.fit(&table, validation.as_ref(), &mut printer)?;
    model.save(&args.out)?;
    let history = model.history();
    match history.stop_reason {
        StopReason::Diverged => eprintln!(
            "warning: the loss became NaN or infinite; stopped and kept the weights of epoch {}",
            history.kept_epoch
        ),
        StopReason::EarlyStopped if !args.quiet => eprintln!(
            "early stop: no improvement for {} epochs; kept the best weights (epoch {})",
            params.training.patience.unwrap_or_default(),
            history.kept_epoch
        ),
        _ => {}
    }
    if !args.quiet {
        if let Some(kept) = history.kept() {
            let val = kept
                .val_loss
                .map(|v| format!(", val_loss {v:.6}"))
                .unwrap_or_default();
            eprintln!("kept epoch {}: loss {:.6}{val}", kept.epoch, kept.loss);
        }
        eprintln!("saved {}", args.out.display());
    }
    Ok(())
}

/// `aekit summary`.
pub fn summary(args: &SummaryArgs) -> Result<()> {
    let model = Autoencoder::load(&args.model)?;
    let meta = model.meta();
    println!("{}", model.summary());
    println!();
    println!(
        "features: {} ({})",
        meta.n_features,
        preview(&meta.schema.features)
    );
    if let Some(label) = &meta.schema.label {
        println!("label: {label}");
    }
    if !meta.schema.ids.is_empty() {
        println!("ids: {}", meta.schema.ids.join(", "));
    }
    println!("scaling: {:?}", meta.scaler.kind);
    let t = &meta.training;
    println!(
        "training: {:?} lr {} on {:?}, batch {}, seed {}",
        t.optimizer.kind,
        t.optimizer.lr(),
        t.loss,
        t.batch_size,
        t.seed
    );
    let h = &meta.history;
    if let Some(last) = h.last() {
        println!(
            "history: {} epochs, {:?}; {}",
            h.epochs.len(),
            h.stop_reason,
            crate::progress::epoch_line(last, h.epochs.len())
        );
    }
    if let Some(kept) = h.kept() {
        println!("weights from epoch {}", kept.epoch);
    }
    println!("written by aekit {}", meta.aekit_version);
    Ok(())
}

/// What `encode`, `decode` and `reconstruct` do to a table.
pub enum Apply {
    /// Rows to codes.
    Encode,
    /// Codes to rows.
    Decode,
    /// Rows to rows and errors.
    Reconstruct,
}

/// `aekit encode`, `decode`, `reconstruct`.
pub fn apply(args: &ApplyArgs, what: Apply) -> Result<()> {
    let csv = settings::csv_options(&args.csv)?;
    check_writable(&args.out)?;
    backend::set_threads(args.threads)?;
    let model = Autoencoder::load(&args.model)?;
    let table = Table::read(&args.data, &csv)?;
    let output = match what {
        Apply::Encode => apply::encode(&model, &table)?,
        Apply::Decode => apply::decode(&model, &table)?,
        Apply::Reconstruct => apply::reconstruct(&model, &table)?,
    };
    output
        .write(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    Ok(())
}

/// `aekit evaluate`.
pub fn evaluate(args: &EvaluateArgs) -> Result<()> {
    let csv = settings::csv_options(&args.csv)?;
    backend::set_threads(args.threads)?;
    let model = Autoencoder::load(&args.model)?;
    let train = Table::read(&args.train, &csv)?;
    let test = Table::read(&args.test, &csv)?;
    let report = features::compare(&model, &train, &test)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "logistic_regression": {
                    "raw_accuracy": report.raw_accuracy,
                    "encoded_accuracy": report.encoded_accuracy,
                },
                "n_train": report.n_train,
                "n_test": report.n_test,
                "classes": report.classes,
                "bottleneck": model.bottleneck(),
            })
        );
    } else {
        println!(
            "logistic regression (L2, C=1), {} train rows, {} test rows, {} classes",
            report.n_train,
            report.n_test,
            report.classes.len()
        );
        println!(
            "  raw features ({:>3}):   accuracy {:.4}",
            model.n_features(),
            report.raw_accuracy
        );
        println!(
            "  encoded ({:>3}):        accuracy {:.4}",
            model.bottleneck(),
            report.encoded_accuracy
        );
    }
    Ok(())
}

fn preview(names: &[String]) -> String {
    if names.len() <= 6 {
        names.join(", ")
    } else {
        format!("{}, ..., {}", names[..3].join(", "), names[names.len() - 1])
    }
}
