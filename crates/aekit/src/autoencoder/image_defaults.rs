//! What a user gets on images without naming an architecture: the
//! parameters left unset are decided at fit from the images' size and the
//! scaled pixels' range, then stored in the model file as given ones are
//! (so a saved model loads as it was trained). They were chosen by
//! denoising public image sets against the Keras conv recipe, screened on
//! two and judged on the others (bench/image_defaults.py; BENCHMARKS.md
//! "Image defaults" has the figures). Rows that are not images have their
//! own ([`TableDefaults`](super::TableDefaults)).

use crate::data::{ImageShape, ScaleKind};
use crate::model::{Activation, ModelConfig};
use crate::train::{OptimizerKind, TrainingConfig};

/// Adam's learning rate on images when none is given (1e-3 elsewhere):
/// with the wide codes below it lowered the denoising error on every set.
pub const IMAGE_LEARNING_RATE: f64 = 3e-3;

/// Which parameters were left unset, to be decided from the images at fit.
/// Everything is left by default, and nothing once any architecture
/// parameter is given: such a command keeps the kinds' own defaults for
/// the rest (min-max scaling, a linear output, Adam at 1e-3), as before
/// these defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageDefaults {
    /// No scaling when every training value already lies in [0, 1], as
    /// pixels do (per-column min-max stretches the faint border pixels,
    /// and the noise with them); the given scaling otherwise.
    pub scale: bool,
    /// The code's width ([`code_width`]), a sigmoid output when every
    /// scaled training target lies in [0, 1] (linear otherwise), and the
    /// learning rate that suits them ([`IMAGE_LEARNING_RATE`]) when none
    /// is given.
    pub architecture: bool,
}

impl Default for ImageDefaults {
    fn default() -> Self {
        ImageDefaults::ALL
    }
}

impl ImageDefaults {
    /// Every parameter left to the images.
    pub const ALL: ImageDefaults = ImageDefaults {
        scale: true,
        architecture: true,
    };
    /// None: the kinds' own defaults, whatever the rows.
    pub const NONE: ImageDefaults = ImageDefaults {
        scale: false,
        architecture: false,
    };

    /// The scaling of image rows whose training values (inputs and
    /// targets) all lie in [0, 1] when `unit_range`: none when left to the
    /// images, else `given`.
    pub fn scale(&self, given: ScaleKind, unit_range: bool) -> ScaleKind {
        if self.scale && unit_range {
            ScaleKind::None
        } else {
            given
        }
    }

    /// The training of image rows: with the architecture left to them,
    /// Adam's learning rate, when not given, [`IMAGE_LEARNING_RATE`] (the
    /// other optimisers keep theirs).
    pub fn training(&self, given: &TrainingConfig) -> TrainingConfig {
        let mut t = given.clone();
        if self.architecture
            && t.optimizer.kind == OptimizerKind::Adam
            && t.optimizer.learning_rate.is_none()
        {
            t.optimizer.learning_rate = Some(IMAGE_LEARNING_RATE);
        }
        t
    }

    /// `model` with the parameters left to the images decided for rows of
    /// `image` whose scaled targets lie in [0, 1] when `unit_range`.
    pub fn apply(&self, model: &ModelConfig, image: ImageShape, unit_range: bool) -> ModelConfig {
        let mut model = model.clone();
        if !self.architecture {
            return model;
        }
        let width = code_width(image);
        let (bottleneck, output) = match &mut model {
            ModelConfig::Dense(c) => (&mut c.bottleneck, &mut c.output_activation),
            ModelConfig::Conv(c) => (&mut c.bottleneck, &mut c.output_activation),
            ModelConfig::Vae(c) => (&mut c.bottleneck, &mut c.output_activation),
            ModelConfig::Ensemble(_) => return model,
        };
        *bottleneck = width;
        if unit_range {
            *output = Activation::Sigmoid;
        }
        model
    }
}

/// The default code width for images of `image`'s size: half their values
/// (a denoiser needs a code wide enough to keep detail; a narrow one
/// blurs). At least 2.
pub fn code_width(image: ImageShape) -> usize {
    (image.values() / 2).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConvAutoencoderConfig, DenseAutoencoderConfig, VaeConfig};

    #[test]
    fn left_parameters_follow_the_images_and_given_ones_stay() {
        let image = ImageShape::grey(16, 16);
        let conv: ModelConfig = ConvAutoencoderConfig::default().into();
        let ModelConfig::Conv(c) = ImageDefaults::ALL.apply(&conv, image, true) else {
            unreachable!()
        };
        assert_eq!(
            (c.bottleneck, c.output_activation),
            (code_width(image), Activation::Sigmoid)
        );
        // Outside [0, 1] the output stays linear; given values stay.
        let ModelConfig::Conv(c) = ImageDefaults::ALL.apply(&conv, image, false) else {
            unreachable!()
        };
        assert_eq!(c.output_activation, Activation::Linear);
        assert_eq!(ImageDefaults::NONE.apply(&conv, image, true), conv);
        for model in [
            ModelConfig::from(DenseAutoencoderConfig::default()),
            VaeConfig::default().into(),
        ] {
            let out = ImageDefaults::ALL.apply(&model, ImageShape::grey(8, 8), true);
            assert_eq!(out.output_activation(), Activation::Sigmoid);
            assert_ne!(out, model);
        }
        assert_eq!(code_width(ImageShape::grey(1, 2)), 2);
        let t = TrainingConfig::default();
        assert_eq!(
            ImageDefaults::ALL.training(&t).optimizer.learning_rate,
            Some(IMAGE_LEARNING_RATE)
        );
        let mut given = t.clone();
        given.optimizer.learning_rate = Some(0.01);
        assert_eq!(ImageDefaults::ALL.training(&given), given);
        assert_eq!(
            ImageDefaults::ALL.scale(ScaleKind::MinMax, true),
            ScaleKind::None
        );
        assert_eq!(
            ImageDefaults::ALL.scale(ScaleKind::MinMax, false),
            ScaleKind::MinMax
        );
        assert_eq!(
            ImageDefaults::NONE.scale(ScaleKind::Robust, true),
            ScaleKind::Robust
        );
    }
}
