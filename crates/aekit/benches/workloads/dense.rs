//! W1, W2, W3: dense autoencoders on aekit's training kernels.

use aekit::model::{Activation, DenseAutoencoderConfig};
use aekit::train::{LossKind, OptimizerConfig, TrainingConfig};
use aekit::unstable::{TrainingData, init_dense, train_dense as train, training_device};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::options::Options;
use crate::report::{LastBatch, Report, random_matrix};

/// One training workload.
pub(crate) struct Workload {
    pub(crate) name: &'static str,
    pub(crate) model: DenseAutoencoderConfig,
    pub(crate) loss: LossKind,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) batch: usize,
    pub(crate) warm_up: usize,
    pub(crate) epochs: usize,
}

pub(crate) fn workloads(quick: bool) -> Vec<Workload> {
    let timed = if quick { 3 } else { 20 };
    vec![
        // 100-200-100-50-100-200-100, Dense -> BatchNorm -> LeakyReLU(0.3)
        // on hidden layers, linear bottleneck and output, MSE.
        Workload {
            name: "W1",
            model: DenseAutoencoderConfig {
                hidden: vec![200, 100],
                bottleneck: 50,
                // None mirrors hidden: 50 -> 100 -> 200 -> 100.
                decoder_hidden: None,
                activation: Activation::LeakyRelu { slope: 0.3 },
                bottleneck_activation: Activation::Linear,
                output_activation: Activation::Linear,
                batch_norm: true,
                // torch_ref: BatchNorm1d(eps=1e-3, momentum=0.01) == Keras 0.99.
                batch_norm_epsilon: 1e-3,
                batch_norm_momentum: 0.99,
                // No dropout (the default).
                ..DenseAutoencoderConfig::default()
            },
            loss: LossKind::Mse,
            rows: 670,
            cols: 100,
            batch: 16,
            warm_up: 2,
            epochs: timed,
        },
        // 784-32(relu)-784(sigmoid), binary cross-entropy.
        Workload {
            name: "W2",
            model: DenseAutoencoderConfig {
                hidden: Vec::new(),
                bottleneck: 32,
                decoder_hidden: None,
                activation: Activation::Relu,
                bottleneck_activation: Activation::Relu,
                output_activation: Activation::Sigmoid,
                batch_norm: false,
                dropout: 0.0,
                ..DenseAutoencoderConfig::default()
            },
            loss: LossKind::Bce,
            rows: 1000,
            cols: 784,
            batch: 256,
            warm_up: 2,
            epochs: timed,
        },
        // 784 -> 256 relu -> 64 relu -> 256 relu -> 784 sigmoid, MSE, one epoch.
        Workload {
            name: "W3",
            model: w3_model(),
            loss: LossKind::Mse,
            rows: if quick { 6000 } else { 60_000 },
            cols: 784,
            batch: 256,
            warm_up: 0,
            epochs: 1,
        },
    ]
}

/// W3's architecture, also the model S1 scores with.
pub(crate) fn w3_model() -> DenseAutoencoderConfig {
    DenseAutoencoderConfig {
        hidden: vec![256],
        bottleneck: 64,
        decoder_hidden: None,
        activation: Activation::Relu,
        bottleneck_activation: Activation::Relu,
        output_activation: Activation::Sigmoid,
        ..DenseAutoencoderConfig::default()
    }
}

pub(crate) fn run(w: &Workload, options: &Options) -> Result<Report, String> {
    w.model.validate().map_err(|e| e.to_string())?;
    let data = random_matrix(w.rows, w.cols, 1);
    let device = training_device();
    let mut per_epoch = Vec::with_capacity(options.repeat);
    let mut final_loss = f64::NAN;
    for r in 0..options.repeat {
        let seed = 1 + r as u64;
        let mut init_rng = StdRng::seed_from_u64(seed);
        let model = init_dense(&w.model, w.cols, w.cols, &mut init_rng, &device);
        let config = TrainingConfig {
            optimizer: OptimizerConfig {
                learning_rate: Some(1e-3),
                epsilon: 1e-7,
                ..OptimizerConfig::default()
            },
            loss: w.loss,
            epochs: w.warm_up + w.epochs,
            batch_size: w.batch,
            shuffle: true,
            validation_split: None,
            patience: None,
            seed,
            fused_loss: !options.unfused,
            native_kernels: !options.burn,
            ..TrainingConfig::default()
        };
        config.validate().map_err(|e| e.to_string())?;
        let data = TrainingData::new(&data, None);
        let mut observer = LastBatch::default();
        let (_model, history) = train(model, &config, &data, None, &device, &mut observer)
            .map_err(|e| e.to_string())?;
        if history.epochs.len() != config.epochs {
            return Err(format!(
                "{}: training stopped after {} of {} epochs ({:?})",
                w.name,
                history.epochs.len(),
                config.epochs,
                history.stop_reason
            ));
        }
        let timed: f64 = history.epochs[w.warm_up..].iter().map(|e| e.seconds).sum();
        let s = timed / w.epochs as f64;
        eprintln!(
            "{} repeat {}/{}: {:.5} s/epoch, last batch loss {:.6}",
            w.name,
            r + 1,
            options.repeat,
            s,
            observer.loss
        );
        per_epoch.push(s);
        final_loss = observer.loss;
    }
    Ok(Report::trained(
        w.name,
        options.threads,
        w.rows,
        w.batch,
        per_epoch,
        final_loss,
    ))
}
