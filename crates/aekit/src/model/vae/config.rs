//! The variational kind's architecture: a dense (or convolutional) encoder
//! to the mean and log-variance of a Gaussian code, a decoder back, and
//! the weight `beta` of the KL term.

use serde::{Deserialize, Serialize};

use crate::data::ImageShape;
use crate::error::{AekitError, Result};
use crate::model::Activation;
use crate::model::conv::ConvAutoencoderConfig;
use crate::model::dense::{DenseAutoencoderConfig, LayerPlan};
use crate::model::summary::{ModelSummary, SummaryRow};

/// Architecture of a variational autoencoder; the input shape comes from
/// the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VaeConfig {
    /// Encoder hidden widths of the dense body, input side first. Default
    /// none (input straight to the code's mean and log-variance).
    pub hidden: Vec<usize>,
    /// Decoder hidden widths, code side first; `None` mirrors `hidden`.
    pub decoder_hidden: Option<Vec<usize>>,
    /// With channels, the encoder and decoder are convolutional (as the
    /// conv kind, whose `channels` these are) and `hidden` is unused; rows
    /// must be images. Default none: dense.
    pub channels: Option<Vec<usize>>,
    /// Width of the code. Default 2.
    pub bottleneck: usize,
    /// Activation after each hidden layer. Default relu.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub activation: Activation,
    /// Activation of the output layer. Default linear.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub output_activation: Activation,
    /// Batch normalisation after each hidden layer. Default off.
    pub batch_norm: bool,
    /// Batch-norm epsilon (Keras default 1e-3).
    pub batch_norm_epsilon: f64,
    /// Batch-norm moving-average momentum, Keras convention (0.99).
    pub batch_norm_momentum: f64,
    /// Weight of the KL divergence of the code from the standard normal
    /// prior. The loss is reconstruction + beta * KL / n_outputs: the KL of
    /// a row spread over its output values, as the reconstruction loss is
    /// a mean over them (with BCE and beta 1, the negative ELBO per value).
    /// Default 1.
    pub beta: f64,
}

impl Default for VaeConfig {
    fn default() -> Self {
        VaeConfig {
            hidden: Vec::new(),
            decoder_hidden: None,
            channels: None,
            bottleneck: 2,
            activation: Activation::Relu,
            output_activation: Activation::Linear,
            batch_norm: false,
            batch_norm_epsilon: 1e-3,
            batch_norm_momentum: 0.99,
            beta: 1.0,
        }
    }
}

impl VaeConfig {
    /// The dense layers this config implies (the last encoder layer is
    /// replaced by the mean and log-variance heads).
    pub fn dense(&self) -> DenseAutoencoderConfig {
        DenseAutoencoderConfig {
            hidden: self.hidden.clone(),
            bottleneck: self.bottleneck,
            decoder_hidden: self.decoder_hidden.clone(),
            activation: self.activation,
            bottleneck_activation: Activation::Linear,
            output_activation: self.output_activation,
            batch_norm: self.batch_norm,
            batch_norm_epsilon: self.batch_norm_epsilon,
            batch_norm_momentum: self.batch_norm_momentum,
            dropout: 0.0,
        }
    }

    /// The convolution layers this config implies, if it has channels.
    pub fn conv(&self) -> Option<ConvAutoencoderConfig> {
        self.channels
            .as_ref()
            .map(|channels| ConvAutoencoderConfig {
                channels: channels.clone(),
                bottleneck: self.bottleneck,
                activation: self.activation,
                bottleneck_activation: Activation::Linear,
                output_activation: self.output_activation,
                batch_norm: self.batch_norm,
                batch_norm_epsilon: self.batch_norm_epsilon,
                batch_norm_momentum: self.batch_norm_momentum,
            })
    }

    /// Checks every hyper-parameter that needs no data.
    pub fn validate(&self) -> Result<()> {
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return Err(AekitError::param(
                "beta",
                format!("must be a non-negative number, not {}", self.beta),
            ));
        }
        match self.conv() {
            Some(conv) => conv.validate(),
            None => self.dense().validate(),
        }
    }

    /// Checks that the layers fit rows of `input_shape` and `n_outputs` values.
    pub fn check_shapes(&self, input_shape: Option<ImageShape>, n_outputs: usize) -> Result<()> {
        match (self.conv(), input_shape) {
            (Some(conv), Some(image)) => conv.check_shapes(image, n_outputs).map(|_| ()),
            (Some(_), None) => Err(AekitError::param(
                "image_shape",
                "a convolutional VAE reads images: give the image shape of the rows (HxW or CxHxW)",
            )),
            (None, _) => Ok(()),
        }
    }

    /// The dense encoder's hidden layers (without the code layer).
    pub fn body_plan(&self, n_inputs: usize) -> Vec<LayerPlan> {
        let mut plan = self.dense().encoder_plan(n_inputs);
        plan.pop();
        plan
    }

    /// A Keras-style summary for rows of `n_inputs` values (of `image`
    /// shape, for a conv VAE) and `n_outputs` outputs.
    pub fn summary(
        &self,
        n_inputs: usize,
        image: Option<ImageShape>,
        n_outputs: usize,
    ) -> ModelSummary {
        let k = self.bottleneck;
        let heads = |rows: &mut Vec<SummaryRow>, d_in: usize| {
            for head in ["mean", "log_var"] {
                rows.push(SummaryRow {
                    layer: format!("encoder.{head} (Dense)"),
                    shape: vec![k],
                    trainable: d_in * k + k,
                    non_trainable: 0,
                });
            }
            rows.push(SummaryRow {
                layer: "sampling (Gaussian, training only)".into(),
                shape: vec![k],
                trainable: 0,
                non_trainable: 0,
            });
        };
        match (self.conv(), image) {
            (Some(conv), Some(image)) => {
                let out_channels = n_outputs / image.pixels();
                let full = conv.summary(image, out_channels);
                // The conv summary's encoder ends in one code layer: two heads here.
                let mut rows: Vec<SummaryRow> = Vec::new();
                for r in full.rows {
                    if r.layer.starts_with("encoder.code") {
                        continue;
                    }
                    if r.layer.starts_with("decoder.code (Dense)") {
                        heads(&mut rows, conv.flat_width(image));
                    }
                    rows.push(r);
                }
                ModelSummary {
                    input_shape: image.to_vec(),
                    rows,
                }
            }
            _ => {
                let dense = self.dense();
                let mut s = dense.summary(n_inputs, n_outputs);
                let body = self.body_plan(n_inputs);
                let d_in = body.last().map_or(n_inputs, |p| p.d_out);
                let code_at = s
                    .rows
                    .iter()
                    .position(|r| r.layer == format!("encoder.{} (Dense)", body.len()))
                    .unwrap_or(0);
                let mut rows: Vec<SummaryRow> = s.rows.drain(..code_at).collect();
                let rest: Vec<SummaryRow> = s
                    .rows
                    .into_iter()
                    .filter(|r| !r.layer.starts_with(&format!("encoder.{} (", body.len())))
                    .collect();
                heads(&mut rows, d_in);
                rows.extend(rest);
                ModelSummary {
                    input_shape: image.map_or(vec![n_inputs], |i| i.to_vec()),
                    rows,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_is_checked_and_summaries_count_both_heads() {
        let bad = VaeConfig {
            beta: -0.5,
            ..Default::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(AekitError::InvalidParam { name: "beta", .. })
        ));
        let config = VaeConfig {
            hidden: vec![32],
            bottleneck: 4,
            ..Default::default()
        };
        config.validate().unwrap();
        let s = config.summary(64, None, 64);
        let expected = (64 * 32 + 32) + 2 * (32 * 4 + 4) + (4 * 32 + 32) + (32 * 64 + 64);
        assert_eq!(s.trainable(), expected);
        let conv = VaeConfig {
            channels: Some(vec![8]),
            bottleneck: 3,
            ..Default::default()
        };
        assert!(conv.check_shapes(None, 64).is_err());
        let s = conv.summary(64, Some(ImageShape::grey(8, 8)), 64);
        let flat = 8 * 4 * 4;
        let expected = (9 * 8 + 8) + 2 * (flat * 3 + 3) + (3 * flat + flat) + (8 * 9 + 1);
        assert_eq!(s.trainable(), expected);
    }
}
