//! The text classifier as a burn module.

use std::collections::HashMap;

use burn::module::{Module, Param};
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::{log_softmax, sigmoid, softmax};
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;

use super::config::{Pooling, TextClassifierConfig};
use crate::data::Matrix;
use crate::kernel::activate::Activation;
use crate::model::weights::{NamedTensor, StoredTensors};
use crate::train::batches::to_tensor;
use crate::train::burn_engine::{BurnTrainable, TrainingForward, inference_rows};

/// Embedding -> pooling -> dense.
#[derive(Module, Debug)]
pub struct TextClassifierNet {
    /// Token vectors, `[vocab, dim]`; row 0 is padding.
    pub embedding: Embedding,
    /// The output layer, weight `[pooled, outputs]`.
    pub output: Linear,
    /// The pooling.
    #[module(skip)]
    pub pooling: Pooling,
}

impl TextClassifierNet {
    /// A fresh model: embedding uniform in +-`init_scale`, the output layer
    /// Glorot-uniform with zero bias, drawn from `rng`.
    pub fn init(
        config: &TextClassifierConfig,
        vocab: usize,
        length: usize,
        n_outputs: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> TextClassifierNet {
        let d = config.embedding_dim;
        let s = config.init_scale;
        let emb: Vec<f32> = (0..vocab * d).map(|_| rng.random_range(-s..s)).collect();
        let pooled = config.pooled_width(length);
        let limit = (6.0 / (pooled + n_outputs) as f64).sqrt() as f32;
        let w: Vec<f32> = (0..pooled * n_outputs)
            .map(|_| rng.random_range(-limit..limit))
            .collect();
        Self::from_parts(
            config.pooling,
            Tensor::from_data(TensorData::new(emb, [vocab, d]), device),
            Tensor::from_data(TensorData::new(w, [pooled, n_outputs]), device),
            Tensor::zeros([n_outputs], device),
        )
    }

    /// A model from its values: the embedding `[vocab, dim]`, the output
    /// weight `[dim, outputs]` and bias (row-major, as stored).
    pub(crate) fn from_values(
        pooling: Pooling,
        embedding: (Vec<f32>, [usize; 2]),
        weight: (Vec<f32>, [usize; 2]),
        bias: Vec<f32>,
        device: &Device,
    ) -> TextClassifierNet {
        let n = bias.len();
        Self::from_parts(
            pooling,
            Tensor::from_data(TensorData::new(embedding.0, embedding.1), device),
            Tensor::from_data(TensorData::new(weight.0, weight.1), device),
            Tensor::from_data(TensorData::new(bias, [n]), device),
        )
    }

    fn from_parts(
        pooling: Pooling,
        embedding: Tensor<2>,
        weight: Tensor<2>,
        bias: Tensor<1>,
    ) -> TextClassifierNet {
        TextClassifierNet {
            embedding: Embedding {
                weight: Param::from_tensor(embedding),
            },
            output: Linear {
                weight: Param::from_tensor(weight),
                bias: Some(Param::from_tensor(bias)),
            },
            pooling,
        }
    }

    /// Rebuilds the model from stored tensors, checking each shape.
    pub fn from_tensors(
        config: &TextClassifierConfig,
        vocab: usize,
        length: usize,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
        device: &Device,
    ) -> Result<TextClassifierNet, String> {
        let stored = StoredTensors::new(tensors, device);
        let pooled = config.pooled_width(length);
        Ok(Self::from_parts(
            config.pooling,
            stored.take("embedding.weight", [vocab, config.embedding_dim])?,
            stored.take("output.weight", [pooled, n_outputs])?,
            stored.take("output.bias", [n_outputs])?,
        ))
    }

    /// Every tensor with its name.
    pub fn export_tensors(&self) -> Vec<NamedTensor> {
        let mut out = vec![
            NamedTensor::from_tensor("embedding.weight".into(), self.embedding.weight.val()),
            NamedTensor::from_tensor("output.weight".into(), self.output.weight.val()),
        ];
        if let Some(b) = &self.output.bias {
            out.push(NamedTensor::from_tensor("output.bias".into(), b.val()));
        }
        out
    }

    /// The pooled text vectors.
    ///
    /// # Shapes
    /// - ids: `[batch, length]` (ids as floats, 0 = padding), or for TF-IDF
    ///   pooling `[batch, 2 * length]` (distinct ids, then their weights);
    ///   output `[batch, pooled]`
    pub fn pooled(&self, ids: Tensor<2>) -> Tensor<2> {
        let [batch, length] = ids.dims();
        match self.pooling {
            Pooling::Flatten => {
                let emb = self.embedding.forward(ids.int()); // [batch, length, dim]
                let dim = emb.dims()[2];
                emb.reshape([batch, length * dim])
            }
            Pooling::Mean => {
                let emb = self.embedding.forward(ids.clone().int()); // [batch, length, dim]
                let dim = emb.dims()[2];
                let mask = ids.not_equal_elem(0.0).float(); // [batch, length]
                let count = mask.clone().sum_dim(1).clamp_min(1.0); // [batch, 1]
                let summed = (emb * mask.unsqueeze_dim::<3>(2)).sum_dim(1); // [batch, 1, dim]
                summed.reshape([batch, dim]) / count
            }
            Pooling::Tfidf => {
                let terms = length / 2;
                let weights = ids.clone().narrow(1, terms, terms); // [batch, terms]
                let emb = self.embedding.forward(ids.narrow(1, 0, terms).int()); // [batch, terms, dim]
                let dim = emb.dims()[2];
                (emb * weights.unsqueeze_dim::<3>(2))
                    .sum_dim(1)
                    .reshape([batch, dim])
            }
        }
    }

    /// Output logits.
    ///
    /// # Shapes
    /// - ids: `[batch, length]`; output `[batch, outputs]`
    pub fn logits(&self, ids: Tensor<2>) -> Tensor<2> {
        self.output.forward(self.pooled(ids))
    }

    /// Class probabilities of padded id rows (inference device), one
    /// column per class (two for a sigmoid model: 1 - p, p).
    pub fn probabilities(&self, ids: &Matrix, device: &Device) -> Matrix {
        let mut values = Vec::new();
        let mut n_cols = 0;
        self.probability_chunks(ids, device, |chunk, cols| {
            // Reserved once: doubling a rows x classes buffer held twice it.
            values.reserve_exact(ids.n_rows() * cols - values.len());
            values.extend(chunk);
            n_cols = cols;
        });
        Matrix::new(values, n_cols)
    }

    /// The most probable class of each row (the first on a tie), a chunk
    /// at a time: memory linear in rows plus classes, not their product.
    pub fn predicted_classes(&self, ids: &Matrix, device: &Device) -> Vec<usize> {
        let mut predicted = Vec::with_capacity(ids.n_rows());
        self.probability_chunks(ids, device, |chunk, cols| {
            predicted.extend(chunk.chunks(cols).map(|row| {
                let mut best = 0;
                for (i, &v) in row.iter().enumerate() {
                    if v > row[best] {
                        best = i;
                    }
                }
                best
            }));
        });
        predicted
    }

    /// Calls `each` with the probabilities of every few rows (as many as
    /// [`BurnTrainable::inference_rows`]), flat, and their column count.
    fn probability_chunks(
        &self,
        ids: &Matrix,
        device: &Device,
        mut each: impl FnMut(Vec<f32>, usize),
    ) {
        let n = ids.n_rows();
        let mut start = 0;
        while start < n {
            let end = (start + self.inference_rows()).min(n);
            let logits = self.logits(to_tensor(ids.slice_rows(start, end), device));
            let probs = if logits.dims()[1] == 1 {
                let p = sigmoid(logits);
                Tensor::cat(vec![p.clone().neg().add_scalar(1.0), p], 1)
            } else {
                softmax(logits, 1)
            };
            let n_cols = probs.dims()[1];
            each(
                probs
                    .into_data()
                    .try_into_vec::<f32>()
                    .expect("model outputs are f32"),
                n_cols,
            );
            start = end;
        }
    }
}

impl BurnTrainable for TextClassifierNet {
    fn forward_training(&self, inputs: Tensor<2>) -> TrainingForward {
        let logits = self.logits(inputs);
        let activation = if logits.dims()[1] == 1 {
            Activation::Sigmoid
        } else {
            Activation::Linear
        };
        TrainingForward {
            logits,
            activation,
            penalty: None,
        }
    }

    fn inference_rows(&self) -> usize {
        inference_rows(self.output.weight.dims()[1])
    }

    /// Targets are class indices, one column: the class itself for the
    /// sigmoid's binary cross-entropy, spread into one-hot rows here, a
    /// batch at a time, for the softmax.
    fn own_loss(&self, logits: Tensor<2>, targets: &Matrix) -> Option<Tensor<1>> {
        // Two classes: the config's binary cross-entropy on the sigmoid.
        let [batch, classes] = logits.dims();
        if classes == 1 {
            return None;
        }
        let mut one_hot = vec![0.0f32; batch * classes];
        for (row, &class) in one_hot.chunks_exact_mut(classes).zip(&targets.values) {
            row[class as usize] = 1.0;
        }
        let t = to_tensor(Matrix::new(one_hot, classes), &logits.device());
        Some((t * log_softmax(logits, 1)).sum_dim(1).mean().neg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::inference_device;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn mean_pooling_ignores_padding_and_tensors_round_trip() {
        let device = inference_device();
        let config = TextClassifierConfig {
            embedding_dim: 3,
            pooling: Pooling::Mean,
            ..Default::default()
        };
        let net =
            TextClassifierNet::init(&config, 10, 4, 3, &mut StdRng::seed_from_u64(1), &device);
        let a = Matrix::new(vec![2.0, 5.0, 0.0, 0.0], 4);
        let b = Matrix::new(vec![2.0, 5.0, 0.0, 0.0, 0.0, 0.0], 6);
        let pa = net.pooled(to_tensor(a.clone(), &device)).into_data();
        let pb = net.pooled(to_tensor(b, &device)).into_data();
        assert_eq!(pa, pb, "padding does not change the mean");
        let tensors: HashMap<String, NamedTensor> = net
            .export_tensors()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let again = TextClassifierNet::from_tensors(&config, 10, 4, 3, &tensors, &device).unwrap();
        assert_eq!(
            net.probabilities(&a, &device),
            again.probabilities(&a, &device)
        );
        let p = net.probabilities(&a, &device);
        assert!((p.values.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let s = config.summary(10, 4, 3);
        assert_eq!(
            s.trainable(),
            tensors.values().map(|t| t.values.len()).sum::<usize>()
        );
    }

    #[test]
    fn the_loss_takes_class_indices_and_passes_are_bounded_by_width() {
        let device = inference_device();
        let config = TextClassifierConfig {
            embedding_dim: 3,
            pooling: Pooling::Mean,
            ..Default::default()
        };
        let net =
            TextClassifierNet::init(&config, 10, 2, 4, &mut StdRng::seed_from_u64(3), &device);
        let ids = Matrix::new(vec![1.0, 2.0, 3.0, 0.0, 9.0, 4.0], 2);
        let classes = [2usize, 0, 3];
        let targets = Matrix::new(classes.iter().map(|&c| c as f32).collect(), 1);
        let logits = net.logits(to_tensor(ids.clone(), &device));
        let loss: f32 = net.own_loss(logits, &targets).unwrap().into_scalar();
        // The mean over rows of minus the log-probability of each class.
        let p = net.probabilities(&ids, &device);
        let expected = -classes
            .iter()
            .enumerate()
            .map(|(r, &c)| p.row(r)[c].ln())
            .sum::<f32>()
            / 3.0;
        assert!((loss - expected).abs() < 1e-5, "{loss} vs {expected}");
        assert_eq!(net.inference_rows(), 4096, "narrow outputs: full passes");
        assert_eq!(inference_rows(10_000), 419);
        assert_eq!(inference_rows(usize::MAX), 1);
    }

    #[test]
    fn tfidf_pooling_is_the_weighted_sum_of_the_term_vectors() {
        let device = inference_device();
        let config = TextClassifierConfig {
            embedding_dim: 3,
            pooling: Pooling::Tfidf,
            ..Default::default()
        };
        let net =
            TextClassifierNet::init(&config, 10, 3, 2, &mut StdRng::seed_from_u64(2), &device);
        // Terms 2 and 7 with weights 0.6 and 0.8, one empty slot.
        let row = Matrix::new(vec![2.0, 7.0, 0.0, 0.6, 0.8, 0.0], 6);
        let pooled: Vec<f32> = net
            .pooled(to_tensor(row, &device))
            .into_data()
            .try_into_vec()
            .unwrap();
        let table: Vec<f32> = net
            .embedding
            .weight
            .val()
            .into_data()
            .try_into_vec()
            .unwrap();
        for (j, &p) in pooled.iter().enumerate() {
            let expected = 0.6 * table[2 * 3 + j] + 0.8 * table[7 * 3 + j];
            assert!((p - expected).abs() < 1e-6, "{p} vs {expected}");
        }
        assert_eq!(config.pooled_width(3), 3);
    }
}
