//! A fitted variational autoencoder: encode gives the code's mean, decode
//! and sample run the decoder, predict decodes the mean.

use std::collections::HashMap;

use burn::tensor::Tensor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::config::VaeConfig;
use super::module::Vae;
use crate::backend;
use crate::data::{ImageShape, Matrix};
use crate::error::{AekitError, Result};
use crate::model::burn_inference::map_rows;
use crate::model::capability::{
    Decode, Encode, FittedNetwork, Predict, Sample, check_width, offers, target_errors,
};
use crate::model::summary::ModelSummary;
use crate::model::weights::NamedTensor;

/// A trained variational autoencoder.
#[derive(Debug)]
pub struct VaeFitted {
    module: Vae,
    config: VaeConfig,
    n_inputs: usize,
    image: Option<ImageShape>,
    n_outputs: usize,
}

impl VaeFitted {
    /// Wraps an inference-mode module built from `config`.
    pub fn new(
        module: Vae,
        config: VaeConfig,
        n_inputs: usize,
        image: Option<ImageShape>,
        n_outputs: usize,
    ) -> VaeFitted {
        VaeFitted {
            module,
            config,
            n_inputs,
            image,
            n_outputs,
        }
    }

    /// Rebuilds a model from `config` and stored tensors, checking each one.
    pub fn from_tensors(
        config: &VaeConfig,
        n_inputs: usize,
        image: Option<ImageShape>,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<VaeFitted, String> {
        let device = backend::inference_device();
        let module = config.from_tensors(n_inputs, image, n_outputs, tensors, &device)?;
        Ok(VaeFitted::new(
            module,
            config.clone(),
            n_inputs,
            image,
            n_outputs,
        ))
    }
}

/// `n` independent standard normal values from `rng` (Box-Muller).
pub fn standard_normal(rng: &mut impl Rng, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
        let u2: f64 = rng.random();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        out.push((r * theta.cos()) as f32);
        out.push((r * theta.sin()) as f32);
    }
    out.truncate(n);
    out
}

impl Encode for VaeFitted {
    fn code_width(&self) -> usize {
        self.config.bottleneck
    }

    /// The code's mean.
    fn encode(&self, scaled: &Matrix) -> Result<Matrix> {
        check_width("encode", self.n_inputs, scaled.n_cols)?;
        Ok(map_rows(scaled, self.config.bottleneck, |x| {
            self.module.encode_gaussian(x).0
        }))
    }
}

impl Decode for VaeFitted {
    fn decode(&self, codes: &Matrix) -> Result<Matrix> {
        check_width("decode", self.config.bottleneck, codes.n_cols)?;
        Ok(map_rows(codes, self.n_outputs, |z| self.module.decode(z)))
    }
}

impl Sample for VaeFitted {
    fn sample_from(&self, rng: &mut StdRng, n: usize) -> Result<Matrix> {
        if n == 0 {
            return Err(AekitError::param("n", "must be at least 1"));
        }
        let k = self.config.bottleneck;
        let codes = Matrix::new(standard_normal(rng, n * k), k);
        self.decode(&codes)
    }

    fn sample_codes(&self, scaled: &Matrix, seed: u64) -> Result<Matrix> {
        check_width("encode", self.n_inputs, scaled.n_cols)?;
        let k = self.config.bottleneck;
        let gaussian = map_rows(scaled, 2 * k, |x| {
            let (mean, log_var) = self.module.encode_gaussian(x);
            Tensor::cat(vec![mean, log_var], 1)
        });
        // Drawn for all rows at once, so chunking cannot change a row's draw.
        let eps = standard_normal(&mut StdRng::seed_from_u64(seed), scaled.n_rows() * k);
        let codes = gaussian
            .values
            .chunks_exact(2 * k)
            .zip(eps.chunks_exact(k))
            .flat_map(|(row, eps)| {
                let (mean, log_var) = row.split_at(k);
                (0..k).map(move |j| mean[j] + (0.5 * log_var[j]).exp() * eps[j])
            })
            .collect();
        Ok(Matrix::new(codes, k))
    }
}

impl Predict for VaeFitted {
    /// The decoded mean code.
    fn predict(&self, scaled: &Matrix) -> Result<Matrix> {
        check_width("predict", self.n_inputs, scaled.n_cols)?;
        Ok(map_rows(scaled, self.n_outputs, |x| {
            self.module.decode(self.module.encode_gaussian(x).0)
        }))
    }

    fn prediction_errors(&self, inputs: &Matrix, targets: &Matrix) -> Result<Vec<f32>> {
        target_errors(self.n_outputs, inputs, targets, |x| self.predict(x))
    }
}

impl FittedNetwork for VaeFitted {
    fn input_width(&self) -> usize {
        self.n_inputs
    }

    fn output_width(&self) -> usize {
        self.n_outputs
    }

    offers!(encoder: Encode, decoder: Decode, predictor: Predict, sampler: Sample);

    fn tensors(&self) -> Vec<NamedTensor> {
        self.module.export_tensors()
    }

    fn summary(&self) -> ModelSummary {
        self.config
            .summary(self.n_inputs, self.image, self.n_outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_draws_have_the_right_moments() {
        let v = standard_normal(&mut StdRng::seed_from_u64(1), 20_001);
        assert_eq!(v.len(), 20_001);
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
        let var = v
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / v.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
