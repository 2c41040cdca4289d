//! `GET /metadata`: what a client needs to build a request.

use std::path::Path;

use aekit::Autoencoder;
use serde_json::{Value, json};

/// The model's kind, the columns a request must hold, what each row's
/// answer holds, and the versions of the server and the model file.
pub fn describe(model: &Autoencoder, path: &Path) -> Value {
    let schema = model.schema();
    let can = model.capabilities();
    let threshold = model.anomaly_threshold().map(|a| a.threshold);
    let mut outputs = Vec::new();
    if can.encode {
        outputs.push("codes");
    }
    if can.reconstruct {
        outputs.push("reconstruction_error");
    }
    if can.score && threshold.is_some() {
        outputs.extend(["score", "is_anomaly"]);
    }
    let meta = model.meta();
    json!({
        "model": path.file_name().map(|n| n.to_string_lossy()),
        "kind": model.kind(),
        "columns": schema.output_columns(),
        "categorical_columns": schema.one_hot.iter().map(|c| &c.column).collect::<Vec<_>>(),
        "ids": schema.ids,
        "label": schema.label,
        "bottleneck": model.bottleneck(),
        "outputs": outputs,
        "threshold": threshold,
        "capabilities": can,
        "version": aekit::VERSION,
        "model_format_version": meta.format_version,
        "model_aekit_version": meta.aekit_version,
    })
}
