//! A dense network as plain slices, for the kernels: run on row tiles in
//! parallel. The bridge to and from burn modules lives with the model
//! (`model::dense::kernel_bridge`).

use std::ops::Range;

use rayon::prelude::*;

use super::activate::{self, Activation};
use super::loss::{self, LossKind};
use super::matmul::{MatRef, matmul};

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
    /// A net of `layers`, the first `n_encoder` of them the encoder.
    ///
    /// # Panics
    /// If there are no layers, `n_encoder` is not below their count, or
    /// consecutive widths do not chain (model code always builds them so).
    pub fn new(layers: Vec<NetLayer>, n_encoder: usize) -> DenseNet {
        assert!(
            n_encoder > 0 && n_encoder < layers.len(),
            "encoder and decoder layers"
        );
        assert!(
            layers.windows(2).all(|w| w[0].d_out == w[1].d_in),
            "layer widths chain"
        );
        DenseNet { layers, n_encoder }
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

    /// Input width of the first of `layers`.
    pub fn input_width(&self, layers: Range<usize>) -> usize {
        self.layers[layers.start].d_in
    }

    /// Output width of the last of `layers`.
    pub fn output_width(&self, layers: Range<usize>) -> usize {
        self.layers[layers.end - 1].d_out
    }

    /// Runs `layers` on every row of the row-major `input`, tiles in
    /// parallel, and returns the outputs row-major.
    ///
    /// # Panics
    /// If `input` is not whole rows of the first layer's input width.
    pub fn map_rows(&self, layers: Range<usize>, input: &[f32]) -> Vec<f32> {
        let d_in = self.input_width(layers.clone());
        let d_out = self.output_width(layers.clone());
        assert!(
            input.len().is_multiple_of(d_in),
            "{} values are not whole rows of {d_in}",
            input.len()
        );
        let mut out = vec![0.0f32; input.len() / d_in * d_out];
        out.par_chunks_mut(TILE * d_out)
            .zip(input.par_chunks(TILE * d_in))
            .for_each_init(Scratch::default, |scratch, (out, x)| {
                let n = x.len() / d_in;
                out.copy_from_slice(self.forward_tile(layers.clone(), x, n, scratch, false));
            });
        out
    }

    /// Per-row mean squared error between the whole net's output for each
    /// row of `input` and the same row of `targets`, without keeping the
    /// outputs.
    ///
    /// # Panics
    /// If `input` and `targets` are not the same number of whole rows of
    /// the net's input and output widths.
    pub fn row_errors(&self, input: &[f32], targets: &[f32]) -> Vec<f32> {
        let d = self.input_width(self.all());
        let d_out = self.output_width(self.all());
        let n = input.len() / d;
        assert!(
            input.len() == n * d && targets.len() == n * d_out,
            "{} inputs and {} targets are not {n} rows of {d} and {d_out}",
            input.len(),
            targets.len()
        );
        let mut errors = vec![0.0f32; n];
        errors
            .par_chunks_mut(TILE)
            .zip(
                input
                    .par_chunks(TILE * d)
                    .zip(targets.par_chunks(TILE * d_out)),
            )
            .for_each_init(Scratch::default, |scratch, (errors, (x, t))| {
                let n = errors.len();
                let out = self.forward_tile(self.all(), x, n, scratch, false);
                for ((e, a), b) in errors
                    .iter_mut()
                    .zip(t.chunks_exact(d_out))
                    .zip(out.chunks_exact(d_out))
                {
                    *e = mean_squared_error(a, b);
                }
            });
        errors
    }

    /// Mean `loss` of the whole network's outputs for the rows of `inputs`
    /// against the rows of `targets`, tiles in parallel.
    pub fn mean_loss(&self, loss: LossKind, inputs: &[f32], targets: &[f32]) -> f64 {
        let d_in = self.input_width(self.all());
        let d_out = self.output_width(self.all());
        let n = inputs.len() / d_in;
        if n == 0 {
            return f64::NAN;
        }
        let activation = self.layers[self.layers.len() - 1].activation;
        let sums: Vec<f64> = inputs
            .par_chunks(TILE * d_in)
            .zip(targets.par_chunks(TILE * d_out))
            .map_init(
                || (Scratch::default(), Vec::new()),
                |(scratch, grad), (x, t)| {
                    let rows = x.len() / d_in;
                    let z = self.forward_tile(self.all(), x, rows, scratch, true);
                    grad.resize(z.len(), 0.0);
                    loss::loss_sum_into(loss, activation, z, t, grad, 1.0)
                },
            )
            .collect();
        sums.iter().sum::<f64>() / (n * d_out) as f64
    }
}
