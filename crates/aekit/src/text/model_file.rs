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
        // Text models are the same in versions 2 and 3.
        Some(v) if v == 2 || v == u64::from(FORMAT_VERSION) => {}
        other => {
            return Err(AekitError::model(
                path,
                format!(
                    "text model of format version {other:?}; this aekit reads 2 to {FORMAT_VERSION}"
                ),
            ));
        }
    }
    let unreadable =
        |e: serde_json::Error| AekitError::model(path, format!("unreadable metadata ({e})"));
    let meta: TextModelMeta = serde_json::from_value(json.clone()).map_err(unreadable)?;
    // No key this version does not write: a misspelt one would be ignored.
    // Keys may be missing: those added since text models began default to
    // the behaviour of the files written before them.
    let ours = serde_json::to_value(&meta).map_err(unreadable)?;
    if let Some(problem) = crate::train::file_keys::key_difference(&json, &ours, "", false) {
        return Err(AekitError::model(path, format!("the metadata {problem}")));
    }
    meta.check().map_err(|m| AekitError::model(path, m))?;
    Ok((meta, tensors))
}

/// Refuses a tensor the model read from `tensors` did not use (`used`
/// are the names it exports): a file whose metadata and weights disagree.
pub(crate) fn check_all_used(
    path: &Path,
    kind: &str,
    used: &[NamedTensor],
    tensors: &HashMap<String, NamedTensor>,
) -> Result<()> {
    let mut unused: Vec<&String> = tensors
        .keys()
        .filter(|k| !used.iter().any(|t| &t.name == *k))
        .collect();
    unused.sort();
    match unused.first() {
        Some(name) => Err(AekitError::model(
            path,
            format!("tensor '{name}' is not part of the {kind} model its metadata describes"),
        )),
        None => Ok(()),
    }
}

impl TextModelMeta {
    /// Checks that the metadata is consistent and its sizes bounded, as
    /// training would have made them: the tokeniser's settings, distinct
    /// tokens, one idf weight per id, lengths within
    /// [`MAX_LENGTH`](super::encoding::MAX_LENGTH), at least two distinct
    /// sorted classes for a classifier.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        use super::encoding::check_length;
        use super::vocabulary::TokenIds;
        let text = &self.text;
        text.tokenizer.validate().map_err(|e| e.to_string())?;
        match &text.ids {
            TokenIds::Vocabulary { tokens } => {
                let mut seen = std::collections::HashSet::with_capacity(tokens.len());
                if let Some(t) = tokens.iter().find(|t| !seen.insert(t.as_str())) {
                    return Err(format!("the vocabulary holds the token '{t}' twice"));
                }
            }
            TokenIds::Hashing { buckets } if *buckets < 3 => {
                return Err(format!("hashing into {buckets} ids; at least 3 are needed"));
            }
            TokenIds::Hashing { .. } => {}
        }
        let n_ids = super::Lookup::new(&text.ids).size();
        if let Some(tfidf) = &text.tfidf {
            if tfidf.idf.len() != n_ids {
                return Err(format!(
                    "the TF-IDF weights hold {} idf values for {n_ids} ids",
                    tfidf.idf.len()
                ));
            }
            if tfidf.idf.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err("an idf value is negative, NaN or infinite".into());
            }
        }
        match &self.model {
            TextModelConfig::TextClassifier(c) => {
                c.validate().map_err(|e| e.to_string())?;
                check_length("max_length", text.max_length).map_err(|e| e.to_string())?;
                if self.classes.len() < 2 {
                    return Err(format!(
                        "a classifier has {} class(es) in its metadata; it needs at least two",
                        self.classes.len()
                    ));
                }
                if self.classes.windows(2).any(|w| w[0] >= w[1]) {
                    return Err("the classes are not distinct and sorted".into());
                }
            }
            TextModelConfig::DocAutoencoder(c) => {
                c.validate().map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// Whether the file at `path` holds a text model (false for tabular
/// models and for files that cannot be read, whose errors the loaders give).
pub fn is_text_model(path: &Path) -> bool {
    model_file::read_raw(path)
        .ok()
        .and_then(|(json, _)| model_file::kind_of(&json).map(|k| TEXT_KINDS.contains(&k)))
        .unwrap_or(false)
}

/// The model-file methods of a text kind (`save`, `load`, `to_bytes`,
/// `from_bytes`), written once for both: the kind holds `meta` and a `net`
/// with `export_tensors`, and checks a file's parts in `from_file_parts`.
macro_rules! model_file_methods {
    ($kind:ident, $what:literal) => {
        impl $kind {
            /// Writes the model file atomically.
            pub fn save(&self, path: impl AsRef<std::path::Path>) -> crate::error::Result<()> {
                crate::text::model_file::save(path.as_ref(), &self.meta, &self.net.export_tensors())
            }

            #[doc = concat!("Reads ", $what, "'s model file.")]
            pub fn load(path: impl AsRef<std::path::Path>) -> crate::error::Result<$kind> {
                let path = path.as_ref();
                let (meta, tensors) = crate::text::model_file::load(path)?;
                $kind::from_file_parts(path, meta, tensors)
            }

            /// The bytes of the model file [`save`](Self::save) writes (for
            /// pickling, or shipping a model without a file system).
            pub fn to_bytes(&self) -> crate::error::Result<Vec<u8>> {
                let path = std::path::Path::new(crate::text::model_file::MODEL_BYTES);
                crate::text::model_file::to_bytes(path, &self.meta, &self.net.export_tensors())
            }

            /// Reads the bytes of a model file, checked as [`load`](Self::load) does.
            pub fn from_bytes(bytes: &[u8]) -> crate::error::Result<$kind> {
                let path = std::path::Path::new(crate::text::model_file::MODEL_BYTES);
                let (meta, tensors) = crate::text::model_file::from_bytes(path, bytes)?;
                $kind::from_file_parts(path, meta, tensors)
            }
        }
    };
}
pub(crate) use model_file_methods;
