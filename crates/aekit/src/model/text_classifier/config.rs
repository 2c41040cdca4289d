//! The text classifier's architecture.

use serde::{Deserialize, Serialize};

use crate::error::{AekitError, Result};
use crate::model::summary::{ModelSummary, SummaryRow};

/// How the token embeddings of a text become one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Concatenate all positions (Keras' `Flatten`): position-aware, a
    /// fixed length.
    Flatten,
    /// The mean of the embeddings of the real tokens (padding masked out),
    /// fastText's pooling: any length.
    Mean,
    /// The TF-IDF-weighted sum of the embeddings of a text's distinct
    /// tokens (sublinear tf, smoothed idf, L2-normalised weights, as
    /// scikit-learn's `TfidfVectorizer`): a learned low-rank linear model
    /// over TF-IDF, where rare, telling words outweigh common ones. The
    /// default (BENCHMARKS.md, "Text").
    #[default]
    Tfidf,
}

/// Architecture of a text classifier; vocabulary size, length and
/// classes come from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextClassifierConfig {
    /// Width of each token's vector. Default 64.
    pub embedding_dim: usize,
    /// Pooling. Default TF-IDF.
    pub pooling: Pooling,
    /// Half-width of the uniform initialisation of the embedding (Keras'
    /// default 0.05).
    pub init_scale: f32,
}

impl Default for TextClassifierConfig {
    fn default() -> Self {
        TextClassifierConfig {
            embedding_dim: 64,
            pooling: Pooling::Tfidf,
            init_scale: 0.05,
        }
    }
}

impl TextClassifierConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        use crate::model::dense::config::MAX_WIDTH;
        if self.embedding_dim == 0 || self.embedding_dim > MAX_WIDTH {
            return Err(AekitError::param(
                "embedding_dim",
                format!(
                    "must be between 1 and {MAX_WIDTH} (2^20, the widest layer), got {}",
                    self.embedding_dim
                ),
            ));
        }
        if !(self.init_scale > 0.0 && self.init_scale.is_finite()) {
            return Err(AekitError::param("init_scale", "must be positive"));
        }
        Ok(())
    }

    /// Width of the pooled vector for texts of `length` tokens.
    pub fn pooled_width(&self, length: usize) -> usize {
        match self.pooling {
            Pooling::Flatten => length * self.embedding_dim,
            Pooling::Mean | Pooling::Tfidf => self.embedding_dim,
        }
    }

    /// Output units for `n_classes` classes: one sigmoid for two.
    pub fn n_outputs(n_classes: usize) -> usize {
        if n_classes == 2 { 1 } else { n_classes }
    }

    /// A Keras-style summary.
    pub fn summary(&self, vocab: usize, length: usize, n_classes: usize) -> ModelSummary {
        let d = self.embedding_dim;
        let pooled = self.pooled_width(length);
        let out = Self::n_outputs(n_classes);
        ModelSummary {
            input_shape: vec![length],
            rows: vec![
                SummaryRow {
                    layer: "embedding (Embedding)".into(),
                    shape: vec![length, d],
                    trainable: vocab * d,
                    non_trainable: 0,
                },
                SummaryRow {
                    layer: match self.pooling {
                        Pooling::Flatten => "pool (Flatten)".into(),
                        Pooling::Mean => "pool (MaskedMean)".into(),
                        Pooling::Tfidf => "pool (TfidfWeightedSum)".into(),
                    },
                    shape: vec![pooled],
                    trainable: 0,
                    non_trainable: 0,
                },
                SummaryRow {
                    layer: if out == 1 {
                        "output (Dense, sigmoid)".into()
                    } else {
                        "output (Dense, softmax)".into()
                    },
                    shape: vec![out],
                    trainable: pooled * out + out,
                    non_trainable: 0,
                },
            ],
        }
    }
}

/// Parses the command line's names (flatten, mean, tfidf).
impl std::str::FromStr for Pooling {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "pooling",
            s,
            &[
                ("flatten", Pooling::Flatten),
                ("mean", Pooling::Mean),
                ("tfidf", Pooling::Tfidf),
            ],
        )
    }
}
