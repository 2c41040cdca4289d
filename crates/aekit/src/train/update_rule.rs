//! Optimiser updates element by element, with burn's formulas, for the
//! kernels' training ([`super::native`]).

use super::optimizer::{OptimizerConfig, OptimizerKind};

/// An optimiser's element-wise rule and hyper-parameters (burn's formulas),
/// with the L2 weight decay `l2` that Adam, RMSprop and SGD add to each
/// gradient (`g + l2 * p`, as burn and PyTorch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdateRule {
    /// The element-wise step.
    pub step: StepRule,
    /// Added to each gradient times its weight (0 for AdamW, whose decay is its own).
    pub l2: f32,
}

/// The element-wise step of an optimiser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepRule {
    /// Adam: `p -= lr * m_hat / (sqrt(v_hat) + eps)`.
    Adam {
        /// Learning rate.
        lr: f32,
        /// First-moment decay.
        beta_1: f32,
        /// Second-moment decay.
        beta_2: f32,
        /// Added to the root of the second moment.
        epsilon: f32,
    },
    /// AdamW: `p = p * (1 - lr * decay) - lr * m_hat / (sqrt(v_hat) + eps)`.
    AdamW {
        /// Learning rate.
        lr: f32,
        /// First-moment decay.
        beta_1: f32,
        /// Second-moment decay.
        beta_2: f32,
        /// Added to the root of the corrected second moment.
        epsilon: f32,
        /// Decoupled weight decay.
        decay: f32,
    },
    /// RMSprop without centring: `p -= lr * g / (sqrt(s) + eps)`, with momentum if set.
    RmsProp {
        /// Learning rate.
        lr: f32,
        /// Decay of the squared-gradient average.
        alpha: f32,
        /// Added to the root of the average.
        epsilon: f32,
        /// Momentum (0: none).
        momentum: f32,
    },
    /// SGD: `p -= lr * v`, `v = g + momentum * v` (no dampening).
    Sgd {
        /// Learning rate.
        lr: f32,
        /// Momentum (0: none).
        momentum: f32,
    },
}

impl UpdateRule {
    /// The rule of an optimiser configuration.
    pub fn new(config: &OptimizerConfig) -> UpdateRule {
        let lr = config.lr() as f32;
        let decay = config.decay() as f32;
        let step = match config.kind {
            OptimizerKind::Adam => StepRule::Adam {
                lr,
                beta_1: config.beta_1 as f32,
                beta_2: config.beta_2 as f32,
                epsilon: config.epsilon as f32,
            },
            OptimizerKind::AdamW => StepRule::AdamW {
                lr,
                beta_1: config.beta_1 as f32,
                beta_2: config.beta_2 as f32,
                epsilon: config.epsilon as f32,
                decay,
            },
            OptimizerKind::RmsProp => StepRule::RmsProp {
                lr,
                alpha: config.rho as f32,
                epsilon: config.epsilon as f32,
                momentum: config.momentum as f32,
            },
            OptimizerKind::Sgd => StepRule::Sgd {
                lr,
                momentum: config.momentum as f32,
            },
        };
        let l2 = if config.kind == OptimizerKind::AdamW {
            0.0
        } else {
            decay
        };
        UpdateRule { step, l2 }
    }

    /// Updates `params` from `grads` at step `time` (1 for the first), with
    /// the state slices `first` and `second` (zero before the first step).
    pub fn apply(
        self,
        time: i32,
        params: &mut [f32],
        grads: &[f32],
        first: &mut [f32],
        second: &mut [f32],
    ) {
        let l2 = self.l2;
        match self.step {
            StepRule::Adam {
                lr,
                beta_1,
                beta_2,
                epsilon,
            } => {
                // As burn: m * (sqrt(1 - b2^t) / (1 - b1^t)) / (sqrt(v) + eps * sqrt(1 - b2^t)).
                let correction_2 = (1.0 - beta_2.powi(time)).sqrt();
                let factor = correction_2 / (1.0 - beta_1.powi(time));
                let eps = epsilon * correction_2;
                for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(first).zip(second) {
                    let g = g + l2 * *p;
                    *m = beta_1 * *m + (1.0 - beta_1) * g;
                    *v = beta_2 * *v + (1.0 - beta_2) * g * g;
                    *p -= lr * (*m * factor / (v.sqrt() + eps));
                }
            }
            StepRule::AdamW {
                lr,
                beta_1,
                beta_2,
                epsilon,
                decay,
            } => {
                // As burn's AdamW: epsilon joins the root of the corrected second moment.
                let correction_1 = 1.0 - beta_1.powi(time);
                let correction_2 = 1.0 - beta_2.powi(time);
                let keep = 1.0 - lr * decay;
                for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(first).zip(second) {
                    *m = beta_1 * *m + (1.0 - beta_1) * g;
                    *v = beta_2 * *v + (1.0 - beta_2) * g * g;
                    let delta = (*m / correction_1) / ((*v / correction_2).sqrt() + epsilon);
                    *p = *p * keep - lr * delta;
                }
            }
            StepRule::RmsProp {
                lr,
                alpha,
                epsilon,
                momentum,
            } => {
                for (((p, &g), buf), s) in params.iter_mut().zip(grads).zip(first).zip(second) {
                    let g = g + l2 * *p;
                    *s = alpha * *s + (1.0 - alpha) * g * g;
                    let mut step = g / (s.sqrt() + epsilon);
                    if momentum > 0.0 {
                        *buf = momentum * *buf + step;
                        step = *buf;
                    }
                    *p -= lr * step;
                }
            }
            StepRule::Sgd { lr, momentum } => {
                for ((p, &g), velocity) in params.iter_mut().zip(grads).zip(first) {
                    let g = g + l2 * *p;
                    let step = if momentum > 0.0 {
                        *velocity = g + momentum * *velocity;
                        *velocity
                    } else {
                        g
                    };
                    *p -= lr * step;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_each_weight_by_the_learning_rate() {
        // With zero moments, m_hat / sqrt(v_hat) = g / |g|: a step of lr against the sign.
        let rule = UpdateRule::new(&OptimizerConfig::default());
        let mut params = [1.0f32, -2.0, 0.5];
        let grads = [0.3f32, -4.0, 1e-3];
        let (mut m, mut v) = ([0.0f32; 3], [0.0f32; 3]);
        rule.apply(1, &mut params, &grads, &mut m, &mut v);
        for (p, expected) in params.iter().zip([0.999f32, -1.999, 0.499]) {
            assert!((p - expected).abs() < 1e-5, "{p} vs {expected}");
        }
    }

    #[test]
    fn weight_decay_is_an_l2_gradient_except_for_adamw() {
        let config = |kind, weight_decay| OptimizerConfig {
            kind,
            learning_rate: Some(0.1),
            weight_decay,
            ..OptimizerConfig::default()
        };
        let step = |config: &OptimizerConfig, p: f32, g: f32| {
            let (mut p, mut m, mut v) = ([p], [0.0f32], [0.0f32]);
            UpdateRule::new(config).apply(1, &mut p, &[g], &mut m, &mut v);
            p[0]
        };
        // SGD: p - lr * (g + wd * p) = 2 - 0.1 * (1 + 0.5 * 2).
        let sgd = step(&config(OptimizerKind::Sgd, Some(0.5)), 2.0, 1.0);
        assert!((sgd - 1.8).abs() < 1e-6, "{sgd}");
        // Adam: the penalty alone (no data gradient) still moves a weight by lr.
        let adam = step(&config(OptimizerKind::Adam, Some(0.5)), 2.0, 0.0);
        assert!((adam - 1.9).abs() < 1e-5, "{adam}");
        assert_eq!(step(&config(OptimizerKind::Adam, None), 2.0, 0.0), 2.0);
        // AdamW: shrunk by lr * wd apart from the step: 2 * (1 - 0.1 * 0.5) - 0.1.
        let adamw = step(&config(OptimizerKind::AdamW, Some(0.5)), 2.0, 1.0);
        assert!((adamw - 1.8).abs() < 1e-5, "{adamw}");
        // PyTorch's AdamW default decay is 0.01.
        let default = step(&config(OptimizerKind::AdamW, None), 2.0, 1.0);
        assert!((default - (2.0 * 0.999 - 0.1)).abs() < 1e-5, "{default}");
    }

    #[test]
    fn sgd_momentum_accumulates_without_dampening() {
        let config = OptimizerConfig {
            kind: OptimizerKind::Sgd,
            learning_rate: Some(0.1),
            momentum: 0.5,
            ..OptimizerConfig::default()
        };
        let rule = UpdateRule::new(&config);
        let (mut p, mut velocity, mut unused) = ([0.0f32], [0.0f32], [0.0f32]);
        rule.apply(1, &mut p, &[1.0], &mut velocity, &mut unused);
        rule.apply(2, &mut p, &[1.0], &mut velocity, &mut unused);
        // v1 = 1, v2 = 1 + 0.5 = 1.5: p = -0.1 - 0.15.
        assert!((p[0] + 0.25).abs() < 1e-6, "{}", p[0]);
    }
}
