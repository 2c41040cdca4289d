//! Fitting a detector on a file larger than memory: one dense model,
//! streamed ([`AutoencoderParams::fit_stream`]), then the threshold from
//! the training rows' scores, read in one more pass.

use std::path::Path;

use super::{Detector, DetectorParams};
use crate::data::{Dataset, ReadOptions};
use crate::error::{AekitError, Result};
use crate::incremental::{StreamConfig, StreamReport, for_each_chunk};
use crate::threshold::{AnomalyThreshold, DetectorRecord};
use crate::{AutoencoderParams, FitOptions, TrainingSetters};

impl DetectorParams {
    /// [`fit`](Self::fit) on the table file `path` without holding it in
    /// memory: one dense model (give `model`; the ensemble trims and
    /// refits on rows held in memory, and is refused), fitted as
    /// [`AutoencoderParams::fit_stream`] fits, then a pass scoring every
    /// row for the threshold, which keeps one 4-byte score per row to take
    /// the exact quantile.
    pub fn fit_stream(
        &self,
        path: impl AsRef<Path>,
        csv: &ReadOptions,
        stream: &StreamConfig,
        options: FitOptions<'_>,
    ) -> Result<(Detector, StreamReport)> {
        let path = path.as_ref();
        self.validate()?;
        let Some(m) = &self.model else {
            return Err(AekitError::param(
                "model",
                "streamed detection fits one dense model: give its architecture (hidden, bottleneck); the ensemble trims and refits on rows held in memory",
            ));
        };
        let params = AutoencoderParams::new()
            .columns(self.columns.clone())
            .scale(self.scale)
            .model(m.clone())
            .training(self.training.clone());
        let (mut autoencoder, mut report) = params.fit_stream(path, csv, stream, options)?;
        let mut scores: Vec<f32> = Vec::new();
        for_each_chunk(path, csv, stream.chunk_rows, |_, table| {
            let x = autoencoder.scaled_features(Dataset::from(table))?;
            scores.extend(autoencoder.anomaly_scores(&x)?.iter().map(|&s| s as f32));
            Ok(true)
        })?;
        report.passes += 1;
        scores.sort_by(f32::total_cmp);
        let threshold = sorted_quantile(&scores, self.rule.quantile());
        let flagged = scores.len() - scores.partition_point(|&s| f64::from(s) <= threshold);
        let epochs = autoencoder.history().epochs.len();
        autoencoder.set_detector_record(Some(DetectorRecord::one_model(
            self.scale,
            m.bottleneck,
            epochs,
            scores.len(),
        )));
        autoencoder.set_anomaly_threshold(Some(AnomalyThreshold {
            threshold,
            rule: self.rule,
            training_flagged: flagged as f64 / scores.len().max(1) as f64,
        }));
        Ok((
            Detector {
                autoencoder,
                decision_scores: None,
            },
            report,
        ))
    }
}

/// [`super::quantile`] of values already sorted.
fn sorted_quantile(sorted: &[f32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let (a, b) = (f64::from(sorted[lo]), f64::from(sorted[hi]));
    a + (b - a) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Table;

    #[test]
    fn a_streamed_detector_matches_the_in_memory_threshold_rule() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/wine.csv");
        let params = crate::options::detector(
            r#"{"hidden": [8], "bottleneck": 3, "epochs": 20, "contamination": 0.1, "seed": 2, "validation_split": 0, "scale": "standard"}"#,
        )
        .unwrap();
        let stream = StreamConfig {
            stream: true,
            chunk_rows: 40,
            ..StreamConfig::default()
        };
        let (detector, report) = params
            .fit_stream(data, &ReadOptions::default(), &stream, FitOptions::new())
            .unwrap();
        let a = detector.autoencoder.anomaly_threshold().unwrap();
        assert!((a.training_flagged - 0.1).abs() < 0.02, "{a:?}");
        assert!(report.chunks > 1, "{report:?}");
        let table = Table::read(data, &ReadOptions::default()).unwrap();
        let in_memory = params.fit(&table).unwrap();
        let b = in_memory.autoencoder.anomaly_threshold().unwrap();
        assert!(
            (a.threshold / b.threshold - 1.0).abs() < 0.5,
            "{a:?} vs {b:?}"
        );
        let robust = DetectorParams {
            model: params.model.clone(),
            ..DetectorParams::default()
        }
        .fit_stream(data, &ReadOptions::default(), &stream, FitOptions::new())
        .unwrap_err();
        assert!(
            robust.to_string().contains("min_max or standard"),
            "{robust}"
        );
        let ensemble = DetectorParams::default()
            .fit_stream(data, &ReadOptions::default(), &stream, FitOptions::new())
            .unwrap_err();
        assert!(
            ensemble.to_string().contains("one dense model"),
            "{ensemble}"
        );
    }
}
