//! Training the conv kind on burn's generic engine.

use burn::tensor::Device;
use burn::tensor::Tensor;
use rand::rngs::StdRng;

use super::config::ConvAutoencoderConfig;
use super::fitted::ConvFitted;
use super::module::ConvAutoencoder;
use crate::data::ImageShape;
use crate::train::burn_engine::{self, BurnTrainable, TrainingForward};
use crate::train::{History, Pairs, TrainingConfig, TrainingData, TrainingObserver};

impl BurnTrainable for ConvAutoencoder {
    fn forward_training(&self, inputs: Tensor<2>) -> TrainingForward {
        let (logits, activation) = self.forward_logits(inputs);
        TrainingForward {
            logits,
            activation,
            penalty: None,
        }
    }
}

/// Builds a conv model from `training.seed` and fits it on burn's path.
#[allow(clippy::too_many_arguments)]
pub fn fit(
    config: &ConvAutoencoderConfig,
    image: ImageShape,
    out_channels: usize,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    training: &TrainingConfig,
    observer: &mut dyn TrainingObserver,
) -> crate::error::Result<(ConvFitted, History)> {
    let init = |rng: &mut StdRng, device: &Device| config.init(image, out_channels, rng, device);
    let (model, history) = burn_engine::fit_from_seed(init, training, data, validation, observer)?;
    Ok((
        ConvFitted::new(model, config.clone(), image, out_channels),
        history,
    ))
}
