//! The one batch pipeline of every training path: clean inputs, the rows
//! the model should produce for them (the inputs themselves, a separate
//! target table, or the clean inputs under corruption), and the rows of
//! each batch.

use std::borrow::Cow;

use burn::tensor::{Device, Tensor, TensorData};

use super::noise::Noise;
use crate::data::Matrix;

/// Input rows and the rows the model should produce for them.
#[derive(Debug, Clone, Copy)]
pub struct Pairs<'a> {
    /// What the model sees.
    pub inputs: &'a Matrix,
    /// What it should produce (the inputs themselves for a plain autoencoder).
    pub targets: &'a Matrix,
}

impl Pairs<'_> {
    /// Whether the targets are the inputs themselves (no copy needed).
    pub fn same_targets(&self) -> bool {
        std::ptr::eq(self.inputs, self.targets)
    }

    /// The batch of `rows`: its inputs and its targets.
    pub fn batch(&self, rows: &[usize]) -> (Matrix, Matrix) {
        let inputs = self.inputs.gather(rows);
        let targets = if self.same_targets() {
            inputs.clone()
        } else {
            self.targets.gather(rows)
        };
        (inputs, targets)
    }
}

/// What training draws its epochs from.
#[derive(Debug, Clone)]
pub struct TrainingData<'a> {
    inputs: &'a Matrix,
    targets: Option<&'a Matrix>,
    noise: Option<Noise>,
    clip: Option<(f32, f32)>,
    seed: u64,
}

impl<'a> TrainingData<'a> {
    /// Training on `inputs` towards `targets` (`None`: the inputs).
    pub fn new(inputs: &'a Matrix, targets: Option<&'a Matrix>) -> TrainingData<'a> {
        TrainingData {
            inputs,
            targets,
            noise: None,
            clip: None,
            seed: 0,
        }
    }

    /// Corrupts the inputs with `noise`, drawn afresh each epoch from
    /// `seed`; Gaussian values are clipped to `clip` when given.
    pub fn with_noise(
        mut self,
        noise: Option<Noise>,
        clip: Option<(f32, f32)>,
        seed: u64,
    ) -> TrainingData<'a> {
        self.noise = noise;
        self.clip = clip;
        self.seed = seed;
        self
    }

    /// The clean rows: inputs and the targets they should produce (the
    /// inputs themselves for an autoencoder), without corruption.
    pub fn clean_pairs(&self) -> Pairs<'a> {
        Pairs {
            inputs: self.inputs,
            targets: self.targets.unwrap_or(self.inputs),
        }
    }

    /// Training rows.
    pub fn n_rows(&self) -> usize {
        self.inputs.n_rows()
    }

    /// The (input, target) rows of epoch `epoch` (1-based).
    pub fn epoch(&self, epoch: usize) -> EpochData<'a> {
        let corrupted = self
            .noise
            .map(|n| n.corrupt(self.inputs, self.seed, epoch as u64, self.clip));
        EpochData {
            inputs: match corrupted {
                Some(m) => Cow::Owned(m),
                None => Cow::Borrowed(self.inputs),
            },
            targets: self.targets.unwrap_or(self.inputs),
        }
    }
}

/// One epoch's inputs (corrupted or not) and targets.
#[derive(Debug)]
pub struct EpochData<'a> {
    inputs: Cow<'a, Matrix>,
    targets: &'a Matrix,
}

impl EpochData<'_> {
    /// The epoch's pairs; their targets are their inputs only for a plain,
    /// uncorrupted autoencoder.
    pub fn pairs(&self) -> Pairs<'_> {
        let inputs: &Matrix = &self.inputs;
        let targets = if std::ptr::eq(self.targets, self.inputs.as_ref()) {
            inputs
        } else {
            self.targets
        };
        Pairs { inputs, targets }
    }
}

/// Builds a `[rows, cols]` tensor from a matrix.
pub fn to_tensor(m: Matrix, device: &Device) -> Tensor<2> {
    let rows = m.n_rows();
    Tensor::from_data(TensorData::new(m.values, [rows, m.n_cols]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_the_inputs_only_without_noise_or_a_target_table() {
        let x = Matrix::new((0..12).map(|v| v as f32 / 12.0).collect(), 3);
        let y = Matrix::new(vec![1.0; 8], 2);
        let plain = TrainingData::new(&x, None);
        assert!(plain.epoch(1).pairs().same_targets());
        let epoch = TrainingData::new(&x, Some(&y)).epoch(1);
        let paired = epoch.pairs();
        assert!(!paired.same_targets());
        assert_eq!(paired.targets, &y);
        let noisy =
            TrainingData::new(&x, None).with_noise(Some(Noise::Gaussian { sigma: 0.1 }), None, 7);
        let (e1, e2) = (noisy.epoch(1), noisy.epoch(2));
        let p = e1.pairs();
        assert!(!p.same_targets());
        assert_eq!(p.targets, &x, "the target is the clean input");
        assert_ne!(p.inputs, &x);
        assert_ne!(p.inputs, e2.pairs().inputs, "fresh noise every epoch");
        let (bx, by) = p.batch(&[2, 0]);
        assert_eq!(bx.row(0), p.inputs.row(2));
        assert_eq!(by.row(1), x.row(0));
    }
}
