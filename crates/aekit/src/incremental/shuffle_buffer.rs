//! A seeded shuffle buffer over rows streamed in file order (as
//! TensorFlow's `Dataset.shuffle`): it holds up to `capacity` rows, and
//! each row coming in once it is full sends out one held row drawn at
//! random, whose place the new row takes. A row therefore leaves at most
//! `capacity` rows before its place in the file, and after it by a random
//! delay; with a capacity of at least the file's rows the order is a
//! uniform shuffle of the whole file, with 0 it is the file's order.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::data::Matrix;

/// Rows of `n_cols` values held for shuffling (see the module docs).
#[derive(Debug, Clone)]
pub struct ShuffleBuffer {
    capacity: usize,
    n_cols: usize,
    held: Vec<f32>,
    rng: StdRng,
}

impl ShuffleBuffer {
    /// An empty buffer of `capacity` rows of `n_cols` values, drawing
    /// from `seed`.
    pub fn new(capacity: usize, n_cols: usize, seed: u64) -> ShuffleBuffer {
        ShuffleBuffer {
            capacity,
            n_cols,
            held: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Rows held now.
    pub fn len(&self) -> usize {
        self.held.len() / self.n_cols.max(1)
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Takes `rows` in, appending to `out` the rows that leave.
    pub fn push(&mut self, rows: &Matrix, out: &mut Vec<f32>) {
        let w = self.n_cols;
        debug_assert_eq!(rows.n_cols, w);
        for r in 0..rows.n_rows() {
            let row = rows.row(r);
            if self.len() < self.capacity {
                self.held.extend_from_slice(row);
            } else if self.capacity == 0 {
                out.extend_from_slice(row);
            } else {
                let j = self.rng.random_range(0..self.capacity);
                let slot = &mut self.held[j * w..(j + 1) * w];
                out.extend_from_slice(slot);
                slot.copy_from_slice(row);
            }
        }
    }

    /// Appends every held row to `out` in a random order, emptying the buffer.
    pub fn drain(&mut self, out: &mut Vec<f32>) {
        let w = self.n_cols.max(1);
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut self.rng);
        for j in order {
            out.extend_from_slice(&self.held[j * w..(j + 1) * w]);
        }
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(capacity: usize, seed: u64, n: usize) -> Vec<f32> {
        let rows = Matrix::new((0..n).map(|v| v as f32).collect(), 1);
        let mut buffer = ShuffleBuffer::new(capacity, 1, seed);
        let mut out = Vec::new();
        for start in (0..n).step_by(7) {
            let end = (start + 7).min(n);
            buffer.push(&rows.gather(&(start..end).collect::<Vec<_>>()), &mut out);
        }
        buffer.drain(&mut out);
        out
    }

    #[test]
    fn every_row_leaves_once_no_earlier_than_the_capacity_allows() {
        let n = 200;
        for capacity in [0, 1, 10, 500] {
            let out = pass(capacity, 3, n);
            let mut sorted = out.clone();
            sorted.sort_by(f32::total_cmp);
            assert_eq!(sorted, (0..n).map(|v| v as f32).collect::<Vec<_>>());
            for (position, &row) in out.iter().enumerate() {
                assert!(
                    row as usize <= position + capacity,
                    "{capacity}: {row} at {position}"
                );
            }
        }
        assert_eq!(pass(0, 3, n), (0..n).map(|v| v as f32).collect::<Vec<_>>());
        assert_ne!(pass(10, 3, n), pass(0, 3, n), "a buffer reorders");
        assert_eq!(pass(10, 3, n), pass(10, 3, n), "seeded");
        assert_ne!(pass(10, 3, n), pass(10, 4, n));
    }
}
