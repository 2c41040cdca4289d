//! Everything a model can say about each row in one pass: its code, its
//! reconstruction error and, for a detector, its anomaly score and flag.
//! What a server or a batch job answers per row, chosen by what the
//! model's kind offers.

use ndarray::Array2;

use crate::Autoencoder;
use crate::autoencoder::into_array;
use crate::data::Dataset;
use crate::error::Result;

pub use crate::autoencoder::Capabilities;

/// Per-row outputs of [`predict_rows`]; each is `None` where the model's
/// kind (or the absence of a stored threshold) does not allow it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPredictions {
    /// Rows scored.
    pub rows: usize,
    /// The codes, one row of [`Autoencoder::bottleneck`] values per input row.
    pub codes: Option<Array2<f32>>,
    /// Mean squared reconstruction error in the scaled space.
    pub reconstruction_errors: Option<Vec<f32>>,
    /// Anomaly scores, as `aekit score` writes them (models with a threshold).
    pub scores: Option<Vec<f64>>,
    /// Whether each score is above the threshold.
    pub is_anomaly: Option<Vec<bool>>,
    /// The stored threshold the flags compare with.
    pub threshold: Option<f64>,
}

/// Reads and scales the model's columns of `data` once, then computes every
/// per-row output the model offers: codes, reconstruction errors and, for a
/// model with a stored threshold (a detector), anomaly scores and flags.
/// Column and cell errors are those of [`Autoencoder::scaled_features`].
pub fn predict_rows<'d>(
    model: &Autoencoder,
    data: impl Into<Dataset<'d>>,
) -> Result<RowPredictions> {
    let can = model.capabilities();
    let scaled = model.scaled_features(data)?;
    let codes = if can.encode {
        Some(into_array(model.encode(&scaled)?)?)
    } else {
        None
    };
    let reconstruction_errors = if can.reconstruct {
        Some(model.reconstruction_errors(&scaled)?)
    } else {
        None
    };
    let threshold = model.anomaly_threshold().map(|a| a.threshold);
    let (scores, is_anomaly) = match threshold {
        Some(t) if can.score => {
            let scores = model.anomaly_scores(&scaled)?;
            let flags = scores.iter().map(|&s| s > t).collect();
            (Some(scores), Some(flags))
        }
        _ => (None, None),
    };
    Ok(RowPredictions {
        rows: scaled.n_rows(),
        codes,
        reconstruction_errors,
        scores,
        is_anomaly,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Detector, TrainingSetters};

    fn rows() -> Array2<f64> {
        Array2::from_shape_fn((80, 4), |(i, j)| {
            let t = i as f64 / 80.0;
            [t, 1.0 - t, t * t, (i % 7) as f64 / 7.0][j]
        })
    }

    #[test]
    fn an_autoencoder_gives_codes_and_errors_equal_to_the_single_calls() {
        let x = rows();
        let model = Autoencoder::params()
            .hidden([5])
            .bottleneck(2)
            .epochs(3)
            .seed(1)
            .fit(&x)
            .unwrap();
        let p = predict_rows(&model, &x).unwrap();
        assert_eq!(p.rows, 80);
        assert_eq!(p.codes.unwrap(), model.transform(&x).unwrap());
        let errors: Vec<f64> = p
            .reconstruction_errors
            .unwrap()
            .iter()
            .map(|&e| f64::from(e))
            .collect();
        assert_eq!(errors, model.score_samples(&x).unwrap().to_vec());
        assert_eq!((p.scores, p.is_anomaly, p.threshold), (None, None, None));
    }

    #[test]
    fn a_detector_adds_scores_and_flags_against_its_threshold() {
        let x = rows();
        let detector = Detector::params()
            .contamination(0.1)
            .epochs(3)
            .seed(2)
            .fit(&x)
            .unwrap();
        let p = predict_rows(&detector.autoencoder, &x).unwrap();
        assert_eq!(
            p.scores.unwrap(),
            detector.decision_function(&x).unwrap().to_vec()
        );
        assert_eq!(
            p.is_anomaly.unwrap(),
            detector.predict(&x).unwrap().to_vec()
        );
        assert_eq!(p.threshold, Some(detector.threshold()));
    }
}
