//! The conv kind's architecture: 3x3 stride-2 convolutions down to a dense
//! bottleneck and transposed convolutions back to the image, and the grids
//! (channels x height x width) each layer produces.

use serde::{Deserialize, Serialize};

use crate::data::ImageShape;
use crate::error::{AekitError, Result};
use crate::model::Activation;
use crate::model::summary::{ModelSummary, SummaryRow};

/// Side of every convolution kernel.
pub const KERNEL: usize = 3;
/// Stride of every convolution: each layer halves the grid (rounding up).
pub const STRIDE: usize = 2;
/// Zero padding on each side, so a layer maps `n` pixels to `ceil(n / 2)`.
pub const PADDING: usize = 1;

/// Architecture of a convolutional autoencoder; the image shape comes from
/// the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvAutoencoderConfig {
    /// Output channels of each encoder convolution, input side first; the
    /// decoder's transposed convolutions mirror them. Default 16, 32.
    pub channels: Vec<usize>,
    /// Width of the dense bottleneck (the code). Default 16.
    pub bottleneck: usize,
    /// Activation after each convolution (and after the decoder's first
    /// dense layer). Default relu.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub activation: Activation,
    /// Activation of the bottleneck layer. Default linear.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub bottleneck_activation: Activation,
    /// Activation of the last transposed convolution. Default linear.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub output_activation: Activation,
    /// Batch normalisation (per channel) after each hidden convolution.
    /// Default off.
    pub batch_norm: bool,
    /// Batch-norm epsilon (Keras default 1e-3).
    pub batch_norm_epsilon: f64,
    /// Batch-norm moving-average momentum, Keras convention (0.99).
    pub batch_norm_momentum: f64,
}

impl Default for ConvAutoencoderConfig {
    fn default() -> Self {
        ConvAutoencoderConfig {
            channels: vec![16, 32],
            bottleneck: 16,
            activation: Activation::Relu,
            bottleneck_activation: Activation::Linear,
            output_activation: Activation::Linear,
            batch_norm: false,
            batch_norm_epsilon: 1e-3,
            batch_norm_momentum: 0.99,
        }
    }
}

/// A grid of feature maps: channels x height x width.
pub type Grid = [usize; 3];

/// Grid side after one stride-2 convolution.
pub fn conv_out(n: usize) -> usize {
    (n + 2 * PADDING - KERNEL) / STRIDE + 1
}

/// The output padding that makes a transposed convolution of a grid of
/// side `n_in` produce exactly `n_out` (the side the encoder halved).
pub fn deconv_output_padding(n_in: usize, n_out: usize) -> usize {
    // (n_in - 1) * stride - 2 * padding + kernel + output_padding = n_out
    n_out + 2 * PADDING - (n_in - 1) * STRIDE - KERNEL
}

impl ConvAutoencoderConfig {
    /// Checks every hyper-parameter that needs no data.
    pub fn validate(&self) -> Result<()> {
        if self.channels.is_empty() {
            return Err(AekitError::param(
                "channels",
                "needs at least one convolution",
            ));
        }
        let limit = crate::model::dense::config::MAX_WIDTH;
        if let Some(c) = self.channels.iter().find(|&&c| c == 0 || c > limit) {
            return Err(AekitError::param(
                "channels",
                format!("must be between 1 and {limit} (2^20, the widest layer) each, got {c}"),
            ));
        }
        if self.bottleneck == 0 {
            return Err(AekitError::param("bottleneck", "must be at least 1"));
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

    /// Checks that the layers fit `image` and that `n_outputs` values per
    /// row are whole images of its size; returns the output channels.
    pub fn check_shapes(&self, image: ImageShape, n_outputs: usize) -> Result<usize> {
        let mut side = (image.height, image.width);
        for (i, _) in self.channels.iter().enumerate() {
            if side.0 < 2 || side.1 < 2 {
                return Err(AekitError::param(
                    "channels",
                    format!(
                        "{} stride-2 convolutions do not fit a {}x{} image: layer {} would see a {}x{} grid (at most {i} fit)",
                        self.channels.len(),
                        image.height,
                        image.width,
                        i + 1,
                        side.0,
                        side.1
                    ),
                ));
            }
            side = (conv_out(side.0), conv_out(side.1));
        }
        if n_outputs == 0 || !n_outputs.is_multiple_of(image.pixels()) {
            return Err(AekitError::param(
                "target",
                format!(
                    "a conv model's output is an image of the input's {}x{} pixels: {n_outputs} target columns are not whole channels of it",
                    image.height, image.width
                ),
            ));
        }
        Ok(n_outputs / image.pixels())
    }

    /// The grids of the encoder: the input, then each convolution's output.
    pub fn encoder_grids(&self, image: ImageShape) -> Vec<Grid> {
        let mut grids = vec![[image.channels, image.height, image.width]];
        for &c in &self.channels {
            let [_, h, w] = grids[grids.len() - 1];
            grids.push([c, conv_out(h), conv_out(w)]);
        }
        grids
    }

    /// The grids of the decoder: the reshaped dense output, then each
    /// transposed convolution's output, ending at `out_channels` x H x W.
    pub fn decoder_grids(&self, image: ImageShape, out_channels: usize) -> Vec<Grid> {
        let mut grids = self.encoder_grids(image);
        grids.reverse();
        if let Some(last) = grids.last_mut() {
            last[0] = out_channels;
        }
        grids
    }

    /// Width of the flattened last encoder grid (the dense layers' far side).
    pub fn flat_width(&self, image: ImageShape) -> usize {
        let grids = self.encoder_grids(image);
        grids[grids.len() - 1].iter().product()
    }

    /// A Keras-style summary for `image` inputs and `out_channels` output
    /// channels, with each layer's output shape.
    pub fn summary(&self, image: ImageShape, out_channels: usize) -> ModelSummary {
        let mut rows = Vec::new();
        let dense_rows = |rows: &mut Vec<SummaryRow>,
                          name: &str,
                          d_in: usize,
                          d_out: usize,
                          activation: Activation| {
            rows.push(SummaryRow {
                layer: format!("{name} (Dense)"),
                shape: vec![d_out],
                trainable: d_in * d_out + d_out,
                non_trainable: 0,
            });
            if activation != Activation::Linear {
                rows.push(SummaryRow {
                    layer: format!("{name} ({})", activation.layer_name()),
                    shape: vec![d_out],
                    trainable: 0,
                    non_trainable: 0,
                });
            }
        };
        let enc = self.encoder_grids(image);
        for (i, pair) in enc.windows(2).enumerate() {
            conv_layer_rows(
                &mut rows,
                &format!("encoder.{i}"),
                "Conv2D",
                pair[0],
                pair[1],
                self.batch_norm,
                self.activation,
            );
        }
        let flat = self.flat_width(image);
        rows.push(SummaryRow {
            layer: "encoder.flatten (Flatten)".into(),
            shape: vec![flat],
            trainable: 0,
            non_trainable: 0,
        });
        dense_rows(
            &mut rows,
            "encoder.code",
            flat,
            self.bottleneck,
            self.bottleneck_activation,
        );
        self.decoder_summary_rows(&mut rows, image, out_channels);
        ModelSummary {
            input_shape: image.to_vec(),
            rows,
        }
    }

    /// The decoder's summary rows (shared with the variational kind).
    pub fn decoder_summary_rows(
        &self,
        rows: &mut Vec<SummaryRow>,
        image: ImageShape,
        out_channels: usize,
    ) {
        let flat = self.flat_width(image);
        rows.push(SummaryRow {
            layer: "decoder.code (Dense)".into(),
            shape: vec![flat],
            trainable: self.bottleneck * flat + flat,
            non_trainable: 0,
        });
        let dec = self.decoder_grids(image, out_channels);
        if self.activation != Activation::Linear {
            rows.push(SummaryRow {
                layer: format!("decoder.code ({})", self.activation.layer_name()),
                shape: vec![flat],
                trainable: 0,
                non_trainable: 0,
            });
        }
        rows.push(SummaryRow {
            layer: "decoder.reshape (Reshape)".into(),
            shape: dec[0].to_vec(),
            trainable: 0,
            non_trainable: 0,
        });
        let n = dec.len() - 1;
        for (i, pair) in dec.windows(2).enumerate() {
            let last = i + 1 == n;
            let (from, to) = (pair[0], pair[1]);
            let activation = if last {
                self.output_activation
            } else {
                self.activation
            };
            conv_layer_rows(
                rows,
                &format!("decoder.{i}"),
                "Conv2DTranspose",
                from,
                to,
                self.batch_norm && !last,
                activation,
            );
        }
    }
}

/// The summary rows of one (transposed) convolution `name` of `kind` from
/// grid `from` to `to`: the convolution, its batch norm when `norm`, its
/// activation unless linear.
fn conv_layer_rows(
    rows: &mut Vec<SummaryRow>,
    name: &str,
    kind: &str,
    from: Grid,
    to: Grid,
    norm: bool,
    activation: Activation,
) {
    rows.push(SummaryRow {
        layer: format!("{name} ({kind} {KERNEL}x{KERNEL}/{STRIDE})"),
        shape: to.to_vec(),
        trainable: from[0] * to[0] * KERNEL * KERNEL + to[0],
        non_trainable: 0,
    });
    if norm {
        rows.push(SummaryRow {
            layer: format!("{name} (BatchNormalization)"),
            shape: to.to_vec(),
            trainable: 2 * to[0],
            non_trainable: 2 * to[0],
        });
    }
    if activation != Activation::Linear {
        rows.push(SummaryRow {
            layer: format!("{name} ({})", activation.layer_name()),
            shape: to.to_vec(),
            trainable: 0,
            non_trainable: 0,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_halve_and_the_decoder_returns_to_the_image() {
        let config = ConvAutoencoderConfig::default();
        for (h, w) in [(8, 8), (7, 7), (28, 28), (5, 9), (3, 3)] {
            let image = ImageShape::grey(h, w);
            config.check_shapes(image, h * w).unwrap();
            let enc = config.encoder_grids(image);
            assert_eq!(enc[1][1], h.div_ceil(2));
            assert_eq!(enc[2][2], w.div_ceil(2).div_ceil(2));
            let dec = config.decoder_grids(image, 1);
            assert_eq!(dec[dec.len() - 1], [1, h, w]);
            for pair in dec.windows(2) {
                for (&from, &to) in pair[0][1..].iter().zip(&pair[1][1..]) {
                    let op = deconv_output_padding(from, to);
                    assert!(op < STRIDE, "{h}x{w}: output padding {op}");
                }
            }
        }
        assert_eq!(conv_out(28), 14);
        assert_eq!(conv_out(7), 4);
        assert_eq!(deconv_output_padding(4, 7), 0);
        assert_eq!(deconv_output_padding(4, 8), 1);
    }

    #[test]
    fn too_many_layers_and_ragged_targets_are_errors() {
        let config = ConvAutoencoderConfig {
            channels: vec![4, 4, 4, 4],
            ..Default::default()
        };
        let err = config.check_shapes(ImageShape::grey(8, 8), 64).unwrap_err();
        assert!(
            matches!(
                err,
                AekitError::InvalidParam {
                    name: "channels",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("at most 3 fit"), "{err}");
        let three = ConvAutoencoderConfig {
            channels: vec![4, 4, 4],
            ..Default::default()
        };
        assert_eq!(three.check_shapes(ImageShape::grey(8, 8), 64).unwrap(), 1);
        assert_eq!(three.check_shapes(ImageShape::grey(8, 8), 128).unwrap(), 2);
        assert!(three.check_shapes(ImageShape::grey(8, 8), 65).is_err());
        assert!(
            ConvAutoencoderConfig {
                channels: vec![],
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn summary_counts_conv_parameters() {
        let config = ConvAutoencoderConfig {
            channels: vec![16, 32],
            bottleneck: 10,
            batch_norm: true,
            output_activation: Activation::Sigmoid,
            ..Default::default()
        };
        let s = config.summary(ImageShape::grey(8, 8), 1);
        let convs = (9 * 16 + 16) + (16 * 32 * 9 + 32);
        let dense = (128 * 10 + 10) + (10 * 128 + 128);
        let deconvs = (32 * 16 * 9 + 16) + (16 * 9 + 1);
        let bn = 4 * (16 + 32 + 16);
        assert_eq!(
            s.trainable() + s.non_trainable(),
            convs + dense + deconvs + bn
        );
        let text = s.to_string();
        assert!(text.contains("(None, 32, 2, 2)"), "{text}");
        assert!(text.contains("(None, 1, 8, 8)"), "{text}");
    }
}
