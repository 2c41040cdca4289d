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
use serde::{Deserialize, Serialize};

use crate::data::Matrix;
use crate::error::{AekitError, Result};
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
        (0..rows.n_rows())
            .map(|r| self.kth_distance(rows.row(r), None))
            .collect()
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
        (0..rows.n_rows())
            .map(|r| self.kth_distance(rows.row(r), own[r]))
            .collect()
    }

    fn kth_distance(&self, row: &[f32], skip: Option<usize>) -> f64 {
        let n_ref = self.reference.n_rows() - usize::from(skip.is_some());
        let k = self.k.min(n_ref).max(1);
        // The k smallest squared distances so far, largest first.
        let mut best: Vec<f64> = Vec::with_capacity(k + 1);
        for i in 0..self.reference.n_rows() {
            if Some(i) == skip {
                continue;
            }
            let d2: f64 = row
                .iter()
                .zip(self.reference.row(i))
                .map(|(&a, &b)| {
                    let d = f64::from(a - b);
                    d * d
                })
                .sum();
            if best.len() < k {
                let at = best.partition_point(|&b| b > d2);
                best.insert(at, d2);
            } else if d2 < best[0] {
                best.remove(0);
                let at = best.partition_point(|&b| b > d2);
                best.insert(at, d2);
            }
        }
        best.first().map_or(0.0, |d2| d2.sqrt())
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
