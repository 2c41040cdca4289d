//! The model file: safetensors weights plus JSON metadata under the
//! `aekit` key (format version, the model's kind and config, input and
//! target preprocessing, training settings and history, task data), so
//! Python's `safetensors` reads the weights as they are. Written
//! atomically; loading checks format, version, consistency and every
//! tensor. Every older format version still loads.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};

use crate::data::output::write_atomically;
use crate::data::{Scaler, Schema};
use crate::error::{AekitError, Result};
use crate::model::{DenseAutoencoderConfig, ModelConfig, NamedTensor};
use crate::threshold::{AnomalyThreshold, DetectorRecord};
use crate::train::{History, TrainingConfig};

/// Metadata key holding the JSON description.
pub const META_KEY: &str = "aekit";
/// Metadata key naming the format, for tools that only peek.
pub const FORMAT_KEY: &str = "format";
/// The format name.
pub const FORMAT_NAME: &str = "aekit-model";
/// The version this build writes and reads. Version 3 added the schema's
/// `mixed` entry (categories found by their cells, booleans, missing
/// cells' fill); a version 2 file has none and reads its inputs as before.
pub const FORMAT_VERSION: u32 = 3;

/// Everything about a model except its weights (format version 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// File-format version: [`FORMAT_VERSION`] when written; a loaded older
    /// file keeps its own number here.
    pub format_version: u32,
    /// The aekit version that wrote the file.
    pub aekit_version: String,
    /// The model's kind and architecture, `{"kind": "dense", ...}`.
    pub model: ModelConfig,
    /// How rows of a table become the model's input.
    pub input: Preprocessing,
    /// How the model's output becomes rows of the target table, for paired
    /// (input -> target) models; `None` when the target is the input.
    #[serde(default)]
    pub target: Option<Preprocessing>,
    /// How it was trained.
    pub training: TrainingConfig,
    /// What training did.
    pub history: History,
    /// What tasks stored with the model.
    #[serde(default)]
    pub tasks: TaskData,
}

/// One side's preprocessing: its shape, columns and scaler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Shape of one row as the model sees it: `[features]` for tables.
    pub shape: Vec<usize>,
    /// Columns read and copied.
    pub schema: Schema,
    /// Scaling fitted on the training data.
    pub scaler: Scaler,
}

impl Preprocessing {
    /// Values per row.
    pub fn width(&self) -> usize {
        self.schema.features.len()
    }

    fn check(&self, side: &str) -> std::result::Result<(), String> {
        let width = self.width();
        if width == 0
            || self.scaler.n_features() != width
            || self.scaler.offset.len() != width
            || self.scaler.scale.len() != width
            || self.shape.iter().product::<usize>() != width
        {
            return Err(format!(
                "the {side} columns ({width}), scaler ({} scales, {} offsets) and shape ({:?}) disagree",
                self.scaler.scale.len(),
                self.scaler.offset.len(),
                self.shape
            ));
        }
        if let Some(j) = self
            .scaler
            .scale
            .iter()
            .position(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(format!(
                "the {side} scaler divides column '{}' by {}, which is not a positive number",
                self.schema.features[j], self.scaler.scale[j]
            ));
        }
        // A fit on f32 values gives offsets within f32's range and scales
        // within twice it: beyond, scaled values become infinite.
        let f32_max = f64::from(f32::MAX);
        if let Some(j) = self
            .scaler
            .offset
            .iter()
            .position(|o| !(o.is_finite() && o.abs() <= f32_max))
        {
            return Err(format!(
                "the {side} scaler's offset for column '{}' is {:e}, outside the range of f32 values (±{f32_max:e}) a fit gives",
                self.schema.features[j], self.scaler.offset[j]
            ));
        }
        let smallest = f64::from(f32::from_bits(1));
        if let Some(j) = self
            .scaler
            .scale
            .iter()
            .position(|s| !(*s >= smallest && *s <= 2.0 * f32_max))
        {
            return Err(format!(
                "the {side} scaler's scale for column '{}' is {:e}, outside the range a fit on f32 values gives ({smallest:e} to {:e})",
                self.schema.features[j],
                self.scaler.scale[j],
                2.0 * f32_max
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for name in self.schema.features.iter().chain(&self.schema.ids) {
            if !seen.insert(name) {
                return Err(format!("the {side} column '{name}' is named twice"));
            }
        }
        let one_hot_inputs: usize = self.schema.one_hot.iter().map(|c| c.categories.len()).sum();
        let indicators = self.schema.mixed.as_ref().map_or(0, |m| m.indicators.len());
        if one_hot_inputs + indicators > width
            || self.schema.one_hot.iter().any(|c| c.categories.is_empty())
        {
            return Err(format!(
                "the {side} one-hot columns and missing indicators need {} inputs of the {width} there are",
                one_hot_inputs + indicators
            ));
        }
        if let Some(m) = &self.schema.mixed {
            let numeric = self.schema.numeric_features();
            if !m.medians.is_empty() && m.medians.len() != numeric.len()
                || m.medians.iter().any(|v| !v.is_finite())
                || m.indicators.iter().any(|i| !numeric.contains(i))
            {
                return Err(format!(
                    "the {side} missing-value fill does not match its {} numeric columns",
                    numeric.len()
                ));
            }
        }
        Ok(())
    }
}

/// Data that tasks store with a model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskData {
    /// The anomaly threshold, for models fitted as detectors.
    #[serde(default)]
    pub anomaly: Option<AnomalyThreshold>,
    /// What an anomaly detector chose (scaling, models, refit), for
    /// detectors fitted since the ensemble default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<DetectorRecord>,
}

impl ModelMeta {
    /// Width of the model's output: the target's, or the input's.
    pub fn output(&self) -> &Preprocessing {
        self.target.as_ref().unwrap_or(&self.input)
    }

    /// Checks that the parts agree with each other.
    pub fn check(&self) -> std::result::Result<(), String> {
        self.input.check("input")?;
        if let Some(target) = &self.target {
            target.check("target")?;
        }
        self.model.validate().map_err(|e| e.to_string())?;
        self.model
            .check_shapes(&self.input.shape, self.output().width())
            .map_err(|e| e.to_string())
    }
}

/// Format version 1 (aekit 0.1 before model kinds): one dense architecture
/// and one set of columns.
#[derive(Debug, Deserialize)]
struct MetaV1 {
    aekit_version: String,
    n_features: usize,
    architecture: DenseAutoencoderConfig,
    schema: Schema,
    scaler: Scaler,
    training: TrainingConfig,
    history: History,
    #[serde(default)]
    anomaly: Option<AnomalyThreshold>,
}

impl From<MetaV1> for ModelMeta {
    fn from(v1: MetaV1) -> ModelMeta {
        ModelMeta {
            format_version: 1,
            aekit_version: v1.aekit_version,
            model: ModelConfig::Dense(v1.architecture),
            input: Preprocessing {
                shape: vec![v1.n_features],
                schema: v1.schema,
                scaler: v1.scaler,
            },
            target: None,
            training: v1.training,
            history: v1.history,
            tasks: TaskData {
                anomaly: v1.anomaly,
                detector: None,
            },
        }
    }
}

/// Writes `meta` and `tensors` to `path` atomically.
pub(crate) fn save(path: &Path, meta: &ModelMeta, tensors: &[NamedTensor]) -> Result<()> {
    write_bytes(path, &to_bytes(path, meta, tensors)?)
}

/// The bytes of the model file of `meta` and `tensors` (what [`save`]
/// writes); `path` names it in errors.
pub(crate) fn to_bytes(path: &Path, meta: &ModelMeta, tensors: &[NamedTensor]) -> Result<Vec<u8>> {
    let meta = ModelMeta {
        format_version: FORMAT_VERSION,
        ..meta.clone()
    };
    let json = serde_json::to_string(&meta).map_err(|e| AekitError::model(path, e.to_string()))?;
    json_to_bytes(path, json, tensors)
}

/// Writes the bytes of a model file (any kind's) to `path` atomically.
pub(crate) fn write_bytes(path: &Path, buffer: &[u8]) -> Result<()> {
    crate::data::output::refuse_stdout(path, "a model file")?;
    write_atomically(path, |out| out.write_all(buffer))
}

/// The safetensors bytes of the metadata `json` and `tensors`.
pub(crate) fn json_to_bytes(path: &Path, json: String, tensors: &[NamedTensor]) -> Result<Vec<u8>> {
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
    canonical_header(buffer).map_err(|m| AekitError::model(path, m))
}

/// The safetensors bytes with their JSON header's keys in sorted order:
/// the header comes from hash maps, whose order changes from process to
/// process, and the same model should be the same bytes.
fn canonical_header(buffer: Vec<u8>) -> std::result::Result<Vec<u8>, String> {
    fn sorted(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(
                    entries.into_iter().map(|(k, v)| (k, sorted(v))).collect(),
                )
            }
            other => other,
        }
    }
    let length = buffer
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .ok_or("internal: a safetensors buffer without its length")?;
    let end = usize::try_from(length)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&e| e <= buffer.len())
        .ok_or("internal: a safetensors header longer than its buffer")?;
    let header: serde_json::Value = serde_json::from_slice(&buffer[8..end])
        .map_err(|e| format!("internal: unreadable safetensors header ({e})"))?;
    let mut text = serde_json::to_string(&sorted(header))
        .map_err(|e| format!("internal: safetensors header ({e})"))?;
    // The data after the header stays 8-byte aligned, as safetensors pads it.
    while text.len() % 8 != 0 {
        text.push(' ');
    }
    let mut out = Vec::with_capacity(8 + text.len() + buffer.len() - end);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&buffer[end..]);
    Ok(out)
}

/// The kinds of text models, which have their own metadata
/// ([`crate::text::model_file`]) and commands.
pub const TEXT_KINDS: &[&str] = &["text_classifier", "doc_autoencoder"];

/// The kind a metadata value names, if any.
pub(crate) fn kind_of(meta: &serde_json::Value) -> Option<&str> {
    meta.get("model")
        .and_then(|m| m.get("kind"))
        .and_then(|k| k.as_str())
}

/// Reads a model file: its metadata and tensors, each checked.
pub(crate) fn load(path: &Path) -> Result<(ModelMeta, HashMap<String, NamedTensor>)> {
    let buffer = std::fs::read(path).map_err(|e| AekitError::io(path, e))?;
    from_bytes(path, &buffer)
}

/// Reads the bytes of a model file, each part checked as [`load`] does;
/// `path` names it in errors.
pub(crate) fn from_bytes(
    path: &Path,
    buffer: &[u8],
) -> Result<(ModelMeta, HashMap<String, NamedTensor>)> {
    let (version, tensors) = raw_from_bytes(path, buffer)?;
    if let Some(kind) = kind_of(&version).filter(|k| TEXT_KINDS.contains(k)) {
        return Err(AekitError::Unsupported {
            operation: "reading rows",
            needs: "a model of tabular rows (dense, conv, vae, ensemble)".into(),
            has: format!("is a text model (kind '{kind}')"),
        });
    }
    let meta = parse_meta(path, version)?;
    Ok((meta, tensors))
}

/// Reads a model file's metadata as JSON and its tensors, each checked
/// (format name, finite f32 values); the metadata is left to the caller.
pub(crate) fn read_raw(path: &Path) -> Result<(serde_json::Value, HashMap<String, NamedTensor>)> {
    let buffer = std::fs::read(path).map_err(|e| AekitError::io(path, e))?;
    raw_from_bytes(path, &buffer)
}

pub(crate) fn raw_from_bytes(
    path: &Path,
    buffer: &[u8],
) -> Result<(serde_json::Value, HashMap<String, NamedTensor>)> {
    let file = safetensors::SafeTensors::deserialize(buffer).map_err(|e| {
        AekitError::model(path, format!("corrupt or truncated safetensors data ({e})"))
    })?;
    let (_, header) = safetensors::SafeTensors::read_metadata(buffer)
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
    let tensors = read_tensors(path, &file)?;
    Ok((version, tensors))
}

fn parse_meta(path: &Path, version: serde_json::Value) -> Result<ModelMeta> {
    let unreadable =
        |e: serde_json::Error| AekitError::model(path, format!("unreadable metadata ({e})"));
    let meta: ModelMeta = match version.get("format_version").and_then(|v| v.as_u64()) {
        Some(1) => serde_json::from_value::<MetaV1>(version)
            .map_err(unreadable)?
            .into(),
        Some(v) if v == 2 || v == u64::from(FORMAT_VERSION) => {
            if let Some(kind) = version
                .get("model")
                .and_then(|m| m.get("kind"))
                .and_then(|k| k.as_str())
                .filter(|k| !crate::model::KINDS.contains(k))
            {
                return Err(AekitError::model(
                    path,
                    format!(
                        "model kind '{kind}' is unknown to this aekit {} (it knows {})",
                        crate::VERSION,
                        crate::model::KINDS.join(", ")
                    ),
                ));
            }
            let meta: ModelMeta = serde_json::from_value(version.clone()).map_err(unreadable)?;
            // Every key this version writes, and no other: a misspelt key
            // would otherwise be ignored and its default used.
            let ours = serde_json::to_value(&meta).map_err(unreadable)?;
            if let Some(problem) =
                crate::train::file_keys::key_difference(&version, &ours, "", true)
            {
                return Err(AekitError::model(path, format!("the metadata {problem}")));
            }
            meta
        }
        Some(v) => {
            return Err(AekitError::model(
                path,
                format!(
                    "format version {v}, this aekit {} reads versions 1 to {FORMAT_VERSION}",
                    crate::VERSION
                ),
            ));
        }
        None => return Err(AekitError::model(path, "the format version is missing")),
    };
    meta.check().map_err(|m| AekitError::model(path, m))?;
    Ok(meta)
}

fn read_tensors(
    path: &Path,
    file: &safetensors::SafeTensors<'_>,
) -> Result<HashMap<String, NamedTensor>> {
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
    Ok(tensors)
}
