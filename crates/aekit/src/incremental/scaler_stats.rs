//! Column statistics that merge: each worker (a chunk, a partition)
//! summarises its rows, the summaries merge in a fixed order, and the merged
//! summary gives the same scaler as one fit over every row (min-max exactly;
//! standard to float rounding, by Chan et al.'s pairwise update).

use serde::{Deserialize, Serialize};

use crate::data::{ScaleKind, Scaler};
use crate::error::{AekitError, Result};

/// Per-column count, minimum, maximum, mean and sum of squared deviations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalerStats {
    /// The scaling these statistics fit.
    pub kind: ScaleKind,
    /// Rows summarised.
    pub n_rows: u64,
    /// Per-column minimum.
    pub min: Vec<f64>,
    /// Per-column maximum.
    pub max: Vec<f64>,
    /// Per-column mean.
    pub mean: Vec<f64>,
    /// Per-column sum of squared deviations from the mean.
    pub m2: Vec<f64>,
}

impl ScalerStats {
    /// Summarises a row-major matrix of `n_cols` columns. The robust
    /// scaler's quantiles do not merge exactly, so it is refused.
    pub fn of(kind: ScaleKind, values: &[f32], n_cols: usize) -> Result<ScalerStats> {
        if kind == ScaleKind::Robust {
            return Err(AekitError::param(
                "scale",
                "robust scaling needs quantiles of every row, which partial summaries do not give exactly: use min_max or standard",
            ));
        }
        let n_rows = values.len() / n_cols.max(1);
        let mut s = ScalerStats {
            kind,
            n_rows: n_rows as u64,
            min: vec![f64::INFINITY; n_cols],
            max: vec![f64::NEG_INFINITY; n_cols],
            mean: vec![0.0; n_cols],
            m2: vec![0.0; n_cols],
        };
        for j in 0..n_cols {
            let column = || values.iter().skip(j).step_by(n_cols).map(|&v| f64::from(v));
            let mean = column().sum::<f64>() / n_rows.max(1) as f64;
            s.mean[j] = mean;
            s.m2[j] = column().map(|v| (v - mean).powi(2)).sum();
            for v in column() {
                s.min[j] = s.min[j].min(v);
                s.max[j] = s.max[j].max(v);
            }
        }
        Ok(s)
    }

    /// Adds `other`'s rows to these statistics.
    pub fn merge(&mut self, other: &ScalerStats) -> Result<()> {
        if other.kind != self.kind || other.min.len() != self.min.len() {
            return Err(AekitError::param(
                "scale",
                format!(
                    "statistics of {} {:?} columns cannot merge with {} {:?} ones",
                    other.min.len(),
                    other.kind,
                    self.min.len(),
                    self.kind
                ),
            ));
        }
        let (na, nb) = (self.n_rows as f64, other.n_rows as f64);
        let n = na + nb;
        for j in 0..self.min.len() {
            self.min[j] = self.min[j].min(other.min[j]);
            self.max[j] = self.max[j].max(other.max[j]);
            if n > 0.0 {
                let delta = other.mean[j] - self.mean[j];
                self.mean[j] += delta * nb / n;
                self.m2[j] += other.m2[j] + delta * delta * na * nb / n;
            }
        }
        self.n_rows += other.n_rows;
        Ok(())
    }

    /// The statistics as JSON, to send to other workers.
    pub fn to_json(&self) -> String {
        // Plain numbers and a unit enum: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Statistics from [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<ScalerStats> {
        serde_json::from_str(text)
            .map_err(|e| AekitError::param("scaler_stats", format!("unreadable: {e}")))
    }

    /// The scaler these rows fit (as [`Scaler::fit`] on all of them would).
    pub fn scaler(&self) -> Scaler {
        let nonzero = |v: f64| if v > f64::EPSILON * 16.0 { v } else { 1.0 };
        let n = self.min.len();
        let (offset, scale) = (0..n)
            .map(|j| match self.kind {
                ScaleKind::MinMax => (self.min[j], nonzero(self.max[j] - self.min[j])),
                ScaleKind::Standard => (
                    self.mean[j],
                    nonzero((self.m2[j] / self.n_rows.max(1) as f64).sqrt()),
                ),
                // Refused by `of`; `none` and anything else: identity.
                _ => (0.0, 1.0),
            })
            .unzip();
        Scaler {
            kind: self.kind,
            offset,
            scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, cols: usize, shift: f32) -> Vec<f32> {
        (0..n * cols)
            .map(|k| ((k * 37 % 101) as f32) / 7.0 + shift)
            .collect()
    }

    #[test]
    fn merged_statistics_give_the_scaler_of_all_rows() {
        let (a, b, c) = (rows(13, 3, 0.0), rows(40, 3, 5.0), rows(1, 3, -2.0));
        let all: Vec<f32> = a.iter().chain(&b).chain(&c).copied().collect();
        for kind in [ScaleKind::MinMax, ScaleKind::Standard, ScaleKind::None] {
            let mut merged = ScalerStats::of(kind, &a, 3).unwrap();
            merged
                .merge(&ScalerStats::of(kind, &b, 3).unwrap())
                .unwrap();
            merged
                .merge(&ScalerStats::of(kind, &c, 3).unwrap())
                .unwrap();
            let direct = Scaler::fit(kind, &all, 3);
            let got = merged.scaler();
            for (x, y) in got.offset.iter().zip(&direct.offset) {
                assert!(
                    (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
                    "{kind:?} {x} vs {y}"
                );
            }
            for (x, y) in got.scale.iter().zip(&direct.scale) {
                assert!(
                    (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
                    "{kind:?} {x} vs {y}"
                );
            }
            if kind == ScaleKind::MinMax {
                assert_eq!(got, direct, "min-max merges exactly");
            }
            assert_eq!(ScalerStats::from_json(&merged.to_json()).unwrap(), merged);
        }
    }

    #[test]
    fn robust_and_mismatched_statistics_are_refused() {
        assert!(ScalerStats::of(ScaleKind::Robust, &rows(4, 2, 0.0), 2).is_err());
        let mut two = ScalerStats::of(ScaleKind::MinMax, &rows(4, 2, 0.0), 2).unwrap();
        let three = ScalerStats::of(ScaleKind::MinMax, &rows(4, 3, 0.0), 3).unwrap();
        assert!(two.merge(&three).is_err());
    }
}
