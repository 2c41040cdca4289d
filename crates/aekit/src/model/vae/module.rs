//! The variational autoencoder as burn modules: an encoder body (dense
//! layers or convolutions) to two heads, the mean and log-variance of the
//! code; a code drawn from them by the reparameterisation trick in
//! training; and a decoder (dense or transposed convolutions).

use std::collections::HashMap;

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Distribution, Tensor};
use rand::Rng;
use rand::rngs::StdRng;

use super::config::VaeConfig;
use crate::data::ImageShape;
use crate::model::Activation;
use crate::model::conv::module::{ConvBody, ConvDecoder, Weights};
use crate::model::dense::{DenseLayer, DenseStack};
use crate::model::weights::{NamedTensor, StoredTensors};

/// Log-variances are clamped to this range before they are exponentiated.
const LOG_VAR_LIMIT: f32 = 20.0;

/// Encoder body, Gaussian code heads, decoder.
#[derive(Module, Debug)]
pub struct Vae {
    /// Dense hidden layers of the encoder (dense VAE).
    pub dense_body: Option<DenseStack>,
    /// Convolutions of the encoder (conv VAE).
    pub conv_body: Option<ConvBody>,
    /// Body output -> code mean.
    pub mean: Linear,
    /// Body output -> code log-variance.
    pub log_var: Linear,
    /// Dense decoder (dense VAE).
    pub dense_decoder: Option<DenseStack>,
    /// Transposed-convolution decoder (conv VAE).
    pub conv_decoder: Option<ConvDecoder>,
    /// Weight of the KL term divided by the output width.
    #[module(skip)]
    pub kl_weight: f64,
}

/// Mean over rows of the KL divergence of N(mean, exp(log_var)) from
/// N(0, I): `-1/2 * sum_k (1 + log_var - mean^2 - exp(log_var))`.
///
/// # Shapes
/// - mean, log_var: `[batch, k]`; output: `[1]`
pub fn kl_divergence(mean: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let per_value = log_var.clone().exp() + mean.powi_scalar(2) - log_var - 1.0;
    per_value.sum_dim(1).mean() * 0.5
}

impl Vae {
    fn body(&self, rows: Tensor<2>) -> Tensor<2> {
        match (&self.dense_body, &self.conv_body) {
            (_, Some(conv)) => conv.forward(rows),
            (Some(dense), None) => dense.forward(rows),
            (None, None) => rows,
        }
    }

    /// The code's mean and (clamped) log-variance.
    ///
    /// # Shapes
    /// - input: `[batch, n_inputs]`, outputs: `[batch, k]` each
    pub fn encode_gaussian(&self, rows: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let h = self.body(rows);
        let log_var = self
            .log_var
            .forward(h.clone())
            .clamp(-LOG_VAR_LIMIT, LOG_VAR_LIMIT);
        (self.mean.forward(h), log_var)
    }

    /// The decoder's output before its last activation, and that activation.
    pub fn decode_logits(&self, codes: Tensor<2>) -> (Tensor<2>, Activation) {
        match (&self.dense_decoder, &self.conv_decoder) {
            (_, Some(conv)) => conv.forward_logits(codes),
            (Some(dense), None) => dense.forward_logits(codes),
            (None, None) => unreachable!("a VAE is built with a decoder"),
        }
    }

    /// The decoder's output for codes.
    ///
    /// # Shapes
    /// - input: `[batch, k]`, output: `[batch, n_outputs]`
    pub fn decode(&self, codes: Tensor<2>) -> Tensor<2> {
        let (logits, activation) = self.decode_logits(codes);
        activation.forward(logits)
    }

    /// Every stored tensor with its name, in a fixed order.
    pub fn export_tensors(&self) -> Vec<NamedTensor> {
        let mut out = Vec::new();
        if let Some(body) = &self.dense_body {
            body.export("encoder", &mut out);
        }
        if let Some(body) = &self.conv_body {
            body.export("encoder", &mut out);
        }
        for (name, head) in [("mean", &self.mean), ("log_var", &self.log_var)] {
            out.push(NamedTensor::from_tensor(
                format!("encoder.{name}.weight"),
                head.weight.val(),
            ));
            if let Some(bias) = &head.bias {
                out.push(NamedTensor::from_tensor(
                    format!("encoder.{name}.bias"),
                    bias.val(),
                ));
            }
        }
        if let Some(decoder) = &self.dense_decoder {
            decoder.export("decoder", &mut out);
        }
        if let Some(decoder) = &self.conv_decoder {
            decoder.export("decoder", &mut out);
        }
        out
    }
}

impl VaeConfig {
    fn build<R: Rng>(
        &self,
        n_inputs: usize,
        image: Option<ImageShape>,
        n_outputs: usize,
        mut weights: Weights<'_, '_, R>,
        device: &Device,
    ) -> Result<Vae, String> {
        let dense = self.dense();
        let burn_momentum = 1.0 - self.batch_norm_momentum;
        let stack = |weights: &mut Weights<'_, '_, R>, prefix: &str, plan| match weights {
            Weights::Fresh(rng) => Ok(DenseStack {
                layers: Vec::from_iter(plan)
                    .into_iter()
                    .map(|p| {
                        DenseLayer::init(
                            p,
                            dense.init,
                            self.batch_norm_epsilon,
                            burn_momentum,
                            &mut **rng,
                            device,
                        )
                    })
                    .collect(),
            }),
            Weights::Stored(stored) => DenseStack::from_tensors(
                prefix,
                plan,
                self.batch_norm_epsilon,
                self.batch_norm_momentum,
                stored,
            ),
        };
        let (dense_body, conv_body, flat) = match (self.conv(), image) {
            (Some(conv), Some(image)) => {
                let body = conv.build_body("encoder", image, &mut weights, device)?;
                (None, Some(body), conv.flat_width(image))
            }
            (Some(_), None) => return Err("a conv VAE needs an image shape".into()),
            (None, _) => {
                let plan = self.body_plan(n_inputs);
                let flat = plan.last().map_or(n_inputs, |p| p.d_out);
                (Some(stack(&mut weights, "encoder", plan)?), None, flat)
            }
        };
        let k = self.bottleneck;
        let mean = weights.linear("encoder.mean", flat, k, device)?;
        let log_var = weights.linear("encoder.log_var", flat, k, device)?;
        let (dense_decoder, conv_decoder) = match (self.conv(), image) {
            (Some(conv), Some(image)) => {
                let out_channels = n_outputs / image.pixels();
                let decoder =
                    conv.build_decoder("decoder", image, out_channels, &mut weights, device)?;
                (None, Some(decoder))
            }
            _ => (
                Some(stack(
                    &mut weights,
                    "decoder",
                    dense.decoder_plan(n_outputs),
                )?),
                None,
            ),
        };
        Ok(Vae {
            dense_body,
            conv_body,
            mean,
            log_var,
            dense_decoder,
            conv_decoder,
            kl_weight: self.beta / n_outputs as f64,
        })
    }

    /// Builds the model with Glorot-uniform weights and zero biases drawn
    /// from `rng`, on `device`.
    pub fn init(
        &self,
        n_inputs: usize,
        image: Option<ImageShape>,
        n_outputs: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> Vae {
        self.build(n_inputs, image, n_outputs, Weights::Fresh(rng), device)
            .expect("fresh weights always fit their architecture")
    }

    /// Rebuilds the model from stored tensors, checking each one.
    pub fn from_tensors(
        &self,
        n_inputs: usize,
        image: Option<ImageShape>,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
        device: &Device,
    ) -> Result<Vae, String> {
        let stored = StoredTensors::new(tensors, device);
        self.build::<StdRng>(n_inputs, image, n_outputs, Weights::Stored(&stored), device)
    }
}

impl Vae {
    /// A training forward pass: a code drawn from N(mean, exp(log_var)) on
    /// an autodiff device (the mean itself otherwise, as in validation),
    /// the decoder's logits, and the weighted KL term.
    pub fn forward_sampled(&self, rows: Tensor<2>) -> (Tensor<2>, Activation, Tensor<1>) {
        let device = rows.device();
        let (mean, log_var) = self.encode_gaussian(rows);
        let kl = kl_divergence(mean.clone(), log_var.clone()) * self.kl_weight;
        let z = if device.is_autodiff() {
            let eps = Tensor::<2>::random(mean.dims(), Distribution::Normal(0.0, 1.0), &device);
            mean + (log_var * 0.5).exp() * eps
        } else {
            mean
        };
        let (logits, activation) = self.decode_logits(z);
        (logits, activation, kl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::inference_device;
    use burn::tensor::TensorData;
    use rand::SeedableRng;

    #[test]
    fn kl_matches_a_hand_computation() {
        let device = inference_device();
        let mean = Tensor::<2>::from_data(
            TensorData::new(vec![0.0f32, 1.0, -2.0, 0.5], [2, 2]),
            &device,
        );
        let log_var = Tensor::<2>::from_data(
            TensorData::new(vec![0.0f32, 0.0, 1.0, -1.0], [2, 2]),
            &device,
        );
        // Row 1: 0 + 1/2 * 1 = 0.5. Row 2: 1/2 * [(e - 1 - 1 + 4) + (e^-1 + 1 - 1 + 0.25)].
        let e = std::f64::consts::E;
        let row2 = 0.5 * ((e - 1.0 - 1.0 + 4.0) + (1.0 / e + 1.0 - 1.0 + 0.25));
        let expected = (0.5 + row2) / 2.0;
        let got = f64::from(kl_divergence(mean.clone(), log_var).into_scalar::<f32>());
        assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
        let zero = kl_divergence(mean.clone().zeros_like(), mean.zeros_like());
        assert_eq!(zero.into_scalar::<f32>(), 0.0);
    }

    #[test]
    fn dense_and_conv_vaes_round_trip_their_tensors() {
        let device = inference_device();
        for (config, image) in [
            (
                VaeConfig {
                    hidden: vec![12, 6],
                    bottleneck: 3,
                    batch_norm: true,
                    ..Default::default()
                },
                None,
            ),
            (
                VaeConfig {
                    channels: Some(vec![4, 8]),
                    bottleneck: 3,
                    ..Default::default()
                },
                Some(ImageShape::grey(7, 7)),
            ),
        ] {
            let n = image.map_or(20, |i| i.values());
            let model = config.init(n, image, n, &mut StdRng::seed_from_u64(2), &device);
            let x = Tensor::<2>::ones([4, n], &device);
            let (logits, _, kl) = model.forward_sampled(x.clone());
            assert_eq!(logits.dims(), [4, n]);
            assert!(kl.into_scalar::<f32>().is_finite());
            let tensors: HashMap<String, NamedTensor> = model
                .export_tensors()
                .into_iter()
                .map(|t| (t.name.clone(), t))
                .collect();
            let again = config.from_tensors(n, image, n, &tensors, &device).unwrap();
            let (a, b) = (
                model.encode_gaussian(x.clone()).0.into_data(),
                again.encode_gaussian(x).0.into_data(),
            );
            assert_eq!(a, b);
            let params: usize = tensors.values().map(|t| t.values.len()).sum();
            let s = config.summary(n, image, n);
            assert_eq!(s.trainable() + s.non_trainable(), params);
        }
    }
}
