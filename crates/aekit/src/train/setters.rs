//! The training block's setters, written once for every kind's params:
//! a kind's params implement [`TrainingSetters::training_mut`] and take
//! every setter below. Each writes one field of [`TrainingConfig`], where
//! the parameter is defined, documented and checked; the kind's own
//! default training (the detector's 100 epochs, the text kinds' seeded
//! 10 % validation split, ...) is stated on the kind's params.

use super::config::TrainingConfig;
use super::loss::LossKind;
use super::noise::Noise;
use super::optimizer::OptimizerKind;

/// Setters of the training hyper-parameters, shared by
/// [`AutoencoderParams`](crate::AutoencoderParams),
/// [`DetectorParams`](crate::DetectorParams) and the text kinds' params.
/// Defaults are [`TrainingConfig::default`]'s unless the kind's params say
/// otherwise; nothing is checked until `fit` (or `validate`).
///
/// ```
/// use aekit::{Detector, TrainingSetters};
/// use aekit::text::TextClassifierParams;
///
/// let detector = Detector::params().epochs(30).patience(None).seed(3);
/// assert_eq!((detector.training.epochs, detector.training.patience), (30, None));
/// let text = TextClassifierParams::default().learning_rate(0.01).batch_size(16);
/// assert_eq!(text.training.batch_size, 16);
/// ```
pub trait TrainingSetters: Sized {
    /// The training block the setters write.
    fn training_mut(&mut self) -> &mut TrainingConfig;

    /// The training schedule, all at once.
    fn training(mut self, training: TrainingConfig) -> Self {
        *self.training_mut() = training;
        self
    }

    /// Passes over the training rows; see [`TrainingConfig::epochs`].
    fn epochs(mut self, epochs: usize) -> Self {
        self.training_mut().epochs = epochs;
        self
    }

    /// Rows per gradient step; see [`TrainingConfig::batch_size`].
    fn batch_size(mut self, rows: usize) -> Self {
        self.training_mut().batch_size = rows;
        self
    }

    /// The optimiser; see [`OptimizerConfig::kind`](super::OptimizerConfig::kind).
    fn optimizer(mut self, kind: OptimizerKind) -> Self {
        self.training_mut().optimizer.kind = kind;
        self
    }

    /// The learning rate; see
    /// [`OptimizerConfig::learning_rate`](super::OptimizerConfig::learning_rate).
    fn learning_rate(mut self, rate: impl Into<Option<f64>>) -> Self {
        self.training_mut().optimizer.learning_rate = rate.into();
        self
    }

    /// Weight decay; see
    /// [`OptimizerConfig::weight_decay`](super::OptimizerConfig::weight_decay).
    fn weight_decay(mut self, decay: impl Into<Option<f64>>) -> Self {
        self.training_mut().optimizer.weight_decay = decay.into();
        self
    }

    /// Momentum of SGD and RMSprop; see
    /// [`OptimizerConfig::momentum`](super::OptimizerConfig::momentum).
    fn momentum(mut self, momentum: f64) -> Self {
        self.training_mut().optimizer.momentum = momentum;
        self
    }

    /// The optimiser's epsilon; see
    /// [`OptimizerConfig::epsilon`](super::OptimizerConfig::epsilon).
    fn epsilon(mut self, epsilon: f64) -> Self {
        self.training_mut().optimizer.epsilon = epsilon;
        self
    }

    /// The reconstruction loss; see [`TrainingConfig::loss`].
    fn loss(mut self, loss: LossKind) -> Self {
        self.training_mut().loss = loss;
        self
    }

    /// Shuffle the rows before every epoch; see [`TrainingConfig::shuffle`].
    fn shuffle(mut self, shuffle: bool) -> Self {
        self.training_mut().shuffle = shuffle;
        self
    }

    /// The share of the training rows held out to validate on; see
    /// [`TrainingConfig::validation_split`].
    fn validation_split(mut self, fraction: impl Into<Option<f64>>) -> Self {
        self.training_mut().validation_split = fraction.into();
        self
    }

    /// Early stopping; see [`TrainingConfig::patience`].
    fn patience(mut self, epochs: impl Into<Option<usize>>) -> Self {
        self.training_mut().patience = epochs.into();
        self
    }

    /// The improvement that resets [`patience`](Self::patience); see
    /// [`TrainingConfig::min_delta`].
    fn min_delta(mut self, delta: f64) -> Self {
        self.training_mut().min_delta = delta;
        self
    }

    /// The seed of every random draw; see [`TrainingConfig::seed`].
    fn seed(mut self, seed: u64) -> Self {
        self.training_mut().seed = seed;
        self
    }

    /// Input noise (a denoising autoencoder); see [`TrainingConfig::noise`].
    fn noise(mut self, noise: impl Into<Option<Noise>>) -> Self {
        self.training_mut().noise = noise.into();
        self
    }

    /// Where to train and infer; see [`TrainingConfig::device`].
    fn device(mut self, device: crate::backend::DeviceChoice) -> Self {
        self.training_mut().device = device;
        self
    }

    /// CPU threads; see [`TrainingConfig::threads`].
    fn threads(mut self, threads: impl Into<Option<usize>>) -> Self {
        self.training_mut().threads = threads.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{DocAutoencoderParams, TextClassifierParams};
    use crate::{AutoencoderParams, DetectorParams};

    /// Every kind's params take the one set of setters, each writing the
    /// field of its name and nothing else.
    #[test]
    fn every_kind_writes_its_training_block() {
        fn set<P: TrainingSetters>(params: P) -> P {
            params
                .epochs(7)
                .batch_size(5)
                .optimizer(OptimizerKind::Sgd)
                .learning_rate(0.2)
                .weight_decay(0.01)
                .momentum(0.5)
                .epsilon(1e-6)
                .shuffle(false)
                .validation_split(0.25)
                .patience(2)
                .min_delta(0.1)
                .seed(9)
                .threads(1)
        }
        fn check(mut set: impl TrainingSetters, default: TrainingConfig) {
            let t = set.training_mut().clone();
            let o = &t.optimizer;
            assert_eq!(
                (t.epochs, t.batch_size, t.seed, t.threads),
                (7, 5, 9, Some(1))
            );
            assert_eq!(o.kind, OptimizerKind::Sgd);
            assert_eq!(
                (o.learning_rate, o.weight_decay, o.momentum, o.epsilon),
                (Some(0.2), Some(0.01), 0.5, 1e-6)
            );
            assert_eq!((t.shuffle, t.validation_split), (false, Some(0.25)));
            assert_eq!((t.patience, t.min_delta), (Some(2), 0.1));
            // What no setter named keeps the kind's default.
            assert_eq!(
                (t.loss, t.noise, t.shuffle_before_split, t.fused_loss),
                (
                    default.loss,
                    default.noise,
                    default.shuffle_before_split,
                    default.fused_loss
                )
            );
        }
        let mut dense = AutoencoderParams::new();
        check(set(dense.clone()), dense.training_mut().clone());
        let mut detector = DetectorParams::default();
        check(set(detector.clone()), detector.training_mut().clone());
        let text = TextClassifierParams::default();
        check(set(text.clone()), text.training.clone());
        let docs = DocAutoencoderParams::default();
        check(set(docs.clone()), docs.training.clone());
        let mask = Noise::Mask { probability: 0.2 };
        let mut noisy = AutoencoderParams::new().loss(LossKind::Mae).noise(mask);
        let t = noisy.training_mut();
        assert_eq!((t.loss, t.noise), (LossKind::Mae, Some(mask)));
    }

    /// The text kinds train on clean inputs with their own loss: the
    /// reconstruction settings are refused, by name.
    #[test]
    fn text_kinds_refuse_loss_and_noise() {
        let mask = Noise::Mask { probability: 0.2 };
        let refused = |r: crate::Result<()>| match r {
            Err(crate::AekitError::InvalidParam { name, .. }) => name,
            other => panic!("{other:?}"),
        };
        let text = TextClassifierParams::default();
        assert_eq!(refused(text.clone().loss(LossKind::Mae).validate()), "loss");
        assert_eq!(refused(text.noise(mask).validate()), "noise");
        let docs = DocAutoencoderParams::default();
        assert_eq!(refused(docs.clone().noise(mask).validate()), "noise");
        assert!(docs.validate().is_ok());
    }
}
