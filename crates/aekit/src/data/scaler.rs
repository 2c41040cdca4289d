//! Feature scaling fitted on training data only and stored with the model.

use serde::{Deserialize, Serialize};

/// Which scaling to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleKind {
    /// Each column to [0, 1] by its training minimum and maximum (scikit-learn's MinMaxScaler).
    #[default]
    #[serde(alias = "minmax")]
    MinMax,
    /// Each column to zero mean and unit variance (scikit-learn's StandardScaler).
    Standard,
    /// Each column centred on its training median and divided by its
    /// inter-quartile range (q75 - q25, percentiles interpolated linearly
    /// as numpy's default), as scikit-learn's RobustScaler: a few extreme
    /// rows move neither. A column whose IQR is 0 falls back to its
    /// population standard deviation, and to 1 if that is 0 too.
    Robust,
    /// Values used as they are.
    None,
}

/// A fitted per-column affine map: `scaled = (x - offset) / scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// The kind that was fitted.
    pub kind: ScaleKind,
    /// Subtracted from each column.
    pub offset: Vec<f64>,
    /// Divides each column after the offset; never zero.
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Fits on a row-major matrix with `n_cols` columns. A constant column
    /// gets scale 1, so it maps to 0 rather than to NaN.
    pub fn fit(kind: ScaleKind, values: &[f32], n_cols: usize) -> Scaler {
        let n_rows = values.len() / n_cols.max(1);
        let column = |j: usize| values.iter().skip(j).step_by(n_cols).map(|&v| v as f64);
        let (offset, scale): (Vec<f64>, Vec<f64>) = (0..n_cols)
            .map(|j| match kind {
                ScaleKind::None => (0.0, 1.0),
                ScaleKind::MinMax => {
                    let (lo, hi) = column(j)
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                            (lo.min(v), hi.max(v))
                        });
                    (lo, nonzero(hi - lo))
                }
                ScaleKind::Standard => {
                    let mean = column(j).sum::<f64>() / n_rows as f64;
                    let var = column(j).map(|v| (v - mean).powi(2)).sum::<f64>() / n_rows as f64;
                    (mean, nonzero(var.sqrt()))
                }
                ScaleKind::Robust => {
                    let mut sorted: Vec<f64> = column(j).collect();
                    sorted.sort_by(f64::total_cmp);
                    let q = |p: f64| percentile_sorted(&sorted, p);
                    let iqr = q(0.75) - q(0.25);
                    let spread = if iqr > f64::EPSILON * 16.0 {
                        iqr
                    } else {
                        let mean = sorted.iter().sum::<f64>() / n_rows as f64;
                        let var =
                            sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n_rows as f64;
                        var.sqrt()
                    };
                    (q(0.5), nonzero(spread))
                }
            })
            .unzip();
        Scaler {
            kind,
            offset,
            scale,
        }
    }

    /// Whether scaling changes nothing (offsets 0, scales 1, as `none`
    /// fits): then a pass over the values is skipped (it was 2 % of
    /// scoring), with the same result, since f32 -> f64 -> f32 is exact.
    pub(crate) fn is_identity(&self) -> bool {
        self.offset.iter().all(|&o| o == 0.0) && self.scale.iter().all(|&s| s == 1.0)
    }

    /// Number of columns the scaler was fitted on.
    pub fn n_features(&self) -> usize {
        self.offset.len()
    }

    /// Scales a row-major matrix in place.
    pub fn transform(&self, values: &mut [f32]) {
        if self.is_identity() {
            return;
        }
        // Row by row, not `i % n` per value: the same arithmetic, but the
        // compiler can vectorise it (it was a sixth of scoring's time).
        for row in values.chunks_exact_mut(self.n_features().max(1)) {
            for ((v, &offset), &scale) in row.iter_mut().zip(&self.offset).zip(&self.scale) {
                *v = ((*v as f64 - offset) / scale) as f32;
            }
        }
    }

    /// Maps a scaled row-major matrix back to original units in place.
    pub fn inverse_transform(&self, values: &mut [f32]) {
        if self.is_identity() {
            return;
        }
        for row in values.chunks_exact_mut(self.n_features().max(1)) {
            for ((v, &offset), &scale) in row.iter_mut().zip(&self.offset).zip(&self.scale) {
                *v = (*v as f64 * scale + offset) as f32;
            }
        }
    }
}

/// The `p` quantile (0-1) of sorted values, interpolated linearly between
/// the two nearest ranks (numpy's default); NaN for no values.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn nonzero(spread: f64) -> f64 {
    if spread > f64::EPSILON * 16.0 {
        spread
    } else {
        1.0
    }
}

/// Parses the command line's names (minmax, standard, robust, none).
impl std::str::FromStr for ScaleKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "scale",
            s,
            &[
                ("minmax", ScaleKind::MinMax),
                ("standard", ScaleKind::Standard),
                ("robust", ScaleKind::Robust),
                ("none", ScaleKind::None),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minmax_maps_to_unit_interval_and_back() {
        let data = [1.0f32, 10.0, 3.0, 20.0, 5.0, 30.0];
        let s = Scaler::fit(ScaleKind::MinMax, &data, 2);
        let mut x = data;
        s.transform(&mut x);
        assert_eq!(x, [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]);
        s.inverse_transform(&mut x);
        for (a, b) in x.iter().zip(data) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    #[test]
    fn constant_column_scales_to_zero_not_nan() {
        let data = [7.0f32, 7.0, 7.0];
        for kind in [ScaleKind::MinMax, ScaleKind::Standard, ScaleKind::Robust] {
            let s = Scaler::fit(kind, &data, 1);
            let mut x = data;
            s.transform(&mut x);
            assert_eq!(x, [0.0, 0.0, 0.0], "{kind:?}");
        }
    }

    #[test]
    fn standard_uses_population_variance() {
        let data = [1.0f32, 3.0];
        let s = Scaler::fit(ScaleKind::Standard, &data, 1);
        let mut x = data;
        s.transform(&mut x);
        assert_eq!(x, [-1.0, 1.0]);
    }

    #[test]
    fn robust_uses_median_and_interpolated_iqr() {
        // numpy: median 3, percentile 25 = 2, 75 = 4 (IQR 2); the outlier 100 moves neither much.
        let data = [1.0f32, 2.0, 3.0, 4.0, 100.0];
        let s = Scaler::fit(ScaleKind::Robust, &data, 1);
        assert_eq!(s.offset, vec![3.0]);
        assert_eq!(s.scale, vec![2.0]);
        // 4 rows: percentiles 25 / 75 of [1, 2, 3, 10] are 1.75 and 4.75 (numpy).
        let s = Scaler::fit(ScaleKind::Robust, &[10.0, 1.0, 3.0, 2.0], 1);
        assert_eq!(s.offset, vec![2.5]);
        assert!((s.scale[0] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn robust_falls_back_to_sd_when_the_iqr_is_zero() {
        // Mostly zeros with a few ones: IQR 0, population sd of [0 x 8, 1, 1] = 0.4.
        let data = [0.0f32, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0];
        let s = Scaler::fit(ScaleKind::Robust, &data, 1);
        assert_eq!(s.offset, vec![0.0]);
        assert!((s.scale[0] - 0.4).abs() < 1e-12);
    }
}
