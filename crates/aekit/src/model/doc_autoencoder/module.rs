//! The document autoencoder as a burn module.

use std::collections::HashMap;

use burn::module::{Module, Param};
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;

use super::config::DocAutoencoderConfig;
use crate::data::Matrix;
use crate::kernel::activate::Activation;
use crate::model::weights::{NamedTensor, StoredTensors};
use crate::train::batches::to_tensor;
use crate::train::burn_engine::{BurnTrainable, INFERENCE_CHUNK, TrainingForward};

/// Sparse encoder -> code -> dense decoder over the vocabulary.
#[derive(Module, Debug)]
pub struct DocAutoencoderNet {
    /// The encoder's weight, one row per term, `[vocab, bottleneck]`.
    pub encoder: Embedding,
    /// The encoder's bias, `[bottleneck]`.
    pub encoder_bias: Param<Tensor<1>>,
    /// The decoder, weight `[bottleneck, vocab]`.
    pub decoder: Linear,
    /// Activation of the code.
    #[module(skip)]
    pub activation: Activation,
    /// Terms per input row.
    #[module(skip)]
    pub max_terms: usize,
}

fn glorot(rng: &mut impl Rng, d_in: usize, d_out: usize) -> Vec<f32> {
    let limit = (6.0 / (d_in + d_out) as f64).sqrt() as f32;
    (0..d_in * d_out)
        .map(|_| rng.random_range(-limit..limit))
        .collect()
}

impl DocAutoencoderNet {
    /// A fresh model, Glorot-uniform weights and zero biases from `rng`.
    pub fn init(
        config: &DocAutoencoderConfig,
        vocab: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> DocAutoencoderNet {
        let k = config.bottleneck;
        let enc = glorot(rng, vocab, k);
        let dec = glorot(rng, k, vocab);
        Self::from_parts(
            config,
            Tensor::from_data(TensorData::new(enc, [vocab, k]), device),
            Tensor::zeros([k], device),
            Tensor::from_data(TensorData::new(dec, [k, vocab]), device),
            Tensor::zeros([vocab], device),
        )
    }

    fn from_parts(
        config: &DocAutoencoderConfig,
        encoder: Tensor<2>,
        encoder_bias: Tensor<1>,
        decoder: Tensor<2>,
        decoder_bias: Tensor<1>,
    ) -> DocAutoencoderNet {
        DocAutoencoderNet {
            encoder: Embedding {
                weight: Param::from_tensor(encoder),
            },
            encoder_bias: Param::from_tensor(encoder_bias),
            decoder: Linear {
                weight: Param::from_tensor(decoder),
                bias: Some(Param::from_tensor(decoder_bias)),
            },
            activation: config.activation,
            max_terms: config.max_terms,
        }
    }

    /// Rebuilds the model from stored tensors, checking each shape.
    pub fn from_tensors(
        config: &DocAutoencoderConfig,
        vocab: usize,
        tensors: &HashMap<String, NamedTensor>,
        device: &Device,
    ) -> Result<DocAutoencoderNet, String> {
        let s = StoredTensors::new(tensors, device);
        let k = config.bottleneck;
        Ok(Self::from_parts(
            config,
            s.take("encoder.weight", [vocab, k])?,
            s.take("encoder.bias", [k])?,
            s.take("decoder.weight", [k, vocab])?,
            s.take("decoder.bias", [vocab])?,
        ))
    }

    /// Every tensor with its name.
    pub fn export_tensors(&self) -> Vec<NamedTensor> {
        let mut out = vec![
            NamedTensor::from_tensor("encoder.weight".into(), self.encoder.weight.val()),
            NamedTensor::from_tensor("encoder.bias".into(), self.encoder_bias.val()),
            NamedTensor::from_tensor("decoder.weight".into(), self.decoder.weight.val()),
        ];
        if let Some(b) = &self.decoder.bias {
            out.push(NamedTensor::from_tensor("decoder.bias".into(), b.val()));
        }
        out
    }

    /// Vocabulary size.
    pub fn vocab(&self) -> usize {
        self.encoder.weight.dims()[0]
    }

    /// Document codes.
    ///
    /// # Shapes
    /// - rows: `[batch, 2 * max_terms]` (ids, then weights); output `[batch, bottleneck]`
    pub fn code(&self, rows: Tensor<2>) -> Tensor<2> {
        let [batch, _] = rows.dims();
        let w = self.max_terms;
        let ids = rows.clone().narrow(1, 0, w).int();
        let weights = rows.narrow(1, w, w); // [batch, w]
        let emb = self.encoder.forward(ids); // [batch, w, k]
        let k = emb.dims()[2];
        let bag = (emb * weights.unsqueeze_dim::<3>(2))
            .sum_dim(1)
            .reshape([batch, k]);
        self.activation
            .forward(bag + self.encoder_bias.val().unsqueeze_dim(0))
    }

    /// Codes of sparse rows (inference device).
    pub fn encode(&self, rows: &Matrix, device: &Device) -> Matrix {
        let n = rows.n_rows();
        let mut values = Vec::new();
        let mut start = 0;
        while start < n {
            let end = (start + INFERENCE_CHUNK).min(n);
            let z = self.code(to_tensor(rows.slice_rows(start, end), device));
            values.extend(
                z.into_data()
                    .try_into_vec::<f32>()
                    .expect("model outputs are f32"),
            );
            start = end;
        }
        Matrix::new(values, self.encoder.weight.dims()[1])
    }
}

/// Each sparse row's term distribution over `vocab` ids (weights / their sum).
pub fn term_distribution(rows: &Matrix, max_terms: usize, vocab: usize) -> Matrix {
    let mut values = vec![0.0f32; rows.n_rows() * vocab];
    for (i, out) in values.chunks_mut(vocab).enumerate() {
        let row = rows.row(i);
        let (ids, weights) = row.split_at(max_terms);
        let total: f32 = weights.iter().sum();
        if total > 0.0 {
            for (&id, &w) in ids.iter().zip(weights) {
                let id = id as usize;
                if w > 0.0 && id < vocab {
                    out[id] += w / total;
                }
            }
        }
    }
    Matrix::new(values, vocab)
}

impl BurnTrainable for DocAutoencoderNet {
    fn forward_training(&self, inputs: Tensor<2>) -> TrainingForward {
        TrainingForward {
            logits: self.decoder.forward(self.code(inputs)),
            activation: Activation::Linear,
            penalty: None,
        }
    }

    fn batch_targets(&self, inputs: &Matrix, _targets: Matrix) -> Matrix {
        term_distribution(inputs, self.max_terms, self.vocab())
    }

    fn own_loss(&self, logits: Tensor<2>, targets: &Matrix) -> Option<Tensor<1>> {
        let t = to_tensor(targets.clone(), &logits.device());
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
    fn the_bag_is_the_dense_product_and_tensors_round_trip() {
        let device = inference_device();
        let config = DocAutoencoderConfig {
            bottleneck: 3,
            activation: Activation::Linear,
            max_terms: 2,
        };
        let net = DocAutoencoderNet::init(&config, 6, &mut StdRng::seed_from_u64(3), &device);
        // Terms 2 (0.6) and 4 (0.8).
        let rows = Matrix::new(vec![2.0, 4.0, 0.6, 0.8], 4);
        let z = net.encode(&rows, &device);
        let e = net
            .encoder
            .weight
            .val()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        for j in 0..3 {
            let dense = 0.6 * e[2 * 3 + j] + 0.8 * e[4 * 3 + j];
            assert!((z.values[j] - dense).abs() < 1e-6);
        }
        let t = term_distribution(&rows, 2, 6);
        assert!((t.values[2] - 0.6 / 1.4).abs() < 1e-6 && t.values[0] == 0.0);
        let tensors: HashMap<String, NamedTensor> = net
            .export_tensors()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let again = DocAutoencoderNet::from_tensors(&config, 6, &tensors, &device).unwrap();
        assert_eq!(again.encode(&rows, &device), z);
        assert_eq!(
            config.summary(6).trainable(),
            tensors.values().map(|t| t.values.len()).sum::<usize>()
        );
    }
}
