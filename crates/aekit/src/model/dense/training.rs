//! Training the dense kind: on its kernels (the default) or on burn's
//! generic engine, both fed by the same batch pipeline.

use std::collections::HashMap;

use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::config::DenseAutoencoderConfig;
use super::fitted::DenseFitted;
use super::kernel_bridge::{trainable_net, write_into};
use super::module::DenseAutoencoder;
use crate::backend;
use crate::error::Result;
use crate::kernel::DenseNet;
use crate::train::burn_engine::{self, BurnTrainable, TrainingForward};
use crate::train::checkpoint::Tensors;
use crate::train::fit_loop::{self, Engine};
use crate::train::kernel_trainer::{self, KernelTrainer};
use crate::train::{History, Pairs, TrainingConfig, TrainingData, TrainingObserver};

impl BurnTrainable for DenseAutoencoder {
    fn forward_training(&self, inputs: Tensor<2>) -> TrainingForward {
        let (logits, activation) = self.forward_logits(inputs);
        TrainingForward {
            logits,
            activation,
            penalty: None,
        }
    }
}

/// Builds a dense model from `training.seed` and fits it.
pub fn fit(
    config: &DenseAutoencoderConfig,
    n_inputs: usize,
    n_outputs: usize,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    training: &TrainingConfig,
    observer: &mut dyn TrainingObserver,
) -> Result<(DenseFitted, History)> {
    let device = backend::training_device();
    let mut rng = StdRng::seed_from_u64(training.seed);
    let model = config.init(n_inputs, n_outputs, &mut rng, &device);
    let (model, history) = train(model, training, data, validation, &device, observer)?;
    Ok((DenseFitted::new(model, config.clone()), history))
}

/// Trains `model` (on an autodiff `device`) and returns it in inference
/// form with its history, on the kernels unless `config.native_kernels` is
/// off (then on burn's autodiff and optimisers).
pub fn train(
    model: DenseAutoencoder,
    config: &TrainingConfig,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    device: &Device,
    observer: &mut dyn TrainingObserver,
) -> Result<(DenseAutoencoder, History)> {
    // The kernels are the CPU path; a GPU takes burn's.
    if config.native_kernels && backend::is_cpu(device) {
        let engine = KernelEngine {
            trainer: KernelTrainer::new(
                trainable_net(&model),
                &config.optimizer,
                config.loss,
                config.seed,
            ),
            model,
        };
        fit_loop::run(engine, config, data, validation, observer)
    } else {
        burn_engine::fit(model, config, data, validation, device, observer)
    }
}

/// The kernels' trainer; `model` only gives the weights a home at the end.
struct KernelEngine {
    trainer: KernelTrainer,
    model: DenseAutoencoder,
}

impl Engine for KernelEngine {
    type Snapshot = DenseNet;
    type Model = DenseAutoencoder;

    fn step(&mut self, train: Pairs<'_>, rows: &[usize]) -> f64 {
        self.trainer.step(train, rows)
    }

    fn validation_loss(&self, pairs: Pairs<'_>) -> f64 {
        // Inference mode: batch norm with its running statistics, folded in.
        self.trainer.net().folded().mean_loss(
            self.trainer.loss(),
            &pairs.inputs.values,
            &pairs.targets.values,
        )
    }

    fn snapshot(&self) -> DenseNet {
        self.trainer.net().clone()
    }

    fn into_model(self, kept: DenseNet) -> DenseAutoencoder {
        write_into(&kept, self.model)
    }

    fn state(&self) -> Option<(Tensors, u64)> {
        Some(self.trainer.state())
    }

    fn restore(
        &mut self,
        tensors: &mut HashMap<String, Vec<f32>>,
        step: u64,
    ) -> std::result::Result<(), String> {
        self.trainer.restore(tensors, step)
    }

    fn snapshot_values(&self, snapshot: &DenseNet, prefix: &str) -> Tensors {
        kernel_trainer::net_values(snapshot, prefix)
    }

    fn snapshot_from(
        &self,
        tensors: &mut HashMap<String, Vec<f32>>,
        prefix: &str,
    ) -> std::result::Result<DenseNet, String> {
        kernel_trainer::net_from(self.trainer.net(), tensors, prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::training_device;
    use crate::data::Matrix;
    use crate::model::{Activation, DenseAutoencoderConfig};
    use crate::train::{LossKind, OptimizerConfig, OptimizerKind, Silent};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn data(rows: usize, cols: usize) -> Matrix {
        let mut rng = StdRng::seed_from_u64(11);
        Matrix::new(
            (0..rows * cols).map(|_| rng.random::<f32>()).collect(),
            cols,
        )
    }

    fn model(config: &DenseAutoencoderConfig, cols: usize) -> DenseAutoencoder {
        config.init(
            cols,
            cols,
            &mut StdRng::seed_from_u64(4),
            &training_device(),
        )
    }

    fn weights(model: &DenseAutoencoder) -> Vec<f32> {
        model
            .export_tensors()
            .into_iter()
            .flat_map(|t| t.values)
            .collect()
    }

    /// How much of the two paths' results must agree.
    #[derive(Clone, Copy, PartialEq)]
    enum Agreement {
        /// Training and validation losses, and every stored tensor.
        Everything,
        /// Training losses only. Under batch norm the linear bias has a zero
        /// gradient in exact arithmetic, so Adam (which divides by the
        /// gradient's own size) moves it by float noise, differently on each
        /// path; the batch statistics absorb it, so training is unaffected,
        /// but the running means, and so validation, differ.
        TrainingLoss,
    }

    /// Trains the same model on both paths and compares the results.
    fn compare(
        model_config: DenseAutoencoderConfig,
        training: TrainingConfig,
        cols: usize,
        agreement: Agreement,
    ) {
        let x = data(203, cols);
        let v = data(50, cols);
        let pairs = TrainingData::new(&x, None);
        let val = Pairs {
            inputs: &v,
            targets: &v,
        };
        let device = training_device();
        let run = |native: bool| {
            let config = TrainingConfig {
                native_kernels: native,
                ..training.clone()
            };
            train(
                model(&model_config, cols),
                &config,
                &pairs,
                Some(val),
                &device,
                &mut Silent,
            )
            .unwrap()
        };
        let (native, native_history) = run(true);
        let (burn, burn_history) = run(false);
        assert_eq!(native_history.epochs.len(), burn_history.epochs.len());
        for (a, b) in native_history.epochs.iter().zip(&burn_history.epochs) {
            let tol = 1e-4 * b.loss.abs().max(1e-3);
            assert!(
                (a.loss - b.loss).abs() <= tol,
                "epoch {}: loss {} vs {}",
                a.epoch,
                a.loss,
                b.loss
            );
            if agreement == Agreement::Everything {
                let (va, vb) = (
                    a.val_loss.unwrap_or(f64::NAN),
                    b.val_loss.unwrap_or(f64::NAN),
                );
                assert!(
                    (va - vb).abs() <= 1e-4 * vb.abs().max(1e-3),
                    "epoch {}: val {va} vs {vb}",
                    a.epoch
                );
            }
        }
        if agreement == Agreement::Everything {
            for (a, b) in native.export_tensors().iter().zip(&burn.export_tensors()) {
                assert_eq!(a.name, b.name);
                for (x, y) in a.values.iter().zip(&b.values) {
                    assert!(
                        (x - y).abs() <= 1e-3 * (1.0 + y.abs()),
                        "{}: {x} vs {y}",
                        a.name
                    );
                }
            }
        }
    }

    /// Noise comes from the one batch pipeline: both paths see the same
    /// corrupted inputs, so their losses agree as without noise; validation
    /// stays on clean rows, where a denoiser scores below its training loss.
    #[test]
    fn noisy_training_matches_on_both_paths() {
        let x = data(203, 10);
        let architecture = DenseAutoencoderConfig {
            hidden: vec![12],
            bottleneck: 4,
            output_activation: Activation::Sigmoid,
            ..DenseAutoencoderConfig::default()
        };
        let noise = Some(crate::train::Noise::Gaussian { sigma: 0.3 });
        let run = |native: bool| {
            let config = TrainingConfig {
                epochs: 5,
                batch_size: 29,
                seed: 8,
                native_kernels: native,
                ..TrainingConfig::default()
            };
            let data = TrainingData::new(&x, None).with_noise(noise, Some((0.0, 1.0)), 8);
            let val = Pairs {
                inputs: &x,
                targets: &x,
            };
            train(
                model(&architecture, 10),
                &config,
                &data,
                Some(val),
                &training_device(),
                &mut Silent,
            )
            .unwrap()
            .1
        };
        let (kernels, burn) = (run(true), run(false));
        for (a, b) in kernels.epochs.iter().zip(&burn.epochs) {
            assert!(
                (a.loss - b.loss).abs() <= 1e-4 * b.loss,
                "{} vs {}",
                a.loss,
                b.loss
            );
            let (va, vb) = (a.val_loss.unwrap(), b.val_loss.unwrap());
            assert!((va - vb).abs() <= 1e-4 * vb, "{va} vs {vb}");
            assert!(
                va < a.loss,
                "clean validation {va} vs noisy training {}",
                a.loss
            );
        }
    }

    #[test]
    fn kernel_training_matches_burn_for_each_optimiser_and_loss() {
        let base = TrainingConfig {
            epochs: 4,
            batch_size: 37,
            seed: 5,
            ..TrainingConfig::default()
        };
        let relu_sigmoid = DenseAutoencoderConfig {
            hidden: vec![16, 8],
            bottleneck: 3,
            activation: Activation::Relu,
            output_activation: Activation::Sigmoid,
            ..DenseAutoencoderConfig::default()
        };
        let tanh_linear = DenseAutoencoderConfig {
            hidden: vec![10],
            bottleneck: 4,
            activation: Activation::Tanh,
            bottleneck_activation: Activation::LeakyRelu { slope: 0.3 },
            ..DenseAutoencoderConfig::default()
        };
        use Agreement::{Everything, TrainingLoss};
        compare(relu_sigmoid.clone(), base.clone(), 12, Everything);
        // The seed tutorial's kind of model: batch norm and leaky ReLU on the
        // hidden layers; with SGD the noise-driven bias drift is negligible.
        let batch_norm = DenseAutoencoderConfig {
            hidden: vec![14, 9],
            bottleneck: 4,
            activation: Activation::LeakyRelu { slope: 0.3 },
            batch_norm: true,
            ..DenseAutoencoderConfig::default()
        };
        let small_batches = TrainingConfig {
            batch_size: 16,
            ..base.clone()
        };
        compare(batch_norm.clone(), small_batches.clone(), 10, TrainingLoss);
        let sgd = TrainingConfig {
            optimizer: OptimizerConfig {
                kind: OptimizerKind::Sgd,
                momentum: 0.9,
                ..OptimizerConfig::default()
            },
            ..small_batches
        };
        compare(batch_norm, sgd, 10, Everything);
        compare(
            relu_sigmoid,
            TrainingConfig {
                loss: LossKind::Bce,
                ..base.clone()
            },
            12,
            Everything,
        );
        // Weight decay: L2 for Adam, RMSprop and SGD, decoupled for AdamW
        // (None: AdamW's default 0.01); large enough to move the losses.
        for (kind, momentum, weight_decay) in [
            (OptimizerKind::RmsProp, 0.0, None),
            (OptimizerKind::RmsProp, 0.5, Some(0.05)),
            (OptimizerKind::Sgd, 0.0, None),
            (OptimizerKind::Sgd, 0.9, Some(0.05)),
            (OptimizerKind::Adam, 0.0, Some(0.05)),
            (OptimizerKind::AdamW, 0.0, None),
            (OptimizerKind::AdamW, 0.0, Some(0.5)),
        ] {
            let training = TrainingConfig {
                optimizer: OptimizerConfig {
                    kind,
                    momentum,
                    weight_decay,
                    ..OptimizerConfig::default()
                },
                loss: LossKind::Mae,
                ..base.clone()
            };
            compare(tanh_linear.clone(), training, 7, Everything);
        }
    }

    /// Rows are split by thread count, and the products' blocking follows
    /// the split, so only the same seed *and* thread count promise the same
    /// bits; other thread counts agree to float rounding.
    #[test]
    fn same_seed_and_threads_give_the_same_weights() {
        let config = DenseAutoencoderConfig {
            hidden: vec![24],
            bottleneck: 5,
            output_activation: Activation::Sigmoid,
            ..DenseAutoencoderConfig::default()
        };
        let training = TrainingConfig {
            epochs: 3,
            batch_size: 64,
            ..TrainingConfig::default()
        };
        let x = data(300, 20);
        let pairs = TrainingData::new(&x, None);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let (model, _) = train(
                    model(&config, 20),
                    &training,
                    &pairs,
                    None,
                    &training_device(),
                    &mut Silent,
                )
                .unwrap();
                weights(&model)
            })
        };
        let two = run(2);
        assert_eq!(two, run(2));
        for other in [run(1), run(3)] {
            for (a, b) in other.iter().zip(&two) {
                assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }

    /// Back-propagation through every kind of layer at once, dropout and
    /// batch norm included, against central differences of the step's loss
    /// (the first step of the same seed draws the same masks).
    #[test]
    fn step_gradients_match_finite_differences() {
        let architecture = DenseAutoencoderConfig {
            hidden: vec![7],
            bottleneck: 3,
            activation: Activation::Tanh,
            bottleneck_activation: Activation::LeakyRelu { slope: 0.3 },
            output_activation: Activation::Sigmoid,
            batch_norm: true,
            dropout: 0.3,
            ..DenseAutoencoderConfig::default()
        };
        let x = data(24, 5);
        let pairs = Pairs {
            inputs: &x,
            targets: &x,
        };
        let rows: Vec<usize> = (0..24).collect();
        // SGD with lr 1: the first step subtracts exactly the gradient.
        let sgd = OptimizerConfig {
            kind: OptimizerKind::Sgd,
            learning_rate: Some(1.0),
            ..OptimizerConfig::default()
        };
        let base = trainable_net(&model(&architecture, 5));
        let loss_at =
            |net: DenseNet| KernelTrainer::new(net, &sgd, LossKind::Mse, 9).step(pairs, &rows);
        let mut trainer = KernelTrainer::new(base.clone(), &sgd, LossKind::Mse, 9);
        trainer.step(pairs, &rows);
        let h = 1e-2f32;
        let mut checked = 0;
        for l in 0..base.layers().len() {
            for k in (0..base.layers()[l].weight.len()).step_by(5) {
                let gradient = base.layers()[l].weight[k] - trainer.net().layers()[l].weight[k];
                let mut up = base.clone();
                up.layers_mut()[l].weight[k] += h;
                let mut down = base.clone();
                down.layers_mut()[l].weight[k] -= h;
                let numeric = (loss_at(up) - loss_at(down)) / f64::from(2.0 * h);
                assert!(
                    (f64::from(gradient) - numeric).abs() < 1e-3 + 1e-2 * numeric.abs(),
                    "layer {l} weight {k}: {gradient} vs {numeric}"
                );
                checked += usize::from(numeric.abs() > 1e-4);
            }
        }
        assert!(checked > 10, "only {checked} weights with a gradient");
    }

    #[test]
    fn dropout_trains_alike_on_both_paths_and_repeats_with_the_seed() {
        // The paths draw different masks: their losses agree in distribution only.
        let architecture = DenseAutoencoderConfig {
            hidden: vec![32, 16],
            bottleneck: 4,
            dropout: 0.2,
            output_activation: Activation::Sigmoid,
            ..DenseAutoencoderConfig::default()
        };
        let x = data(400, 12);
        let pairs = TrainingData::new(&x, None);
        let run = |native: bool, seed: u64| {
            let config = TrainingConfig {
                epochs: 30,
                batch_size: 32,
                seed,
                native_kernels: native,
                ..TrainingConfig::default()
            };
            let (model, history) = train(
                model(&architecture, 12),
                &config,
                &pairs,
                None,
                &training_device(),
                &mut Silent,
            )
            .unwrap();
            let losses = (history.epochs[0].loss, history.epochs[29].loss);
            (weights(&model), losses)
        };
        let (native, (first, native_last)) = run(true, 3);
        let (_, (_, burn_last)) = run(false, 3);
        assert!(
            native_last < 0.9 * first,
            "no learning: {first} -> {native_last}"
        );
        assert!(
            (native_last - burn_last).abs() < 0.1 * burn_last,
            "kernels {native_last} vs burn {burn_last}"
        );
        assert_eq!(native, run(true, 3).0);
        assert_ne!(native, run(true, 4).0);
    }
}
