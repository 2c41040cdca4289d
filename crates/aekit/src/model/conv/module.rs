//! The convolutional autoencoder as burn modules: a convolution body that
//! reads `[batch, C*H*W]` rows as images and flattens its last grid, a
//! dense code, and a decoder of transposed convolutions back to the image.
//! The body and the decoder are shared with the variational kind.

use burn::module::{Module, Param, RunningState};
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, Linear, PaddingConfig2d};
use burn::tensor::{Device, Tensor, TensorData};
use rand::Rng;

use super::config::{ConvAutoencoderConfig, Grid, KERNEL, PADDING, STRIDE, deconv_output_padding};
use super::kernel_ops::{self, ConvPath};
use crate::data::ImageShape;
use crate::model::Activation;
use crate::model::weights::{NamedTensor, StoredTensors};

/// Glorot-uniform values (Keras' default) for `n` weights with the given fans.
fn glorot(rng: &mut impl Rng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}

fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape.to_vec()), device)
}

fn batch_norm(channels: usize, config: &ConvAutoencoderConfig, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels)
        .with_epsilon(config.batch_norm_epsilon)
        .with_momentum(1.0 - config.batch_norm_momentum)
        .init(device)
}

/// Convolution -> optional BatchNorm -> activation.
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// 3x3, stride 2, padding 1; weight `[c_out, c_in, 3, 3]`.
    pub conv: Conv2d,
    /// Per-channel batch normalisation, if configured.
    pub norm: Option<BatchNorm>,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
    /// aekit's kernels or burn's convolution.
    #[module(skip)]
    pub path: ConvPath,
}

impl ConvBlock {
    /// # Shapes
    /// - input: `[batch, c_in, h, w]`, output: `[batch, c_out, ceil(h/2), ceil(w/2)]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = kernel_ops::conv2d(
            x,
            self.conv.weight.val(),
            self.conv.bias.as_ref().map(Param::val),
            STRIDE,
            PADDING,
            self.path,
        );
        let x = match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        };
        self.activation.forward(x)
    }
}

/// Transposed convolution -> optional BatchNorm -> activation.
#[derive(Module, Debug)]
pub struct DeconvBlock {
    /// 3x3, stride 2, padding 1, output padding chosen per layer; weight
    /// `[c_in, c_out, 3, 3]`.
    pub deconv: ConvTranspose2d,
    /// Per-channel batch normalisation, if configured (never on the output).
    pub norm: Option<BatchNorm>,
    /// The activation.
    #[module(skip)]
    pub activation: Activation,
    /// aekit's kernels or burn's transposed convolution.
    #[module(skip)]
    pub path: ConvPath,
}

impl DeconvBlock {
    /// Before the activation.
    ///
    /// # Shapes
    /// - input: `[batch, c_in, h, w]`, output: `[batch, c_out, h_out, w_out]`
    pub fn forward_pre_activation(&self, x: Tensor<4>) -> Tensor<4> {
        let x = kernel_ops::conv_transpose2d(
            x,
            self.deconv.weight.val(),
            self.deconv.bias.as_ref().map(Param::val),
            STRIDE,
            PADDING,
            self.deconv.padding_out,
            self.path,
        );
        match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        }
    }
}

/// The convolutions of an encoder: rows in, flattened feature maps out.
#[derive(Module, Debug)]
pub struct ConvBody {
    /// The blocks, input side first.
    pub blocks: Vec<ConvBlock>,
    /// The image shape the rows hold.
    #[module(skip)]
    pub image: ImageShape,
}

impl ConvBody {
    /// The same body computing its convolutions through `path`.
    pub fn with_conv_path(mut self, path: ConvPath) -> Self {
        self.blocks.iter_mut().for_each(|b| b.path = path);
        self
    }

    /// # Shapes
    /// - input: `[batch, C*H*W]` (channel-major rows), output: `[batch, flat]`
    pub fn forward(&self, rows: Tensor<2>) -> Tensor<2> {
        let [batch, _] = rows.dims();
        let ImageShape {
            channels,
            height,
            width,
        } = self.image;
        let x: Tensor<4> = rows.reshape([batch, channels, height, width]);
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        x.flatten(1, 3)
    }
}

/// The decoder: a dense layer from the code to the last encoder grid, then
/// transposed convolutions back to the image.
#[derive(Module, Debug)]
pub struct ConvDecoder {
    /// Code -> flattened grid.
    pub code: Linear,
    /// The activation after `code`.
    #[module(skip)]
    pub code_activation: Activation,
    /// The grid `code`'s output is reshaped to.
    #[module(skip)]
    pub grid: Grid,
    /// The transposed convolutions, code side first.
    pub blocks: Vec<DeconvBlock>,
}

impl ConvDecoder {
    /// The same decoder computing its convolutions through `path`.
    pub fn with_conv_path(mut self, path: ConvPath) -> Self {
        self.blocks.iter_mut().for_each(|b| b.path = path);
        self
    }

    /// The output before the last activation, flattened, and that activation.
    ///
    /// # Shapes
    /// - input: `[batch, bottleneck]`, output: `[batch, C_out*H*W]`
    pub fn forward_logits(&self, codes: Tensor<2>) -> (Tensor<2>, Activation) {
        let [batch, _] = codes.dims();
        let x = self.code_activation.forward(self.code.forward(codes));
        let [c, h, w] = self.grid;
        let mut x: Tensor<4> = x.reshape([batch, c, h, w]);
        let (last, rest) = self
            .blocks
            .split_last()
            .expect("a conv decoder has at least one layer");
        for b in rest {
            x = b.activation.forward(b.forward_pre_activation(x));
        }
        (
            last.forward_pre_activation(x).flatten(1, 3),
            last.activation,
        )
    }

    /// # Shapes
    /// - input: `[batch, bottleneck]`, output: `[batch, C_out*H*W]`
    pub fn forward(&self, codes: Tensor<2>) -> Tensor<2> {
        let (logits, activation) = self.forward_logits(codes);
        activation.forward(logits)
    }
}

/// Convolutional encoder, dense code, transposed-convolution decoder.
#[derive(Module, Debug)]
pub struct ConvAutoencoder {
    /// Rows -> flattened feature maps.
    pub encoder: ConvBody,
    /// Flattened feature maps -> code.
    pub code: Linear,
    /// The bottleneck's activation.
    #[module(skip)]
    pub code_activation: Activation,
    /// Code -> image rows.
    pub decoder: ConvDecoder,
}

impl ConvAutoencoder {
    /// The code.
    ///
    /// # Shapes
    /// - input: `[batch, C*H*W]`, output: `[batch, bottleneck]`
    pub fn encode(&self, rows: Tensor<2>) -> Tensor<2> {
        self.code_activation
            .forward(self.code.forward(self.encoder.forward(rows)))
    }

    /// The reconstruction before the output activation, and that activation.
    pub fn forward_logits(&self, rows: Tensor<2>) -> (Tensor<2>, Activation) {
        self.decoder.forward_logits(self.encode(rows))
    }

    /// The reconstruction (or predicted target image).
    ///
    /// # Shapes
    /// - input: `[batch, C*H*W]`, output: `[batch, C_out*H*W]`
    pub fn forward(&self, rows: Tensor<2>) -> Tensor<2> {
        self.decoder.forward(self.encode(rows))
    }

    /// Every stored tensor with its name, in a fixed order.
    pub fn export_tensors(&self) -> Vec<NamedTensor> {
        let mut out = Vec::new();
        self.encoder.export("encoder", &mut out);
        export_linear("encoder.code", &self.code, &mut out);
        self.decoder.export("decoder", &mut out);
        out
    }
}

fn export_linear(name: &str, linear: &Linear, out: &mut Vec<NamedTensor>) {
    out.push(NamedTensor::from_tensor(
        format!("{name}.weight"),
        linear.weight.val(),
    ));
    if let Some(bias) = &linear.bias {
        out.push(NamedTensor::from_tensor(format!("{name}.bias"), bias.val()));
    }
}

fn export_norm(name: &str, norm: &Option<BatchNorm>, out: &mut Vec<NamedTensor>) {
    if let Some(norm) = norm {
        let t = |p: &str| format!("{name}.bn.{p}");
        out.push(NamedTensor::from_tensor(t("gamma"), norm.gamma.val()));
        out.push(NamedTensor::from_tensor(t("beta"), norm.beta.val()));
        out.push(NamedTensor::from_tensor(
            t("running_mean"),
            norm.running_mean.value(),
        ));
        out.push(NamedTensor::from_tensor(
            t("running_var"),
            norm.running_var.value(),
        ));
    }
}

impl ConvBody {
    /// Appends the body's tensors, named `{prefix}.{i}.weight` and so on.
    pub fn export(&self, prefix: &str, out: &mut Vec<NamedTensor>) {
        for (i, b) in self.blocks.iter().enumerate() {
            let name = format!("{prefix}.{i}");
            out.push(NamedTensor::from_tensor(
                format!("{name}.weight"),
                b.conv.weight.val(),
            ));
            if let Some(bias) = &b.conv.bias {
                out.push(NamedTensor::from_tensor(format!("{name}.bias"), bias.val()));
            }
            export_norm(&name, &b.norm, out);
        }
    }
}

impl ConvDecoder {
    /// Appends the decoder's tensors under `prefix`.
    pub fn export(&self, prefix: &str, out: &mut Vec<NamedTensor>) {
        export_linear(&format!("{prefix}.code"), &self.code, out);
        for (i, b) in self.blocks.iter().enumerate() {
            let name = format!("{prefix}.{i}");
            out.push(NamedTensor::from_tensor(
                format!("{name}.weight"),
                b.deconv.weight.val(),
            ));
            if let Some(bias) = &b.deconv.bias {
                out.push(NamedTensor::from_tensor(format!("{name}.bias"), bias.val()));
            }
            export_norm(&name, &b.norm, out);
        }
    }
}

/// Where a module's weights come from: fresh draws or a model file.
pub enum Weights<'a, 'r, R: Rng> {
    /// Glorot-uniform weights and zero biases from this generator.
    Fresh(&'r mut R),
    /// Stored tensors, checked by name and shape.
    Stored(&'r StoredTensors<'a>),
}

impl<R: Rng> Weights<'_, '_, R> {
    fn tensor<const D: usize>(
        &mut self,
        name: &str,
        shape: [usize; D],
        fans: (usize, usize),
        device: &Device,
    ) -> std::result::Result<Tensor<D>, String> {
        match self {
            Weights::Fresh(rng) => Ok(tensor(
                glorot(*rng, shape.iter().product(), fans.0, fans.1),
                shape,
                device,
            )),
            Weights::Stored(stored) => stored.take(name, shape),
        }
    }

    fn bias(&mut self, name: &str, n: usize, device: &Device) -> Result<Tensor<1>, String> {
        match self {
            Weights::Fresh(_) => Ok(Tensor::zeros([n], device)),
            Weights::Stored(stored) => stored.take(name, [n]),
        }
    }

    /// A dense layer `[d_in, d_out]` named `name`.
    pub fn linear(
        &mut self,
        name: &str,
        d_in: usize,
        d_out: usize,
        device: &Device,
    ) -> Result<Linear, String> {
        Ok(Linear {
            weight: Param::from_tensor(self.tensor(
                &format!("{name}.weight"),
                [d_in, d_out],
                (d_in, d_out),
                device,
            )?),
            bias: Some(Param::from_tensor(self.bias(
                &format!("{name}.bias"),
                d_out,
                device,
            )?)),
        })
    }

    fn norm(
        &mut self,
        name: &str,
        channels: usize,
        config: &ConvAutoencoderConfig,
        device: &Device,
    ) -> Result<BatchNorm, String> {
        let mut bn = batch_norm(channels, config, device);
        if let Weights::Stored(stored) = self {
            let t = |p: &str| stored.take(&format!("{name}.bn.{p}"), [channels]);
            bn.gamma = Param::from_tensor(t("gamma")?);
            bn.beta = Param::from_tensor(t("beta")?);
            bn.running_mean = RunningState::new(t("running_mean")?);
            bn.running_var = RunningState::new(t("running_var")?);
        }
        Ok(bn)
    }
}

impl ConvAutoencoderConfig {
    /// The convolution body for `image` under `prefix`.
    pub fn build_body<R: Rng>(
        &self,
        prefix: &str,
        image: ImageShape,
        weights: &mut Weights<'_, '_, R>,
        device: &Device,
    ) -> Result<ConvBody, String> {
        let grids = self.encoder_grids(image);
        let mut blocks = Vec::new();
        for (i, pair) in grids.windows(2).enumerate() {
            let (c_in, c_out) = (pair[0][0], pair[1][0]);
            let name = format!("{prefix}.{i}");
            let mut conv = Conv2dConfig::new([c_in, c_out], [KERNEL, KERNEL])
                .with_stride([STRIDE, STRIDE])
                .with_padding(PaddingConfig2d::Explicit(
                    PADDING, PADDING, PADDING, PADDING,
                ))
                .with_initializer(Initializer::Zeros)
                .init(device);
            let k2 = KERNEL * KERNEL;
            conv.weight = Param::from_tensor(weights.tensor(
                &format!("{name}.weight"),
                [c_out, c_in, KERNEL, KERNEL],
                (c_in * k2, c_out * k2),
                device,
            )?);
            conv.bias = Some(Param::from_tensor(weights.bias(
                &format!("{name}.bias"),
                c_out,
                device,
            )?));
            let norm = if self.batch_norm {
                Some(weights.norm(&name, c_out, self, device)?)
            } else {
                None
            };
            blocks.push(ConvBlock {
                conv,
                norm,
                activation: self.activation,
                path: ConvPath::default(),
            });
        }
        Ok(ConvBody { blocks, image })
    }

    /// The decoder from the code to `out_channels` x H x W under `prefix`.
    pub fn build_decoder<R: Rng>(
        &self,
        prefix: &str,
        image: ImageShape,
        out_channels: usize,
        weights: &mut Weights<'_, '_, R>,
        device: &Device,
    ) -> Result<ConvDecoder, String> {
        let grids = self.decoder_grids(image, out_channels);
        let flat: usize = grids[0].iter().product();
        let code = weights.linear(&format!("{prefix}.code"), self.bottleneck, flat, device)?;
        let n = grids.len() - 1;
        let mut blocks = Vec::new();
        for (i, pair) in grids.windows(2).enumerate() {
            let (from, to) = (pair[0], pair[1]);
            let last = i + 1 == n;
            let name = format!("{prefix}.{i}");
            let mut deconv = ConvTranspose2dConfig::new([from[0], to[0]], [KERNEL, KERNEL])
                .with_stride([STRIDE, STRIDE])
                .with_padding([PADDING, PADDING])
                .with_padding_out([
                    deconv_output_padding(from[1], to[1]),
                    deconv_output_padding(from[2], to[2]),
                ])
                .with_initializer(Initializer::Zeros)
                .init(device);
            let k2 = KERNEL * KERNEL;
            deconv.weight = Param::from_tensor(weights.tensor(
                &format!("{name}.weight"),
                [from[0], to[0], KERNEL, KERNEL],
                (to[0] * k2, from[0] * k2),
                device,
            )?);
            deconv.bias = Some(Param::from_tensor(weights.bias(
                &format!("{name}.bias"),
                to[0],
                device,
            )?));
            let norm = if self.batch_norm && !last {
                Some(weights.norm(&name, to[0], self, device)?)
            } else {
                None
            };
            blocks.push(DeconvBlock {
                deconv,
                norm,
                activation: if last {
                    self.output_activation
                } else {
                    self.activation
                },
                path: ConvPath::default(),
            });
        }
        Ok(ConvDecoder {
            code,
            code_activation: self.activation,
            grid: grids[0],
            blocks,
        })
    }

    /// Builds the model for `image` inputs and `out_channels` output
    /// channels from `weights`, on `device`.
    pub fn build<R: Rng>(
        &self,
        image: ImageShape,
        out_channels: usize,
        mut weights: Weights<'_, '_, R>,
        device: &Device,
    ) -> Result<ConvAutoencoder, String> {
        let encoder = self.build_body("encoder", image, &mut weights, device)?;
        let code = weights.linear(
            "encoder.code",
            self.flat_width(image),
            self.bottleneck,
            device,
        )?;
        let decoder = self.build_decoder("decoder", image, out_channels, &mut weights, device)?;
        Ok(ConvAutoencoder {
            encoder,
            code,
            code_activation: self.bottleneck_activation,
            decoder,
        })
    }

    /// Builds the model with Glorot-uniform weights and zero biases drawn
    /// from `rng` (Keras' defaults), on `device`.
    pub fn init(
        &self,
        image: ImageShape,
        out_channels: usize,
        rng: &mut impl Rng,
        device: &Device,
    ) -> ConvAutoencoder {
        self.build(image, out_channels, Weights::Fresh(rng), device)
            .expect("fresh weights always fit their architecture")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::inference_device;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Every size, odd ones included, comes back exactly; the stored
    /// tensors rebuild the same model.
    #[test]
    fn shapes_return_to_the_image_and_tensors_round_trip() {
        let device = inference_device();
        for (c, h, w, bn) in [
            (1, 8, 8, false),
            (1, 7, 7, true),
            (3, 28, 28, false),
            (2, 5, 9, true),
        ] {
            let image = ImageShape {
                channels: c,
                height: h,
                width: w,
            };
            let config = ConvAutoencoderConfig {
                channels: vec![4, 6],
                bottleneck: 5,
                batch_norm: bn,
                ..Default::default()
            };
            let model = config.init(image, c, &mut StdRng::seed_from_u64(1), &device);
            let x = Tensor::<2>::ones([3, c * h * w], &device);
            assert_eq!(model.encode(x.clone()).dims(), [3, 5]);
            let y = model.forward(x.clone());
            assert_eq!(y.dims(), [3, c * h * w]);
            let tensors = model.export_tensors();
            let map = tensors
                .iter()
                .map(|t| (t.name.clone(), t.clone()))
                .collect();
            let stored = StoredTensors::new(&map, &device);
            let again = config
                .build::<StdRng>(image, c, Weights::Stored(&stored), &device)
                .unwrap();
            let z = again.forward(x);
            let (a, b) = (
                y.into_data().try_into_vec::<f32>().unwrap(),
                z.into_data().try_into_vec::<f32>().unwrap(),
            );
            assert_eq!(a, b);
            let s = config.summary(image, c);
            let params: usize = tensors.iter().map(|t| t.values.len()).sum();
            assert_eq!(s.trainable() + s.non_trainable(), params);
        }
    }
}
