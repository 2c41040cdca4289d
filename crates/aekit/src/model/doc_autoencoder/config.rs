//! The document autoencoder's architecture.

use serde::{Deserialize, Serialize};

use crate::error::{AekitError, Result};
use crate::model::Activation;
use crate::model::summary::{ModelSummary, SummaryRow};

/// Architecture of a document autoencoder; the vocabulary comes from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocAutoencoderConfig {
    /// Width of the document code. Default 64.
    pub bottleneck: usize,
    /// Activation of the code. Default tanh.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub activation: Activation,
    /// Terms kept per document (its heaviest by TF-IDF weight). Default 256.
    pub max_terms: usize,
}

impl Default for DocAutoencoderConfig {
    fn default() -> Self {
        DocAutoencoderConfig {
            bottleneck: 64,
            activation: Activation::Tanh,
            max_terms: 256,
        }
    }
}

impl DocAutoencoderConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        use crate::model::dense::config::MAX_WIDTH;
        if self.bottleneck == 0 || self.bottleneck > MAX_WIDTH {
            return Err(AekitError::param(
                "bottleneck",
                format!(
                    "must be between 1 and {MAX_WIDTH} (2^20, the widest layer), got {}",
                    self.bottleneck
                ),
            ));
        }
        // As the text kinds' `max_length` (text::encoding::check_length).
        if self.max_terms == 0 {
            return Err(AekitError::param("max_terms", "must be at least 1"));
        }
        if self.max_terms > MAX_WIDTH {
            return Err(AekitError::param(
                "max_terms",
                format!(
                    "must be at most {MAX_WIDTH} (2^20, the widest layer), got {}",
                    self.max_terms
                ),
            ));
        }
        Ok(())
    }

    /// A Keras-style summary for a vocabulary of `vocab` ids.
    pub fn summary(&self, vocab: usize) -> ModelSummary {
        let k = self.bottleneck;
        ModelSummary {
            input_shape: vec![vocab],
            rows: vec![
                SummaryRow {
                    layer: "encoder (sparse Dense, as EmbeddingBag)".into(),
                    shape: vec![k],
                    trainable: vocab * k + k,
                    non_trainable: 0,
                },
                SummaryRow {
                    layer: "decoder (Dense, softmax)".into(),
                    shape: vec![vocab],
                    trainable: k * vocab + vocab,
                    non_trainable: 0,
                },
            ],
        }
    }
}
