//! `aekit text ...`: arguments, their mapping to the library's text
//! params, and printing.

use std::path::{Path, PathBuf};

use aekit::DeviceChoice;
use aekit::data::ReadOptions;
use aekit::data::output::{format_value, write_csv};
use aekit::model::Pooling;
use aekit::text::{
    Corpus, CorpusColumns, CorpusReader, DocAutoencoder, DocAutoencoderParams, Head, LinearLoss,
    Padding, TextClassifier, TextClassifierParams, TokenizerConfig, VocabularyConfig,
};
use aekit::train::TrainingConfig;
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};

use crate::cli::ReadArgs;
use crate::progress::EpochPrinter;
use crate::settings::{Output, check_output, read_options};
use crate::training_args::{TrainingArgs, training_config};

/// `aekit text ...`.
#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Train a text classifier: tokens -> embedding -> flatten or masked
    /// mean -> dense (sigmoid for two classes, softmax for more).
    #[command(after_help = "Guide: docs/text.md")]
    Train(Box<TextTrainArgs>),
    /// Classify texts: a `predicted` column and one probability column
    /// per class; with the label column, accuracy and a per-class report.
    #[command(after_help = "Guide: docs/text.md")]
    Predict(TextPredictArgs),
    /// Train a document autoencoder over TF-IDF bags (document embeddings
    /// with `aekit encode`).
    #[command(after_help = "Guide: docs/text.md")]
    Autoencoder(Box<TextAutoencoderArgs>),
    /// The texts of DATA nearest to a query, by cosine similarity of
    /// their document embeddings.
    #[command(after_help = "Guide: docs/text.md")]
    Similar(TextSimilarArgs),
    /// Write the classifier's word vectors in word2vec text format.
    #[command(after_help = "Guide: docs/text.md")]
    Vectors(TextVectorsArgs),
}

/// `--pooling`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PoolingArg {
    /// Concatenate every position (Keras' Flatten).
    Flatten,
    /// Masked mean over the real tokens.
    Mean,
    /// TF-IDF-weighted sum over the distinct tokens.
    Tfidf,
}

/// `--head`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HeadArg {
    /// A full-rank softmax over the TF-IDF bag, fitted to convergence with L2.
    Linear,
    /// An embedding, pooled, then a dense layer, trained by the optimiser.
    Embedding,
}

/// `--linear-loss`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LinearLossArg {
    /// One class against the rest, squared hinge (scikit-learn's LinearSVC).
    SquaredHinge,
    /// Multinomial logistic regression (scikit-learn's LogisticRegression).
    Logistic,
}

/// `--char-ngram-punctuation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PunctuationArg {
    /// N-grams of whitespace chunks, punctuation kept.
    Keep,
    /// N-grams of the words, punctuation dropped.
    Drop,
}

/// `--padding`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PaddingArg {
    /// Pad or cut at the end.
    Post,
    /// Pad or cut at the start.
    Pre,
}

/// Settings shared by the two text trainers.
#[derive(Debug, Args)]
pub struct TextCommon {
    /// The text column.
    #[arg(long, default_value = aekit::text::DEFAULT_TEXT_COLUMN)]
    pub text: String,
    /// Tokens in fewer training texts than this are out of vocabulary (default 2).
    #[arg(long)]
    pub min_count: Option<usize>,
    /// At most this many tokens in the vocabulary (default 200000 for `text train`
    /// with TF-IDF pooling, whose subwords are many; 20000 otherwise).
    #[arg(long)]
    pub max_vocab: Option<usize>,
    /// Hash tokens into N ids (64-bit FNV-1a) instead of learning a vocabulary.
    #[arg(long, value_name = "N")]
    pub hashing: Option<usize>,
    /// Keep case.
    #[arg(long)]
    pub keep_case: bool,
    /// Word n-grams up to this length as extra tokens.
    #[arg(long)]
    pub ngrams: Option<usize>,
    /// Character n-grams of each word as extra tokens, lengths MIN-MAX (fastText's
    /// subwords), or `none` (default 3-5 for `text train` with TF-IDF pooling, whose
    /// bag weighs words and subwords apart; none otherwise).
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_char_ngrams)]
    pub char_ngrams: Option<CharNgrams>,
    /// Character n-grams of whitespace chunks with their punctuation (keep, as
    /// scikit-learn's char_wb; default for `text train` with TF-IDF pooling) or of
    /// the words alone (drop).
    #[arg(long, value_enum)]
    pub char_ngram_punctuation: Option<PunctuationArg>,
    #[command(flatten)]
    pub training: TrainingArgs,
    /// Print nothing while training.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--char-ngrams`: lengths, or none.
#[derive(Debug, Clone, Copy)]
pub struct CharNgrams(pub Option<[usize; 2]>);

fn parse_char_ngrams(s: &str) -> Result<CharNgrams, String> {
    if s == "none" {
        return Ok(CharNgrams(None));
    }
    let bad = || format!("expected MIN-MAX (e.g. 3-5) or none, got '{s}'");
    let (min, max) = s.split_once('-').ok_or_else(bad)?;
    let min = min.trim().parse().map_err(|_| bad())?;
    let max = max.trim().parse().map_err(|_| bad())?;
    Ok(CharNgrams(Some([min, max])))
}

/// `aekit text train`.
#[derive(Debug, Args)]
pub struct TextTrainArgs {
    /// Training table: CSV (.gz: gzip), Parquet, or `-` for standard input.
    pub data: PathBuf,
    /// The label column.
    #[arg(long, default_value = aekit::text::DEFAULT_LABEL_COLUMN)]
    pub label: String,
    /// Model file to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Width of each token's vector (default 64; implies --head embedding).
    #[arg(long)]
    pub embedding_dim: Option<usize>,
    /// Tokens per text (default: the longest training text's, at most 400; with
    /// TF-IDF pooling its distinct tokens, at most 1500, the heaviest kept).
    #[arg(long)]
    pub max_length: Option<usize>,
    /// Pooling (default tfidf).
    #[arg(long, value_enum)]
    pub pooling: Option<PoolingArg>,
    /// What is fitted over the pooled bag (default linear with tfidf pooling,
    /// embedding otherwise).
    #[arg(long, value_enum)]
    pub head: Option<HeadArg>,
    /// The linear head's inverse L2 strength, scikit-learn's C (default: the best
    /// of the loss's grid on the validation split, then refitted on every row:
    /// 0.1, 0.3, 1, 3 for the squared hinge; 3, 10, 30, 100 for logistic).
    #[arg(long, value_name = "C")]
    pub linear_c: Option<f64>,
    /// The linear head's loss (default squared-hinge).
    #[arg(long, value_enum)]
    pub linear_loss: Option<LinearLossArg>,
    /// Padding side (default post).
    #[arg(long, value_enum)]
    pub padding: Option<PaddingArg>,
    #[command(flatten)]
    pub common: TextCommon,
    #[command(flatten)]
    pub csv: ReadArgs,
}

/// `aekit text autoencoder`.
#[derive(Debug, Args)]
pub struct TextAutoencoderArgs {
    /// Training table: CSV (.gz: gzip), Parquet, or `-` for standard input.
    pub data: PathBuf,
    /// Model file to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Width of the document code (default 64).
    #[arg(long)]
    pub bottleneck: Option<usize>,
    #[command(flatten)]
    pub common: TextCommon,
    #[command(flatten)]
    pub csv: ReadArgs,
}

/// `aekit text predict`.
#[derive(Debug, Args)]
pub struct TextPredictArgs {
    /// A text classifier.
    pub model: PathBuf,
    /// Table with the model's text column: CSV (.gz: gzip), Parquet, or
    /// `-` for standard input.
    pub data: PathBuf,
    /// Predictions CSV, written atomically.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Columns copied to the output.
    #[arg(long = "id")]
    pub ids: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// Where to run: cpu, gpu, gpu:N or auto (see `aekit train --help`)
    /// [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// `aekit text similar`.
#[derive(Debug, Args)]
pub struct TextSimilarArgs {
    /// A document autoencoder.
    pub model: PathBuf,
    /// Table of texts to search: CSV (.gz: gzip), Parquet, or `-` for
    /// standard input.
    pub data: PathBuf,
    /// The query text.
    #[arg(long)]
    pub query: String,
    /// How many texts.
    #[arg(short, long, default_value_t = 5)]
    pub k: usize,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// Where to run: cpu, gpu, gpu:N or auto (see `aekit train --help`)
    /// [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// `aekit text vectors`.
#[derive(Debug, Args)]
pub struct TextVectorsArgs {
    /// A text classifier with a learnt vocabulary.
    pub model: PathBuf,
    /// word2vec text file to write.
    #[arg(long, short)]
    pub out: PathBuf,
}

impl TextCommon {
    /// These settings applied over a text kind's defaults.
    fn apply(
        &self,
        tokenizer: &mut TokenizerConfig,
        vocabulary: &mut VocabularyConfig,
        training: &mut TrainingConfig,
    ) -> Result<()> {
        if let Some(v) = self.min_count {
            vocabulary.min_count = v;
        }
        if let Some(v) = self.max_vocab {
            vocabulary.max_vocab = v;
        }
        vocabulary.hashing = self.hashing;
        if self.keep_case {
            tokenizer.lowercase = false;
        }
        if let Some(v) = self.ngrams {
            tokenizer.ngrams = v;
        }
        if let Some(CharNgrams(v)) = self.char_ngrams {
            tokenizer.char_ngrams = v;
        }
        if let Some(p) = self.char_ngram_punctuation {
            tokenizer.char_ngrams_keep_punctuation = p == PunctuationArg::Keep;
        }
        *training = training_config(&self.training, None, training.clone())?;
        Ok(())
    }
}

/// Runs a text subcommand.
pub fn run(command: &TextCommand) -> Result<()> {
    match command {
        TextCommand::Train(a) => train(a),
        TextCommand::Predict(a) => predict(a),
        TextCommand::Autoencoder(a) => autoencoder(a),
        TextCommand::Similar(a) => similar(a),
        TextCommand::Vectors(a) => vectors(a),
    }
}

fn train(a: &TextTrainArgs) -> Result<()> {
    check_output(&a.out, Output::Model, &[&a.data])?;
    let pooling = match a.pooling {
        Some(PoolingArg::Flatten) => Pooling::Flatten,
        Some(PoolingArg::Mean) => Pooling::Mean,
        Some(PoolingArg::Tfidf) | None => Pooling::Tfidf,
    };
    let mut p = TextClassifierParams::for_pooling(pooling);
    let c = &a.common;
    c.apply(&mut p.tokenizer, &mut p.vocabulary, &mut p.training)?;
    p.head = a.head.map(|h| match h {
        HeadArg::Linear => Head::Linear,
        HeadArg::Embedding => Head::Embedding,
    });
    p.linear_c = a.linear_c;
    if let Some(loss) = a.linear_loss {
        p.linear_loss = match loss {
            LinearLossArg::SquaredHinge => LinearLoss::SquaredHinge,
            LinearLossArg::Logistic => LinearLoss::Logistic,
        };
    }
    if let Some(v) = a.embedding_dim {
        p.embedding_width(v)?;
    }
    p.max_length = a.max_length;
    if let Some(v) = a.padding {
        p.padding = match v {
            PaddingArg::Post => Padding::Post,
            PaddingArg::Pre => Padding::Pre,
        };
    }
    let corpus = Corpus::read(
        &a.data,
        &CorpusColumns {
            text: a.common.text.clone(),
            label: Some(a.label.clone()),
            ids: vec![],
        },
        &read_options(&a.csv)?,
    )?;
    let mut printer = EpochPrinter::new(a.common.quiet);
    let mut model = p.fit(&corpus, &mut printer)?;
    model.set_columns(&a.common.text, Some(&a.label));
    model.save(&a.out)?;
    let m = model.meta();
    if !a.common.quiet {
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
        println!(
            "trained on {} texts, {} classes, vocabulary {} ids, length {}: accuracy {} (validation {}), kept epoch {}",
            corpus.len(),
            model.classes().len(),
            aekit::text::Lookup::new(&m.text.ids).size(),
            m.text.max_length,
            fmt(m.metrics.train_accuracy),
            fmt(m.metrics.validation_accuracy),
            m.history.kept_epoch
        );
        println!("wrote {}", a.out.display());
    }
    Ok(())
}

fn predict(a: &TextPredictArgs) -> Result<()> {
    check_output(&a.out, Output::Table, &[&a.model, &a.data])?;
    let mut model = TextClassifier::load(&a.model)?;
    model.set_device(a.device.unwrap_or_default())?;
    let meta = model.meta();
    let reader = CorpusReader::open(&a.data, &read_options(&a.csv)?)?;
    // The label column is read when the file has it: then the report.
    let label = meta.label.clone().filter(|l| reader.headers().contains(l));
    let corpus = reader.read(&CorpusColumns {
        text: meta.text.text_column.clone(),
        label: label.clone(),
        ids: a.ids.clone(),
    })?;
    let classes = model.classes();
    let mut head: Vec<String> = a.ids.clone();
    if let Some(l) = &label {
        head.push(l.clone());
    }
    head.push("predicted".into());
    head.extend(classes.iter().map(|c| format!("p_{c}")));
    // Predicted a part at a time as rows are written: texts x classes
    // probabilities are never held at once.
    let mut predicted = Vec::with_capacity(corpus.len());
    let parts = model.predict_parts(&corpus.texts).flat_map(|part| {
        (0..part.predicted.len()).map(move |r| {
            let p = part.probabilities.row(r).iter().map(|&p| format_value(p));
            (part.predicted[r], p.collect::<Vec<_>>())
        })
    });
    let rows = parts
        .inspect(|(class, _)| predicted.push(*class))
        .enumerate()
        .map(|(i, (class, probabilities))| {
            let mut row = corpus.ids[i].clone();
            if let Some(labels) = &corpus.labels {
                row.push(labels[i].clone());
            }
            row.push(classes[class].clone());
            row.extend(probabilities);
            row
        });
    write_csv(&a.out, &head, rows)?;
    if let Some(labels) = &corpus.labels {
        let report = model.report(labels, &predicted);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{report}");
        }
    }
    eprintln!("wrote {} predictions to {}", corpus.len(), a.out.display());
    Ok(())
}

fn autoencoder(a: &TextAutoencoderArgs) -> Result<()> {
    check_output(&a.out, Output::Model, &[&a.data])?;
    let mut p = DocAutoencoderParams::default();
    let c = &a.common;
    c.apply(&mut p.tokenizer, &mut p.vocabulary, &mut p.training)?;
    if let Some(v) = a.bottleneck {
        p.model.bottleneck = v;
    }
    let corpus = Corpus::read(
        &a.data,
        &CorpusColumns {
            text: a.common.text.clone(),
            label: None,
            ids: vec![],
        },
        &read_options(&a.csv)?,
    )?;
    let mut printer = EpochPrinter::new(a.common.quiet);
    let mut model = p.fit(&corpus, &mut printer)?;
    model.set_text_column(&a.common.text);
    model.save(&a.out)?;
    if !a.common.quiet {
        println!(
            "trained on {} texts, vocabulary {} ids, code width {}",
            corpus.len(),
            aekit::text::Lookup::new(&model.meta().text.ids).size(),
            model.code_width()
        );
        println!("wrote {}", a.out.display());
    }
    Ok(())
}

/// `aekit encode` with a document autoencoder: z0..z{K-1}, then every
/// other column of DATA.
pub fn encode(
    model: &Path,
    data: &Path,
    out: &Path,
    csv: &ReadOptions,
    device: Option<DeviceChoice>,
) -> Result<()> {
    check_output(out, Output::Table, &[model, data])?;
    let mut model = DocAutoencoder::load(model)?;
    model.set_device(device.unwrap_or_default())?;
    let text = model.meta().text.text_column.clone();
    let reader = CorpusReader::open(data, csv)?;
    let others: Vec<String> = reader
        .headers()
        .iter()
        .filter(|c| **c != text)
        .cloned()
        .collect();
    let corpus = reader.read(&CorpusColumns {
        text,
        label: None,
        ids: others.clone(),
    })?;
    let codes = model.encode(&corpus.texts);
    let mut head: Vec<String> = (0..codes.n_cols).map(|j| format!("z{j}")).collect();
    head.extend(others);
    let rows = (0..corpus.len()).map(|i| {
        let mut row: Vec<String> = codes.row(i).iter().map(|&v| format_value(v)).collect();
        row.extend(corpus.ids[i].iter().cloned());
        row
    });
    write_csv(out, &head, rows)?;
    eprintln!("wrote {} codes to {}", corpus.len(), out.display());
    Ok(())
}

fn similar(a: &TextSimilarArgs) -> Result<()> {
    DocAutoencoder::check_search(&a.query, a.k)?;
    let mut model = DocAutoencoder::load(&a.model)?;
    model.set_device(a.device.unwrap_or_default())?;
    let corpus = Corpus::read(
        &a.data,
        &CorpusColumns {
            text: model.meta().text.text_column.clone(),
            label: None,
            ids: vec![],
        },
        &read_options(&a.csv)?,
    )?;
    let codes = model.encode(&corpus.texts);
    let nearest = model.nearest(&codes, &a.query, a.k)?;
    println!("rank\trow\tsimilarity\ttext");
    for (rank, (i, s)) in nearest.into_iter().enumerate() {
        let one_line: String = corpus.texts[i]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        println!("{}\t{}\t{s:.4}\t{one_line}", rank + 1, corpus.rows[i]);
    }
    Ok(())
}

fn vectors(a: &TextVectorsArgs) -> Result<()> {
    check_output(&a.out, Output::WordVectors, &[&a.model])?;
    let model = TextClassifier::load(&a.model)?;
    let n = model
        .write_word_vectors(&a.out)
        .with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!("wrote {n} word vectors to {}", a.out.display());
    Ok(())
}

/// `aekit summary` of a text model: layers, preprocessing, classes and
/// the end-of-training figures.
pub fn summary(path: &Path) -> Result<()> {
    let (meta, _) = aekit::text::model_file::load(path)?;
    println!("{}", meta.summary());
    println!();
    println!("kind: {}", meta.model.kind());
    let text = &meta.text;
    println!("text column: {}", text.text_column);
    let vocab = aekit::text::Lookup::new(&text.ids).size();
    match &text.ids {
        aekit::text::TokenIds::Vocabulary { .. } => println!("vocabulary: {vocab} ids"),
        aekit::text::TokenIds::Hashing { buckets } => println!("hashing: {buckets} buckets"),
    }
    let subwords = match text.tokenizer.char_ngrams {
        Some([min, max]) => format!(", character {min}-{max}-grams of each word"),
        None => String::new(),
    };
    println!(
        "tokens: ngrams up to {}{subwords}, {}",
        text.tokenizer.ngrams,
        if text.tokenizer.lowercase {
            "lower-cased"
        } else {
            "case kept"
        }
    );
    if text.max_length > 0 {
        println!("length: {} ({:?} padding)", text.max_length, text.padding);
    }
    if let Some(tfidf) = &text.tfidf {
        let normalised = if tfidf.config.subwords_apart && text.tokenizer.char_ngrams.is_some() {
            "words and subwords L2-normalised apart"
        } else {
            "L2-normalised"
        };
        println!("weights: TF-IDF (sublinear tf, smoothed idf, {normalised})");
    }
    if let Some(label) = &meta.label {
        println!("label: {label}");
    }
    if !meta.classes.is_empty() {
        println!("classes: {}", meta.classes.join(", "));
    }
    if let Some(a) = meta.metrics.train_accuracy {
        println!("training accuracy: {a:.4}");
    }
    if let Some(a) = meta.metrics.validation_accuracy {
        println!("validation accuracy: {a:.4}");
    }
    println!("epochs trained: {}", meta.history.epochs.len());
    Ok(())
}
