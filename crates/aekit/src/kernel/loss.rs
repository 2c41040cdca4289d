//! The output activation and the loss in one pass over plain slices: the
//! value and gradient every training path starts its backward pass from.
//!
//! burn evaluates `activation -> loss` as a chain of element-wise tensor
//! operations, each a pass with its own allocation and backward node; on
//! wide outputs (784 pixels x 256 rows) that chain, not the matrix
//! products, dominated training time (BENCHMARKS.md). Here the loss value
//! and its gradient with respect to the output layer's pre-activation `z`
//! come from one loop; training then back-propagates the surrogate
//! `sum(z * g)`, whose gradient is exactly `g`. burn's own path
//! (`LossKind::from_logits` in [`crate::train::loss`]) stays for evaluation
//! and for the tests that hold the two equal.

use serde::{Deserialize, Serialize};

use super::activate::{self, Activation};

/// Which reconstruction loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Mean squared error.
    #[default]
    Mse,
    /// Binary cross-entropy (targets and outputs in [0, 1]).
    Bce,
    /// Mean absolute error.
    Mae,
}

/// Elements per parallel task: large enough to amortise scheduling.
const CHUNK: usize = 16 * 1024;

/// Mean loss over all elements and its gradient with respect to each
/// pre-activation value, for outputs `activation(z)` against `targets`.
/// Chunks run in parallel; the sum is taken in chunk order, so the result
/// does not depend on the thread count's timing.
pub fn loss_and_gradient(
    loss: LossKind,
    activation: Activation,
    z: &[f32],
    targets: &[f32],
) -> (f64, Vec<f32>) {
    use rayon::prelude::*;
    debug_assert_eq!(z.len(), targets.len());
    let inv_n = 1.0 / z.len().max(1) as f32;
    let mut grad = vec![0.0f32; z.len()];
    let partial: Vec<f64> = grad
        .par_chunks_mut(CHUNK)
        .zip(z.par_chunks(CHUNK).zip(targets.par_chunks(CHUNK)))
        .map(|(g, (z, t))| chunk(loss, activation, z, t, g, inv_n))
        .collect();
    (partial.iter().sum::<f64>() * f64::from(inv_n), grad)
}

/// [`loss_and_gradient`] on the calling thread, for a share of a batch:
/// writes the gradient into `grad` scaled by `inv_n` (one over the whole
/// batch's element count) and returns the sum of the share's losses.
pub fn loss_sum_into(
    loss: LossKind,
    activation: Activation,
    z: &[f32],
    targets: &[f32],
    grad: &mut [f32],
    inv_n: f32,
) -> f64 {
    debug_assert!(z.len() == targets.len() && z.len() == grad.len());
    z.chunks(CHUNK)
        .zip(targets.chunks(CHUNK))
        .zip(grad.chunks_mut(CHUNK))
        .map(|((z, t), g)| chunk(loss, activation, z, t, g, inv_n))
        .sum()
}

/// One chunk: writes the gradients and returns the sum of the losses.
fn chunk(
    loss: LossKind,
    activation: Activation,
    z: &[f32],
    t: &[f32],
    grad: &mut [f32],
    inv_n: f32,
) -> f64 {
    let mut losses = vec![0.0f32; z.len()];
    match (loss, activation) {
        (LossKind::Bce, Activation::Sigmoid) => {
            // l = softplus(z) - z t; dl/dz = sigmoid(z) - t. Branch-free so it vectorises.
            for i in 0..z.len() {
                let (z, t) = (z[i], t[i]);
                let e = fast_exp(-z.abs());
                losses[i] = z.max(0.0) + ln_1p_unit(e) - z * t;
                let r = 1.0 / (1.0 + e);
                let sigmoid = if z >= 0.0 { r } else { e * r };
                grad[i] = (sigmoid - t) * inv_n;
            }
        }
        _ => {
            // The activation's value and slope first (into `losses` and
            // `grad`), then the loss: each loop has no call and no
            // loop-invariant branch inside, so both vectorise.
            activate_with_slopes(activation, z, &mut losses, grad);
            match loss {
                LossKind::Mse => {
                    for i in 0..z.len() {
                        let d = losses[i] - t[i];
                        losses[i] = d * d;
                        grad[i] *= 2.0 * d * inv_n;
                    }
                }
                LossKind::Mae => {
                    for i in 0..z.len() {
                        let d = losses[i] - t[i];
                        losses[i] = d.abs();
                        let sign = if d > 0.0 {
                            1.0
                        } else if d < 0.0 {
                            -1.0
                        } else {
                            0.0
                        };
                        grad[i] *= sign * inv_n;
                    }
                }
                LossKind::Bce => {
                    // Only reached with a non-sigmoid output, which
                    // validation refuses; clipped as Keras does.
                    for i in 0..z.len() {
                        let (p, t) = (losses[i].clamp(1e-7, 1.0 - 1e-7), t[i]);
                        losses[i] = -(t * p.ln() + (1.0 - t) * (1.0 - p).ln());
                        grad[i] *= (p - t) / (p * (1.0 - p)) * inv_n;
                    }
                }
            }
        }
    }
    losses.iter().map(|&l| f64::from(l)).sum()
}

/// `exp(x)` for `x <= 0` (Cephes' polynomial, within 2 ulp), written
/// without calls so the loop around it vectorises.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    let x = x.max(-87.0);
    // Round to nearest by adding and removing 1.5 * 2^23: no call to floor,
    // which plain x86-64 (SSE2) lacks as an instruction.
    const ROUND: f32 = 12_582_912.0;
    let rounded = x * std::f32::consts::LOG2_E + ROUND;
    let n = rounded - ROUND;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // 2^n from the bits of `rounded`, whose low mantissa bits hold 2^22 + n:
    // adding 127 and shifting leaves (n + 127) << 23. An `as i32` would
    // saturate and so stay scalar.
    y * f32::from_bits((rounded.to_bits() + 127) << 23)
}

/// `ln(1 + e)` for `e` in [0, 1], as `2 atanh(e / (2 + e))`: accurate for
/// small `e` (where `ln(1 + e)` itself would lose digits) and call-free.
#[inline(always)]
fn ln_1p_unit(e: f32) -> f32 {
    let s = e / (2.0 + e);
    let s2 = s * s;
    let p = 1.0 / 13.0;
    let p = p * s2 + 1.0 / 11.0;
    let p = p * s2 + 1.0 / 9.0;
    let p = p * s2 + 1.0 / 7.0;
    let p = p * s2 + 1.0 / 5.0;
    let p = p * s2 + 1.0 / 3.0;
    let p = p * s2 + 1.0;
    2.0 * s * p
}

/// The activation's values (into `values`) and derivatives (into `slopes`)
/// at `z`, through the kernels' own in-place passes ([`activate`]), which
/// take the derivative from the activation's output.
fn activate_with_slopes(activation: Activation, z: &[f32], values: &mut [f32], slopes: &mut [f32]) {
    values.copy_from_slice(z);
    activate::apply(activation, values);
    slopes.fill(1.0);
    activate::backprop(activation, values, slopes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_and_ln_1p_are_accurate() {
        for i in 0..=4000 {
            let x = -(i as f32) * 0.02;
            let (a, b) = (fast_exp(x), x.exp());
            assert!(
                (a - b).abs() <= 4.0 * f32::EPSILON * b.max(f32::MIN_POSITIVE),
                "exp({x}): {a} vs {b}"
            );
            let e = b;
            let (c, d) = (ln_1p_unit(e), e.ln_1p());
            assert!(
                (c - d).abs() <= 4.0 * f32::EPSILON * d.max(f32::MIN_POSITIVE),
                "ln_1p({e}): {c} vs {d}"
            );
        }
    }
}
