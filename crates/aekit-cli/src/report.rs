//! Renders library reports as terminal tables.

use std::fmt::Write;

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
