//! Per-feature histograms of the scaled training rows: the ensemble's
//! width-0 member. A width-0 autoencoder rebuilds every row as the training
//! centre, so its per-feature errors are the inputs themselves; judging each
//! by how rare its histogram bin was in training (HBOS, Goldstein & Dengel
//! 2012, as PyOD's `HBOS`) catches anomalies that lie on the normal rows'
//! subspace, where reconstruction error is blind (BENCHMARKS.md).

use std::collections::HashMap;

use crate::data::Matrix;
use crate::error::{AekitError, Result};
use crate::model::weights::{NamedTensor, stored_tensor};

/// PyOD's `HBOS` default bin count, kept rather than tuned.
pub const DEFAULT_HISTOGRAM_BINS: usize = 10;

/// Checks a histogram bin count (`None`: no histograms).
pub fn check_bins(bins: Option<usize>) -> Result<()> {
    if bins == Some(0) {
        return Err(AekitError::param(
            "histogram_bins",
            "must be at least 1 (none: the autoencoders alone)",
        ));
    }
    // Each feature's bins are weights of the model, as a layer's units.
    let limit = crate::model::dense::config::MAX_WIDTH;
    if let Some(b) = bins.filter(|&b| b > limit) {
        return Err(AekitError::param(
            "histogram_bins",
            format!("must be at most {limit} (2^20, the widest layer), got {b}"),
        ));
    }
    Ok(())
}

/// Equal-width histograms, one per feature, between the training minimum and
/// maximum, stored as each bin's negative log probability.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureHistograms {
    lo: Vec<f32>,
    hi: Vec<f32>,
    bins: usize,
    /// Per feature, `bins` values then the one for a value outside [lo, hi].
    neg_log_p: Vec<f32>,
}

const LO_TENSOR: &str = "histogram.lo";
const HI_TENSOR: &str = "histogram.hi";
const NEG_LOG_P_TENSOR: &str = "histogram.neg_log_p";

impl FeatureHistograms {
    /// Counts `rows` into `bins` bins per feature. A bin of `c` of the `n`
    /// rows has probability (c + 1) / (n + bins); a value outside the
    /// training range counts as an empty bin's 1 / (n + bins).
    pub fn fit(rows: &Matrix, bins: usize) -> FeatureHistograms {
        let (d, bins) = (rows.n_cols, bins.max(1));
        let mut lo = vec![f32::INFINITY; d];
        let mut hi = vec![f32::NEG_INFINITY; d];
        for r in 0..rows.n_rows() {
            for (j, &v) in rows.row(r).iter().enumerate() {
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
            }
        }
        let mut h = FeatureHistograms {
            lo,
            hi,
            bins,
            neg_log_p: Vec::new(),
        };
        let mut counts = vec![0usize; d * bins];
        for r in 0..rows.n_rows() {
            for (j, &v) in rows.row(r).iter().enumerate() {
                if let Some(b) = h.bin(j, v) {
                    counts[j * bins + b] += 1;
                }
            }
        }
        let total = (rows.n_rows() + bins) as f64;
        h.neg_log_p = counts
            .chunks(bins)
            .flat_map(|c| {
                c.iter()
                    .map(move |&c| -(((c + 1) as f64) / total).ln() as f32)
                    .chain(std::iter::once(total.ln() as f32))
            })
            .collect();
        h
    }

    /// The bin of value `v` of feature `j` (numpy's edges: the maximum falls
    /// in the last bin), or `None` outside the training range.
    fn bin(&self, j: usize, v: f32) -> Option<usize> {
        let (lo, hi) = (self.lo[j], self.hi[j]);
        if !(v >= lo && v <= hi) {
            return None;
        }
        if hi <= lo {
            return Some(0);
        }
        let at = (f64::from(v - lo) / f64::from(hi - lo) * self.bins as f64) as usize;
        Some(at.min(self.bins - 1))
    }

    /// Each row's sum over features of its bins' negative log probabilities.
    pub fn scores(&self, rows: &Matrix) -> Vec<f64> {
        let stride = self.bins + 1;
        (0..rows.n_rows())
            .map(|r| {
                rows.row(r)
                    .iter()
                    .enumerate()
                    .map(|(j, &v)| {
                        let b = self.bin(j, v).unwrap_or(self.bins);
                        f64::from(self.neg_log_p[j * stride + b])
                    })
                    .sum()
            })
            .collect()
    }

    /// The tensors a model file stores.
    pub fn tensors(&self) -> Vec<NamedTensor> {
        let d = self.lo.len();
        vec![
            NamedTensor {
                name: LO_TENSOR.to_string(),
                shape: vec![d],
                values: self.lo.clone(),
            },
            NamedTensor {
                name: HI_TENSOR.to_string(),
                shape: vec![d],
                values: self.hi.clone(),
            },
            NamedTensor {
                name: NEG_LOG_P_TENSOR.to_string(),
                shape: vec![d, self.bins + 1],
                values: self.neg_log_p.clone(),
            },
        ]
    }

    /// Rebuilds histograms of `bins` bins over `d` features from stored
    /// tensors, checking their shapes.
    pub fn from_tensors(
        d: usize,
        bins: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<FeatureHistograms, String> {
        let take = |name: &str, shape: &[usize]| {
            stored_tensor(tensors, name, shape).map(|t| t.values.clone())
        };
        if bins == 0 {
            return Err("histogram_bins must be at least 1".to_string());
        }
        let lo = take(LO_TENSOR, &[d])?;
        let hi = take(HI_TENSOR, &[d])?;
        let neg_log_p = take(NEG_LOG_P_TENSOR, &[d, bins + 1])?;
        if neg_log_p.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "tensor '{NEG_LOG_P_TENSOR}' holds a non-finite value"
            ));
        }
        Ok(FeatureHistograms {
            lo,
            hi,
            bins,
            neg_log_p,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[f32]) -> Matrix {
        Matrix::new(values.to_vec(), 1)
    }

    #[test]
    fn rare_bins_and_values_outside_the_range_score_high() {
        // Nine rows at 0..=1 in steps of 1/8 plus one at 10: with 2 bins over
        // [0, 10], bin 0 holds 9 rows, bin 1 holds 1.
        let mut v: Vec<f32> = (0..9).map(|i| i as f32 / 8.0).collect();
        v.push(10.0);
        let h = FeatureHistograms::fit(&column(&v), 2);
        let s = h.scores(&column(&[0.5, 10.0, 5.0, -1.0, 11.0]));
        let nlp = |c: f64| -((c + 1.0) / 12.0).ln();
        let want = [nlp(9.0), nlp(1.0), nlp(1.0), nlp(0.0), nlp(0.0)];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        assert!(s[0] < s[1]);
    }

    #[test]
    fn scores_sum_over_features_and_survive_a_constant_feature() {
        let rows = Matrix::new(vec![0.0, 3.0, 1.0, 3.0, 2.0, 3.0, 3.0, 3.0], 2);
        let h = FeatureHistograms::fit(&rows, 4);
        // Feature 0: one row per bin; feature 1 constant: all in bin 0.
        let s = h.scores(&Matrix::new(vec![1.5, 3.0, 1.5, 4.0], 2));
        let total: f64 = 8.0;
        let one = -(2.0 / total).ln();
        assert!((s[0] - (one - (5.0 / total).ln())).abs() < 1e-5);
        assert!((s[1] - (one + total.ln())).abs() < 1e-5);
    }

    #[test]
    fn tensors_round_trip_and_bad_shapes_are_errors() {
        let rows = Matrix::new((0..30).map(|i| (i % 7) as f32).collect(), 3);
        let h = FeatureHistograms::fit(&rows, DEFAULT_HISTOGRAM_BINS);
        let map: HashMap<String, NamedTensor> = h
            .tensors()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let back = FeatureHistograms::from_tensors(3, DEFAULT_HISTOGRAM_BINS, &map).unwrap();
        assert_eq!(back, h);
        let err = FeatureHistograms::from_tensors(4, DEFAULT_HISTOGRAM_BINS, &map).unwrap_err();
        assert!(err.contains("histogram.lo"), "{err}");
    }
}
