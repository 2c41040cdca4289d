//! Activations applied in place, and their derivatives taken from the
//! activation's output (so the pre-activation need not be kept).

use serde::{Deserialize, Serialize};

use super::loss::fast_exp;

/// An element-wise activation function. Parsing, display and burn's
/// tensor form live with the model (`model/activation.rs`, `train/loss.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Activation {
    /// The identity.
    Linear,
    /// `max(0, x)`.
    Relu,
    /// `x` for positive inputs, `slope * x` otherwise (Keras' default slope is 0.3).
    LeakyRelu {
        /// Slope for negative inputs.
        slope: f64,
    },
    /// The logistic function.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
}

/// Replaces each value `z` by `activation(z)`.
pub fn apply(activation: Activation, values: &mut [f32]) {
    match activation {
        Activation::Linear => {}
        Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
        Activation::LeakyRelu { slope } => {
            let slope = slope as f32;
            values
                .iter_mut()
                .for_each(|v| *v = if *v > 0.0 { *v } else { slope * *v });
        }
        Activation::Sigmoid => values.iter_mut().for_each(|v| *v = sigmoid(*v)),
        Activation::Tanh => values.iter_mut().for_each(|v| *v = v.tanh()),
    }
}

/// Multiplies each gradient by the activation's derivative, given the
/// activation's outputs. For (leaky) ReLU with a non-negative slope the
/// output is positive exactly where the input was.
pub fn backprop(activation: Activation, outputs: &[f32], grads: &mut [f32]) {
    debug_assert_eq!(outputs.len(), grads.len());
    match activation {
        Activation::Linear => {}
        Activation::Relu => {
            for (g, &y) in grads.iter_mut().zip(outputs) {
                *g = if y > 0.0 { *g } else { 0.0 };
            }
        }
        Activation::LeakyRelu { slope } => {
            let slope = slope as f32;
            for (g, &y) in grads.iter_mut().zip(outputs) {
                *g = if y > 0.0 { *g } else { slope * *g };
            }
        }
        Activation::Sigmoid => {
            for (g, &y) in grads.iter_mut().zip(outputs) {
                *g *= y * (1.0 - y);
            }
        }
        Activation::Tanh => {
            for (g, &y) in grads.iter_mut().zip(outputs) {
                *g *= 1.0 - y * y;
            }
        }
    }
}

/// The logistic function, without overflow for large |z|.
#[inline(always)]
pub fn sigmoid(z: f32) -> f32 {
    let e = fast_exp(-z.abs());
    let r = 1.0 / (1.0 + e);
    if z >= 0.0 { r } else { e * r }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVATIONS: [Activation; 5] = [
        Activation::Linear,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.3 },
        Activation::Sigmoid,
        Activation::Tanh,
    ];

    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-3f32;
        for activation in ACTIVATIONS {
            for i in 0..40 {
                let z = (i as f32 - 19.7) * 0.23;
                let mut y = [z, z + h, z - h];
                apply(activation, &mut y);
                let mut g = [1.0];
                backprop(activation, &y[..1], &mut g);
                let numeric = (y[1] - y[2]) / (2.0 * h);
                assert!(
                    (g[0] - numeric).abs() < 2e-3,
                    "{activation:?} at {z}: {} vs {numeric}",
                    g[0]
                );
            }
        }
    }

    #[test]
    fn sigmoid_is_accurate_and_saturates() {
        for i in 0..200 {
            let z = (i as f32 - 100.0) * 0.5;
            let exact = 1.0 / (1.0 + (-f64::from(z)).exp());
            assert!((f64::from(sigmoid(z)) - exact).abs() < 1e-6, "sigmoid({z})");
        }
        assert!(sigmoid(-200.0) < 1e-30);
        assert_eq!(sigmoid(200.0), 1.0);
    }
}
