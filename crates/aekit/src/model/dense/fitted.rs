//! A fitted dense model: its burn module (what the file stores) and the
//! same weights in the kernels' inference form (what every forward pass
//! runs on the CPU; on a GPU the module runs, burn's generic path).

use std::collections::HashMap;

use burn::tensor::Tensor;

use super::config::DenseAutoencoderConfig;
use super::kernel_bridge::inference_net;
use super::module::DenseAutoencoder;
use crate::backend;
use crate::data::Matrix;
use crate::error::Result;
use crate::kernel::DenseNet;
use crate::model::burn_inference::map_rows;
use crate::model::capability::{
    Decode, Encode, FittedNetwork, Predict, Score, check_width, offers, row_errors, squared_errors,
};
use crate::model::summary::ModelSummary;
use crate::model::weights::NamedTensor;

/// A trained dense model.
#[derive(Debug)]
pub struct DenseFitted {
    module: DenseAutoencoder,
    net: DenseNet,
    config: DenseAutoencoderConfig,
    /// The module lives on a GPU: passes run there, not on the kernels.
    on_gpu: bool,
}

impl DenseFitted {
    /// Wraps an inference-mode module built from `config`.
    pub fn new(module: DenseAutoencoder, config: DenseAutoencoderConfig) -> DenseFitted {
        let net = inference_net(&module);
        let device = module.encoder.layers[0].linear.weight.val().device();
        DenseFitted {
            on_gpu: !backend::is_cpu(&device),
            module,
            net,
            config,
        }
    }

    /// `forward` over the rows of `m` on the module's GPU (burn's path).
    fn on_module(
        &self,
        m: &Matrix,
        n_out: usize,
        forward: impl Fn(&DenseAutoencoder, Tensor<2>) -> Tensor<2>,
    ) -> Matrix {
        map_rows(m, n_out, |x| forward(&self.module, x))
    }

    /// Per-row mean squared error of the outputs for `inputs` against
    /// `targets`: the kernels' on the CPU, burn's outputs on a GPU.
    fn errors(&self, inputs: &[f32], targets: &[f32]) -> Vec<f32> {
        if !self.on_gpu {
            return self.net.row_errors(inputs, targets);
        }
        let inputs = Matrix::new(inputs.to_vec(), self.input_width());
        let outputs = self.on_module(&inputs, self.output_width(), |m, x| m.forward(x));
        row_errors(
            &outputs,
            &Matrix::new(targets.to_vec(), self.output_width()),
        )
    }

    /// Rebuilds a model from `config` and stored tensors, checking each one.
    pub fn from_tensors(
        config: &DenseAutoencoderConfig,
        n_inputs: usize,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<DenseFitted, String> {
        let module = DenseAutoencoder::from_tensors(
            config,
            n_inputs,
            n_outputs,
            tensors,
            &backend::inference_device(),
        )?;
        Ok(DenseFitted::new(module, config.clone()))
    }

    /// Per-row mean squared error of the outputs for `inputs` against
    /// `targets`, for matrices already known to fit the model.
    pub fn net_errors(&self, inputs: &Matrix, targets: &Matrix) -> Vec<f64> {
        self.errors(&inputs.values, &targets.values)
            .into_iter()
            .map(f64::from)
            .collect()
    }

    /// The burn module.
    pub fn module(&self) -> &DenseAutoencoder {
        &self.module
    }
}

impl Encode for DenseFitted {
    fn code_width(&self) -> usize {
        self.config.bottleneck
    }

    fn encode(&self, scaled: &Matrix) -> Result<Matrix> {
        let layers = self.net.encoder();
        check_width(
            "encode",
            self.net.input_width(layers.clone()),
            scaled.n_cols,
        )?;
        if self.on_gpu {
            let width = self.config.bottleneck;
            return Ok(self.on_module(scaled, width, |m, x| m.encoder.forward(x)));
        }
        Ok(Matrix::new(
            self.net.map_rows(layers, &scaled.values),
            self.config.bottleneck,
        ))
    }
}

impl Decode for DenseFitted {
    fn decode(&self, codes: &Matrix) -> Result<Matrix> {
        let layers = self.net.decoder();
        check_width("decode", self.config.bottleneck, codes.n_cols)?;
        let width = self.net.output_width(layers.clone());
        if self.on_gpu {
            return Ok(self.on_module(codes, width, |m, x| m.decoder.forward(x)));
        }
        Ok(Matrix::new(self.net.map_rows(layers, &codes.values), width))
    }
}

impl Predict for DenseFitted {
    fn predict(&self, scaled: &Matrix) -> Result<Matrix> {
        check_width("predict", self.input_width(), scaled.n_cols)?;
        let width = self.output_width();
        if self.on_gpu {
            return Ok(self.on_module(scaled, width, |m, x| m.forward(x)));
        }
        Ok(Matrix::new(
            self.net.map_rows(self.net.all(), &scaled.values),
            width,
        ))
    }

    fn prediction_errors(&self, inputs: &Matrix, targets: &Matrix) -> Result<Vec<f32>> {
        check_width("score", self.input_width(), inputs.n_cols)?;
        check_width("score against targets", self.output_width(), targets.n_cols)?;
        if inputs.n_rows() != targets.n_rows() {
            return Err(crate::error::AekitError::Width {
                operation: "score: rows of inputs and targets",
                expected: inputs.n_rows(),
                got: targets.n_rows(),
            });
        }
        Ok(self.errors(&inputs.values, &targets.values))
    }

    fn reconstruction_errors_of(&self, rows: &[f32], n_cols: usize) -> Result<Vec<f32>> {
        check_width("score", self.input_width(), n_cols)?;
        check_width("score against targets", self.output_width(), n_cols)?;
        Ok(self.errors(rows, rows))
    }
}

impl Score for DenseFitted {
    fn scores(&self, scaled: &Matrix) -> Result<Vec<f64>> {
        Ok(self
            .prediction_errors(scaled, scaled)?
            .into_iter()
            .map(f64::from)
            .collect())
    }

    fn feature_errors(&self, scaled: &Matrix) -> Result<Matrix> {
        Ok(squared_errors(scaled, &self.predict(scaled)?))
    }
}

impl FittedNetwork for DenseFitted {
    fn input_width(&self) -> usize {
        self.net.input_width(self.net.all())
    }

    fn output_width(&self) -> usize {
        self.net.output_width(self.net.all())
    }

    offers!(encoder: Encode, decoder: Decode, predictor: Predict, scorer: Score);

    fn tensors(&self) -> Vec<NamedTensor> {
        self.module.export_tensors()
    }

    fn summary(&self) -> ModelSummary {
        self.config.summary(self.input_width(), self.output_width())
    }
}
