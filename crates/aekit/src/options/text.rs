//! The sections of the text kinds' mappings: tokens and vocabulary (both
//! kinds), the classifier's and the document autoencoder's own.

use serde::Deserialize;

use super::named;
use crate::error::{AekitError, Result};
use crate::model::Pooling;
use crate::text::{
    DocAutoencoderParams, Padding, TextClassifierParams, TokenizerConfig, VocabularyConfig,
};

/// Tokens and vocabulary ([`TokenizerConfig`] and [`VocabularyConfig`]'s
/// fields). `char_ngrams` is `[min, max]`, or `[]` for none.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextOptions {
    /// `min_count`; `None` keeps the default.
    pub min_count: Option<usize>,
    /// `max_vocab`; `None` keeps the default.
    pub max_vocab: Option<usize>,
    /// `hashing`; `None` learns a vocabulary.
    pub hashing: Option<usize>,
    /// `lowercase`; `None` keeps the default.
    pub lowercase: Option<bool>,
    /// `ngrams`; `None` keeps the default.
    pub ngrams: Option<usize>,
    /// `char_ngrams`; `None` keeps the kind's default.
    pub char_ngrams: Option<Vec<usize>>,
}

impl TextOptions {
    /// These settings over a text kind's defaults.
    pub fn apply(
        self,
        tokenizer: &mut TokenizerConfig,
        vocabulary: &mut VocabularyConfig,
    ) -> Result<()> {
        vocabulary.min_count = self.min_count.unwrap_or(vocabulary.min_count);
        vocabulary.max_vocab = self.max_vocab.unwrap_or(vocabulary.max_vocab);
        vocabulary.hashing = self.hashing.or(vocabulary.hashing);
        tokenizer.lowercase = self.lowercase.unwrap_or(tokenizer.lowercase);
        tokenizer.ngrams = self.ngrams.unwrap_or(tokenizer.ngrams);
        if let Some(lengths) = self.char_ngrams {
            tokenizer.char_ngrams = match lengths[..] {
                [] => None,
                [min, max] => Some([min, max]),
                _ => {
                    return Err(AekitError::param(
                        "char_ngrams",
                        format!("expected [min, max] or [] for none, got {lengths:?}"),
                    ));
                }
            };
        }
        Ok(())
    }
}

/// The classifier's own parameters: `pooling` picks the recipe
/// ([`TextClassifierParams::for_pooling`]) the others change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextClassifierOptions {
    /// `pooling` (flatten, mean, tfidf); `None`: tfidf.
    #[serde(deserialize_with = "named")]
    pub pooling: Option<Pooling>,
    /// `embedding_dim`; `None` keeps the default.
    pub embedding_dim: Option<usize>,
    /// `max_length`; `None`: from the training texts.
    pub max_length: Option<usize>,
    /// `padding` (post, pre); `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub padding: Option<Padding>,
}

impl TextClassifierOptions {
    /// The pooling's recipe with these settings.
    pub fn params(self) -> Result<TextClassifierParams> {
        let mut p = TextClassifierParams::for_pooling(self.pooling.unwrap_or(Pooling::Tfidf));
        p.model.embedding_dim = self.embedding_dim.unwrap_or(p.model.embedding_dim);
        p.max_length = self.max_length.or(p.max_length);
        p.padding = self.padding.unwrap_or(p.padding);
        Ok(p)
    }
}

/// The document autoencoder's own parameters.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocAutoencoderOptions {
    /// `bottleneck`, the width of the document code; `None` keeps the default.
    pub bottleneck: Option<usize>,
}

impl DocAutoencoderOptions {
    /// These settings over `params`.
    pub fn apply(self, params: &mut DocAutoencoderParams) {
        params.model.bottleneck = self.bottleneck.unwrap_or(params.model.bottleneck);
    }
}
