//! Anomaly detection by reconstruction error, after PyOD: `fit` on
//! (mostly) normal, unlabelled rows; `decision_function` gives each row's
//! score (the ensemble's z-averaged member scores, or a single model's
//! reconstruction MSE in the scaled space); `predict` flags rows whose score
//! exceeds the threshold fitted from the training scores.
//! Scoring files streams: memory stays flat however large the file.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Int64Array, StringArray};
use serde::Serialize;

use ndarray::Array1;

use super::metrics::Confusion;
use super::ranking_sketch::{DEFAULT_EXACT_ROWS, RankingSketch};
use crate::backend;
use crate::data::{
    ColumnKind, ColumnRoles, CsvOptions, Dataset, Matrix, ReadAhead, ScaleKind, Scaler, Table,
    TableWriter, open_chunks,
};
use crate::error::{AekitError, Result};
use crate::model::dense::DenseFitted;
use crate::model::ensemble::{DEFAULT_HISTOGRAM_BINS, EnsembleFitted, default_widths};
use crate::model::{Activation, DenseAutoencoderConfig, EnsembleConfig, ModelConfig};
use crate::model_file::{FORMAT_VERSION, ModelMeta, Preprocessing, TaskData};
use crate::train::validation_split::{SplitStream, validation_rows};
use crate::train::{
    History, Pairs, Silent, StopAtOnce, TrainingConfig, TrainingData, TrainingObserver,
    TrainingStart,
};
use crate::{Autoencoder, AutoencoderParams, FitOptions, TrainingSetters};

pub use crate::threshold::{
    AnomalyThreshold, DEFAULT_CONTAMINATION, DetectorRecord, MemberRecord, ThresholdRule,
};

/// An unfitted detector. By default an ensemble chosen by
/// leave-one-set-out on eleven public sets (BENCHMARKS.md): robust scaling;
/// one linear autoencoder (inputs -> k -> inputs) per code width k in
/// 1, 2, 4, ... up to d/2; each refitted without the 30 % of training rows
/// it rebuilt worst; beside them a width-0 member, per-feature 10-bin
/// histograms of the scaled inputs (HBOS); scores z-normalised per member and
/// averaged. An explicit architecture (`model`) gives a single autoencoder
/// instead.
/// Set field by field or with setters that state the defaults.
///
/// ```
/// use aekit::{AekitError, Detector, TrainingSetters};
///
/// let params = Detector::params().contamination(0.02).epochs(50).ids(["id"]);
/// assert!(params.validate().is_ok());
/// assert!(matches!(
///     Detector::params().contamination(0.9).validate(),
///     Err(AekitError::InvalidParam { name: "contamination", .. })
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct DetectorParams {
    /// Which columns are label, ids, dropped or one-hot.
    pub columns: ColumnRoles,
    /// Feature scaling, fitted on the training rows. Default robust
    /// (median / IQR).
    pub scale: ScaleKind,
    /// A single autoencoder of this architecture instead of the ensemble
    /// (fitted as `aekit train` fits, no refit). Default `None`.
    pub model: Option<DenseAutoencoderConfig>,
    /// The ensemble's code widths; `None` takes [`default_widths`] of the
    /// number of features. Ignored with `model`.
    pub widths: Option<Vec<usize>>,
    /// Share of the training rows, those a member rebuilt worst, that it
    /// is refitted without, in [0, 1) (0: no refit). Default
    /// [`DEFAULT_TRIM`]. Ignored with `model`.
    pub trim: f64,
    /// Bins of the width-0 member's per-feature histograms; `None`: the
    /// autoencoders alone. Default `Some(`[`DEFAULT_HISTOGRAM_BINS`]`)`.
    /// Ignored with `model`.
    pub histogram_bins: Option<usize>,
    /// Training of every model; default 100 epochs, batch 32, a seeded
    /// random 10 % held out, early stopping after 10 epochs without
    /// improvement (best weights restored).
    pub training: TrainingConfig,
    /// The threshold rule. Default: contamination 0.1.
    pub rule: ThresholdRule,
}

/// The default share of worst-rebuilt rows each member is refitted without.
pub const DEFAULT_TRIM: f64 = 0.3;

impl Default for DetectorParams {
    fn default() -> Self {
        DetectorParams {
            columns: ColumnRoles::default(),
            scale: ScaleKind::Robust,
            model: None,
            widths: None,
            trim: DEFAULT_TRIM,
            histogram_bins: Some(DEFAULT_HISTOGRAM_BINS),
            training: TrainingConfig {
                epochs: 100,
                batch_size: 32,
                validation_split: Some(0.1),
                shuffle_before_split: true,
                patience: Some(10),
                ..TrainingConfig::default()
            },
            rule: ThresholdRule::default(),
        }
    }
}

/// One ensemble member's architecture: the inputs straight to a `width`
/// linear code and back, no hidden layer. Wider non-linear members learned
/// to rebuild the anomalies too (bench/anomaly_select.py).
pub fn member_architecture(width: usize) -> DenseAutoencoderConfig {
    DenseAutoencoderConfig {
        hidden: Vec::new(),
        bottleneck: width,
        activation: Activation::Linear,
        ..DenseAutoencoderConfig::default()
    }
}

/// The single-model architecture of detectors before the ensemble: the
/// inputs to a 2-wide linear code and back (at most d - 1 wide).
pub fn default_architecture(d: usize) -> DenseAutoencoderConfig {
    member_architecture(2.min(d.saturating_sub(1)).max(1))
}

/// A fitted detector: an autoencoder (or an ensemble of them) and the
/// threshold above which a row's score flags it, with PyOD's fitted
/// attributes.
///
/// ```
/// use aekit::{Detector, TrainingSetters};
/// use ndarray::{Array2, array};
///
/// // Normal rows lie near the line y = 2x; the detector learns it.
/// let normal = Array2::from_shape_fn((300, 2), |(i, j)| {
///     let x = i as f64 / 300.0;
///     if j == 0 { x } else { 2.0 * x + 0.01 * ((i % 7) as f64 - 3.0) }
/// });
/// let detector = Detector::params().contamination(0.05).seed(1).fit(&normal)?;
/// let new = array![[0.5, 1.0], [0.5, -1.0]];
/// let scores = detector.decision_function(&new)?; // higher: more anomalous
/// assert!(scores[1] > scores[0]);
/// assert_eq!(detector.predict(&new)?.to_vec(), [false, true]);
/// assert!(detector.threshold() > scores[0]);
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug)]
pub struct Detector {
    /// The model, with the threshold and what the detector chose in its metadata.
    pub autoencoder: Autoencoder,
    /// The training rows' scores, when fitted here (not kept in the file).
    decision_scores: Option<Vec<f64>>,
}

impl DetectorParams {
    /// Checks the hyper-parameters that need no data.
    pub fn validate(&self) -> Result<()> {
        self.rule.validate()?;
        if let Some(m) = &self.model {
            m.validate()?;
        } else {
            if !(0.0..1.0).contains(&self.trim) {
                return Err(AekitError::param(
                    "trim",
                    format!("must be in [0, 1), got {}", self.trim),
                ));
            }
            crate::model::ensemble::histogram::check_bins(self.histogram_bins)?;
            if let Some(w) = &self.widths
                && (w.is_empty() || w.contains(&0))
            {
                return Err(AekitError::param(
                    "widths",
                    "needs one or more code widths, each at least 1",
                ));
            }
            if self.training.loss == crate::train::LossKind::Bce {
                return Err(AekitError::param(
                    "loss",
                    "bce needs a sigmoid output layer: give a single model's architecture",
                ));
            }
        }
        self.training.validate()
    }

    /// Fits on `train` (no labels needed) and sets the threshold from the
    /// training rows' scores.
    pub fn fit<'d>(&self, train: impl Into<Dataset<'d>>) -> Result<Detector> {
        self.fit_with(train, FitOptions::new())
    }

    /// [`fit`](Self::fit) with validation rows and an observer.
    pub fn fit_with<'d>(
        &self,
        train: impl Into<Dataset<'d>>,
        options: FitOptions<'_>,
    ) -> Result<Detector> {
        let train = train.into();
        let train = &train;
        self.validate()?;
        let mut autoencoder = match &self.model {
            Some(m) => {
                let params = AutoencoderParams::new()
                    .columns(self.columns.clone())
                    .scale(self.scale)
                    .model(m.clone())
                    .training(self.training.clone());
                let mut a = params.fit_with(train, options)?;
                let n_rows = (a.history().epochs.len(), train.n_rows());
                a.set_detector_record(Some(DetectorRecord {
                    scale: self.scale,
                    trim: 0.0,
                    histogram_bins: None,
                    members: vec![MemberRecord {
                        width: m.bottleneck,
                        epochs: n_rows.0,
                        refit_epochs: None,
                        rows: n_rows.1,
                    }],
                }));
                a
            }
            None => {
                let (validation, validation_target, observer) = options.into_parts();
                if validation.is_some() || validation_target.is_some() {
                    return Err(AekitError::param(
                        "validation",
                        "the ensemble holds out its own validation_split; give validation rows to a single model (an architecture)",
                    ));
                }
                let mut silent = Silent;
                let observer = observer.unwrap_or(&mut silent);
                backend::install(self.training.threads, || self.fit_ensemble(train, observer))??
            }
        };
        let scores = autoencoder.anomaly_scores(&autoencoder.scaled_features(train)?)?;
        let threshold = quantile(&scores, self.rule.quantile());
        let flagged = scores.iter().filter(|&&s| s > threshold).count();
        autoencoder.set_anomaly_threshold(Some(AnomalyThreshold {
            threshold,
            rule: self.rule,
            training_flagged: flagged as f64 / scores.len() as f64,
        }));
        Ok(Detector {
            autoencoder,
            decision_scores: Some(scores),
        })
    }

    fn fit_ensemble(
        &self,
        train: &Dataset<'_>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        let resolved = self.columns.resolve(train)?;
        let mut schema = resolved.schema;
        schema.fit_missing(train)?;
        let mut x = schema.input_matrix(train)?;
        let scaler = Scaler::fit(self.scale, &x.values, x.n_cols);
        scaler.transform(&mut x.values);
        let d = x.n_cols;
        let widths = self.widths.clone().unwrap_or_else(|| default_widths(d));
        let mut members = Vec::new();
        let mut records = Vec::new();
        let mut history = History::default();
        // The left-out columns are told once, at the first member's start.
        let mut skipped = (resolved.skipped_text, resolved.skipped_empty);
        for &width in &widths {
            let config = member_architecture(width);
            let (first, h) = fit_member(
                &config,
                &x,
                &self.training,
                (
                    &std::mem::take(&mut skipped.0),
                    &std::mem::take(&mut skipped.1),
                ),
                observer,
            )?;
            let mut record = MemberRecord {
                width,
                epochs: h.epochs.len(),
                refit_epochs: None,
                rows: x.n_rows(),
            };
            crate::autoencoder::refuse_untrained(&h)?;
            let (member, h) = if self.trim > 0.0 {
                let keep = trimmed_rows(&first.net_errors(&x, &x), self.trim);
                let kept = x.gather(&keep);
                // Too few rows left for the split is the trim's doing.
                if let Err(AekitError::InvalidParam { message, .. }) =
                    validation_rows(&self.training, kept.n_rows(), SplitStream::Tabular)
                {
                    return Err(AekitError::param(
                        "trim",
                        format!(
                            "{} keeps {} of {} rows for the refit, too few for `validation_split`: {message}",
                            self.trim,
                            kept.n_rows(),
                            x.n_rows()
                        ),
                    ));
                }
                let (refit, h) = fit_member(&config, &kept, &self.training, (&[], &[]), observer)?;
                crate::autoencoder::refuse_untrained(&h)?;
                record.refit_epochs = Some(h.epochs.len());
                record.rows = kept.n_rows();
                (refit, h)
            } else {
                (first, h)
            };
            members.push(member);
            records.push(record);
            history = h;
        }
        let config = EnsembleConfig {
            members: widths.iter().map(|&w| member_architecture(w)).collect(),
            histogram_bins: self.histogram_bins,
        };
        let network = EnsembleFitted::from_training_rows(members, config.clone(), &x)?;
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            model: ModelConfig::Ensemble(config),
            input: Preprocessing {
                shape: vec![d],
                schema,
                scaler,
            },
            target: None,
            training: self.training.clone(),
            history,
            tasks: TaskData::default(),
        };
        let mut autoencoder =
            Autoencoder::from_parts(meta, Box::new(network), self.training.threads);
        autoencoder.set_detector_record(Some(DetectorRecord {
            scale: self.scale,
            trim: self.trim,
            histogram_bins: self.histogram_bins,
            members: records,
        }));
        Ok(autoencoder)
    }
}

/// The rows whose error is at most the (1 - `trim`) quantile of `errors`
/// (numpy's linear interpolation): those a refit keeps.
pub fn trimmed_rows(errors: &[f64], trim: f64) -> Vec<usize> {
    let cut = quantile(errors, 1.0 - trim);
    (0..errors.len()).filter(|&i| errors[i] <= cut).collect()
}

/// Fits one dense model on scaled rows, holding out the training config's
/// validation split (seeded, as `aekit train` does).
fn fit_member(
    config: &DenseAutoencoderConfig,
    x: &Matrix,
    training: &TrainingConfig,
    (skipped_text, skipped_empty): (&[String], &[String]),
    observer: &mut dyn TrainingObserver,
) -> Result<(DenseFitted, History)> {
    let (fit, validation) = match validation_rows(training, x.n_rows(), SplitStream::Tabular)? {
        Some((f, v)) => (x.gather(&f), Some(x.gather(&v))),
        None => (x.clone(), None),
    };
    let start = observer.on_train_start(&TrainingStart {
        n_rows: fit.n_rows(),
        n_validation_rows: validation.as_ref().map_or(0, Matrix::n_rows),
        n_features: x.n_cols,
        skipped_text: skipped_text.to_vec(),
        skipped_empty: skipped_empty.to_vec(),
    });
    let mut stopped = StopAtOnce;
    let observer: &mut dyn TrainingObserver = if start.is_stop() {
        &mut stopped
    } else {
        observer
    };
    let data = TrainingData::new(&fit, None).with_noise(training.noise, None, training.seed);
    let pairs = validation.as_ref().map(|v| Pairs {
        inputs: v,
        targets: v,
    });
    crate::model::dense::training::fit(config, x.n_cols, x.n_cols, &data, pairs, training, observer)
}

impl Detector {
    /// Wraps a loaded model that has a threshold.
    pub fn from_autoencoder(autoencoder: Autoencoder, path: &Path) -> Result<Detector> {
        if autoencoder.anomaly_threshold().is_none() {
            return Err(AekitError::model(
                path,
                "has no anomaly threshold (fit it as a detector)",
            ));
        }
        Ok(Detector {
            autoencoder,
            decision_scores: None,
        })
    }

    /// The bytes of the detector's model file (what `save` writes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.autoencoder.to_bytes()
    }

    /// A detector from the bytes of a model file with an anomaly threshold.
    pub fn from_bytes(bytes: &[u8]) -> Result<Detector> {
        Detector::from_autoencoder(Autoencoder::from_bytes(bytes)?, Path::new("<model bytes>"))
    }

    /// For each row, the `top` features whose reconstruction errors drive
    /// its anomaly score, with their shares of the row's error (as
    /// `aekit score --explain`).
    pub fn explain<'d>(
        &self,
        data: impl Into<Dataset<'d>>,
        top: usize,
    ) -> Result<Vec<Explanation>> {
        let model = &self.autoencoder;
        let scaled = model.scaled_features(data)?;
        let errors = model.feature_errors(&scaled)?;
        let schema = model.schema();
        let features = schema.explained_features();
        Ok((0..scaled.n_rows())
            .map(|r| explain_errors(&features, &schema.group_errors(errors.row(r)), top))
            .collect())
    }

    /// The fitted threshold.
    pub fn threshold(&self) -> f64 {
        self.autoencoder
            .anomaly_threshold()
            .map_or(f64::INFINITY, |a| a.threshold)
    }

    /// PyOD's `decision_scores_`: the training rows' scores, for a detector
    /// fitted in this process (`None` for one loaded from a file, which
    /// does not keep them).
    pub fn decision_scores_(&self) -> Option<&[f64]> {
        self.decision_scores.as_deref()
    }

    /// PyOD's `threshold_`: training rows scoring above it are outliers.
    pub fn threshold_(&self) -> f64 {
        self.threshold()
    }

    /// PyOD's `labels_`: 1 for training rows above the threshold, 0
    /// otherwise (`None` as for [`Detector::decision_scores_`]).
    pub fn labels_(&self) -> Option<Vec<u8>> {
        let t = self.threshold();
        self.decision_scores
            .as_ref()
            .map(|s| s.iter().map(|&v| u8::from(v > t)).collect())
    }

    /// Each row's anomaly score: higher is more anomalous (PyOD's
    /// `decision_function`): the model's score capability, reconstruction
    /// MSE in the scaled space or an ensemble's z-averaged MSEs.
    pub fn decision_function<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array1<f64>> {
        self.autoencoder.anomaly_scores_of(&data.into(), true)
    }

    /// Whether each row scores above the threshold: `true` flags an
    /// anomaly (PyOD's `predict`, with 1 as `true`).
    pub fn predict<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array1<bool>> {
        let t = self.threshold();
        Ok(self.decision_function(data)?.mapv(|s| s > t))
    }
}

/// The `q` quantile (0-1) with linear interpolation, as numpy's default.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The features that contribute most to each row's error.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// (feature name, share of the row's squared error), largest first.
    pub top: Vec<(String, f64)>,
}

/// The `n` features with the largest squared reconstruction error in one
/// row, with their shares of the row's total.
pub fn explain_row(features: &[String], scaled: &[f32], rebuilt: &[f32], n: usize) -> Explanation {
    let errors: Vec<f32> = scaled
        .iter()
        .zip(rebuilt)
        .map(|(a, b)| (a - b) * (a - b))
        .collect();
    explain_errors(features, &errors, n)
}

/// The `n` features with the largest of one row's per-feature squared
/// errors, with their shares of the row's total.
pub fn explain_errors(features: &[String], errors: &[f32], n: usize) -> Explanation {
    let errors: Vec<f64> = errors.iter().map(|&e| f64::from(e)).collect();
    let total: f64 = errors.iter().sum();
    let mut order: Vec<usize> = (0..errors.len()).collect();
    order.sort_by(|&a, &b| errors[b].total_cmp(&errors[a]).then(a.cmp(&b)));
    let top = order
        .into_iter()
        .take(n)
        .map(|j| {
            (
                features[j].clone(),
                if total > 0.0 { errors[j] / total } else { 0.0 },
            )
        })
        .collect();
    Explanation { top }
}

/// Rows scored at a time by default: measured on a 880 MB, 100-column CSV,
/// 8192 rows peaked at 83-86 MB and 2048 at 42-46 MB, with no loss of speed
/// (the reader, not the chunk's kernels, bounds the rate).
pub const DEFAULT_SCORE_CHUNK_ROWS: usize = 2048;

/// How to score a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Overrides the model's threshold.
    pub threshold: Option<f64>,
    /// Name the top N features of each row's error (0: none).
    pub explain: usize,
    /// A 0/1 column (1 = anomaly) to compute metrics against.
    pub label: Option<String>,
    /// Rows read, scored and written at a time.
    pub chunk_rows: usize,
    /// With `label`: rows whose (score, label) are kept for exact ROC AUC
    /// and average precision; past them both come from a histogram
    /// ([`RankingSketch`]), memory staying flat.
    pub exact_rows: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            threshold: None,
            explain: 0,
            label: None,
            chunk_rows: DEFAULT_SCORE_CHUNK_ROWS,
            exact_rows: DEFAULT_EXACT_ROWS,
        }
    }
}

/// Detection quality against known labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionMetrics {
    /// Area under the ROC curve of the scores (None: one class only).
    pub roc_auc: Option<f64>,
    /// Average precision of the scores (None: no anomalies).
    pub average_precision: Option<f64>,
    /// Whether ROC AUC and average precision are exact (every row kept);
    /// otherwise they come from a histogram of the scores.
    pub exact: bool,
    /// The true ROC AUC lies within this of `roc_auc` (0 when exact).
    pub roc_auc_error_bound: f64,
    /// Precision of the flags at the threshold.
    pub precision: f64,
    /// Recall of the flags at the threshold.
    pub recall: f64,
    /// F1 of the flags at the threshold.
    pub f1: f64,
    /// The flags against the labels.
    pub confusion: Confusion,
}

/// What scoring a file found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    /// Rows scored.
    pub rows: usize,
    /// Rows flagged.
    pub anomalies: usize,
    /// The threshold used.
    pub threshold: f64,
    /// Metrics, when a label column was given.
    pub metrics: Option<DetectionMetrics>,
    /// Cells whose category training did not see (read as all-zero blocks).
    #[serde(skip_serializing_if = "is_zero")]
    pub unseen_categories: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Scores `input` (CSV or Parquet, see [`Table::read`]) chunk by chunk into
/// `output` (written atomically, in the format its name asks for): the
/// model's id and label columns where present, `score`, `is_anomaly`, and
/// with `explain` the top features and their shares. `progress` hears the
/// running row count.
pub fn score_file(
    model: &Autoencoder,
    input: &Path,
    csv: &CsvOptions,
    output: &Path,
    options: &ScoreOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<ScoreReport> {
    let threshold = match (options.threshold, model.anomaly_threshold()) {
        (Some(t), _) if t.is_finite() => t,
        (Some(t), _) => {
            return Err(AekitError::param(
                "threshold",
                format!("must be a finite number, got {t}"),
            ));
        }
        (None, Some(a)) => a.threshold,
        (None, None) => {
            return Err(AekitError::param(
                "threshold",
                "the model has no stored threshold (fit it as a detector) and none was given",
            ));
        }
    };
    let schema = model.schema();
    let explained = schema.explained_features();
    let n_features = explained.len();
    if options.explain > n_features {
        return Err(AekitError::param(
            "explain",
            format!(
                "asks for {} features, but the model has {n_features}",
                options.explain
            ),
        ));
    }
    let chunks = open_chunks(input, csv)?;
    let headers = chunks.headers().to_vec();
    let unseen_before = model.unseen_categories();
    // Columns copied to the output: the model's label and ids, and the metric label.
    let mut copied: Vec<(String, usize)> = Vec::new();
    for name in schema
        .label
        .iter()
        .chain(&schema.ids)
        .chain(options.label.iter())
    {
        if let Some(i) = headers.iter().position(|h| h == name)
            && !copied.iter().any(|(n, _)| n == name)
        {
            copied.push((name.clone(), i));
        }
    }
    let label_column = match &options.label {
        Some(l) => Some(
            headers
                .iter()
                .position(|h| h == l)
                .ok_or_else(|| AekitError::Column {
                    path: input.to_path_buf(),
                    column: l.clone(),
                    reason: "named as the label is not in the file".into(),
                })?,
        ),
        None => None,
    };

    let mut produced = vec!["score".to_string(), "is_anomaly".to_string()];
    for k in 1..=options.explain {
        produced.push(format!("top{k}_feature"));
        produced.push(format!("top{k}_share"));
    }
    // A copied column never shadows one this command produces.
    let mut header: Vec<String> = copied
        .iter()
        .map(|(n, _)| {
            if produced.contains(n) {
                format!("{n}_input")
            } else {
                n.clone()
            }
        })
        .collect();
    let mut kinds = vec![ColumnKind::Utf8; header.len()];
    kinds.extend([ColumnKind::Float32, ColumnKind::Int64]);
    for _ in 0..options.explain {
        kinds.extend([ColumnKind::Utf8, ColumnKind::Float32]);
    }
    header.extend(produced);
    crate::data::output::check_writable(output)?;
    let mut ranking = RankingSketch::new(options.exact_rows);
    let mut confusion = Confusion::default();
    let (mut rows, mut anomalies) = (0usize, 0usize);
    let mut writer = TableWriter::create(output, &header, &kinds)?;
    // The next chunk is parsed while this one is scored.
    let mut chunks = ReadAhead::start(chunks, options.chunk_rows.max(1));
    {
        while let Some(chunk) = chunks.next_chunk()? {
            let scaled = model.scaled_features(&chunk)?;
            let scores = model.anomaly_scores(&scaled)?;
            let feature_errors = if options.explain > 0 {
                Some(model.feature_errors(&scaled)?)
            } else {
                None
            };
            let n = chunk.n_rows();
            let mut flags = Vec::with_capacity(n);
            for (r, &score) in scores.iter().enumerate() {
                let flag = score > threshold;
                if let Some(c) = label_column {
                    let truth = parse_binary_label(&chunk, r, c)?;
                    ranking.push(score, truth);
                    confusion.add(truth, flag);
                }
                flags.push(i64::from(flag));
                anomalies += usize::from(flag);
            }
            let mut columns: Vec<ArrayRef> = copied
                .iter()
                .map(|&(_, c)| chunk.column(c).clone())
                .collect();
            columns.push(Arc::new(Float32Array::from_iter_values(
                scores.iter().map(|&s| s as f32),
            )));
            columns.push(Arc::new(Int64Array::from(flags)));
            if let Some(errors) = &feature_errors {
                columns.extend(explanation_columns(
                    schema,
                    &explained,
                    errors,
                    options.explain,
                ));
            }
            writer.write_columns(&columns)?;
            rows += chunk.n_rows();
            progress(rows);
        }
    }
    if rows == 0 {
        return Err(AekitError::Data {
            path: crate::data::display_path(input),
            row: None,
            column: None,
            message: "has a header but no data rows".into(),
        });
    }
    writer.finish()?;
    let metrics = label_column.map(|_| {
        let ranked = ranking.metrics();
        DetectionMetrics {
            roc_auc: ranked.roc_auc,
            average_precision: ranked.average_precision,
            exact: ranked.exact,
            roc_auc_error_bound: ranked.roc_auc_error_bound,
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            confusion,
        }
    });
    Ok(ScoreReport {
        rows,
        anomalies,
        threshold,
        metrics,
        unseen_categories: model.unseen_categories() - unseen_before,
    })
}

/// The `top{k}_feature` and `top{k}_share` columns of a chunk's rows: a
/// name and its share of the row's error (4 decimals, as text the Parquet
/// writer parses), both empty past the row's last feature.
fn explanation_columns(
    schema: &crate::data::Schema,
    features: &[String],
    errors: &Matrix,
    explain: usize,
) -> Vec<ArrayRef> {
    let mut columns: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            Vec::with_capacity(errors.n_rows()),
            Vec::with_capacity(errors.n_rows())
        );
        explain
    ];
    for r in 0..errors.n_rows() {
        let e = explain_errors(features, &schema.group_errors(errors.row(r)), explain);
        for (k, (names, shares)) in columns.iter_mut().enumerate() {
            match e.top.get(k) {
                Some((name, share)) => {
                    names.push(name.clone());
                    shares.push(format!("{share:.4}"));
                }
                None => {
                    names.push(String::new());
                    shares.push(String::new());
                }
            }
        }
    }
    columns
        .into_iter()
        .flat_map(|(names, shares)| {
            [
                Arc::new(StringArray::from(names)) as ArrayRef,
                Arc::new(StringArray::from(shares)) as ArrayRef,
            ]
        })
        .collect()
}

fn parse_binary_label(table: &Table, row: usize, column: usize) -> Result<bool> {
    match table.cell(row, column).as_ref() {
        "1" | "1.0" => Ok(true),
        "0" | "0.0" => Ok(false),
        other => Err(AekitError::Data {
            path: table.path().to_path_buf(),
            row: Some(table.line_of(row)),
            column: Some(table.headers()[column].clone()),
            message: format!("label '{other}' is not 0 or 1 (1 marks an anomaly)"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1,2,3,4], 0.9) = 3.7
        assert!((quantile(&v, 0.9) - 3.7).abs() < 1e-12);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
    }

    #[test]
    fn contamination_outside_range_is_rejected() {
        assert!(ThresholdRule::Contamination(0.0).validate().is_err());
        assert!(ThresholdRule::Contamination(0.6).validate().is_err());
        assert!(ThresholdRule::Contamination(0.5).validate().is_ok());
        assert!(ThresholdRule::Percentile(101.0).validate().is_err());
    }

    #[test]
    fn explanation_ranks_features_by_squared_error() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let e = explain_row(&names, &[0.0, 1.0, 0.0], &[0.1, 0.0, 0.2], 2);
        assert_eq!(e.top[0].0, "b");
        assert_eq!(e.top[1].0, "c");
        assert!((e.top[0].1 - 1.0 / 1.05).abs() < 1e-6);
    }

    #[test]
    fn trimmed_refit_drops_the_worst_rows() {
        let errors = [0.1, 5.0, 0.3, 0.2, 9.0, 0.4, 0.15, 0.25, 0.35, 7.0];
        // 0.7 quantile of these errors is 0.43 (numpy): the three largest go.
        assert_eq!(trimmed_rows(&errors, 0.3), vec![0, 2, 3, 5, 6, 7, 8]);
        assert_eq!(trimmed_rows(&errors, 0.0).len(), errors.len());
    }

    fn table(text: &str) -> (tempfile::TempDir, Table) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let t = Table::read(&path, &CsvOptions::default()).unwrap();
        (dir, t)
    }

    #[test]
    fn ensemble_detector_flags_rows_off_the_plane_and_exposes_pyod_attributes() {
        // 6 features on a 2-D plane, plus 6 rows off it.
        let mut text = String::from("a,b,c,d,e,f\n");
        for i in 0..120 {
            let (u, v) = ((i % 11) as f64 / 5.0, (i % 7) as f64 / 3.0);
            let off = if i % 20 == 0 { 4.0 } else { 0.0 };
            text += &format!(
                "{u},{v},{},{},{},{}\n",
                u + v,
                u - v + off,
                2.0 * u,
                v - off
            );
        }
        let (_d, t) = table(&text);
        let mut params = DetectorParams::default();
        params.training.epochs = 30;
        params.training.seed = 5;
        let detector = params.fit(&t).unwrap();
        let record = detector.autoencoder.detector_record().unwrap();
        let widths: Vec<usize> = record.members.iter().map(|m| m.width).collect();
        assert_eq!(widths, vec![1, 2]);
        assert!(
            record
                .members
                .iter()
                .all(|m| m.refit_epochs.is_some() && (84..120).contains(&m.rows))
        );
        assert_eq!(detector.autoencoder.kind(), "ensemble");
        let scores = detector.decision_scores_().unwrap();
        assert_eq!(
            Some(scores),
            detector.decision_function(&t).unwrap().as_slice()
        );
        let labels = detector.labels_().unwrap();
        let flagged = labels.iter().filter(|&&l| l == 1).count();
        // Contamination 0.1 of 120 rows: 12, fewer where scores tie (repeated rows).
        assert!((6..=12).contains(&flagged), "{flagged}");
        // The rows off the plane are among the highest scores.
        let outliers: Vec<f64> = (0..120).step_by(20).map(|i| scores[i]).collect();
        let threshold = detector.threshold_();
        assert!(
            outliers.iter().all(|&s| s > threshold),
            "{outliers:?} vs {threshold}"
        );
    }
    #[test]
    fn the_width_0_member_flags_rows_on_the_plane_in_an_empty_region() {
        // Normal rows on the line b = 2a in two clusters, a in [0, 1] and
        // [3, 4]; the anomalies sit on the same line between them, so every
        // autoencoder rebuilds them, but their bins held no training row.
        let mut text = String::from("a,b,c\n");
        for i in 0..200 {
            let a = (i % 20) as f64 / 20.0 + if i % 2 == 0 { 0.0 } else { 3.0 };
            let a = if i % 40 == 7 {
                2.0 + (i % 3) as f64 * 0.1
            } else {
                a
            };
            text += &format!("{a},{},{}\n", 2.0 * a, 0.01 * ((i % 5) as f64 - 2.0));
        }
        let (_d, t) = table(&text);
        let anomalies: Vec<usize> = (0..200).filter(|i| i % 40 == 7).collect();
        let mut params = DetectorParams::default();
        params.training.epochs = 30;
        params.training.seed = 3;
        let with = params.fit(&t).unwrap();
        params.histogram_bins = None;
        let without = params.fit(&t).unwrap();
        let share_above = |d: &Detector| {
            let scores = d.decision_scores_().unwrap();
            let least = anomalies
                .iter()
                .map(|&i| scores[i])
                .fold(f64::INFINITY, f64::min);
            scores.iter().filter(|&&s| s > least).count() as f64 / 200.0
        };
        // With the histograms the anomalies rank in the top 10 %; by
        // reconstruction alone they hide among the normal rows.
        let (w, wo) = (share_above(&with), share_above(&without));
        assert!(
            w < 0.1 && wo > 0.3,
            "share above the weakest anomaly: {w} vs {wo}"
        );
        assert_eq!(
            with.autoencoder.detector_record().unwrap().histogram_bins,
            Some(10)
        );
        assert_eq!(
            without
                .autoencoder
                .detector_record()
                .unwrap()
                .histogram_bins,
            None
        );
        // Saved and reloaded, the histograms score as before.
        let back = Detector::from_bytes(&with.to_bytes().unwrap()).unwrap();
        assert_eq!(
            back.decision_function(&t).unwrap().as_slice(),
            with.decision_scores_()
        );
    }
}
