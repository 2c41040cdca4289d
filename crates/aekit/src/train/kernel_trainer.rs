//! Training steps of dense models on the plain-slice kernels ([`crate::kernel`]).
//!
//! A step runs in two parallel phases, each one task per thread:
//! 1. the batch's rows are split across threads and each thread takes its
//!    rows through the forward pass, the fused loss ([`crate::kernel::loss`]) and
//!    the backward pass down to every layer's pre-activation gradient —
//!    rows never meet until the weight gradients, so no thread waits (with
//!    batch norm, which needs the whole batch's statistics, one thread
//!    takes every row: such models are trained on small batches);
//! 2. the weight matrices are split by rows across threads and each thread
//!    forms its slice of every weight gradient (one product over the whole
//!    batch) and updates those weights and their optimiser state at once,
//!    while the slice is still in cache.
//!
//! The optimiser rules are burn's, written out element by element
//! ([`super::update_rule`]); the tests hold the results equal to burn's path.

use std::collections::HashMap;

use rayon::prelude::*;

use super::batches::Pairs;
use super::checkpoint::{Tensors, take};
use super::loss::LossKind;
use super::optimizer::OptimizerConfig;
use super::update_rule::UpdateRule;
use crate::kernel::batch_norm::{self, NormStep};
use crate::kernel::dropout::DropoutMask;
use crate::kernel::loss as fused;
use crate::kernel::{DenseNet, MatRef, activate, matmul};

/// A network's weights (and batch-norm parameters and statistics) as
/// named values, each name after `prefix`.
pub fn net_values(net: &DenseNet, prefix: &str) -> Tensors {
    let mut out = Vec::new();
    for (l, layer) in net.layers().iter().enumerate() {
        out.push((format!("{prefix}{l}.weight"), layer.weight.clone()));
        out.push((format!("{prefix}{l}.bias"), layer.bias.clone()));
        if let Some(n) = &layer.norm {
            out.push((format!("{prefix}{l}.gamma"), n.gamma.clone()));
            out.push((format!("{prefix}{l}.beta"), n.beta.clone()));
            out.push((format!("{prefix}{l}.running_mean"), n.running_mean.clone()));
            out.push((format!("{prefix}{l}.running_var"), n.running_var.clone()));
        }
    }
    out
}

/// A network of `template`'s architecture with the values
/// [`net_values`] gave under `prefix`.
pub fn net_from(
    template: &DenseNet,
    tensors: &mut HashMap<String, Vec<f32>>,
    prefix: &str,
) -> std::result::Result<DenseNet, String> {
    let mut net = template.clone();
    for (l, layer) in net.layers_mut().iter_mut().enumerate() {
        layer.weight = take(tensors, &format!("{prefix}{l}.weight"), layer.weight.len())?;
        layer.bias = take(tensors, &format!("{prefix}{l}.bias"), layer.bias.len())?;
        if let Some(n) = &mut layer.norm {
            let d = n.gamma.len();
            n.gamma = take(tensors, &format!("{prefix}{l}.gamma"), d)?;
            n.beta = take(tensors, &format!("{prefix}{l}.beta"), d)?;
            n.running_mean = take(tensors, &format!("{prefix}{l}.running_mean"), d)?;
            n.running_var = take(tensors, &format!("{prefix}{l}.running_var"), d)?;
        }
    }
    Ok(net)
}

/// Below this many multiply-adds in a step's weight gradients (about 40 µs
/// of products on one core), the second phase runs on the calling thread.
const SERIAL_MULTIPLY_ADDS: usize = 1 << 22;

/// Optimiser state of one layer: two slots per weight and per bias.
#[derive(Debug, Clone)]
struct LayerState {
    weight: [Vec<f32>; 2],
    bias: [Vec<f32>; 2],
    /// Batch norm's gamma and beta, when the layer has it.
    norm: Option<[[Vec<f32>; 2]; 2]>,
}

/// A network being trained on the kernels, with its optimiser state and
/// per-step buffers (sized for the largest batch seen).
#[derive(Debug, Clone)]
pub struct KernelTrainer {
    net: DenseNet,
    rule: UpdateRule,
    loss: LossKind,
    /// Seeds the dropout masks.
    seed: u64,
    time: i32,
    state: Vec<LayerState>,
    /// `acts[0]`: the batch's inputs; `acts[l + 1]`: layer `l`'s output
    /// (before its activation for the last layer).
    acts: Vec<Vec<f32>>,
    /// `grads[l]`: the loss gradient at layer `l`'s pre-activation.
    grads: Vec<Vec<f32>>,
    /// `before_dropout[l]`: layer `l`'s activation before its dropout (empty without).
    before_dropout: Vec<Vec<f32>>,
    targets: Vec<f32>,
    weight_grads: Vec<Vec<f32>>,
    bias_grads: Vec<Vec<f32>>,
    norm_steps: Vec<NormStep>,
}

/// One thread's rows of every per-step buffer.
struct RowShare<'a> {
    /// Position of the share's first row in the batch.
    first: usize,
    rows: &'a [usize],
    acts: Vec<&'a mut [f32]>,
    grads: Vec<&'a mut [f32]>,
    before_dropout: Vec<&'a mut [f32]>,
    targets: &'a mut [f32],
    /// Per layer, for nets with batch norm, whose one share holds every row.
    norm: &'a mut [NormStep],
}

/// One task of the second phase: a block of weight rows, a bias, or a batch-norm vector.
enum UpdateJob<'a> {
    Weights {
        layer: usize,
        rows: (usize, usize),
        params: &'a mut [f32],
        grads: &'a mut [f32],
        first: &'a mut [f32],
        second: &'a mut [f32],
    },
    Bias {
        layer: usize,
        params: &'a mut [f32],
        grads: &'a mut [f32],
        first: &'a mut [f32],
        second: &'a mut [f32],
    },
    /// Batch norm's gamma or beta, whose gradient the first phase formed.
    Norm {
        params: &'a mut [f32],
        grads: &'a [f32],
        first: &'a mut [f32],
        second: &'a mut [f32],
    },
}

impl KernelTrainer {
    /// A trainer for `net` in training form (batch norm unfolded); `seed`
    /// seeds the dropout masks.
    pub fn new(
        net: DenseNet,
        optimizer: &OptimizerConfig,
        loss: LossKind,
        seed: u64,
    ) -> KernelTrainer {
        let state = net
            .layers()
            .iter()
            .map(|l| LayerState {
                weight: [vec![0.0; l.weight.len()], vec![0.0; l.weight.len()]],
                bias: [vec![0.0; l.d_out], vec![0.0; l.d_out]],
                norm: l.norm.as_ref().map(|_| {
                    let zeros = || [vec![0.0; l.d_out], vec![0.0; l.d_out]];
                    [zeros(), zeros()]
                }),
            })
            .collect();
        let n_layers = net.layers().len();
        let weight_grads = net
            .layers()
            .iter()
            .map(|l| vec![0.0; l.weight.len()])
            .collect();
        let bias_grads = net.layers().iter().map(|l| vec![0.0; l.d_out]).collect();
        KernelTrainer {
            net,
            rule: UpdateRule::new(optimizer),
            loss,
            seed,
            time: 0,
            state,
            acts: vec![Vec::new(); n_layers + 1],
            grads: vec![Vec::new(); n_layers],
            before_dropout: vec![Vec::new(); n_layers],
            targets: Vec::new(),
            weight_grads,
            bias_grads,
            norm_steps: vec![NormStep::default(); n_layers],
        }
    }

    /// The optimiser's moments as named values, and the step count: with
    /// the weights, everything a later step depends on (dropout masks are
    /// drawn from the seed and the step count).
    pub fn state(&self) -> (Tensors, u64) {
        let mut out = Vec::new();
        for (l, s) in self.state.iter().enumerate() {
            for k in 0..2 {
                out.push((format!("moments.{l}.weight.{k}"), s.weight[k].clone()));
                out.push((format!("moments.{l}.bias.{k}"), s.bias[k].clone()));
                if let Some(norm) = &s.norm {
                    out.push((format!("moments.{l}.gamma.{k}"), norm[0][k].clone()));
                    out.push((format!("moments.{l}.beta.{k}"), norm[1][k].clone()));
                }
            }
        }
        out.extend(net_values(&self.net, "net."));
        (out, self.time as u64)
    }

    /// Takes back a state from [`KernelTrainer::state`].
    pub fn restore(
        &mut self,
        tensors: &mut HashMap<String, Vec<f32>>,
        step: u64,
    ) -> std::result::Result<(), String> {
        for (l, s) in self.state.iter_mut().enumerate() {
            for k in 0..2 {
                let n = s.weight[k].len();
                s.weight[k] = take(tensors, &format!("moments.{l}.weight.{k}"), n)?;
                let n = s.bias[k].len();
                s.bias[k] = take(tensors, &format!("moments.{l}.bias.{k}"), n)?;
                if let Some(norm) = &mut s.norm {
                    let n = norm[0][k].len();
                    norm[0][k] = take(tensors, &format!("moments.{l}.gamma.{k}"), n)?;
                    norm[1][k] = take(tensors, &format!("moments.{l}.beta.{k}"), n)?;
                }
            }
        }
        self.net = net_from(&self.net, tensors, "net.")?;
        self.time = i32::try_from(step).map_err(|_| format!("step count {step} is too large"))?;
        Ok(())
    }

    /// The loss being minimised.
    pub fn loss(&self) -> LossKind {
        self.loss
    }

    /// The network as trained so far.
    pub fn net(&self) -> &DenseNet {
        &self.net
    }

    /// Widths of the activations: input, then each layer's output.
    fn widths(&self) -> Vec<usize> {
        let layers = self.net.layers();
        std::iter::once(layers[0].d_in)
            .chain(layers.iter().map(|l| l.d_out))
            .collect()
    }

    /// One optimiser step on the rows `rows` of `pairs`; returns the batch's
    /// mean loss. A loss that is not finite is returned without updating.
    pub fn step(&mut self, pairs: Pairs<'_>, rows: &[usize]) -> f64 {
        let same_targets = pairs.same_targets();
        let b = rows.len();
        if b == 0 {
            return f64::NAN;
        }
        let widths = self.widths();
        for (buf, &w) in self.acts.iter_mut().zip(&widths) {
            buf.resize(b * w, 0.0);
        }
        for (buf, &w) in self.grads.iter_mut().zip(&widths[1..]) {
            buf.resize(b * w, 0.0);
        }
        for (buf, layer) in self.before_dropout.iter_mut().zip(self.net.layers()) {
            buf.resize(
                if layer.dropout > 0.0 {
                    b * layer.d_out
                } else {
                    0
                },
                0.0,
            );
        }
        let d_out = widths[widths.len() - 1];
        self.targets
            .resize(if same_targets { 0 } else { b * d_out }, 0.0);

        let threads = rayon::current_num_threads().max(1);
        let has_norm = self.net.has_norm();
        // Whole multiples of 8 rows per share keep the products' tiles full.
        // Batch norm needs the whole batch's statistics: one share.
        let share = if has_norm {
            b
        } else {
            b.div_ceil(threads).next_multiple_of(8).min(b)
        };
        let mut shares: Vec<RowShare<'_>> = rows
            .chunks(share)
            .enumerate()
            .map(|(i, rows)| RowShare {
                first: i * share,
                rows,
                acts: Vec::new(),
                grads: Vec::new(),
                before_dropout: Vec::new(),
                targets: &mut [],
                norm: &mut [],
            })
            .collect();
        if has_norm {
            for (step, layer) in self.norm_steps.iter_mut().zip(self.net.layers()) {
                if layer.norm.is_some() {
                    step.normalized.resize(b * layer.d_out, 0.0);
                    for v in [
                        &mut step.mean,
                        &mut step.var,
                        &mut step.inv_std,
                        &mut step.grad_gamma,
                        &mut step.grad_beta,
                    ] {
                        v.resize(layer.d_out, 0.0);
                    }
                }
            }
            shares[0].norm = &mut self.norm_steps;
        }
        for (buf, &w) in self.acts.iter_mut().zip(&widths) {
            for (s, chunk) in shares.iter_mut().zip(buf.chunks_mut(share * w)) {
                s.acts.push(chunk);
            }
        }
        for (buf, &w) in self.grads.iter_mut().zip(&widths[1..]) {
            for (s, chunk) in shares.iter_mut().zip(buf.chunks_mut(share * w)) {
                s.grads.push(chunk);
            }
        }
        for (buf, layer) in self.before_dropout.iter_mut().zip(self.net.layers()) {
            // Layers without dropout lend every share an empty slice.
            let width = if layer.dropout > 0.0 { layer.d_out } else { 0 };
            let mut chunks = buf.chunks_mut((share * width).max(1));
            for s in shares.iter_mut() {
                s.before_dropout.push(chunks.next().unwrap_or_default());
            }
        }
        if !same_targets {
            for (s, chunk) in shares
                .iter_mut()
                .zip(self.targets.chunks_mut(share * d_out))
            {
                s.targets = chunk;
            }
        }
        let inv_n = 1.0 / (b * d_out) as f32;
        let (net, loss) = (&self.net, self.loss);
        let (seed, step) = (self.seed, (self.time + 1) as u64);
        let masks: Vec<Option<DropoutMask>> = net
            .layers()
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                (layer.dropout > 0.0).then(|| DropoutMask::new(layer.dropout, seed, step, l))
            })
            .collect();
        let masks = &masks;
        let run = |share| forward_backward(net, loss, pairs, share, masks, same_targets, inv_n);
        // One share runs here: handing it to the pool would only add a wake-up.
        let sums: Vec<f64> = if shares.len() == 1 {
            shares.into_iter().map(run).collect()
        } else {
            shares.into_par_iter().map(run).collect()
        };
        let value = sums.iter().sum::<f64>() * f64::from(inv_n);
        if !value.is_finite() {
            return value;
        }
        self.time += 1;
        if has_norm {
            self.update_running_statistics();
        }
        self.update(b, threads);
        value
    }

    /// Moves batch norm's running statistics towards this batch's, as burn does.
    fn update_running_statistics(&mut self) {
        for (layer, step) in self.net.layers_mut().iter_mut().zip(&self.norm_steps) {
            if let Some(norm) = &mut layer.norm {
                let m = norm.momentum;
                for (r, &v) in norm.running_mean.iter_mut().zip(&step.mean) {
                    *r = *r * (1.0 - m) + v * m;
                }
                for (r, &v) in norm.running_var.iter_mut().zip(&step.var) {
                    *r = *r * (1.0 - m) + v * m;
                }
            }
        }
    }

    /// The second phase: weight gradients and updates, rows split across threads.
    fn update(&mut self, b: usize, threads: usize) {
        let multiply_adds: usize = self.net.layers().iter().map(|l| b * l.d_in * l.d_out).sum();
        let mut jobs = Vec::new();
        let layers = self.net.layers_mut();
        for (l, (((layer, state), (weight_grads, bias_grads)), norm_step)) in layers
            .iter_mut()
            .zip(self.state.iter_mut())
            .zip(self.weight_grads.iter_mut().zip(self.bias_grads.iter_mut()))
            .zip(&self.norm_steps)
            .enumerate()
        {
            if let (Some(norm), Some([gamma_state, beta_state])) =
                (&mut layer.norm, &mut state.norm)
            {
                for (params, grads, [first, second]) in [
                    (&mut norm.gamma, &norm_step.grad_gamma, gamma_state),
                    (&mut norm.beta, &norm_step.grad_beta, beta_state),
                ] {
                    jobs.push(UpdateJob::Norm {
                        params,
                        grads,
                        first,
                        second,
                    });
                }
            }
            let d_out = layer.d_out;
            // Two blocks per thread per layer lets work-stealing even out the sizes.
            let block = layer.d_in.div_ceil(2 * threads).max(8);
            let [first, second] = &mut state.weight;
            for (i, (((params, grads), first), second)) in layer
                .weight
                .chunks_mut(block * d_out)
                .zip(weight_grads.chunks_mut(block * d_out))
                .zip(first.chunks_mut(block * d_out))
                .zip(second.chunks_mut(block * d_out))
                .enumerate()
            {
                let start = i * block;
                jobs.push(UpdateJob::Weights {
                    layer: l,
                    rows: (start, start + params.len() / d_out),
                    params,
                    grads,
                    first,
                    second,
                });
            }
            let [first, second] = &mut state.bias;
            jobs.push(UpdateJob::Bias {
                layer: l,
                params: &mut layer.bias,
                grads: bias_grads,
                first,
                second,
            });
        }
        let (acts, grads, rule, time) = (&self.acts, &self.grads, self.rule, self.time);
        let run = |job: UpdateJob<'_>| match job {
            UpdateJob::Weights {
                layer,
                rows: (start, end),
                params,
                grads: weight_grads,
                first,
                second,
            } => {
                let (d_in, d_out) = (acts[layer].len() / b, grads[layer].len() / b);
                // dW[start..end] = X[:, start..end]^T dZ over the whole batch.
                matmul(
                    weight_grads,
                    false,
                    MatRef::new(&acts[layer], b, d_in).t().rows(start, end),
                    MatRef::new(&grads[layer], b, d_out),
                );
                rule.apply(time, params, weight_grads, first, second);
            }
            UpdateJob::Bias {
                layer,
                params,
                grads: bias_grads,
                first,
                second,
            } => {
                bias_grads.fill(0.0);
                for row in grads[layer].chunks_exact(bias_grads.len()) {
                    bias_grads.iter_mut().zip(row).for_each(|(s, g)| *s += g);
                }
                rule.apply(time, params, bias_grads, first, second);
            }
            UpdateJob::Norm {
                params,
                grads,
                first,
                second,
            } => rule.apply(time, params, grads, first, second),
        };
        // Small steps (the seed tutorial's 16 rows) cost less on one thread
        // than waking the others.
        if multiply_adds < SERIAL_MULTIPLY_ADDS {
            jobs.into_iter().for_each(run);
        } else {
            jobs.into_par_iter().for_each(run);
        }
    }
}

/// The first phase for one thread's rows: forward, loss gradient, and
/// backward to every layer's pre-activation. Returns the rows' loss sum.
fn forward_backward(
    net: &DenseNet,
    loss: LossKind,
    pairs: Pairs<'_>,
    share: RowShare<'_>,
    masks: &[Option<DropoutMask>],
    same_targets: bool,
    inv_n: f32,
) -> f64 {
    let RowShare {
        first,
        rows,
        mut acts,
        mut grads,
        mut before_dropout,
        targets,
        norm: norm_steps,
    } = share;
    let n = rows.len();
    let layers = net.layers();
    let d_in = layers[0].d_in;
    for (dst, &r) in acts[0].chunks_exact_mut(d_in).zip(rows) {
        dst.copy_from_slice(pairs.inputs.row(r));
    }
    if !same_targets {
        let d = pairs.targets.n_cols;
        for (dst, &r) in targets.chunks_exact_mut(d).zip(rows) {
            dst.copy_from_slice(pairs.targets.row(r));
        }
    }
    let last = layers.len() - 1;
    for (l, layer) in layers.iter().enumerate() {
        let (inputs, outputs) = acts.split_at_mut(l + 1);
        let out = &mut *outputs[0];
        for row in out.chunks_exact_mut(layer.d_out) {
            row.copy_from_slice(&layer.bias);
        }
        matmul(
            out,
            true,
            MatRef::new(inputs[l], n, layer.d_in),
            MatRef::new(&layer.weight, layer.d_in, layer.d_out),
        );
        if let Some(norm) = &layer.norm {
            batch_norm::forward(out, layer.d_out, norm, &mut norm_steps[l]);
        }
        if l < last {
            activate::apply(layer.activation, out);
            if let Some(mask) = &masks[l] {
                before_dropout[l].copy_from_slice(out);
                mask.apply(out, first * layer.d_out);
            }
        }
    }
    let t: &[f32] = if same_targets { acts[0] } else { targets };
    let sum = fused::loss_sum_into(
        loss,
        layers[last].activation,
        acts[last + 1],
        t,
        grads[last],
        inv_n,
    );
    for l in (0..layers.len()).rev() {
        let layer = &layers[l];
        if let Some(norm) = &layer.norm {
            batch_norm::backward(grads[l], layer.d_out, &norm.gamma, &mut norm_steps[l]);
        }
        if l == 0 {
            break;
        }
        let (below, above) = grads.split_at_mut(l);
        // dX = dZ W^T, then through the activation of the layer below.
        matmul(
            below[l - 1],
            false,
            MatRef::new(above[0], n, layer.d_out),
            MatRef::new(&layer.weight, layer.d_in, layer.d_out).t(),
        );
        // Through the dropout of the layer below (the same mask, regenerated),
        // then its activation, whose derivative needs the values before dropout.
        let below_layer = &layers[l - 1];
        let outputs: &[f32] = match &masks[l - 1] {
            Some(mask) => {
                mask.apply(below[l - 1], first * below_layer.d_out);
                before_dropout[l - 1]
            }
            None => acts[l],
        };
        activate::backprop(below_layer.activation, outputs, below[l - 1]);
    }
    sum
}
