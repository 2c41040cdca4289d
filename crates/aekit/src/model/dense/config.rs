//! The dense kind's architecture: hidden widths, bottleneck, activations,
//! batch norm and dropout, and the layer plans they expand to.

use burn::tensor::Device;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::module::{DenseAutoencoder, DenseLayer, DenseStack};
use crate::error::{AekitError, Result};
use crate::model::Activation;
use crate::model::summary::{ModelSummary, SummaryRow};

/// The widest layer a dense model may have.
pub const MAX_WIDTH: usize = 1 << 20;

/// The most weights a dense model may have: 2^28, 1 GiB of f32 (about
/// 4 GiB to train with Adam's moments and the gradients).
pub const MAX_PARAMETERS: usize = 1 << 28;

/// Architecture of a dense autoencoder; the input width comes from the data.
/// Each field has a default; give the ones that differ.
///
/// ```
/// use aekit::{Autoencoder, TrainingSetters};
/// use aekit::model::{Activation, DenseAutoencoderConfig};
///
/// // The seed tutorial's 100-200-100-50-100-200-100 with batch norm.
/// let tutorial = DenseAutoencoderConfig {
///     hidden: vec![200, 100],
///     bottleneck: 50,
///     batch_norm: true,
///     activation: Activation::LeakyRelu { slope: 0.3 },
///     ..Default::default()
/// };
/// assert_eq!(tutorial.summary(100, 100).trainable(), 91_950);
/// let params = Autoencoder::params().model(tutorial).epochs(200).batch_size(16);
/// assert!(params.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DenseAutoencoderConfig {
    /// Encoder hidden widths, input side first. Empty: input -> bottleneck.
    pub hidden: Vec<usize>,
    /// Width of the bottleneck (the code). Default 2.
    pub bottleneck: usize,
    /// Decoder hidden widths, bottleneck side first; `None` mirrors `hidden`.
    pub decoder_hidden: Option<Vec<usize>>,
    /// Activation after each hidden layer. Default relu.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub activation: Activation,
    /// Activation of the bottleneck layer. Default linear.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub bottleneck_activation: Activation,
    /// Activation of the output layer. Default linear.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub output_activation: Activation,
    /// Batch normalisation after each hidden Dense layer. Default off.
    pub batch_norm: bool,
    /// Batch-norm epsilon (Keras default 1e-3).
    pub batch_norm_epsilon: f64,
    /// Batch-norm moving-average momentum, Keras convention (0.99: the
    /// running statistics keep 99 % of their value each step).
    pub batch_norm_momentum: f64,
    /// Dropout probability after each hidden layer's activation. Default 0.
    pub dropout: f64,
}

impl Default for DenseAutoencoderConfig {
    fn default() -> Self {
        DenseAutoencoderConfig {
            hidden: Vec::new(),
            bottleneck: 2,
            decoder_hidden: None,
            activation: Activation::Relu,
            bottleneck_activation: Activation::Linear,
            output_activation: Activation::Linear,
            batch_norm: false,
            batch_norm_epsilon: 1e-3,
            batch_norm_momentum: 0.99,
            dropout: 0.0,
        }
    }
}

/// One layer's plan: widths and what follows the Dense product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerPlan {
    /// Input width.
    pub d_in: usize,
    /// Output width.
    pub d_out: usize,
    /// Batch normalisation after the product.
    pub batch_norm: bool,
    /// Activation after normalisation.
    pub activation: Activation,
    /// Dropout probability after the activation (0: none).
    pub dropout: f64,
}

impl DenseAutoencoderConfig {
    /// Checks every hyper-parameter once, before any work.
    pub fn validate(&self) -> Result<()> {
        if self.bottleneck == 0 {
            return Err(AekitError::param("bottleneck", "must be at least 1"));
        }
        for (name, widths) in [
            ("hidden", self.hidden.clone()),
            ("decoder_hidden", self.decoder_widths()),
            ("bottleneck", vec![self.bottleneck]),
        ] {
            if let Some(w) = widths.iter().find(|&&w| w > MAX_WIDTH) {
                return Err(AekitError::param(
                    name,
                    format!("a layer of {w} units is more than the {MAX_WIDTH} a layer may have"),
                ));
            }
        }
        if self.hidden.contains(&0) {
            return Err(AekitError::param(
                "hidden",
                "layer widths must be at least 1",
            ));
        }
        if self.decoder_widths().contains(&0) {
            return Err(AekitError::param(
                "decoder_hidden",
                "layer widths must be at least 1",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(AekitError::param("dropout", "must be in [0, 1)"));
        }
        if !(self.batch_norm_epsilon > 0.0 && self.batch_norm_epsilon.is_finite()) {
            return Err(AekitError::param("batch_norm_epsilon", "must be positive"));
        }
        if !(0.0..=1.0).contains(&self.batch_norm_momentum) {
            return Err(AekitError::param(
                "batch_norm_momentum",
                "must be in [0, 1]",
            ));
        }
        Ok(())
    }

    /// A Keras-style summary of the model for `n_inputs` inputs and
    /// `n_outputs` outputs.
    pub fn summary(&self, n_inputs: usize, n_outputs: usize) -> ModelSummary {
        let config = self;
        let mut rows = Vec::new();
        let mut add = |prefix: &str, plan: Vec<LayerPlan>| {
            for (i, p) in plan.iter().enumerate() {
                let name = format!("{prefix}.{i}");
                rows.push(SummaryRow {
                    layer: format!("{name} (Dense)"),
                    shape: vec![p.d_out],
                    trainable: p.d_in * p.d_out + p.d_out,
                    non_trainable: 0,
                });
                if p.batch_norm {
                    rows.push(SummaryRow {
                        layer: format!("{name} (BatchNormalization)"),
                        shape: vec![p.d_out],
                        trainable: 2 * p.d_out,
                        non_trainable: 2 * p.d_out,
                    });
                }
                if p.activation != Activation::Linear {
                    rows.push(SummaryRow {
                        layer: format!("{name} ({})", p.activation.layer_name()),
                        shape: vec![p.d_out],
                        trainable: 0,
                        non_trainable: 0,
                    });
                }
                if p.dropout > 0.0 {
                    rows.push(SummaryRow {
                        layer: format!("{name} (Dropout {})", p.dropout),
                        shape: vec![p.d_out],
                        trainable: 0,
                        non_trainable: 0,
                    });
                }
            }
        };
        add("encoder", config.encoder_plan(n_inputs));
        add("decoder", config.decoder_plan(n_outputs));
        ModelSummary {
            input_shape: vec![n_inputs],
            rows,
        }
    }

    /// The decoder's hidden widths, bottleneck side first.
    /// Checks that the layers for `n_inputs` inputs and `n_outputs`
    /// outputs have at most [`MAX_PARAMETERS`] weights in all.
    pub fn check_size(&self, n_inputs: usize, n_outputs: usize) -> Result<()> {
        let mut widths = vec![n_inputs];
        widths.extend(&self.hidden);
        widths.push(self.bottleneck);
        widths.extend(self.decoder_widths());
        widths.push(n_outputs);
        let total: u128 = widths
            .windows(2)
            .map(|w| (w[0] as u128 + 1) * w[1] as u128)
            .sum();
        if total > MAX_PARAMETERS as u128 {
            return Err(AekitError::param(
                "hidden",
                format!(
                    "{n_inputs} inputs through layers {:?} make {total} weights, more than the {MAX_PARAMETERS} a model may have",
                    &widths[1..widths.len() - 1]
                ),
            ));
        }
        Ok(())
    }

    /// The decoder's hidden widths: `decoder_hidden`, or the encoder's mirrored.
    pub fn decoder_widths(&self) -> Vec<usize> {
        self.decoder_hidden
            .clone()
            .unwrap_or_else(|| self.hidden.iter().rev().copied().collect())
    }

    fn hidden_plan(&self, d_in: usize, d_out: usize) -> LayerPlan {
        LayerPlan {
            d_in,
            d_out,
            batch_norm: self.batch_norm,
            activation: self.activation,
            dropout: self.dropout,
        }
    }

    /// The encoder's layers for `n_features` inputs, ending at the bottleneck.
    pub(crate) fn encoder_plan(&self, n_features: usize) -> Vec<LayerPlan> {
        let mut plan = Vec::new();
        let mut width = n_features;
        for &h in &self.hidden {
            plan.push(self.hidden_plan(width, h));
            width = h;
        }
        plan.push(LayerPlan {
            d_in: width,
            d_out: self.bottleneck,
            batch_norm: false,
            activation: self.bottleneck_activation,
            dropout: 0.0,
        });
        plan
    }

    /// The decoder's layers from the bottleneck to `n_outputs` outputs (the
    /// input width for an autoencoder, the target width for a paired model).
    pub(crate) fn decoder_plan(&self, n_outputs: usize) -> Vec<LayerPlan> {
        let mut plan = Vec::new();
        let mut width = self.bottleneck;
        for h in self.decoder_widths() {
            plan.push(self.hidden_plan(width, h));
            width = h;
        }
        plan.push(LayerPlan {
            d_in: width,
            d_out: n_outputs,
            batch_norm: false,
            activation: self.output_activation,
            dropout: 0.0,
        });
        plan
    }

    /// Builds the model for `n_inputs` inputs and `n_outputs` outputs with
    /// Glorot-uniform weights and zero biases drawn from `rng` (Keras'
    /// defaults), on `device`.
    pub(crate) fn init(
        &self,
        n_inputs: usize,
        n_outputs: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> DenseAutoencoder {
        let burn_momentum = 1.0 - self.batch_norm_momentum;
        let mut build = |plan: Vec<LayerPlan>| DenseStack {
            layers: plan
                .into_iter()
                .map(|p| DenseLayer::init(p, self.batch_norm_epsilon, burn_momentum, rng, device))
                .collect(),
        };
        let encoder = build(self.encoder_plan(n_inputs));
        let decoder = build(self.decoder_plan(n_outputs));
        DenseAutoencoder { encoder, decoder }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_keras_for_the_tutorial_model() {
        // Keras counts 4 parameters per batch-norm unit, 2 of them
        // non-trainable: 93,150 in all and 1,200 non-trainable here.
        let config = DenseAutoencoderConfig {
            hidden: vec![200, 100],
            bottleneck: 50,
            batch_norm: true,
            ..Default::default()
        };
        let s = config.summary(100, 100);
        let dense = 100 * 200 + 200 + 200 * 100 + 100 + 100 * 50 + 50;
        let dense = dense + 50 * 100 + 100 + 100 * 200 + 200 + 200 * 100 + 100;
        let bn = 4 * (200 + 100 + 100 + 200);
        assert_eq!(s.trainable() + s.non_trainable(), dense + bn);
        assert_eq!(s.non_trainable(), 2 * (200 + 100 + 100 + 200));
        assert_eq!(s.trainable() + s.non_trainable(), 93_150);
    }

    #[test]
    fn a_paired_decoder_ends_at_the_target_width() {
        let config = DenseAutoencoderConfig {
            hidden: vec![8],
            bottleneck: 3,
            ..Default::default()
        };
        let decoder = config.decoder_plan(5);
        assert_eq!(decoder.last().map(|p| p.d_out), Some(5));
        assert_eq!(config.encoder_plan(11)[0].d_in, 11);
        assert!(
            DenseAutoencoderConfig {
                bottleneck: 0,
                ..config.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            DenseAutoencoderConfig {
                dropout: 1.0,
                ..config
            }
            .validate()
            .is_err()
        );
    }
}
