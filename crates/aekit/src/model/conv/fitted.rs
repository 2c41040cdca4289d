//! A fitted conv model: its burn module in inference form, run in chunks
//! of rows for every capability.

use std::collections::HashMap;

use rand::rngs::StdRng;

use super::config::ConvAutoencoderConfig;
use super::module::{ConvAutoencoder, Weights};
use crate::backend;
use crate::data::{ImageShape, Matrix};
use crate::error::Result;
use crate::model::burn_inference::map_rows;
use crate::model::capability::{
    Decode, Encode, FittedNetwork, Predict, check_width, offers, target_errors,
};
use crate::model::summary::ModelSummary;
use crate::model::weights::{NamedTensor, StoredTensors};

/// A trained convolutional autoencoder.
#[derive(Debug)]
pub struct ConvFitted {
    module: ConvAutoencoder,
    config: ConvAutoencoderConfig,
    image: ImageShape,
    out_channels: usize,
}

impl ConvFitted {
    /// Wraps an inference-mode module built from `config` for `image`.
    pub fn new(
        module: ConvAutoencoder,
        config: ConvAutoencoderConfig,
        image: ImageShape,
        out_channels: usize,
    ) -> ConvFitted {
        ConvFitted {
            module,
            config,
            image,
            out_channels,
        }
    }

    /// Rebuilds a model from `config` and stored tensors, checking each one.
    pub fn from_tensors(
        config: &ConvAutoencoderConfig,
        image: ImageShape,
        out_channels: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<ConvFitted, String> {
        let device = backend::inference_device();
        let stored = StoredTensors::new(tensors, &device);
        let module =
            config.build::<StdRng>(image, out_channels, Weights::Stored(&stored), &device)?;
        Ok(ConvFitted::new(module, config.clone(), image, out_channels))
    }
}

impl Encode for ConvFitted {
    fn code_width(&self) -> usize {
        self.config.bottleneck
    }

    fn encode(&self, scaled: &Matrix) -> Result<Matrix> {
        check_width("encode", self.input_width(), scaled.n_cols)?;
        Ok(map_rows(scaled, self.config.bottleneck, |x| {
            self.module.encode(x)
        }))
    }
}

impl Decode for ConvFitted {
    fn decode(&self, codes: &Matrix) -> Result<Matrix> {
        check_width("decode", self.config.bottleneck, codes.n_cols)?;
        Ok(map_rows(codes, self.output_width(), |z| {
            self.module.decoder.forward(z)
        }))
    }
}

impl Predict for ConvFitted {
    fn predict(&self, scaled: &Matrix) -> Result<Matrix> {
        check_width("predict", self.input_width(), scaled.n_cols)?;
        Ok(map_rows(scaled, self.output_width(), |x| {
            self.module.forward(x)
        }))
    }

    fn prediction_errors(&self, inputs: &Matrix, targets: &Matrix) -> Result<Vec<f32>> {
        target_errors(self.output_width(), inputs, targets, |x| self.predict(x))
    }
}

impl FittedNetwork for ConvFitted {
    fn input_width(&self) -> usize {
        self.image.values()
    }

    fn output_width(&self) -> usize {
        self.out_channels * self.image.pixels()
    }

    offers!(encoder: Encode, decoder: Decode, predictor: Predict);

    fn tensors(&self) -> Vec<NamedTensor> {
        self.module.export_tensors()
    }

    fn summary(&self) -> ModelSummary {
        self.config.summary(self.image, self.out_channels)
    }
}
