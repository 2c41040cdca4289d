//! Model kinds. Every model is one kind behind one tagged config
//! ([`ModelConfig`], the model file's `model` entry); a fitted model offers
//! small capabilities (encode, decode, predict: `capability.rs`, internal)
//! that tasks ask for, never a concrete type. A kind is a folder of the same shape: its config, its burn module,
//! and its fitted form (plus, for dense, the bridge to its kernels).

mod activation;
pub(crate) mod burn_inference;
pub(crate) mod capability;
pub(crate) mod conv;
pub(crate) mod dense;
pub(crate) mod doc_autoencoder;
pub(crate) mod ensemble;
mod init;
mod summary;
pub(crate) mod text_classifier;
pub(crate) mod vae;
pub(crate) mod weights;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use activation::{Activation, DEFAULT_LEAKY_SLOPE};
pub(crate) use capability::{Decode, Encode, FittedNetwork, Predict, Sample, Score, row_errors};
pub use conv::ConvAutoencoderConfig;
pub use dense::DenseAutoencoderConfig;
pub use doc_autoencoder::DocAutoencoderConfig;
pub use ensemble::{EnsembleConfig, NeighbourConfig, Weighting};
pub use init::Init;
pub use summary::{ModelSummary, SummaryRow};
pub use text_classifier::{Pooling, TextClassifierConfig};
pub use vae::VaeConfig;
pub(crate) use weights::NamedTensor;

use crate::data::ImageShape;
use crate::error::{AekitError, Result};
use crate::train::{History, Pairs, TrainingConfig, TrainingData, TrainingObserver};

/// The architecture of a model of some kind, tagged by `kind` in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelConfig {
    /// A dense autoencoder (or, with a target table, a dense input -> target model).
    Dense(DenseAutoencoderConfig),
    /// A convolutional autoencoder of images (rows of `C*H*W` pixels).
    Conv(ConvAutoencoderConfig),
    /// A variational autoencoder (dense, or convolutional with channels).
    Vae(VaeConfig),
    /// Dense autoencoders that score rows together (the anomaly detector's
    /// default): member MSEs standardised by their training scores and averaged.
    Ensemble(EnsembleConfig),
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

impl From<ConvAutoencoderConfig> for ModelConfig {
    fn from(config: ConvAutoencoderConfig) -> Self {
        ModelConfig::Conv(config)
    }
}

impl From<VaeConfig> for ModelConfig {
    fn from(config: VaeConfig) -> Self {
        ModelConfig::Vae(config)
    }
}

/// The kinds this build knows, as the model file names them.
pub const KINDS: &[&str] = &["dense", "conv", "vae", "ensemble"];

/// The image a conv kind needs, from the row shape.
fn image_of(input_shape: &[usize]) -> Result<ImageShape> {
    ImageShape::from_dims(input_shape).ok_or_else(|| {
        AekitError::param(
            "image_shape",
            format!(
                "a convolutional model reads images: give the image shape of the rows (HxW or CxHxW); they are {input_shape:?}"
            ),
        )
    })
}

/// A kind's fitted model and history, the model boxed as any network.
fn boxed<F: FittedNetwork + 'static>(
    (fitted, history): (F, History),
) -> (Box<dyn FittedNetwork>, History) {
    (Box::new(fitted), history)
}

impl ModelConfig {
    /// The kind's name, as in the model file.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelConfig::Dense(_) => "dense",
            ModelConfig::Conv(_) => "conv",
            ModelConfig::Vae(_) => "vae",
            ModelConfig::Ensemble(_) => "ensemble",
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
            ModelConfig::Conv(c) => c.validate(),
            ModelConfig::Vae(c) => c.validate(),
            ModelConfig::Ensemble(c) => c.validate(),
        }
    }

    /// Checks that the model fits rows of `input_shape` and `n_outputs`
    /// output values (the data-dependent checks).
    pub fn check_shapes(&self, input_shape: &[usize], n_outputs: usize) -> Result<()> {
        match self {
            ModelConfig::Dense(c) => c.check_size(input_shape.iter().product(), n_outputs),
            ModelConfig::Ensemble(c) => c
                .members
                .iter()
                .try_for_each(|m| m.check_size(input_shape.iter().product(), n_outputs)),
            ModelConfig::Conv(c) => c
                .check_shapes(image_of(input_shape)?, n_outputs)
                .map(|_| ()),
            ModelConfig::Vae(c) => c.check_shapes(ImageShape::from_dims(input_shape), n_outputs),
        }
    }

    /// The activation of the output layer (which decides, for instance,
    /// whether outputs and noisy inputs live in [0, 1]).
    pub fn output_activation(&self) -> Activation {
        match self {
            ModelConfig::Dense(c) => c.output_activation,
            ModelConfig::Conv(c) => c.output_activation,
            ModelConfig::Vae(c) => c.output_activation,
            ModelConfig::Ensemble(c) => c
                .members
                .first()
                .map_or(Activation::Linear, |m| m.output_activation),
        }
    }

    /// A Keras-style summary for rows of `input_shape` and `n_outputs`
    /// outputs ([`Self::check_shapes`] first).
    pub fn summary(&self, input_shape: &[usize], n_outputs: usize) -> Result<ModelSummary> {
        self.check_shapes(input_shape, n_outputs)?;
        Ok(match self {
            ModelConfig::Dense(c) => c.summary(input_shape.iter().product(), n_outputs),
            ModelConfig::Conv(c) => {
                let image = image_of(input_shape)?;
                c.summary(image, n_outputs / image.pixels())
            }
            ModelConfig::Vae(c) => c.summary(
                input_shape.iter().product(),
                ImageShape::from_dims(input_shape),
                n_outputs,
            ),
            ModelConfig::Ensemble(c) => c.summary(input_shape.iter().product(), n_outputs),
        })
    }

    /// Builds the model from `seed`, trains it on `data` (rows of
    /// `input_shape`) and returns it in inference form with its history.
    pub(crate) fn fit(
        &self,
        input_shape: &[usize],
        n_outputs: usize,
        data: &TrainingData<'_>,
        validation: Option<Pairs<'_>>,
        training: &TrainingConfig,
        observer: &mut dyn TrainingObserver,
    ) -> Result<(Box<dyn FittedNetwork>, History)> {
        self.check_shapes(input_shape, n_outputs)?;
        let n_inputs = input_shape.iter().product();
        Ok(match self {
            ModelConfig::Dense(c) => boxed(dense::training::fit(
                c, n_inputs, n_outputs, data, validation, training, observer,
            )?),
            ModelConfig::Conv(c) => {
                let image = image_of(input_shape)?;
                boxed(conv::training::fit(
                    c,
                    image,
                    n_outputs / image.pixels(),
                    data,
                    validation,
                    training,
                    observer,
                )?)
            }
            ModelConfig::Vae(c) => boxed(vae::training::fit(
                c,
                n_inputs,
                ImageShape::from_dims(input_shape),
                n_outputs,
                data,
                validation,
                training,
                observer,
            )?),
            ModelConfig::Ensemble(c) => {
                // Each member on the same rows; the history is the last member's.
                let mut members = Vec::new();
                let mut history = History::default();
                for m in &c.members {
                    let (fitted, h) = dense::training::fit(
                        m, n_inputs, n_outputs, data, validation, training, observer,
                    )?;
                    members.push(fitted);
                    history = h;
                }
                let pairs = data.clean_pairs();
                let (fitted, _) = ensemble::EnsembleFitted::from_training_rows(
                    members,
                    c.clone(),
                    pairs.inputs,
                    training.seed,
                )?;
                (Box::new(fitted), history)
            }
        })
    }

    /// Rebuilds a fitted model from stored tensors, checking each one.
    pub(crate) fn load(
        &self,
        input_shape: &[usize],
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<Box<dyn FittedNetwork>, String> {
        self.check_shapes(input_shape, n_outputs)
            .map_err(|e| e.to_string())?;
        match self {
            ModelConfig::Dense(c) => Ok(Box::new(dense::DenseFitted::from_tensors(
                c,
                input_shape.iter().product(),
                n_outputs,
                tensors,
            )?)),
            ModelConfig::Conv(c) => {
                let image = image_of(input_shape).map_err(|e| e.to_string())?;
                Ok(Box::new(conv::ConvFitted::from_tensors(
                    c,
                    image,
                    n_outputs / image.pixels(),
                    tensors,
                )?))
            }
            ModelConfig::Vae(c) => Ok(Box::new(vae::VaeFitted::from_tensors(
                c,
                input_shape.iter().product(),
                ImageShape::from_dims(input_shape),
                n_outputs,
                tensors,
            )?)),
            ModelConfig::Ensemble(c) => Ok(Box::new(ensemble::EnsembleFitted::from_tensors(
                c,
                input_shape.iter().product(),
                n_outputs,
                tensors,
            )?)),
        }
    }
}
