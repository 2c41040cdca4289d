//! Renders library reports as terminal tables.

use std::fmt::Write;

use aekit::tasks::anomaly::{DetectorRecord, ScoreReport};
use aekit::tasks::evaluate::EvaluationReport;

/// The evaluation report as aligned text.
pub fn evaluation_table(r: &EvaluationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} train rows, {} test rows, {} features, bottleneck {}, label '{}' ({} classes)",
        r.n_train,
        r.n_test,
        r.n_features,
        r.bottleneck,
        r.label,
        r.classes.len()
    );
    let _ = writeln!(out, "\nlogistic regression (L2, C=1), test accuracy:");
    for c in &r.classification {
        let _ = writeln!(
            out,
            "  {:<8} ({:>3} features)  {:.4}",
            c.features, c.width, c.accuracy
        );
    }
    let _ = writeln!(out, "\n  per class (precision / recall / F1):");
    let _ = write!(out, "  {:<14}", "class");
    for c in &r.classification {
        let _ = write!(out, "  {:<22}", c.features);
    }
    let _ = writeln!(out);
    for (i, class) in r.classes.iter().enumerate() {
        let _ = write!(out, "  {:<14}", truncate(class, 14));
        for c in &r.classification {
            let s = &c.per_class[i];
            let cell = format!("{:.3} / {:.3} / {:.3}", s.precision, s.recall, s.f1);
            let _ = write!(out, "  {cell:<22}");
        }
        let _ = writeln!(out);
    }
    let rec = &r.reconstruction;
    let _ = writeln!(
        out,
        "\ntest reconstruction MSE (scaled space), {} components:",
        rec.components
    );
    let _ = writeln!(out, "  autoencoder  {:.6}", rec.autoencoder_mse);
    match (rec.pca_mse, &rec.pca_note) {
        (Some(p), note) => {
            let verdict = if rec.autoencoder_mse < p {
                "autoencoder lower"
            } else {
                "PCA lower"
            };
            let _ = writeln!(out, "  PCA          {p:.6}   ({verdict})");
            if let Some(note) = note {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        (None, Some(note)) => {
            let _ = writeln!(out, "  PCA          n/a: {note}");
        }
        (None, None) => {}
    }
    let _ = writeln!(
        out,
        "\nk-means ({} clusters), adjusted Rand index vs labels:",
        r.classes.len()
    );
    for c in &r.clustering {
        let _ = writeln!(out, "  {:<8} {:.4}", c.features, c.adjusted_rand_index);
    }
    // Columns are padded; the last one's padding is not wanted.
    out.lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['~']).collect()
    }
}

/// The scoring summary and, with labels, the detection metrics.
pub fn score_summary(r: &ScoreReport) -> String {
    let mut out = String::new();
    let share = 100.0 * r.anomalies as f64 / r.rows.max(1) as f64;
    let _ = writeln!(
        out,
        "scored {} rows: {} anomalies ({share:.2} %) above threshold {:.6}",
        r.rows, r.anomalies, r.threshold
    );
    if let Some(m) = &r.metrics {
        let show =
            |v: Option<f64>| v.map_or("n/a (one class only)".to_string(), |v| format!("{v:.4}"));
        let _ = writeln!(out, "ROC AUC            {}", show(m.roc_auc));
        let _ = writeln!(out, "average precision  {}", show(m.average_precision));
        if !m.exact {
            let _ = writeln!(
                out,
                "(ROC AUC and average precision from a histogram of the scores: ROC AUC within {:.1e})",
                m.roc_auc_error_bound
            );
        }
        let _ = writeln!(
            out,
            "at the threshold:  precision {:.4}  recall {:.4}  F1 {:.4}",
            m.precision, m.recall, m.f1
        );
        let c = &m.confusion;
        let _ = writeln!(out, "confusion matrix   predicted 0  predicted 1");
        let _ = writeln!(
            out,
            "  actual 0         {:>11}  {:>11}",
            c.true_negatives, c.false_positives
        );
        let _ = writeln!(
            out,
            "  actual 1         {:>11}  {:>11}",
            c.false_negatives, c.true_positives
        );
    }
    out
}

/// What denoising did, as text or JSON.
pub fn denoise_summary(result: &aekit::apply::Denoised, json: bool) -> anyhow::Result<String> {
    let rows = result.noisy.n_rows();
    if json {
        let value = serde_json::json!({
            "rows": rows,
            "noisy_mse": result.noisy_mse,
            "denoised_mse": result.denoised_mse,
        });
        return Ok(format!("{}\n", serde_json::to_string_pretty(&value)?));
    }
    Ok(match (result.noisy_mse, result.denoised_mse) {
        (Some(noisy), Some(denoised)) => format!(
            "denoised {rows} rows; MSE to the clean rows (scaled): noisy {noisy:.6}, denoised {denoised:.6} ({:+.1} %)\n",
            100.0 * (denoised - noisy) / noisy
        ),
        _ => format!("denoised {rows} rows\n"),
    })
}

/// A paired model's error on known targets, as text or JSON.
pub fn prediction_summary(
    score: &aekit::apply::PredictionScore,
    json: bool,
) -> anyhow::Result<String> {
    if json {
        return Ok(format!("{}\n", serde_json::to_string_pretty(score)?));
    }
    let mut text = format!("MSE to the targets (scaled): {:.6}\n", score.mse);
    if let Some(identity) = score.identity_mse {
        text.push_str(&format!(
            "inputs themselves to the targets:  {identity:.6} (predictions {:+.1} %)\n",
            100.0 * (score.mse - identity) / identity
        ));
    }
    Ok(text)
}

/// What a detector chose, in one line per fact.
pub fn detector_choices(r: &DetectorRecord) -> String {
    let mut out = String::new();
    let widths: Vec<String> = r.members.iter().map(|m| m.width.to_string()).collect();
    let _ = writeln!(out, "scaling: {:?}", r.scale);
    let histogram = r.histogram_bins.map_or(String::new(), |bins| {
        format!(" and per-feature {bins}-bin histograms of the inputs (width 0)")
    });
    let neighbours = r.neighbours.map_or(String::new(), |k| {
        format!(" and the distance to the {k}th nearest training row")
    });
    let n_scores = r.members.len()
        + usize::from(r.histogram_bins.is_some())
        + usize::from(r.neighbours.is_some());
    let _ = writeln!(
        out,
        "models: {} (code widths {}){histogram}{neighbours}{}",
        r.members.len(),
        widths.join(", "),
        if n_scores > 1 {
            ", scores z-normalised by their training scores and averaged"
        } else {
            ""
        }
    );
    if let Some(w) = &r.kind_weights {
        let names = ["autoencoders", "histograms", "neighbours"];
        let kinds = std::iter::once(true)
            .chain([r.histogram_bins.is_some(), r.neighbours.is_some()])
            .zip(names)
            .filter_map(|(present, name)| present.then_some(name));
        let parts: Vec<String> = kinds
            .zip(w)
            .map(|(name, w)| format!("{name} {w:.2}"))
            .collect();
        let _ = writeln!(
            out,
            "weights (by agreement on the training rows): {}",
            parts.join(", ")
        );
    }
    if r.trim > 0.0 {
        let _ = writeln!(
            out,
            "refit: each model again without the {:.0} % of training rows it rebuilt worst",
            100.0 * r.trim
        );
    }
    let epochs: Vec<String> = r
        .members
        .iter()
        .map(|m| match m.refit_epochs {
            Some(e) => format!("width {}: {} + {} ({} rows)", m.width, m.epochs, e, m.rows),
            None => format!("width {}: {} ({} rows)", m.width, m.epochs, m.rows),
        })
        .collect();
    let _ = writeln!(
        out,
        "epochs{}: {}",
        if r.trim > 0.0 { " (fit + refit)" } else { "" },
        epochs.join("; ")
    );
    out
}

/// Says when a file's columns are taken by position: the model was fitted
/// on an unnamed array, and the file is as wide but names them otherwise.
pub fn note_positional(schema: &aekit::data::Schema, table: &aekit::data::Table) {
    if schema.positional && schema.reads_positionally(&table.into()) {
        eprintln!(
            "note: the model was fitted on unnamed columns (x0, x1, ...): the file's {} columns are taken in order",
            table.headers().len()
        );
    }
}
