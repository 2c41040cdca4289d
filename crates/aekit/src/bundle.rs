//! The model file: safetensors weights plus JSON metadata (architecture,
//! columns, scaler, training configuration and history) under the
//! `aekit` key, so Python's `safetensors` reads the weights as they are.
//! Written atomically; loading checks format, version and every tensor.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};

use crate::data::output::write_atomically;
use crate::data::{Scaler, Schema};
use crate::error::{AekitError, Result};
use crate::model::{DenseAutoencoderConfig, NamedTensor};
use crate::tasks::anomaly::AnomalyThreshold;
use crate::train::{History, TrainingConfig};

/// Metadata key holding the JSON description.
pub const META_KEY: &str = "aekit";
/// Metadata key naming the format, for tools that only peek.
pub const FORMAT_KEY: &str = "format";
/// The format name.
pub const FORMAT_NAME: &str = "aekit-model";
/// The version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Which model family a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// A dense autoencoder.
    DenseAutoencoder,
}

/// Everything about a model except its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// File-format version.
    pub format_version: u32,
    /// The aekit version that wrote the file.
    pub aekit_version: String,
    /// Model family.
    pub kind: ModelKind,
    /// Input width.
    pub n_features: usize,
    /// Architecture.
    pub architecture: DenseAutoencoderConfig,
    /// Columns the model reads and copies.
    pub schema: Schema,
    /// Scaling fitted on the training data.
    pub scaler: Scaler,
    /// How it was trained.
    pub training: TrainingConfig,
    /// What training did.
    pub history: History,
    /// The anomaly threshold, for models fitted as detectors.
    #[serde(default)]
    pub anomaly: Option<AnomalyThreshold>,
}

/// Writes `meta` and `tensors` to `path` atomically.
pub fn save(path: &Path, meta: &ModelMeta, tensors: &[NamedTensor]) -> Result<()> {
    let json = serde_json::to_string(meta).map_err(|e| AekitError::model(path, e.to_string()))?;
    let info = HashMap::from([
        (META_KEY.to_string(), json),
        (FORMAT_KEY.to_string(), FORMAT_NAME.to_string()),
    ]);
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|(t, b)| {
            TensorView::new(Dtype::F32, t.shape.clone(), b)
                .map(|v| (t.name.clone(), v))
                .map_err(|e| AekitError::model(path, e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let buffer = safetensors::serialize(views, Some(info))
        .map_err(|e| AekitError::model(path, e.to_string()))?;
    write_atomically(path, |out| out.write_all(&buffer))
}

/// Reads a model file: its metadata and tensors, each checked.
pub fn load(path: &Path) -> Result<(ModelMeta, HashMap<String, NamedTensor>)> {
    let buffer = std::fs::read(path).map_err(|e| AekitError::io(path, e))?;
    let file = safetensors::SafeTensors::deserialize(&buffer).map_err(|e| {
        AekitError::model(path, format!("corrupt or truncated safetensors data ({e})"))
    })?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&buffer)
        .map_err(|e| AekitError::model(path, format!("corrupt header ({e})")))?;
    let info = header.metadata().as_ref();
    if info.and_then(|m| m.get(FORMAT_KEY)).map(String::as_str) != Some(FORMAT_NAME) {
        return Err(AekitError::model(
            path,
            "a safetensors file, but not one written by aekit",
        ));
    }
    let json = info
        .and_then(|m| m.get(META_KEY))
        .ok_or_else(|| AekitError::model(path, "the aekit metadata is missing"))?;
    let version: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| AekitError::model(path, format!("unreadable metadata ({e})")))?;
    match version.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => {
            return Err(AekitError::model(
                path,
                format!("format version {v}, this aekit reads version {FORMAT_VERSION}"),
            ));
        }
        None => return Err(AekitError::model(path, "the format version is missing")),
    }
    let meta: ModelMeta = serde_json::from_value(version)
        .map_err(|e| AekitError::model(path, format!("unreadable metadata ({e})")))?;
    let mut tensors = HashMap::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(AekitError::model(
                path,
                format!("tensor '{name}' is not f32"),
            ));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(AekitError::model(
                path,
                format!("tensor '{name}' holds NaN or infinity"),
            ));
        }
        tensors.insert(
            name.clone(),
            NamedTensor {
                name,
                shape: view.shape().to_vec(),
                values,
            },
        );
    }
    Ok((meta, tensors))
}
