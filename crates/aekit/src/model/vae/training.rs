//! Training the variational kind on burn's generic engine: the KL term
//! enters through the trainer's penalty hook.

use burn::tensor::Device;
use burn::tensor::Tensor;
use rand::rngs::StdRng;

use super::config::VaeConfig;
use super::fitted::VaeFitted;
use super::module::Vae;
use crate::data::ImageShape;
use crate::train::burn_engine::{self, BurnTrainable, TrainingForward};
use crate::train::{History, Pairs, TrainingConfig, TrainingData, TrainingObserver};

impl BurnTrainable for Vae {
    fn forward_training(&self, inputs: Tensor<2>) -> TrainingForward {
        let (logits, activation, kl) = self.forward_sampled(inputs);
        TrainingForward {
            logits,
            activation,
            penalty: Some(kl),
        }
    }
}

/// Builds a VAE from `training.seed` and fits it on burn's path.
#[allow(clippy::too_many_arguments)]
pub fn fit(
    config: &VaeConfig,
    n_inputs: usize,
    image: Option<ImageShape>,
    n_outputs: usize,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    training: &TrainingConfig,
    observer: &mut dyn TrainingObserver,
) -> crate::error::Result<(VaeFitted, History)> {
    let init =
        |rng: &mut StdRng, device: &Device| config.init(n_inputs, image, n_outputs, rng, device);
    let (model, history) = burn_engine::fit_from_seed(init, training, data, validation, observer)?;
    Ok((
        VaeFitted::new(model, config.clone(), n_inputs, image, n_outputs),
        history,
    ))
}
