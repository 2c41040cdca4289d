//! Anomaly detection by reconstruction error, after PyOD: `fit` on
//! (mostly) normal, unlabelled rows; `decision_function` gives each row's
//! score (the ensemble's z-averaged member scores, or a single model's
//! reconstruction MSE in the scaled space); `predict` flags rows whose score
//! exceeds the threshold fitted from the training scores.
//! Scoring files streams: memory stays flat however large the file.

use std::path::Path;

use ndarray::Array1;

use crate::Autoencoder;
use crate::data::{ColumnRoles, Dataset, ScaleKind};
use crate::error::{AekitError, Result};
use crate::model::ensemble::{
    DEFAULT_HISTOGRAM_BINS, DEFAULT_NEIGHBOURS, NeighbourConfig, Weighting,
};
use crate::model::{Activation, DenseAutoencoderConfig};
use crate::train::TrainingConfig;

mod explain;
mod fit;
mod fit_stream;
mod report;
mod score;

pub use explain::{Explanation, explain_errors, explain_row};
pub use fit::trimmed_rows;
pub use report::{DEFAULT_SCORE_CHUNK_ROWS, DetectionMetrics, ScoreOptions, ScoreReport};
pub use score::score_file;

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
    /// The ensemble's code widths; `None` takes [`default_widths`](crate::model::ensemble::default_widths) of the
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
    /// The neighbour member (distance to the k-th nearest of a sample of
    /// training rows); `None`: without it. Default
    /// `Some(`[`DEFAULT_NEIGHBOURS`]`)` (k 5 of at most 2 000 rows), chosen
    /// leave-one-set-out on 24 public sets (BENCHMARKS.md). Ignored with
    /// `model`.
    pub neighbours: Option<NeighbourConfig>,
    /// How the members' standardised scores are weighed. Ignored with
    /// `model`.
    pub weighting: Weighting,
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
            neighbours: Some(DEFAULT_NEIGHBOURS),
            weighting: Weighting::Members,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ReadOptions, Table};

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
        let t = Table::read(&path, &ReadOptions::default()).unwrap();
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
        // The autoencoders and histograms: the neighbour member's training
        // scores leave each row out, so they differ from scoring them again.
        params.neighbours = None;
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
        // Without the neighbour member, which sees the empty region too.
        params.neighbours = None;
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
