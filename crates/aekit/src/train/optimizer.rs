//! Optimiser choice and hyper-parameters, with Keras' defaults.

use burn::optim::{
    AdamConfig, ModuleOptimizer, RmsPropConfig, SgdConfig, momentum::MomentumConfig,
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
}

/// Optimiser hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizerConfig {
    /// Which optimiser.
    pub kind: OptimizerKind,
    /// Learning rate; `None` takes Keras' default for the kind (0.001 for
    /// Adam and RMSprop, 0.01 for SGD).
    pub learning_rate: Option<f64>,
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
            OptimizerKind::Adam | OptimizerKind::RmsProp => 1e-3,
            OptimizerKind::Sgd => 1e-2,
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
        match self.kind {
            OptimizerKind::Adam => AdamConfig::new()
                .with_beta_1(self.beta_1 as f32)
                .with_beta_2(self.beta_2 as f32)
                .with_epsilon(eps)
                .init(),
            OptimizerKind::RmsProp => RmsPropConfig::new()
                .with_alpha(self.rho as f32)
                .with_momentum(self.momentum as f32)
                .with_epsilon(eps)
                .init(),
            OptimizerKind::Sgd => {
                let momentum = (self.momentum > 0.0).then(|| {
                    // Keras' and PyTorch's momentum have no dampening; burn's default has 0.1.
                    MomentumConfig::new()
                        .with_momentum(self.momentum)
                        .with_dampening(0.0)
                });
                SgdConfig::new().with_momentum(momentum).init()
            }
        }
    }
}
