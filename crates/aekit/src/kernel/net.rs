//! A dense network as plain slices, for the kernels: built from a burn
//! [`DenseAutoencoder`], run on row tiles in parallel, written back.

use std::ops::Range;

use burn::module::{Module, Param, RunningState};
use burn::tensor::{Tensor, TensorData};
use rayon::prelude::*;

use super::activate;
use super::matmul::{MatRef, matmul};
use crate::data::Matrix;
use crate::model::dense::DenseLayer;
use crate::model::{Activation, DenseAutoencoder};
use crate::train::fused;
use crate::train::loss::LossKind;
use crate::train::trainer::Pairs;

/// Rows per parallel task in inference: a tile's activations (256 x 784
/// floats at most on the benchmark model) stay in one core's cache.
pub const TILE: usize = 256;

/// One affine layer and its activation.
#[derive(Debug, Clone, PartialEq)]
pub struct NetLayer {
    /// Input width.
    pub d_in: usize,
    /// Output width.
    pub d_out: usize,
    /// Row-major `[d_in, d_out]`, as burn's `Linear` stores it.
    pub weight: Vec<f32>,
    /// `[d_out]`.
    pub bias: Vec<f32>,
    /// Batch normalisation between the affine map and the activation, in
    /// training form; [`DenseNet::folded`] merges it into the weights.
    pub norm: Option<NormParams>,
    /// Applied after the affine map.
    pub activation: Activation,
    /// Dropout rate after the activation in training (0: none); inference ignores it.
    pub dropout: f32,
}

/// A batch-norm layer's parameters and running statistics, as burn keeps them.
#[derive(Debug, Clone, PartialEq)]
pub struct NormParams {
    /// Scale, `[d_out]`.
    pub gamma: Vec<f32>,
    /// Shift, `[d_out]`.
    pub beta: Vec<f32>,
    /// Running mean, `[d_out]`.
    pub running_mean: Vec<f32>,
    /// Running (biased) variance, `[d_out]`.
    pub running_var: Vec<f32>,
    /// Added to the variance.
    pub epsilon: f32,
    /// burn's convention: the weight of each new batch statistic in the running ones.
    pub momentum: f32,
}

/// Encoder layers followed by decoder layers.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseNet {
    layers: Vec<NetLayer>,
    n_encoder: usize,
}

/// Two ping-pong buffers for one thread's tile.
#[derive(Debug, Default)]
pub struct Scratch {
    buffers: [Vec<f32>; 2],
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .try_into_vec::<f32>()
        .expect("model tensors are f32")
}

/// Mean of `(a - b)^2`: sixteen f32 lanes, added up in f64.
pub fn mean_squared_error(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    const LANES: usize = 16;
    let mut lanes = [0.0f32; LANES];
    let (mut xs, mut ys) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    for (x, y) in (&mut xs).zip(&mut ys) {
        for i in 0..LANES {
            let d = x[i] - y[i];
            lanes[i] += d * d;
        }
    }
    let mut sum: f64 = lanes.iter().map(|&v| f64::from(v)).sum();
    for (x, y) in xs.remainder().iter().zip(ys.remainder()) {
        sum += f64::from(x - y).powi(2);
    }
    (sum / a.len().max(1) as f64) as f32
}

impl DenseNet {
    /// The inference form of `model`: batch norm folded into the affine map
    /// with its running statistics, dropout left out (as in burn's `valid()`).
    pub fn inference(model: &DenseAutoencoder) -> DenseNet {
        DenseNet {
            layers: Self::all_layers(model).map(Self::convert).collect(),
            n_encoder: model.encoder.layers.len(),
        }
        .folded()
    }

    /// The training form of `model`: batch norm as its own parameters and
    /// statistics, dropout rates kept.
    pub fn trainable(model: &DenseAutoencoder) -> DenseNet {
        DenseNet {
            layers: Self::all_layers(model).map(Self::convert).collect(),
            n_encoder: model.encoder.layers.len(),
        }
    }

    /// This net with every batch norm merged into its affine map, using the
    /// running statistics: `(x w + b - mean) / sqrt(var + eps) * gamma + beta`.
    pub fn folded(&self) -> DenseNet {
        let fold = |layer: &NetLayer| {
            let mut layer = layer.clone();
            if let Some(norm) = layer.norm.take() {
                let d_out = layer.d_out;
                let scale: Vec<f32> = (0..d_out)
                    .map(|j| norm.gamma[j] / (norm.running_var[j] + norm.epsilon).sqrt())
                    .collect();
                for row in layer.weight.chunks_mut(d_out) {
                    row.iter_mut().zip(&scale).for_each(|(w, s)| *w *= s);
                }
                for (((b, m), s), beta) in layer
                    .bias
                    .iter_mut()
                    .zip(&norm.running_mean)
                    .zip(&scale)
                    .zip(&norm.beta)
                {
                    *b = (*b - m) * s + beta;
                }
            }
            layer
        };
        DenseNet {
            layers: self.layers.iter().map(fold).collect(),
            n_encoder: self.n_encoder,
        }
    }

    /// Whether any layer has batch norm (which needs every row of a batch at once).
    pub fn has_norm(&self) -> bool {
        self.layers.iter().any(|l| l.norm.is_some())
    }

    fn all_layers(model: &DenseAutoencoder) -> impl Iterator<Item = &DenseLayer> {
        model.encoder.layers.iter().chain(&model.decoder.layers)
    }

    fn convert(layer: &DenseLayer) -> NetLayer {
        let [d_in, d_out] = layer.linear.weight.val().dims();
        let bias = match &layer.linear.bias {
            Some(b) => values(b.val()),
            None => vec![0.0; d_out],
        };
        let norm = layer.norm.as_ref().map(|norm| NormParams {
            gamma: values(norm.gamma.val()),
            beta: values(norm.beta.val()),
            running_mean: values(norm.running_mean.value()),
            running_var: values(norm.running_var.value()),
            epsilon: norm.epsilon as f32,
            momentum: norm.momentum as f32,
        });
        NetLayer {
            d_in,
            d_out,
            weight: values(layer.linear.weight.val()),
            bias,
            norm,
            activation: layer.activation,
            dropout: layer.dropout.as_ref().map_or(0.0, |d| d.prob as f32),
        }
    }

    /// Copies this net's parameters and running statistics into `model`,
    /// which must have the same architecture; the result is in inference form.
    pub fn write_into(&self, model: DenseAutoencoder) -> DenseAutoencoder {
        let mut model = model.valid();
        let device = model.encoder.layers[0].linear.weight.val().device();
        let layers = model
            .encoder
            .layers
            .iter_mut()
            .chain(model.decoder.layers.iter_mut());
        for (layer, net_layer) in layers.zip(&self.layers) {
            layer.linear.weight = Param::from_tensor(Tensor::from_data(
                TensorData::new(net_layer.weight.clone(), [net_layer.d_in, net_layer.d_out]),
                &device,
            ));
            let vector = |v: &[f32]| -> Tensor<1> {
                Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &device)
            };
            layer.linear.bias = Some(Param::from_tensor(vector(&net_layer.bias)));
            if let (Some(norm), Some(params)) = (&mut layer.norm, &net_layer.norm) {
                norm.gamma = Param::from_tensor(vector(&params.gamma));
                norm.beta = Param::from_tensor(vector(&params.beta));
                norm.running_mean = RunningState::new(vector(&params.running_mean));
                norm.running_var = RunningState::new(vector(&params.running_var));
            }
        }
        model
    }

    /// The layers, encoder first.
    pub fn layers(&self) -> &[NetLayer] {
        &self.layers
    }

    /// The layers, to update in place.
    pub fn layers_mut(&mut self) -> &mut [NetLayer] {
        &mut self.layers
    }

    /// Indices of the encoder's layers.
    pub fn encoder(&self) -> Range<usize> {
        0..self.n_encoder
    }

    /// Indices of the decoder's layers.
    pub fn decoder(&self) -> Range<usize> {
        self.n_encoder..self.layers.len()
    }

    /// Indices of every layer.
    pub fn all(&self) -> Range<usize> {
        0..self.layers.len()
    }

    /// Runs `layers` on the `n` rows of `input` on this thread. With
    /// `logits`, the last layer's activation is left out. Batch norm must
    /// have been folded ([`DenseNet::folded`]).
    pub fn forward_tile<'s>(
        &self,
        layers: Range<usize>,
        input: &[f32],
        n: usize,
        scratch: &'s mut Scratch,
        logits: bool,
    ) -> &'s [f32] {
        let last = layers.end.saturating_sub(1);
        let mut current = 0;
        for (step, index) in layers.clone().enumerate() {
            let layer = &self.layers[index];
            debug_assert!(layer.norm.is_none(), "inference on an unfolded batch norm");
            let [a, b] = &mut scratch.buffers;
            let (source, target) = if current == 0 { (&*b, a) } else { (&*a, b) };
            let x = if step == 0 {
                input
            } else {
                &source[..n * layer.d_in]
            };
            if target.len() < n * layer.d_out {
                target.resize(n * layer.d_out, 0.0);
            }
            let out = &mut target[..n * layer.d_out];
            for row in out.chunks_exact_mut(layer.d_out) {
                row.copy_from_slice(&layer.bias);
            }
            matmul(
                out,
                true,
                MatRef::new(x, n, layer.d_in),
                MatRef::new(&layer.weight, layer.d_in, layer.d_out),
            );
            if !(logits && index == last) {
                activate::apply(layer.activation, out);
            }
            current = 1 - current;
        }
        if layers.is_empty() {
            return &[];
        }
        let width = self.layers[last].d_out;
        &scratch.buffers[1 - current][..n * width]
    }

    /// Runs `layers` on every row of `input`, tiles in parallel.
    ///
    /// # Panics
    /// If `input`'s width is not the first layer's input width.
    pub fn map_rows(&self, layers: Range<usize>, input: &Matrix) -> Matrix {
        let d_in = self.layers[layers.start].d_in;
        let d_out = self.layers[layers.end - 1].d_out;
        assert_eq!(
            input.n_cols, d_in,
            "rows of {} values for layers taking {d_in}",
            input.n_cols
        );
        let mut out = vec![0.0f32; input.n_rows() * d_out];
        out.par_chunks_mut(TILE * d_out)
            .zip(input.values.par_chunks(TILE * d_in))
            .for_each_init(Scratch::default, |scratch, (out, x)| {
                let n = x.len() / d_in;
                out.copy_from_slice(self.forward_tile(layers.clone(), x, n, scratch, false));
            });
        Matrix::new(out, d_out)
    }

    /// Per-row mean squared reconstruction error of `input`, without
    /// keeping the reconstructions.
    ///
    /// # Panics
    /// If `input`'s width is not the net's input width.
    pub fn row_errors(&self, input: &Matrix) -> Vec<f32> {
        let d = input.n_cols;
        assert_eq!(
            d, self.layers[0].d_in,
            "rows of {d} values for a net taking {}",
            self.layers[0].d_in
        );
        let mut errors = vec![0.0f32; input.n_rows()];
        errors
            .par_chunks_mut(TILE)
            .zip(input.values.par_chunks(TILE * d))
            .for_each_init(Scratch::default, |scratch, (errors, x)| {
                let n = errors.len();
                let out = self.forward_tile(self.all(), x, n, scratch, false);
                for ((e, a), b) in errors
                    .iter_mut()
                    .zip(x.chunks_exact(d))
                    .zip(out.chunks_exact(d))
                {
                    *e = mean_squared_error(a, b);
                }
            });
        errors
    }

    /// Mean `loss` of the whole network over `pairs`, tiles in parallel.
    pub fn mean_loss(&self, loss: LossKind, pairs: Pairs<'_>) -> f64 {
        let d_in = pairs.inputs.n_cols;
        let d_out = pairs.targets.n_cols;
        let n = pairs.inputs.n_rows();
        if n == 0 {
            return f64::NAN;
        }
        let activation = self.layers[self.layers.len() - 1].activation;
        let sums: Vec<f64> = pairs
            .inputs
            .values
            .par_chunks(TILE * d_in)
            .zip(pairs.targets.values.par_chunks(TILE * d_out))
            .map_init(
                || (Scratch::default(), Vec::new()),
                |(scratch, grad), (x, t)| {
                    let rows = x.len() / d_in;
                    let z = self.forward_tile(self.all(), x, rows, scratch, true);
                    grad.resize(z.len(), 0.0);
                    fused::loss_sum_into(loss, activation, z, t, grad, 1.0)
                },
            )
            .collect();
        sums.iter().sum::<f64>() / (n * d_out) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::inference_device;
    use crate::model::DenseAutoencoderConfig;
    use crate::train::trainer::to_tensor;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn random(rows: usize, cols: usize, seed: u64) -> Matrix {
        let mut rng = StdRng::seed_from_u64(seed);
        Matrix::new(
            (0..rows * cols).map(|_| rng.random::<f32>()).collect(),
            cols,
        )
    }

    fn burn_forward(model: &DenseAutoencoder, x: &Matrix) -> Vec<f32> {
        values(model.forward(to_tensor(x.clone(), &inference_device())))
    }

    fn assert_close(a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "[{i}] {x} vs {y}");
        }
    }

    /// Gives batch norm non-trivial statistics, as after training.
    fn perturb_batch_norm(model: DenseAutoencoder) -> DenseAutoencoder {
        use burn::module::RunningState;
        let device = inference_device();
        let mut model = model;
        for (i, layer) in model
            .encoder
            .layers
            .iter_mut()
            .chain(model.decoder.layers.iter_mut())
            .enumerate()
        {
            if let Some(norm) = &mut layer.norm {
                let d = norm.gamma.val().dims()[0];
                let vec = |f: &dyn Fn(usize) -> f32| -> Tensor<1> {
                    Tensor::from_data(
                        TensorData::new((0..d).map(f).collect::<Vec<f32>>(), [d]),
                        &device,
                    )
                };
                norm.gamma = Param::from_tensor(vec(&|j| 0.5 + (j % 7) as f32 * 0.1));
                norm.beta = Param::from_tensor(vec(&|j| (j % 5) as f32 * 0.05 - 0.1));
                norm.running_mean = RunningState::new(vec(&|j| ((j + i) % 3) as f32 * 0.2 - 0.2));
                norm.running_var = RunningState::new(vec(&|j| 0.3 + (j % 4) as f32 * 0.4));
            }
        }
        model
    }

    #[test]
    fn inference_matches_burn_for_every_layer_kind() {
        let device = inference_device();
        let x = random(600, 13, 5);
        for (batch_norm, dropout, activation, output) in [
            (false, 0.0, Activation::Relu, Activation::Sigmoid),
            (
                true,
                0.0,
                Activation::LeakyRelu { slope: 0.3 },
                Activation::Linear,
            ),
            (true, 0.2, Activation::Tanh, Activation::Sigmoid),
            (false, 0.1, Activation::Sigmoid, Activation::Tanh),
        ] {
            let config = DenseAutoencoderConfig {
                hidden: vec![11, 7],
                bottleneck: 3,
                activation,
                output_activation: output,
                batch_norm,
                dropout,
                ..DenseAutoencoderConfig::default()
            };
            let model = config.init(13, &mut StdRng::seed_from_u64(9), &device);
            let model = perturb_batch_norm(model);
            let net = DenseNet::inference(&model);
            assert_close(
                &net.map_rows(net.all(), &x).values,
                &burn_forward(&model, &x),
                1e-5,
            );
            let codes = net.map_rows(net.encoder(), &x);
            let expected = values(model.encoder.forward(to_tensor(x.clone(), &device)));
            assert_close(&codes.values, &expected, 1e-5);
            let decoded = net.map_rows(net.decoder(), &codes);
            let expected = values(model.decoder.forward(to_tensor(codes.clone(), &device)));
            assert_close(&decoded.values, &expected, 1e-5);
            let trainable = DenseNet::trainable(&model);
            assert_eq!(trainable.has_norm(), batch_norm);
            assert_eq!(trainable.folded(), net);
        }
    }

    #[test]
    fn errors_and_losses_match_their_definitions() {
        let device = inference_device();
        let config = DenseAutoencoderConfig {
            hidden: vec![9],
            bottleneck: 2,
            output_activation: Activation::Sigmoid,
            ..DenseAutoencoderConfig::default()
        };
        let model = config.init(6, &mut StdRng::seed_from_u64(3), &device);
        let net = DenseNet::inference(&model);
        let x = random(700, 6, 8);
        let rebuilt = Matrix::new(burn_forward(&model, &x), 6);
        let expected = crate::Autoencoder::row_errors(&x, &rebuilt);
        assert_close(&net.row_errors(&x), &expected, 1e-5);
        let pairs = Pairs {
            inputs: &x,
            targets: &x,
        };
        for loss in [LossKind::Mse, LossKind::Bce, LossKind::Mae] {
            let expected = crate::train::trainer::evaluate(&model, loss, pairs);
            let got = net.mean_loss(loss, pairs);
            assert!(
                (got - expected).abs() < 1e-5 * expected.abs().max(1.0),
                "{loss:?}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn written_weights_come_back() {
        let device = inference_device();
        let config = DenseAutoencoderConfig {
            hidden: vec![5],
            bottleneck: 2,
            batch_norm: true,
            ..DenseAutoencoderConfig::default()
        };
        let model = config.init(4, &mut StdRng::seed_from_u64(1), &device);
        let mut net = DenseNet::trainable(&model);
        for layer in net.layers_mut() {
            layer.weight.iter_mut().for_each(|w| *w += 0.5);
            layer.bias.iter_mut().for_each(|b| *b -= 0.25);
            if let Some(norm) = &mut layer.norm {
                norm.gamma.iter_mut().for_each(|g| *g *= 1.5);
                norm.beta.iter_mut().for_each(|b| *b += 0.1);
                norm.running_mean.iter_mut().for_each(|m| *m -= 0.3);
                norm.running_var.iter_mut().for_each(|v| *v *= 2.0);
            }
        }
        let back = net.write_into(model);
        assert_eq!(DenseNet::trainable(&back), net);
    }
}
