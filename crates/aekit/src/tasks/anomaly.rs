//! Anomaly detection by reconstruction error, after PyOD: `fit` on
//! (mostly) normal, unlabelled rows; `decision_function` gives each row's
//! score (its reconstruction MSE in the scaled space); `predict` flags rows
//! whose score exceeds the threshold fitted from the training scores.
//! Scoring files streams: memory stays flat however large the file.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::metrics::{Confusion, average_precision, roc_auc};
use crate::data::output::{format_value, parent_dir, persist};
use crate::{Autoencoder, AutoencoderParams, FitOptions};
use ndarray::Array1;

use crate::data::{ColumnRoles, CsvChunks, CsvOptions, Dataset, Matrix, ScaleKind, Table};
use crate::error::{AekitError, Result};
use crate::model::{Activation, DenseAutoencoderConfig};
use crate::train::TrainingConfig;

pub use crate::threshold::{AnomalyThreshold, DEFAULT_CONTAMINATION, ThresholdRule};

/// An unfitted detector: a dense autoencoder with defaults chosen for
/// anomaly detection (PyOD's where it has them), set field by field or
/// with setters that state them.
///
/// ```
/// use aekit::{AekitError, Detector};
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
    /// Feature scaling. Default standard (as PyOD).
    pub scale: ScaleKind,
    /// The architecture; `None` takes [`default_architecture`] for the
    /// number of features.
    pub model: Option<DenseAutoencoderConfig>,
    /// Training; default 100 epochs, batch 32, 10 % held out, early
    /// stopping after 10 epochs without improvement.
    pub training: TrainingConfig,
    /// The threshold rule. Default: contamination 0.1.
    pub rule: ThresholdRule,
    /// CPU threads; `None` takes `RAYON_NUM_THREADS`, else every core.
    pub threads: Option<usize>,
}

impl Default for DetectorParams {
    fn default() -> Self {
        DetectorParams {
            columns: ColumnRoles::default(),
            scale: ScaleKind::Standard,
            model: None,
            training: TrainingConfig {
                epochs: 100,
                batch_size: 32,
                validation_split: Some(0.1),
                shuffle_before_split: true,
                patience: Some(10),
                ..TrainingConfig::default()
            },
            rule: ThresholdRule::default(),
            threads: None,
        }
    }
}

/// The detector's default architecture for `d` inputs: the inputs straight
/// to a 2-wide linear code and back (at most d - 1 wide). Compressing this
/// hard keeps only the data's main directions, so rows that leave them
/// stand out; on the benchmark data sets (bench/anomaly.py) it beat wider
/// codes and ReLU hidden layers, which learned to rebuild the anomalies too.
pub fn default_architecture(d: usize) -> DenseAutoencoderConfig {
    DenseAutoencoderConfig {
        hidden: Vec::new(),
        bottleneck: 2.min(d.saturating_sub(1)).max(1),
        activation: Activation::Linear,
        ..DenseAutoencoderConfig::default()
    }
}

/// A fitted detector: an autoencoder and the threshold above which a
/// row's score flags it.
///
/// ```
/// use aekit::Detector;
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
    /// The autoencoder, with the threshold in its metadata.
    pub autoencoder: Autoencoder,
}

impl DetectorParams {
    /// Checks the hyper-parameters that need no data.
    pub fn validate(&self) -> Result<()> {
        self.rule.validate()?;
        if self.threads == Some(0) {
            return Err(AekitError::param("threads", "must be at least 1"));
        }
        if let Some(m) = &self.model {
            m.validate()?;
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
        let model = match &self.model {
            Some(m) => m.clone(),
            None => {
                let width = self.columns.resolve(train)?.schema.features.len();
                default_architecture(width)
            }
        };
        let params = AutoencoderParams::new()
            .columns(self.columns.clone())
            .scale(self.scale)
            .model(model)
            .training(self.training.clone())
            .threads(self.threads);
        let mut autoencoder = params.fit_with(train, options)?;
        let scores = scores(&autoencoder, &autoencoder.scaled_features(train)?)?;
        let threshold = quantile(&scores, self.rule.quantile());
        let flagged = scores.iter().filter(|&&s| s > threshold).count();
        autoencoder.set_anomaly_threshold(Some(AnomalyThreshold {
            threshold,
            rule: self.rule,
            training_flagged: flagged as f64 / scores.len() as f64,
        }));
        Ok(Detector { autoencoder })
    }
}

impl Detector {
    /// Wraps a loaded model that has a threshold.
    pub fn from_autoencoder(autoencoder: Autoencoder, path: &Path) -> Result<Detector> {
        if autoencoder.anomaly_threshold().is_none() {
            return Err(AekitError::model(
                path,
                "has no anomaly threshold (train it with `aekit detect`)",
            ));
        }
        Ok(Detector { autoencoder })
    }

    /// The fitted threshold.
    pub fn threshold(&self) -> f64 {
        self.autoencoder
            .anomaly_threshold()
            .map_or(f64::INFINITY, |a| a.threshold)
    }

    /// Each row's anomaly score (its reconstruction error): higher is more
    /// anomalous (PyOD's `decision_function`).
    pub fn decision_function<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array1<f64>> {
        self.autoencoder.score_samples(data)
    }

    /// Whether each row scores above the threshold: `true` flags an
    /// anomaly (PyOD's `predict`, with 1 as `true`).
    pub fn predict<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array1<bool>> {
        let t = self.threshold();
        Ok(self.decision_function(data)?.mapv(|s| s > t))
    }
}

/// Reconstruction MSE of each scaled row.
pub(crate) fn scores(model: &Autoencoder, scaled: &Matrix) -> Result<Vec<f64>> {
    Ok(model
        .reconstruction_errors(scaled)?
        .into_iter()
        .map(f64::from)
        .collect())
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
    let errors: Vec<f64> = scaled
        .iter()
        .zip(rebuilt)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .collect();
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
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            threshold: None,
            explain: 0,
            label: None,
            chunk_rows: 8192,
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
}

/// Scores `input` chunk by chunk into `output` (written atomically): the
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
                "the model has no stored threshold (train it with `aekit detect`) and none was given",
            ));
        }
    };
    let mut chunks = CsvChunks::open(input, csv)?;
    let headers = chunks.headers().to_vec();
    let schema = model.schema();
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
                    reason: "named by --label is not in the file".into(),
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
    header.extend(produced);
    crate::data::output::check_writable(output)?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent_dir(output))
        .map_err(|e| AekitError::io(output, e))?;
    let io = |e: std::io::Error| AekitError::io(output, e);
    let mut truth: Vec<bool> = Vec::new();
    let mut all_scores: Vec<f64> = Vec::new();
    let (mut rows, mut anomalies) = (0usize, 0usize);
    {
        let mut writer = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
            1 << 20,
            tmp.as_file_mut(),
        ));
        writer.write_record(&header).map_err(|e| io(e.into()))?;
        while let Some(chunk) = chunks.next_chunk(options.chunk_rows.max(1))? {
            let scaled = model.scaled_features(&chunk)?;
            let rebuilt = model.reconstruct(&scaled)?;
            let errors = crate::model::row_errors(&scaled, &rebuilt);
            for (r, &error) in errors.iter().enumerate() {
                let score = f64::from(error);
                let flag = score > threshold;
                if let Some(c) = label_column {
                    truth.push(parse_binary_label(&chunk, r, c)?);
                    all_scores.push(score);
                }
                let mut record: Vec<String> = copied
                    .iter()
                    .map(|&(_, c)| chunk.cell(r, c).to_string())
                    .collect();
                record.push(format_value(error));
                record.push(if flag { "1" } else { "0" }.to_string());
                if options.explain > 0 {
                    let e = explain_row(
                        &schema.features,
                        scaled.row(r),
                        rebuilt.row(r),
                        options.explain,
                    );
                    for k in 0..options.explain {
                        match e.top.get(k) {
                            Some((name, share)) => {
                                record.push(name.clone());
                                record.push(format!("{share:.4}"));
                            }
                            None => record.extend([String::new(), String::new()]),
                        }
                    }
                }
                writer.write_record(&record).map_err(|e| io(e.into()))?;
                anomalies += usize::from(flag);
            }
            rows += chunk.n_rows();
            progress(rows);
        }
        writer.flush().map_err(io)?;
        let inner = writer
            .into_inner()
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        let mut inner = inner;
        inner.flush().map_err(io)?;
    }
    if rows == 0 {
        return Err(AekitError::Data {
            path: input.to_path_buf(),
            row: None,
            column: None,
            message: "has a header but no data rows".into(),
        });
    }
    persist(tmp, output)?;
    let metrics = label_column.map(|_| {
        let flags: Vec<bool> = all_scores.iter().map(|&s| s > threshold).collect();
        let confusion = Confusion::of(&truth, &flags);
        DetectionMetrics {
            roc_auc: roc_auc(&truth, &all_scores),
            average_precision: average_precision(&truth, &all_scores),
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
    })
}

fn parse_binary_label(table: &Table, row: usize, column: usize) -> Result<bool> {
    match table.cell(row, column) {
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
}
