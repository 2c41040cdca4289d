//! Text: tokenising, vocabularies or hashed ids, padding, TF-IDF, and the
//! two text kinds' tasks — a classifier of labelled texts
//! ([`classifier`]) and a document autoencoder giving document embeddings
//! ([`documents`]). Everything a model needs to turn a new text into its
//! input is stored with it ([`TextPreprocessing`]).

pub mod classifier;
pub mod corpus;
pub mod documents;
pub mod encoding;
pub(crate) mod linear;
mod linear_head;
pub mod model_file;
pub mod report;
pub mod tokenizer;
pub mod vocabulary;

use serde::{Deserialize, Serialize};

pub use classifier::{Head, TextClassifier, TextClassifierParams};
pub use corpus::{Corpus, CorpusColumns, CorpusReader};
pub use documents::{DocAutoencoder, DocAutoencoderParams};
pub use encoding::{Padding, Tfidf, TfidfConfig};
pub use linear_head::LinearLoss;
pub use report::ClassificationReport;
pub use tokenizer::TokenizerConfig;
pub use vocabulary::{Lookup, TokenIds, VocabularyConfig};

use crate::data::Matrix;

/// The column a text model reads its texts from unless told otherwise
/// (a model fitted on texts in memory reads files by it).
pub const DEFAULT_TEXT_COLUMN: &str = "text";
/// The label column of a classifier unless told otherwise.
pub const DEFAULT_LABEL_COLUMN: &str = "label";

/// How a text becomes a model's input; stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextPreprocessing {
    /// The column the texts were read from.
    pub text_column: String,
    /// The tokeniser.
    pub tokenizer: TokenizerConfig,
    /// Tokens to ids.
    pub ids: TokenIds,
    /// Sequence length (sequence models); 0 for bag-of-words models.
    pub max_length: usize,
    /// Where sequences are padded or cut.
    pub padding: Padding,
    /// TF-IDF weights (bag-of-words models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfidf: Option<Tfidf>,
}

impl TextPreprocessing {
    /// The id sequences of `texts`.
    pub fn id_sequences(&self, lookup: &Lookup, texts: &[String]) -> Vec<Vec<usize>> {
        texts
            .iter()
            .map(|t| {
                self.tokenizer
                    .tokens(t)
                    .iter()
                    .map(|tok| lookup.id(tok))
                    .collect()
            })
            .collect()
    }

    /// Padded id rows of `texts` (sequence models).
    pub fn sequences(&self, texts: &[String]) -> Matrix {
        let lookup = Lookup::new(&self.ids);
        encoding::pad(
            &self.id_sequences(&lookup, texts),
            self.max_length,
            self.padding,
        )
    }

    /// Sparse TF-IDF rows of `texts` with `max_terms` terms each
    /// (bag-of-words models); `None` without TF-IDF weights.
    pub fn sparse(&self, texts: &[String], max_terms: usize) -> Option<Matrix> {
        let tfidf = self.tfidf.as_ref()?;
        let lookup = Lookup::new(&self.ids);
        let docs: Vec<_> = texts
            .iter()
            .map(|t| {
                let (tokens, word_count) = self.tokenizer.tokens_and_word_count(t);
                let ids: Vec<usize> = tokens.iter().map(|tok| lookup.id(tok)).collect();
                tfidf.transform(&ids, word_count)
            })
            .collect();
        Some(encoding::sparse_rows(&docs, max_terms))
    }
}
