//! Model kinds. Every model is one kind behind one tagged config
//! ([`ModelConfig`], the model file's `model` entry); a fitted model offers
//! small capabilities (encode, decode, predict: `capability.rs`, internal)
//! that tasks ask for, never a concrete type. A kind is a folder of the same shape: its config, its burn module,
//! and its fitted form (plus, for dense, the bridge to its kernels).

mod activation;
pub(crate) mod capability;
pub(crate) mod dense;
mod summary;
pub(crate) mod weights;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use activation::{Activation, DEFAULT_LEAKY_SLOPE};
pub(crate) use capability::{Decode, Encode, FittedNetwork, Predict, row_errors};
pub use dense::DenseAutoencoderConfig;
pub use summary::{ModelSummary, SummaryRow};
pub(crate) use weights::NamedTensor;

use crate::error::Result;
use crate::train::{History, Pairs, TrainingConfig, TrainingData, TrainingObserver};

/// The architecture of a model of some kind, tagged by `kind` in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelConfig {
    /// A dense autoencoder (or, with a target table, a dense input -> target model).
    Dense(DenseAutoencoderConfig),
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig::Dense(DenseAutoencoderConfig::default())
    }
}

impl From<DenseAutoencoderConfig> for ModelConfig {
    fn from(config: DenseAutoencoderConfig) -> Self {
        ModelConfig::Dense(config)
    }
}

/// The kinds this build knows, as the model file names them.
pub const KINDS: &[&str] = &["dense"];

impl ModelConfig {
    /// The kind's name, as in the model file.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelConfig::Dense(_) => "dense",
        }
    }

    /// The dense architecture, when the model is dense.
    pub fn as_dense(&self) -> Option<&DenseAutoencoderConfig> {
        match self {
            ModelConfig::Dense(c) => Some(c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The dense architecture to change, when the model is dense.
    pub fn as_dense_mut(&mut self) -> Option<&mut DenseAutoencoderConfig> {
        match self {
            ModelConfig::Dense(c) => Some(c),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Checks every hyper-parameter that needs no data.
    pub fn validate(&self) -> Result<()> {
        match self {
            ModelConfig::Dense(c) => c.validate(),
        }
    }

    /// The activation of the output layer (which decides, for instance,
    /// whether outputs and noisy inputs live in [0, 1]).
    pub fn output_activation(&self) -> Activation {
        match self {
            ModelConfig::Dense(c) => c.output_activation,
        }
    }

    /// A Keras-style summary for `n_inputs` inputs and `n_outputs` outputs.
    pub fn summary(&self, n_inputs: usize, n_outputs: usize) -> ModelSummary {
        match self {
            ModelConfig::Dense(c) => c.summary(n_inputs, n_outputs),
        }
    }

    /// Builds the model from `seed`, trains it on `data` and returns it in
    /// inference form with its history.
    pub(crate) fn fit(
        &self,
        n_inputs: usize,
        n_outputs: usize,
        data: &TrainingData<'_>,
        validation: Option<Pairs<'_>>,
        training: &TrainingConfig,
        observer: &mut dyn TrainingObserver,
    ) -> (Box<dyn FittedNetwork>, History) {
        match self {
            ModelConfig::Dense(c) => {
                let (fitted, history) = dense::training::fit(
                    c, n_inputs, n_outputs, data, validation, training, observer,
                );
                (Box::new(fitted), history)
            }
        }
    }

    /// Rebuilds a fitted model from stored tensors, checking each one.
    pub(crate) fn load(
        &self,
        n_inputs: usize,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<Box<dyn FittedNetwork>, String> {
        match self {
            ModelConfig::Dense(c) => Ok(Box::new(dense::DenseFitted::from_tensors(
                c, n_inputs, n_outputs, tensors,
            )?)),
        }
    }
}
