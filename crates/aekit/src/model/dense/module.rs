//! The dense autoencoder as burn modules: an encoder stack down to the
//! bottleneck and a decoder stack to the output width, each layer Dense ->
//! BatchNorm -> activation -> Dropout as in Keras tutorials.

use std::collections::HashMap;

use burn::module::{Module, Param, RunningState};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;

use super::config::{DenseAutoencoderConfig, LayerPlan};
use crate::model::weights::{NamedTensor, StoredTensors};
use crate::model::{Activation, Init};

/// Dense -> optional BatchNorm -> activation -> optional Dropout.
#[derive(Module, Debug)]
pub struct DenseLayer {
    /// The affine map, weight `[d_in, d_out]`.
    pub linear: Linear,
    /// Batch normalisation of the product, if configured.
    pub norm: Option<BatchNorm>,
    /// Dropout after the activation, if configured.
    pub dropout: Option<Dropout>,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
}

impl DenseLayer {
    /// A layer of `plan` with weights and biases drawn from `rng` as `init` says.
    pub fn init(
        plan: LayerPlan,
        init: Init,
        epsilon: f64,
        burn_momentum: f64,
        rng: &mut impl Rng,
        device: &Device,
    ) -> DenseLayer {
        let (weights, biases) = init.draw(rng, plan.d_in, plan.d_out);
        let linear = Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(weights, [plan.d_in, plan.d_out]),
                device,
            )),
            bias: Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(biases, [plan.d_out]),
                device,
            ))),
        };
        let norm = plan.batch_norm.then(|| {
            BatchNormConfig::new(plan.d_out)
                .with_epsilon(epsilon)
                .with_momentum(burn_momentum)
                .init(device)
        });
        let dropout = (plan.dropout > 0.0).then(|| DropoutConfig::new(plan.dropout).init());
        DenseLayer {
            linear,
            norm,
            dropout,
            activation: plan.activation,
        }
    }

    /// The layer's output before its activation.
    ///
    /// # Shapes
    /// - input: `[batch, d_in]`, output: `[batch, d_out]`
    pub fn forward_pre_activation(&self, x: Tensor<2>) -> Tensor<2> {
        let x = self.linear.forward(x);
        match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        }
    }

    /// The layer's output.
    ///
    /// # Shapes
    /// - input: `[batch, d_in]`, output: `[batch, d_out]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = self.activation.forward(self.forward_pre_activation(x));
        match &self.dropout {
            Some(dropout) => dropout.forward(x),
            None => x,
        }
    }
}

/// A sequence of dense layers.
#[derive(Module, Debug)]
pub struct DenseStack {
    /// The layers, applied in order.
    pub layers: Vec<DenseLayer>,
}

impl DenseStack {
    /// Applies every layer.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.layers.iter().fold(x, |x, layer| layer.forward(x))
    }

    /// Applies every layer but stops the last one before its activation,
    /// returning that activation too (for losses computed from logits).
    pub fn forward_logits(&self, x: Tensor<2>) -> (Tensor<2>, Activation) {
        let (last, rest) = self
            .layers
            .split_last()
            .expect("a stack has at least one layer");
        let x = rest.iter().fold(x, |x, layer| layer.forward(x));
        (last.forward_pre_activation(x), last.activation)
    }
}

/// Encoder and decoder.
#[derive(Module, Debug)]
pub struct DenseAutoencoder {
    /// Input -> code.
    pub encoder: DenseStack,
    /// Code -> reconstruction.
    pub decoder: DenseStack,
}

impl DenseAutoencoder {
    /// The model's output: the reconstruction (or the predicted target).
    ///
    /// # Shapes
    /// - input: `[batch, n_inputs]`, output: `[batch, n_outputs]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.decoder.forward(self.encoder.forward(x))
    }

    /// The reconstruction before the output activation, and that activation.
    pub fn forward_logits(&self, x: Tensor<2>) -> (Tensor<2>, Activation) {
        self.decoder.forward_logits(self.encoder.forward(x))
    }

    /// Every stored tensor with its name, in a fixed order.
    pub fn export_tensors(&self) -> Vec<NamedTensor> {
        let mut out = Vec::new();
        self.encoder.export("encoder", &mut out);
        self.decoder.export("decoder", &mut out);
        out
    }

    /// Rebuilds a model from `config` and stored tensors, checking that every
    /// tensor is present with the shape the architecture needs.
    pub fn from_tensors(
        config: &DenseAutoencoderConfig,
        n_inputs: usize,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
        device: &Device,
    ) -> std::result::Result<DenseAutoencoder, String> {
        let stored = StoredTensors::new(tensors, device);
        let build = |prefix: &str, plan: Vec<LayerPlan>| {
            DenseStack::from_tensors(
                prefix,
                plan,
                config.batch_norm_epsilon,
                config.batch_norm_momentum,
                &stored,
            )
        };
        Ok(DenseAutoencoder {
            encoder: build("encoder", config.encoder_plan(n_inputs))?,
            decoder: build("decoder", config.decoder_plan(n_outputs))?,
        })
    }
}

impl DenseStack {
    /// Appends the stack's tensors, named `{prefix}.{i}.weight` and so on.
    pub fn export(&self, prefix: &str, out: &mut Vec<NamedTensor>) {
        for (i, layer) in self.layers.iter().enumerate() {
            let name = |p: &str| format!("{prefix}.{i}.{p}");
            out.push(NamedTensor::from_tensor(
                name("weight"),
                layer.linear.weight.val(),
            ));
            if let Some(bias) = &layer.linear.bias {
                out.push(NamedTensor::from_tensor(name("bias"), bias.val()));
            }
            if let Some(norm) = &layer.norm {
                out.push(NamedTensor::from_tensor(name("bn.gamma"), norm.gamma.val()));
                out.push(NamedTensor::from_tensor(name("bn.beta"), norm.beta.val()));
                out.push(NamedTensor::from_tensor(
                    name("bn.running_mean"),
                    norm.running_mean.value(),
                ));
                out.push(NamedTensor::from_tensor(
                    name("bn.running_var"),
                    norm.running_var.value(),
                ));
            }
        }
    }

    /// Rebuilds the layers of `plan` from tensors stored under `prefix`
    /// (batch norm with `epsilon` and Keras-convention `momentum`).
    pub fn from_tensors(
        prefix: &str,
        plan: Vec<LayerPlan>,
        epsilon: f64,
        momentum: f64,
        stored: &StoredTensors<'_>,
    ) -> std::result::Result<DenseStack, String> {
        let device = stored.device();
        let mut layers = Vec::new();
        for (i, p) in plan.into_iter().enumerate() {
            let name = |s: &str| format!("{prefix}.{i}.{s}");
            let vec1 = |s: &str| stored.take(&name(s), [p.d_out]);
            let linear = Linear {
                weight: Param::from_tensor(stored.take(&name("weight"), [p.d_in, p.d_out])?),
                bias: Some(Param::from_tensor(vec1("bias")?)),
            };
            let norm = if p.batch_norm {
                let mut bn = BatchNormConfig::new(p.d_out)
                    .with_epsilon(epsilon)
                    .with_momentum(1.0 - momentum)
                    .init(device);
                bn.gamma = Param::from_tensor(vec1("bn.gamma")?);
                bn.beta = Param::from_tensor(vec1("bn.beta")?);
                bn.running_mean = RunningState::new(vec1("bn.running_mean")?);
                bn.running_var = RunningState::new(vec1("bn.running_var")?);
                Some(bn)
            } else {
                None
            };
            let dropout = (p.dropout > 0.0).then(|| DropoutConfig::new(p.dropout).init());
            layers.push(DenseLayer {
                linear,
                norm,
                dropout,
                activation: p.activation,
            });
        }
        Ok(DenseStack { layers })
    }
}
