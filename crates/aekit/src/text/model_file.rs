//! The model file of the text kinds: the same safetensors layout and
//! format version as every kind ([`crate::model_file`]), with metadata
//! that holds the text preprocessing instead of a table schema and scaler.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::TextPreprocessing;
use crate::error::{AekitError, Result};
use crate::model::ModelSummary;
use crate::model::NamedTensor;
use crate::model::doc_autoencoder::DocAutoencoderConfig;
use crate::model::text_classifier::TextClassifierConfig;
use crate::model_file::{self, FORMAT_VERSION, TEXT_KINDS};
use crate::train::{History, TrainingConfig};

/// A text model's architecture, tagged by `kind` in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TextModelConfig {
    /// A classifier of labelled texts.
    TextClassifier(TextClassifierConfig),
    /// A document autoencoder over TF-IDF bags.
    DocAutoencoder(DocAutoencoderConfig),
}

impl TextModelConfig {
    /// The kind's name.
    pub fn kind(&self) -> &'static str {
        match self {
            TextModelConfig::TextClassifier(_) => "text_classifier",
            TextModelConfig::DocAutoencoder(_) => "doc_autoencoder",
        }
    }
}

/// Figures measured at the end of training.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextMetrics {
    /// Accuracy on the training rows (classifiers).
    pub train_accuracy: Option<f64>,
    /// Accuracy on the validation rows, when there were some.
    pub validation_accuracy: Option<f64>,
}

/// Everything about a text model except its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextModelMeta {
    /// File-format version.
    pub format_version: u32,
    /// The aekit version that wrote the file.
    pub aekit_version: String,
    /// The kind and its architecture.
    pub model: TextModelConfig,
    /// How texts become inputs.
    pub text: TextPreprocessing,
    /// The label column of the training file (classifiers).
    #[serde(default)]
    pub label: Option<String>,
    /// Classes in output order (classifiers), sorted.
    #[serde(default)]
    pub classes: Vec<String>,
    /// How it was trained.
    pub training: TrainingConfig,
    /// What training did.
    pub history: History,
    /// End-of-training figures.
    #[serde(default)]
    pub metrics: TextMetrics,
}

impl TextModelMeta {
    /// A Keras-style summary.
    pub fn summary(&self) -> ModelSummary {
        let vocab = super::Lookup::new(&self.text.ids).size();
        match &self.model {
            TextModelConfig::TextClassifier(c) => {
                c.summary(vocab, self.text.max_length, self.classes.len())
            }
            TextModelConfig::DocAutoencoder(c) => c.summary(vocab),
        }
    }
}

/// How errors name the bytes of a model file that has no path.
pub const MODEL_BYTES: &str = "<model bytes>";

/// Writes a text model atomically.
pub fn save(path: &Path, meta: &TextModelMeta, tensors: &[NamedTensor]) -> Result<()> {
    model_file::write_bytes(path, &to_bytes(path, meta, tensors)?)
}

/// The bytes of the model file [`save`] writes; `path` names it in errors.
pub fn to_bytes(path: &Path, meta: &TextModelMeta, tensors: &[NamedTensor]) -> Result<Vec<u8>> {
    let meta = TextModelMeta {
        format_version: FORMAT_VERSION,
        ..meta.clone()
    };
    let json = serde_json::to_string(&meta).map_err(|e| AekitError::model(path, e.to_string()))?;
    model_file::json_to_bytes(path, json, tensors)
}

/// Reads a text model; a tabular model is an error that says so.
pub fn load(path: &Path) -> Result<(TextModelMeta, HashMap<String, NamedTensor>)> {
    let buffer = std::fs::read(path).map_err(|e| AekitError::io(path, e))?;
    from_bytes(path, &buffer)
}

/// Reads the bytes of a text model file, checked as [`load`] does; `path`
/// names it in errors.
pub fn from_bytes(
    path: &Path,
    buffer: &[u8],
) -> Result<(TextModelMeta, HashMap<String, NamedTensor>)> {
    let (json, tensors) = model_file::raw_from_bytes(path, buffer)?;
    let kind = model_file::kind_of(&json).unwrap_or("dense").to_string();
    if !TEXT_KINDS.contains(&kind.as_str()) {
        return Err(AekitError::Unsupported {
            operation: "reading texts",
            needs: "a text model (kind 'text_classifier' or 'doc_autoencoder')".into(),
            has: format!("is a tabular model (kind '{kind}')"),
        });
    }
    match json.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        other => {
            return Err(AekitError::model(
                path,
                format!(
                    "text model of format version {other:?}; this aekit reads {FORMAT_VERSION}"
                ),
            ));
        }
    }
    let meta: TextModelMeta = serde_json::from_value(json)
        .map_err(|e| AekitError::model(path, format!("unreadable metadata ({e})")))?;
    Ok((meta, tensors))
}

/// Whether the file at `path` holds a text model (false for tabular
/// models and for files that cannot be read, whose errors the loaders give).
pub fn is_text_model(path: &Path) -> bool {
    model_file::read_raw(path)
        .ok()
        .and_then(|(json, _)| model_file::kind_of(&json).map(|k| TEXT_KINDS.contains(&k)))
        .unwrap_or(false)
}
