//! Distances to the nearest training rows: the ensemble's neighbour member.
//! A row's score is its Euclidean distance, in the scaled space, to its
//! k-th nearest row of a fixed sample of the training rows (PyOD's `KNN`
//! with `method="largest"`). It ranks where reconstruction and per-feature
//! histograms both fail, such as binary tables whose anomalies sit on the
//! normal rows' subspace with common values in every feature
//! (BENCHMARKS.md, issue 32).

use std::collections::HashMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::Matrix;
use crate::error::{AekitError, Result};
use crate::kernel::{MatRef, matmul};
use crate::model::weights::{NamedTensor, stored_tensor};

/// The neighbour member's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NeighbourConfig {
    /// Which nearest reference row's distance scores a row (PyOD's 5).
    pub k: usize,
    /// At most this many training rows, drawn with the training seed, are
    /// kept as the reference: the model file and the scoring cost stay
    /// bounded whatever the training set's size.
    pub reference_rows: usize,
}

/// The default: PyOD's k = 5 and a reference of at most 2 000 rows (the
/// figures measured in BENCHMARKS.md).
pub const DEFAULT_NEIGHBOURS: NeighbourConfig = NeighbourConfig {
    k: 5,
    reference_rows: 2000,
};

impl NeighbourConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 || self.reference_rows <= self.k {
            return Err(AekitError::param(
                "neighbours",
                format!(
                    "k must be at least 1 and below the reference rows, got k {} of {}",
                    self.k, self.reference_rows
                ),
            ));
        }
        Ok(())
    }
}

/// The reference rows of a fitted neighbour member.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourDistances {
    k: usize,
    reference: Matrix,
    /// Which training row each reference row is (fit time only, not stored):
    /// a training row's own score leaves itself out.
    training_index: Vec<usize>,
}

const REFERENCE_TENSOR: &str = "neighbours.reference";

/// Rows screened by one matrix product.
const SCREEN_ROWS: usize = 256;

/// The squared Euclidean distance of two rows, summed in f64.
fn exact_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&a, &b)| {
            let d = f64::from(a - b);
            d * d
        })
        .sum()
}

impl NeighbourDistances {
    /// Keeps up to `config.reference_rows` rows of `rows`, drawn with `seed`.
    pub fn fit(rows: &Matrix, config: NeighbourConfig, seed: u64) -> NeighbourDistances {
        let n = rows.n_rows();
        let mut index: Vec<usize> = if n <= config.reference_rows {
            (0..n).collect()
        } else {
            let mut rng = StdRng::seed_from_u64(seed);
            rand::seq::index::sample(&mut rng, n, config.reference_rows).into_vec()
        };
        index.sort_unstable();
        NeighbourDistances {
            k: config.k,
            reference: rows.gather(&index),
            training_index: index,
        }
    }

    /// Each row's distance to its k-th nearest reference row (k capped to
    /// the reference's size).
    pub fn scores(&self, rows: &Matrix) -> Vec<f64> {
        self.kth_distances(rows, &[])
    }

    /// [`scores`](Self::scores) of the training rows the member was fitted
    /// on, each leaving itself out of the reference (as PyOD's training
    /// scores do), so that their spread is that of unseen rows.
    pub fn training_scores(&self, rows: &Matrix) -> Vec<f64> {
        let mut own = vec![None; rows.n_rows()];
        for (i, &t) in self.training_index.iter().enumerate() {
            if let Some(o) = own.get_mut(t) {
                *o = Some(i);
            }
        }
        self.kth_distances(rows, &own)
    }

    /// The k-th nearest distance of every row, `own[r]` (when given) being
    /// a reference row that row `r` leaves out. Blocks of rows are screened
    /// by one matrix product against the reference (squared distances as
    /// |x|^2 - 2 x.r + |r|^2 in f32, on rows centred by the reference's
    /// mean), and only the rows the screen cannot rule out are measured
    /// exactly, in f64 as [`exact_distance`]: every row whose screened
    /// distance is within twice the screen's rounding bound of the k-th
    /// screened one. The result is that of measuring every pair, at the
    /// cost of a product instead of a loop per pair.
    fn kth_distances(&self, rows: &Matrix, own: &[Option<usize>]) -> Vec<f64> {
        let n_ref = self.reference.n_rows();
        let width = rows.n_cols;
        if n_ref == 0 || rows.n_rows() == 0 {
            return vec![0.0; rows.n_rows()];
        }
        let mut mean = vec![0.0f64; width];
        for i in 0..n_ref {
            for (m, &v) in mean.iter_mut().zip(self.reference.row(i)) {
                *m += f64::from(v);
            }
        }
        let mean: Vec<f32> = mean.iter().map(|m| (m / n_ref as f64) as f32).collect();
        let centred = |row: &[f32], out: &mut Vec<f32>| {
            out.extend(row.iter().zip(&mean).map(|(&v, &m)| v - m));
        };
        let mut reference = Vec::with_capacity(n_ref * width);
        for i in 0..n_ref {
            centred(self.reference.row(i), &mut reference);
        }
        let reference_norms: Vec<f32> = reference
            .chunks_exact(width)
            .map(|r| r.iter().map(|v| v * v).sum())
            .collect();
        let largest_norm = reference_norms.iter().copied().fold(0.0f32, f32::max);
        let reference_t = MatRef::new(&reference, n_ref, width).t();
        // The screen's rounding: products of `width` terms and three sums,
        // in f32 (unit roundoff 2^-24), relative to |x|^2 + |r|^2.
        let rounding = 4.0 * (width as f32 + 4.0) * f32::EPSILON / 2.0;
        let mut out = vec![0.0; rows.n_rows()];
        out.par_chunks_mut(SCREEN_ROWS)
            .enumerate()
            .for_each(|(block, out)| {
                let first = block * SCREEN_ROWS;
                let count = out.len();
                let mut x = Vec::with_capacity(count * width);
                for r in 0..count {
                    centred(rows.row(first + r), &mut x);
                }
                let mut dots = vec![0.0f32; count * n_ref];
                matmul(&mut dots, false, MatRef::new(&x, count, width), reference_t);
                let mut screened: Vec<(f32, usize)> = Vec::with_capacity(n_ref);
                for (r, score) in out.iter_mut().enumerate() {
                    let norm: f32 = x[r * width..(r + 1) * width].iter().map(|v| v * v).sum();
                    let skip = own.get(first + r).copied().flatten();
                    screened.clear();
                    screened.extend(
                        dots[r * n_ref..(r + 1) * n_ref]
                            .iter()
                            .zip(&reference_norms)
                            .enumerate()
                            .filter(|&(i, _)| Some(i) != skip)
                            .map(|(i, (&dot, &rn))| (norm + rn - 2.0 * dot, i)),
                    );
                    let bound = rounding * (norm + largest_norm);
                    *score = self.kth_of_screened(rows.row(first + r), &mut screened, bound);
                }
            });
        out
    }

    /// The exact k-th distance of `row`, measuring only the `screened`
    /// (squared distance in f32, reference row) that lie within `2 bound`
    /// of the k-th screened distance: any other is farther than it.
    fn kth_of_screened(&self, row: &[f32], screened: &mut [(f32, usize)], bound: f32) -> f64 {
        if screened.is_empty() {
            return 0.0;
        }
        let k = self.k.min(screened.len()).max(1);
        let (_, kth, _) = screened.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        let limit = kth.0 + 2.0 * bound;
        let mut exact: Vec<f64> = screened
            .iter()
            .filter(|s| s.0 <= limit)
            .map(|&(_, i)| exact_distance(row, self.reference.row(i)))
            .collect();
        exact.sort_by(f64::total_cmp);
        exact[k - 1].sqrt()
    }

    /// The tensors a model file stores.
    pub fn tensors(&self) -> Vec<NamedTensor> {
        vec![NamedTensor {
            name: REFERENCE_TENSOR.to_string(),
            shape: vec![self.reference.n_rows(), self.reference.n_cols],
            values: self.reference.values.clone(),
        }]
    }

    /// Rebuilds the member over `d` features from stored tensors.
    pub fn from_tensors(
        d: usize,
        config: NeighbourConfig,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<NeighbourDistances, String> {
        let t = tensors
            .get(REFERENCE_TENSOR)
            .ok_or_else(|| format!("tensor '{REFERENCE_TENSOR}' is missing"))?;
        let rows = t.shape.first().copied().unwrap_or(0);
        if rows == 0 || rows > config.reference_rows {
            return Err(format!(
                "tensor '{REFERENCE_TENSOR}' has {rows} rows, the model keeps 1 to {}",
                config.reference_rows
            ));
        }
        let t = stored_tensor(tensors, REFERENCE_TENSOR, &[rows, d])?;
        if t.values.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "tensor '{REFERENCE_TENSOR}' holds a non-finite value"
            ));
        }
        Ok(NeighbourDistances {
            k: config.k,
            reference: Matrix::new(t.values.clone(), d),
            training_index: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(k: usize, reference_rows: usize) -> NeighbourConfig {
        NeighbourConfig { k, reference_rows }
    }

    #[test]
    fn kth_nearest_distance_and_leaving_self_out() {
        // Points on a line at 0, 1, 2, 3, 10.
        let rows = Matrix::new(vec![0.0, 1.0, 2.0, 3.0, 10.0], 1);
        let m = NeighbourDistances::fit(&rows, config(2, 100), 1);
        // From 2.5: nearest 2 and 3 (0.5), then 1 and... second nearest 0.5.
        let s = m.scores(&Matrix::new(vec![2.5, 20.0], 1));
        assert!(
            (s[0] - 0.5).abs() < 1e-9 && (s[1] - 17.0).abs() < 1e-9,
            "{s:?}"
        );
        // A training row's own distance 0 does not count.
        let t = m.training_scores(&rows);
        assert_eq!(t, vec![2.0, 1.0, 1.0, 2.0, 8.0]);
        // Without leaving out, row 0's second nearest is 1 (itself first).
        assert_eq!(m.scores(&rows)[0], 1.0);
    }

    /// Every pair measured exactly: what the screen must reproduce.
    fn brute_force(m: &NeighbourDistances, rows: &Matrix, own: &[Option<usize>]) -> Vec<f64> {
        (0..rows.n_rows())
            .map(|r| {
                let skip = own.get(r).copied().flatten();
                let mut d: Vec<f64> = (0..m.reference.n_rows())
                    .filter(|&i| Some(i) != skip)
                    .map(|i| exact_distance(rows.row(r), m.reference.row(i)))
                    .collect();
                d.sort_by(f64::total_cmp);
                let k = m.k.min(d.len()).max(1);
                d.get(k - 1).map_or(0.0, |v| v.sqrt())
            })
            .collect()
    }

    #[test]
    fn the_screened_search_gives_the_exact_kth_distance() {
        // Large offsets (where |x|^2 - 2x.r + |r|^2 loses digits), exact
        // duplicates and near-duplicates, more rows than one screen.
        let mut rng = StdRng::seed_from_u64(3);
        let width = 7;
        let mut values: Vec<f32> = (0..700 * width)
            .map(|j| 1000.0 * (j % width) as f32 + rand::Rng::random_range(&mut rng, 0.0f32..1.0))
            .collect();
        let copy = values[..50 * width].to_vec();
        values[100 * width..150 * width].copy_from_slice(&copy);
        values[200 * width] += 1e-4;
        let rows = Matrix::new(values, width);
        for k in [1, 2, 5, 20] {
            let m = NeighbourDistances::fit(&rows, config(k, 300), 9);
            assert_eq!(m.scores(&rows), brute_force(&m, &rows, &[]), "k {k}");
            let mut own = vec![None; rows.n_rows()];
            for (i, &t) in m.training_index.iter().enumerate() {
                own[t] = Some(i);
            }
            assert_eq!(
                m.training_scores(&rows),
                brute_force(&m, &rows, &own),
                "k {k}"
            );
        }
    }

    #[test]
    fn the_reference_is_a_seeded_bounded_sample_and_round_trips() {
        let rows = Matrix::new((0..200).map(|i| i as f32).collect(), 2);
        let a = NeighbourDistances::fit(&rows, config(3, 50), 7);
        let b = NeighbourDistances::fit(&rows, config(3, 50), 7);
        assert_eq!(a.reference.n_rows(), 50);
        assert_eq!(a, b);
        let map: HashMap<String, NamedTensor> = a
            .tensors()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let back = NeighbourDistances::from_tensors(2, config(3, 50), &map).unwrap();
        assert_eq!(back.scores(&rows), a.scores(&rows));
        assert!(NeighbourDistances::from_tensors(3, config(3, 50), &map).is_err());
        assert!(NeighbourDistances::from_tensors(2, config(3, 10), &map).is_err());
        assert!(config(0, 10).validate().is_err() && config(5, 5).validate().is_err());
    }
}
