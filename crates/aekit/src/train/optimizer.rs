//! Optimiser choice and hyper-parameters, with Keras' defaults.

use burn::optim::{
    AdamConfig, AdamWConfig, ModuleOptimizer, RmsPropConfig, SgdConfig, decay::WeightDecayConfig,
    momentum::MomentumConfig,
};
use serde::{Deserialize, Serialize};

use crate::error::{AekitError, Result};

/// Which optimiser to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam (Kingma and Ba).
    #[default]
    Adam,
    /// RMSprop, Keras flavour (no momentum unless asked).
    RmsProp,
    /// Stochastic gradient descent, optionally with momentum.
    Sgd,
    /// Adam with decoupled weight decay (Loshchilov and Hutter; PyTorch's
    /// `AdamW`): weights shrink by `lr * weight_decay` each step, apart
    /// from the gradient's adaptive scaling.
    #[serde(rename = "adamw")]
    AdamW,
}

/// Optimiser hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizerConfig {
    /// Which optimiser.
    #[serde(deserialize_with = "crate::named_values::name_or_value")]
    pub kind: OptimizerKind,
    /// Learning rate; `None` takes Keras' default for the kind (0.001 for
    /// Adam, AdamW and RMSprop, 0.01 for SGD).
    pub learning_rate: Option<f64>,
    /// Weight decay; `None` takes PyTorch's default for the kind (0.01 for
    /// AdamW, 0 otherwise). As PyTorch: for Adam, RMSprop and SGD an L2
    /// penalty whose gradient `weight_decay * w` joins the loss's; for
    /// AdamW decoupled from the gradient.
    pub weight_decay: Option<f64>,
    /// Momentum for SGD and RMSprop. Default 0.
    pub momentum: f64,
    /// Numerical-stability epsilon. Default 1e-7, as Keras (burn's own default is 1e-5).
    pub epsilon: f64,
    /// Adam's first-moment decay. Default 0.9.
    pub beta_1: f64,
    /// Adam's second-moment decay. Default 0.999.
    pub beta_2: f64,
    /// RMSprop's moving-average decay (Keras' `rho`). Default 0.9.
    pub rho: f64,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig {
            kind: OptimizerKind::Adam,
            learning_rate: None,
            weight_decay: None,
            momentum: 0.0,
            epsilon: 1e-7,
            beta_1: 0.9,
            beta_2: 0.999,
            rho: 0.9,
        }
    }
}

impl OptimizerConfig {
    /// The learning rate in force.
    pub fn lr(&self) -> f64 {
        self.learning_rate.unwrap_or(match self.kind {
            OptimizerKind::Adam | OptimizerKind::AdamW | OptimizerKind::RmsProp => 1e-3,
            OptimizerKind::Sgd => 1e-2,
        })
    }

    /// The weight decay in force.
    pub fn decay(&self) -> f64 {
        self.weight_decay.unwrap_or(match self.kind {
            OptimizerKind::AdamW => 1e-2,
            OptimizerKind::Adam | OptimizerKind::RmsProp | OptimizerKind::Sgd => 0.0,
        })
    }

    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        let lr = self.lr();
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(AekitError::param(
                "learning_rate",
                format!("must be positive, got {lr}"),
            ));
        }
        let decay = self.decay();
        if !(decay >= 0.0 && decay.is_finite()) {
            return Err(AekitError::param(
                "weight_decay",
                format!("must be 0 or more, got {decay}"),
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(AekitError::param("momentum", "must be in [0, 1)"));
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(AekitError::param("epsilon", "must be positive"));
        }
        for (name, v) in [
            ("beta_1", self.beta_1),
            ("beta_2", self.beta_2),
            ("rho", self.rho),
        ] {
            if !(0.0..1.0).contains(&v) {
                return Err(AekitError::param(name, "must be in [0, 1)"));
            }
        }
        Ok(())
    }

    /// Builds burn's optimiser.
    pub(crate) fn init(&self) -> ModuleOptimizer {
        let eps = self.epsilon as f32;
        let decay = self.decay();
        let l2 = (decay > 0.0).then(|| WeightDecayConfig::new(decay as f32));
        match self.kind {
            OptimizerKind::Adam => AdamConfig::new()
                .with_beta_1(self.beta_1 as f32)
                .with_beta_2(self.beta_2 as f32)
                .with_epsilon(eps)
                .with_weight_decay(l2)
                .init(),
            OptimizerKind::AdamW => AdamWConfig::new()
                .with_beta_1(self.beta_1 as f32)
                .with_beta_2(self.beta_2 as f32)
                .with_epsilon(eps)
                .with_weight_decay(decay as f32)
                .init(),
            OptimizerKind::RmsProp => RmsPropConfig::new()
                .with_alpha(self.rho as f32)
                .with_momentum(self.momentum as f32)
                .with_epsilon(eps)
                .with_weight_decay(l2)
                .init(),
            OptimizerKind::Sgd => {
                let momentum = (self.momentum > 0.0).then(|| {
                    // Keras' and PyTorch's momentum have no dampening; burn's default has 0.1.
                    MomentumConfig::new()
                        .with_momentum(self.momentum)
                        .with_dampening(0.0)
                });
                SgdConfig::new()
                    .with_momentum(momentum)
                    .with_weight_decay(l2)
                    .init()
            }
        }
    }
}

/// Parses the command line's names (adam, rmsprop, sgd, adamw).
impl std::str::FromStr for OptimizerKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "optimizer",
            s,
            &[
                ("adam", OptimizerKind::Adam),
                ("rmsprop", OptimizerKind::RmsProp),
                ("sgd", OptimizerKind::Sgd),
                ("adamw", OptimizerKind::AdamW),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_or_infinite_weight_decay_is_refused() {
        for bad in [-0.1, f64::INFINITY, f64::NAN] {
            let config = OptimizerConfig {
                weight_decay: Some(bad),
                ..OptimizerConfig::default()
            };
            let err = config.validate().unwrap_err().to_string();
            assert!(err.contains("weight_decay"), "{err}");
        }
        let adamw = OptimizerConfig {
            kind: OptimizerKind::AdamW,
            ..OptimizerConfig::default()
        };
        assert_eq!(adamw.decay(), 0.01);
        assert_eq!(OptimizerConfig::default().decay(), 0.0);
    }
}
