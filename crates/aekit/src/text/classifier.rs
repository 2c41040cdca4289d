//! The text classifier task: labelled texts in, a fitted
//! [`TextClassifier`] out, which predicts class probabilities of new texts.

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::TextPreprocessing;
use super::corpus::Corpus;
use super::encoding::{Padding, Tfidf, TfidfConfig, check_id_table, check_inputs, check_length};
use super::linear_head::LinearLoss;
use super::model_file::{self as text_file, TextMetrics, TextModelConfig, TextModelMeta};
use super::report::ClassificationReport;
use super::tokenizer::TokenizerConfig;
use super::vocabulary::{Lookup, VocabularyConfig};
use crate::backend;
use crate::data::Matrix;
use crate::error::{AekitError, Result};
use crate::model::text_classifier::{Pooling, TextClassifierConfig, TextClassifierNet};
use crate::train::burn_engine;
use crate::train::pipeline::{split_rows, train_observed};
use crate::train::validation_split::SplitStream;
use crate::train::{
    LossKind, Pairs, TrainingConfig, TrainingData, TrainingObserver, TrainingSetters, TrainingStart,
};

/// Longest sequence a flatten- or mean-pooled classifier takes when no
/// length is given.
pub const MAX_AUTO_LENGTH: usize = 400;
/// Most distinct tokens (the heaviest by TF-IDF) a TF-IDF-pooled
/// classifier keeps of a text when no length is given: a text of 120 words
/// has about as many character 3-5-grams.
pub const MAX_AUTO_TERMS: usize = 1500;

/// Everything that decides a text classifier. `default()` is the
/// recommended recipe, TF-IDF pooling over words and their character
/// n-grams; [`for_pooling`](Self::for_pooling) gives the recipe of each
/// pooling (BENCHMARKS.md, "Text").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextClassifierParams {
    /// The tokeniser. Default: lower-cased Unicode words and their
    /// character 3-5-grams (fastText's subwords); words only for flatten
    /// and mean pooling. Word bigrams measured worse with TF-IDF pooling
    /// on both selection sets.
    pub tokenizer: TokenizerConfig,
    /// The vocabulary (or hashing). Default: tokens seen in at least two
    /// training texts, at most 200 000 (20 000 for flatten and mean
    /// pooling, which have no subwords).
    pub vocabulary: VocabularyConfig,
    /// Tokens per text (TF-IDF pooling: distinct tokens, the heaviest
    /// kept); `None`: the longest training text's, at most
    /// [`MAX_AUTO_LENGTH`] ([`MAX_AUTO_TERMS`] with TF-IDF pooling; the
    /// seed tutorial pads to the longest).
    pub max_length: Option<usize>,
    /// Where texts are padded or cut. Default post.
    pub padding: Padding,
    /// The architecture.
    pub model: TextClassifierConfig,
    /// Training. Default: Adam lr 0.003 (0.01 for flatten and mean
    /// pooling), 30 epochs, batch 32, a seeded 10 % validation split with
    /// early stopping after 3 epochs. The linear head uses only its
    /// validation split (to choose `linear_c`), seed and threads.
    pub training: TrainingConfig,
    /// What is fitted over the pooled inputs; `None` (the default):
    /// [`Head::Linear`] with TF-IDF pooling and at most
    /// [`MAX_LINEAR_CLASSES`] classes, [`Head::Embedding`] otherwise.
    pub head: Option<Head>,
    /// The linear head's inverse L2 strength (scikit-learn's `C`);
    /// `None`: the best of the loss's grid
    /// ([`HINGE_C_GRID`](super::linear::HINGE_C_GRID),
    /// [`C_GRID`](super::linear::C_GRID)) on the validation split, then
    /// refitted on every row.
    pub linear_c: Option<f64>,
    /// The linear head's loss. Default the squared hinge.
    pub linear_loss: LinearLoss,
}

/// What a classifier fits over its pooled inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Head {
    /// One weight per token and class over the TF-IDF bag, fitted to
    /// convergence with an L2 penalty by the
    /// [`linear_loss`](TextClassifierParams::linear_loss) (scikit-learn's
    /// `LinearSVC` or `LogisticRegression` over the same features): the
    /// default with TF-IDF pooling (BENCHMARKS.md, "Text").
    /// Stored as an embedding as wide as the outputs and an identity
    /// output layer, so its files are those of the other head.
    #[default]
    Linear,
    /// An `embedding_dim`-wide embedding of each token, pooled, then a
    /// dense layer, trained by the optimiser with early stopping: the
    /// default before, and the only head of mean and flatten pooling.
    Embedding,
}

/// Parses the command line's names (linear, embedding).
impl std::str::FromStr for Head {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "head",
            s,
            &[("linear", Head::Linear), ("embedding", Head::Embedding)],
        )
    }
}

impl Default for TextClassifierParams {
    fn default() -> Self {
        TextClassifierParams::for_pooling(Pooling::Tfidf)
    }
}

/// The training setters ([`TrainingSetters`]); the defaults are the
/// kind's, stated on [`training`](Self::training).
impl TrainingSetters for TextClassifierParams {
    fn training_mut(&mut self) -> &mut TrainingConfig {
        &mut self.training
    }
}

impl TextClassifierParams {
    /// The recommended recipe for `pooling`: subwords, a larger
    /// vocabulary and a smaller learning rate with TF-IDF pooling, whose
    /// bag normalises words and subwords apart; words only for the
    /// sequence poolings, where subwords would crowd the positions.
    pub fn for_pooling(pooling: Pooling) -> Self {
        let tfidf = pooling == Pooling::Tfidf;
        let mut training = TrainingConfig {
            epochs: 30,
            validation_split: Some(0.1),
            shuffle_before_split: true,
            patience: Some(3),
            ..TrainingConfig::default()
        };
        training.optimizer.learning_rate = Some(if tfidf { 0.003 } else { 0.01 });
        TextClassifierParams {
            tokenizer: TokenizerConfig {
                char_ngrams: tfidf.then_some([3, 5]),
                char_ngrams_keep_punctuation: tfidf,
                ..TokenizerConfig::default()
            },
            vocabulary: VocabularyConfig {
                min_count: 2,
                max_vocab: if tfidf { 200_000 } else { 20_000 },
                ..VocabularyConfig::default()
            },
            max_length: None,
            padding: Padding::Post,
            model: TextClassifierConfig {
                pooling,
                ..TextClassifierConfig::default()
            },
            training,
            head: None,
            linear_c: None,
            linear_loss: LinearLoss::default(),
        }
    }
}

/// Most classes the linear head takes: its fit holds rows x classes
/// and tokens x classes values.
pub const MAX_LINEAR_CLASSES: usize = 1000;
/// Most weights (tokens x classes) of the linear head: the vocabulary is
/// cut to the most frequent tokens to stay within it (about 600 MB at
/// the peak of the fit).
pub const MAX_LINEAR_WEIGHTS: usize = 1 << 23;

/// A fitted text classifier.
#[derive(Debug)]
pub struct TextClassifier {
    pub(super) meta: TextModelMeta,
    pub(super) net: TextClassifierNet,
}

/// What the observer of a text kind's fit is told: texts as rows, the
/// token ids as features.
pub(crate) fn text_start(train_rows: usize, val_rows: usize, ids: usize) -> TrainingStart {
    TrainingStart {
        n_rows: train_rows,
        n_validation_rows: val_rows,
        n_features: ids,
        skipped_text: Vec::new(),
        skipped_empty: Vec::new(),
    }
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// The fraction of `predicted` equal to `truth`.
pub(super) fn accuracy(predicted: &[usize], truth: &[usize]) -> f64 {
    let right = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    right as f64 / truth.len().max(1) as f64
}

impl TextClassifierParams {
    /// Checks every setting that needs no data.
    pub fn validate(&self) -> Result<()> {
        self.tokenizer.validate()?;
        self.vocabulary.validate()?;
        if let Some(l) = self.max_length {
            check_length("max_length", l)?;
        }
        self.model.validate()?;
        if let Some(buckets) = self.vocabulary.hashing {
            check_id_table("hashing", buckets, self.model.embedding_dim, 1)?;
        }
        self.training.refuse_reconstruction("text classifiers")?;
        if self.head == Some(Head::Linear) && self.model.pooling != Pooling::Tfidf {
            return Err(AekitError::param(
                "head",
                "the linear head weighs a TF-IDF bag: it needs pooling 'tfidf' (or head 'embedding')",
            ));
        }
        if let Some(c) = self.linear_c
            && !(c > 0.0 && c.is_finite())
        {
            return Err(AekitError::param("linear_c", "must be positive"));
        }
        self.training.validate()
    }

    /// Learns the preprocessing from `corpus` (which must have labels of
    /// at least two classes) and trains the classifier, on
    /// [`threads`](TrainingConfig::threads) threads.
    pub fn fit(
        &self,
        corpus: &Corpus,
        observer: &mut dyn TrainingObserver,
    ) -> Result<TextClassifier> {
        self.validate()?;
        backend::install_on(self.training.threads, self.training.device, || {
            self.fit_here(corpus, observer)
        })?
    }

    fn fit_here(
        &self,
        corpus: &Corpus,
        observer: &mut dyn TrainingObserver,
    ) -> Result<TextClassifier> {
        let labels = corpus
            .labels
            .as_ref()
            .ok_or_else(|| AekitError::param("label", "a classifier needs a label column"))?;
        let mut classes: Vec<String> = labels.clone();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 {
            return Err(AekitError::Data {
                path: corpus.path.clone(),
                row: None,
                column: None,
                message: format!(
                    "the label column has one class ({}); a classifier needs at least two",
                    classes.first().map_or("", String::as_str)
                ),
            });
        }
        let class_of: Vec<usize> = labels
            .iter()
            .map(|l| classes.binary_search(l).unwrap_or(0))
            .collect();
        let (train_rows, val_rows) = split_rows(&self.training, corpus.len(), SplitStream::Text)?;
        let tokens: Vec<Vec<String>> = corpus
            .texts
            .iter()
            .map(|t| self.tokenizer.tokens(t))
            .collect();
        // The linear head ends on every row: its vocabulary and weights
        // are theirs (the split only chooses the penalty).
        let linear = self.linear_head(classes.len())?;
        let train_tokens: Vec<Vec<String>> = if linear {
            tokens
        } else {
            train_rows.iter().map(|&i| tokens[i].clone()).collect()
        };
        let ids = if linear {
            let mut vocabulary = self.vocabulary;
            vocabulary.max_vocab = vocabulary.max_vocab.min(MAX_LINEAR_WEIGHTS / classes.len());
            vocabulary.fit(&train_tokens)
        } else {
            self.vocabulary.fit(&train_tokens)
        };
        let lookup = Lookup::new(&ids);
        check_id_table("max_vocab", lookup.size(), self.model.embedding_dim, 1)?;
        let tfidf = self.model.pooling == Pooling::Tfidf;
        let max_length = self.max_length.unwrap_or_else(|| {
            let longest = train_tokens.iter().map(|doc| {
                if tfidf {
                    let mut distinct: Vec<&String> = doc.iter().collect();
                    distinct.sort_unstable();
                    distinct.dedup();
                    distinct.len()
                } else {
                    doc.len()
                }
            });
            let cap = if tfidf {
                MAX_AUTO_TERMS
            } else {
                MAX_AUTO_LENGTH
            };
            longest.max().unwrap_or(1).clamp(1, cap)
        });
        check_inputs(
            "max_length",
            corpus.len(),
            if tfidf { 2 * max_length } else { max_length },
        )?;
        let mut text = TextPreprocessing {
            text_column: super::DEFAULT_TEXT_COLUMN.to_string(),
            tokenizer: self.tokenizer.clone(),
            ids,
            max_length,
            padding: self.padding,
            tfidf: None,
        };
        if tfidf {
            // The training texts are tokenised already: only their ids are new.
            let docs: Vec<Vec<usize>> = train_tokens
                .iter()
                .map(|doc| doc.iter().map(|tok| lookup.id(tok)).collect())
                .collect();
            text.tfidf = Some(Tfidf::fit(TfidfConfig::default(), &docs, lookup.size()));
        }
        if linear {
            let split = (train_rows.as_slice(), val_rows.as_slice());
            return self.fit_linear(corpus, text, classes, &class_of, split, observer);
        }
        let n_out = TextClassifierConfig::n_outputs(classes.len());
        // Targets are class indices, one column (exact in f32 below 2^24
        // classes); the net spreads a batch's into one-hot rows, so rows x
        // classes never exist at once (10 000 labels: 0.73 -> 0.36 GB).
        let rows_of = |rows: &[usize]| {
            let texts: Vec<String> = rows.iter().map(|&i| corpus.texts[i].clone()).collect();
            let x = classifier_inputs(&text, &texts);
            let y = rows.iter().map(|&i| class_of[i] as f32).collect();
            (x, Matrix::new(y, 1))
        };
        let (x_train, y_train) = rows_of(&train_rows);
        let (x_val, y_val) = rows_of(&val_rows);
        let mut training = self.training.clone();
        training.loss = LossKind::Bce;
        let device = backend::training_device();
        let mut rng = StdRng::seed_from_u64(training.seed);
        let net = TextClassifierNet::init(
            &self.model,
            lookup.size(),
            max_length,
            n_out,
            &mut rng,
            &device,
        );
        let validation = (!val_rows.is_empty()).then_some(Pairs {
            inputs: &x_val,
            targets: &y_val,
        });
        let inference = backend::inference_device();
        let (net, history) = train_observed(
            observer,
            &text_start(train_rows.len(), val_rows.len(), lookup.size()),
            |observer| {
                burn_engine::fit(
                    net,
                    &training,
                    &TrainingData::new(&x_train, Some(&y_train)),
                    validation,
                    &device,
                    observer,
                )
            },
            |net| Ok(Some(net.probabilities(&x_train, &inference))),
        )?;
        let truth = |rows: &[usize]| rows.iter().map(|&i| class_of[i]).collect::<Vec<_>>();
        let metrics = TextMetrics {
            train_accuracy: Some(accuracy(
                &net.predicted_classes(&x_train, &inference),
                &truth(&train_rows),
            )),
            validation_accuracy: (!val_rows.is_empty()).then(|| {
                accuracy(
                    &net.predicted_classes(&x_val, &inference),
                    &truth(&val_rows),
                )
            }),
        };
        Ok(TextClassifier {
            meta: TextModelMeta {
                format_version: crate::model_file::FORMAT_VERSION,
                aekit_version: crate::VERSION.to_string(),
                model: TextModelConfig::TextClassifier(self.model.clone()),
                text,
                label: Some(super::DEFAULT_LABEL_COLUMN.to_string()),
                classes,
                training,
                history,
                metrics,
            },
            net,
        })
    }
}

impl TextClassifierParams {
    /// Sets the embedding head's token width, which asks for that head
    /// unless one is named: an error with the linear head, which is as
    /// wide as the classes.
    pub fn embedding_width(&mut self, dim: usize) -> Result<()> {
        if self.head == Some(Head::Linear) {
            return Err(AekitError::param(
                "embedding_dim",
                "sets the embedding head's width; the linear head is as wide as the classes",
            ));
        }
        self.head = Some(Head::Embedding);
        self.model.embedding_dim = dim;
        Ok(())
    }
}

/// A classifier's input rows: sparse TF-IDF rows of `max_length` terms
/// when it pools by TF-IDF (its preprocessing then holds the weights),
/// padded id sequences otherwise.
pub(super) fn classifier_inputs(text: &TextPreprocessing, texts: &[String]) -> Matrix {
    text.sparse(texts, text.max_length)
        .unwrap_or_else(|| text.sequences(texts))
}

/// What a classifier says about some texts.
#[derive(Debug, Clone)]
pub struct Predictions {
    /// Probabilities, one column per class.
    pub probabilities: Matrix,
    /// The most probable class of each text (index into the classes).
    pub predicted: Vec<usize>,
}

impl TextClassifier {
    /// The metadata stored with the model.
    pub fn meta(&self) -> &TextModelMeta {
        &self.meta
    }

    /// Records the columns the model was trained on.
    pub fn set_columns(&mut self, text: &str, label: Option<&str>) {
        self.meta.text.text_column = text.to_string();
        self.meta.label = label.map(str::to_string);
    }

    /// The classes, in probability-column order.
    pub fn classes(&self) -> &[String] {
        &self.meta.classes
    }

    /// Class probabilities and predictions of `texts`.
    pub fn predict(&self, texts: &[String]) -> Predictions {
        let x = classifier_inputs(&self.meta.text, texts);
        let probabilities = self.net.probabilities(&x, &backend::device_of(&self.net));
        let predicted = (0..probabilities.n_rows())
            .map(|i| argmax(probabilities.row(i)))
            .collect();
        Predictions {
            probabilities,
            predicted,
        }
    }

    /// [`predict`](Self::predict) a part of the texts at a time, each part
    /// as many rows as an evaluation pass holds: memory linear in texts
    /// plus classes, never their product (the same values as one call).
    pub fn predict_parts<'a>(
        &'a self,
        texts: &'a [String],
    ) -> impl Iterator<Item = Predictions> + 'a {
        let rows = crate::train::burn_engine::inference_rows(self.meta.classes.len());
        texts.chunks(rows).map(|part| self.predict(part))
    }

    /// Moves the model to `device` (the same weights): where
    /// [`predict`](Self::predict) runs. A loaded model starts on the CPU,
    /// a fitted one where it was trained.
    pub fn set_device(&mut self, device: backend::DeviceChoice) -> Result<()> {
        let device = device.resolve()?;
        self.net = burn::module::Module::to_device(self.net.clone(), &device);
        Ok(())
    }

    /// The classification report of the `predicted` classes (indices
    /// into the classes, as [`Predictions::predicted`]) against `labels`.
    pub fn report(&self, labels: &[String], predicted: &[usize]) -> ClassificationReport {
        let truth: Vec<Option<usize>> = labels
            .iter()
            // Classes are sorted (held at fit and load): log time, not N².
            .map(|l| self.meta.classes.binary_search(l).ok())
            .collect();
        ClassificationReport::new(&self.meta.classes, &truth, predicted)
    }

    /// The learnt word vectors: (token, vector) for every vocabulary token
    /// (padding and out-of-vocabulary left out); `None` for hashed ids,
    /// whose rows have no single token.
    pub fn word_vectors(&self) -> Option<Vec<(String, Vec<f32>)>> {
        let lookup = Lookup::new(&self.meta.text.ids);
        let weight = self.net.embedding.weight.val();
        let dim = weight.dims()[1];
        let values = weight.into_data().try_into_vec::<f32>().ok()?;
        if matches!(self.meta.text.ids, super::TokenIds::Hashing { .. }) {
            return None;
        }
        Some(
            (super::vocabulary::RESERVED..lookup.size())
                .filter_map(|id| {
                    let token = lookup.token(id)?;
                    Some((token.to_string(), values[id * dim..(id + 1) * dim].to_vec()))
                })
                .collect(),
        )
    }

    /// Writes the word vectors to `path` in word2vec text format (a
    /// `count dim` line, then `token v1 v2 ...`), atomically; returns the
    /// count. Hashed ids have no tokens: an error.
    pub fn write_word_vectors(&self, path: &Path) -> Result<usize> {
        let vectors = self.word_vectors().ok_or_else(|| AekitError::Unsupported {
            operation: "word vectors",
            needs: "a learnt vocabulary".into(),
            has: "hashes its tokens (`hashing`), so its ids stand for no single word".into(),
        })?;
        let dim = vectors.first().map_or(0, |v| v.1.len());
        crate::data::output::write_atomically(path, |out| {
            writeln!(out, "{} {dim}", vectors.len())?;
            for (token, v) in &vectors {
                let values: Vec<String> = v.iter().map(|x| format!("{x:.6}")).collect();
                // word2vec's text format separates by spaces: n-grams get underscores.
                writeln!(out, "{} {}", token.replace(' ', "_"), values.join(" "))?;
            }
            Ok(())
        })?;
        Ok(vectors.len())
    }

    fn from_file_parts(
        path: &Path,
        meta: TextModelMeta,
        tensors: std::collections::HashMap<String, crate::model::NamedTensor>,
    ) -> Result<TextClassifier> {
        let TextModelConfig::TextClassifier(config) = &meta.model else {
            return Err(AekitError::Unsupported {
                operation: "classifying texts",
                needs: "a text classifier (kind 'text_classifier')".into(),
                has: format!("is a {}", meta.model.kind()),
            });
        };
        let vocab = Lookup::new(&meta.text.ids).size();
        let n_out = TextClassifierConfig::n_outputs(meta.classes.len());
        let net = TextClassifierNet::from_tensors(
            config,
            vocab,
            meta.text.max_length,
            n_out,
            &tensors,
            &backend::inference_device(),
        )
        .map_err(|m| AekitError::model(path, m))?;
        text_file::check_all_used(path, meta.model.kind(), &net.export_tensors(), &tensors)?;
        Ok(TextClassifier { meta, net })
    }
}

text_file::model_file_methods!(TextClassifier, "a text classifier");
