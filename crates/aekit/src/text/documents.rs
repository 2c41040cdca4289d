//! The document autoencoder task: texts in, a fitted [`DocAutoencoder`]
//! out, which gives each text a dense code (its document embedding) and
//! finds the texts nearest to a query by cosine similarity.

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::TextPreprocessing;
use super::classifier::text_start;
use super::corpus::Corpus;
use super::encoding::{Padding, Tfidf, TfidfConfig, check_id_table, check_inputs};
use super::model_file::{self as text_file, TextMetrics, TextModelConfig, TextModelMeta};
use super::tokenizer::TokenizerConfig;
use super::vocabulary::{Lookup, VocabularyConfig};
use crate::backend;
use crate::data::Matrix;
use crate::error::{AekitError, Result};
use crate::model::doc_autoencoder::{DocAutoencoderConfig, DocAutoencoderNet};
use crate::train::burn_engine;
use crate::train::pipeline::{split_rows, train_observed};
use crate::train::validation_split::SplitStream;
use crate::train::{Pairs, TrainingConfig, TrainingData, TrainingObserver, TrainingSetters};

/// Everything that decides a document autoencoder, with the recommended
/// defaults (BENCHMARKS.md, "Text").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocAutoencoderParams {
    /// The tokeniser. Default: lower-cased Unicode words.
    pub tokenizer: TokenizerConfig,
    /// The vocabulary. Default: tokens in at least 2 texts, at most 20 000.
    pub vocabulary: VocabularyConfig,
    /// TF-IDF weighting.
    pub tfidf: TfidfConfig,
    /// The architecture.
    pub model: DocAutoencoderConfig,
    /// Training. Default: Adam lr 0.005, 30 epochs, batch 64, a seeded
    /// 10 % validation split with early stopping after 3 epochs.
    pub training: TrainingConfig,
}

impl Default for DocAutoencoderParams {
    fn default() -> Self {
        let mut training = TrainingConfig {
            epochs: 30,
            batch_size: 64,
            validation_split: Some(0.1),
            shuffle_before_split: true,
            patience: Some(3),
            fused_loss: false,
            ..TrainingConfig::default()
        };
        training.optimizer.learning_rate = Some(0.005);
        DocAutoencoderParams {
            tokenizer: TokenizerConfig::default(),
            vocabulary: VocabularyConfig {
                min_count: 2,
                ..VocabularyConfig::default()
            },
            tfidf: TfidfConfig::default(),
            model: DocAutoencoderConfig::default(),
            training,
        }
    }
}

/// The training setters ([`TrainingSetters`]); the defaults are the
/// kind's, stated on [`training`](Self::training).
impl TrainingSetters for DocAutoencoderParams {
    fn training_mut(&mut self) -> &mut TrainingConfig {
        &mut self.training
    }
}

/// A fitted document autoencoder.
#[derive(Debug)]
pub struct DocAutoencoder {
    meta: TextModelMeta,
    net: DocAutoencoderNet,
}

impl DocAutoencoderParams {
    /// Checks every setting that needs no data.
    pub fn validate(&self) -> Result<()> {
        self.tokenizer.validate()?;
        self.vocabulary.validate()?;
        self.model.validate()?;
        if let Some(buckets) = self.vocabulary.hashing {
            check_id_table("hashing", buckets, self.model.bottleneck, 2)?;
        }
        self.training
            .refuse_reconstruction("document autoencoders")?;
        self.training.validate()
    }

    /// Learns vocabulary and TF-IDF weights from `corpus` and trains, on
    /// [`threads`](TrainingConfig::threads) threads.
    pub fn fit(
        &self,
        corpus: &Corpus,
        observer: &mut dyn TrainingObserver,
    ) -> Result<DocAutoencoder> {
        self.validate()?;
        backend::install_on(self.training.threads, self.training.device, || {
            self.fit_here(corpus, observer)
        })?
    }

    fn fit_here(
        &self,
        corpus: &Corpus,
        observer: &mut dyn TrainingObserver,
    ) -> Result<DocAutoencoder> {
        let (train_rows, val_rows) = split_rows(&self.training, corpus.len(), SplitStream::Text)?;
        let tokens: Vec<Vec<String>> = train_rows
            .iter()
            .map(|&i| self.tokenizer.tokens(&corpus.texts[i]))
            .collect();
        let ids = self.vocabulary.fit(&tokens);
        let lookup = Lookup::new(&ids);
        check_id_table("max_vocab", lookup.size(), self.model.bottleneck, 2)?;
        check_inputs("max_terms", corpus.len(), 2 * self.model.max_terms)?;
        let id_docs: Vec<Vec<usize>> = tokens
            .iter()
            .map(|d| d.iter().map(|t| lookup.id(t)).collect())
            .collect();
        let tfidf = Tfidf::fit(self.tfidf, &id_docs, lookup.size());
        let text = TextPreprocessing {
            text_column: super::DEFAULT_TEXT_COLUMN.to_string(),
            tokenizer: self.tokenizer.clone(),
            ids,
            max_length: 0,
            padding: Padding::Post,
            tfidf: Some(tfidf),
        };
        let rows_of = |rows: &[usize]| {
            let texts: Vec<String> = rows.iter().map(|&i| corpus.texts[i].clone()).collect();
            text.sparse(&texts, self.model.max_terms)
                .unwrap_or_else(|| Matrix::new(Vec::new(), 2 * self.model.max_terms))
        };
        let x_train = rows_of(&train_rows);
        let x_val = rows_of(&val_rows);
        let device = backend::training_device();
        let mut rng = StdRng::seed_from_u64(self.training.seed);
        let net = DocAutoencoderNet::init(&self.model, lookup.size(), &mut rng, &device);
        let validation = (!val_rows.is_empty()).then_some(Pairs {
            inputs: &x_val,
            targets: &x_val,
        });
        let (net, history) = train_observed(
            observer,
            &text_start(train_rows.len(), val_rows.len(), lookup.size()),
            |observer| {
                burn_engine::fit(
                    net,
                    &self.training,
                    &TrainingData::new(&x_train, None),
                    validation,
                    &device,
                    observer,
                )
            },
            |net| Ok(Some(net.encode(&x_train, &backend::inference_device()))),
        )?;
        Ok(DocAutoencoder {
            meta: TextModelMeta {
                format_version: crate::model_file::FORMAT_VERSION,
                aekit_version: crate::VERSION.to_string(),
                model: TextModelConfig::DocAutoencoder(self.model.clone()),
                text,
                label: None,
                classes: Vec::new(),
                training: self.training.clone(),
                history,
                metrics: TextMetrics::default(),
            },
            net,
        })
    }
}

/// Cosine similarity of two vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na > 0.0 && nb > 0.0 {
        dot / (na * nb)
    } else {
        0.0
    }
}

impl DocAutoencoder {
    /// The metadata stored with the model.
    pub fn meta(&self) -> &TextModelMeta {
        &self.meta
    }

    /// Records the text column the model was trained on.
    pub fn set_text_column(&mut self, text: &str) {
        self.meta.text.text_column = text.to_string();
    }

    /// Width of the codes.
    pub fn code_width(&self) -> usize {
        self.net.encoder.weight.dims()[1]
    }

    /// The codes (document embeddings) of `texts`.
    pub fn encode(&self, texts: &[String]) -> Matrix {
        let max_terms = self.net.max_terms;
        let rows =
            self.meta.text.sparse(texts, max_terms).unwrap_or_else(|| {
                Matrix::new(vec![0.0; texts.len() * 2 * max_terms], 2 * max_terms)
            });
        self.net.encode(&rows, &backend::device_of(&self.net))
    }

    /// Moves the model to `device` (the same weights): where
    /// [`encode`](Self::encode) runs. A loaded model starts on the CPU, a
    /// fitted one where it was trained.
    pub fn set_device(&mut self, device: backend::DeviceChoice) -> Result<()> {
        let device = device.resolve()?;
        self.net = burn::module::Module::to_device(self.net.clone(), &device);
        Ok(())
    }

    /// Whether a search for `query`'s `k` nearest texts can answer: an
    /// empty query or `k` of 0 is an error (either would answer nothing),
    /// best known before the texts are read.
    pub fn check_search(query: &str, k: usize) -> Result<()> {
        if k == 0 {
            return Err(AekitError::param("k", "must be at least 1"));
        }
        if query.trim().is_empty() {
            return Err(AekitError::param(
                "query",
                "is empty: give a text to search for",
            ));
        }
        Ok(())
    }

    /// The `k` texts of `codes` nearest to `query` by cosine similarity of
    /// codes, most similar first: (row, similarity); refused as
    /// [`check_search`](Self::check_search) says.
    pub fn nearest(&self, codes: &Matrix, query: &str, k: usize) -> Result<Vec<(usize, f32)>> {
        Self::check_search(query, k)?;
        let q = self.encode(&[query.to_string()]);
        let mut sims: Vec<(usize, f32)> = (0..codes.n_rows())
            .map(|i| (i, cosine(q.row(0), codes.row(i))))
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        sims.truncate(k);
        Ok(sims)
    }

    fn from_file_parts(
        path: &Path,
        meta: TextModelMeta,
        tensors: std::collections::HashMap<String, crate::model::NamedTensor>,
    ) -> Result<DocAutoencoder> {
        let TextModelConfig::DocAutoencoder(config) = &meta.model else {
            return Err(AekitError::Unsupported {
                operation: "document embeddings",
                needs: "a document autoencoder (kind 'doc_autoencoder')".into(),
                has: format!("is a {}", meta.model.kind()),
            });
        };
        if meta.text.tfidf.is_none() {
            return Err(AekitError::model(path, "the TF-IDF weights are missing"));
        }
        let vocab = Lookup::new(&meta.text.ids).size();
        let net =
            DocAutoencoderNet::from_tensors(config, vocab, &tensors, &backend::inference_device())
                .map_err(|m| AekitError::model(path, m))?;
        text_file::check_all_used(path, meta.model.kind(), &net.export_tensors(), &tensors)?;
        Ok(DocAutoencoder { meta, net })
    }
}

text_file::model_file_methods!(DocAutoencoder, "a document autoencoder");
