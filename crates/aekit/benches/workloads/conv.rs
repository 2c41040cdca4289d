//! W4: the conv autoencoder, through the library's public entry point.

use aekit::data::{ImageShape, ScaleKind};
use aekit::model::ConvAutoencoderConfig;
use aekit::train::{
    Control, LossKind, OptimizerConfig, OptimizerKind, TrainingConfig, TrainingObserver,
};
use aekit::{AutoencoderParams, DeviceChoice, FitOptions, TrainingSetters};

use crate::options::Options;
use crate::report::{Report, random_matrix};

/// W4's observer: the last batch loss, the batches done, and a stop after
/// `limit` batches when only part of the epoch is timed.
pub(crate) struct CountBatches {
    pub(crate) loss: f64,
    pub(crate) batches: usize,
    pub(crate) limit: Option<usize>,
}

impl TrainingObserver for CountBatches {
    fn on_batch_end(&mut self, batch: usize, loss: f64) -> Control {
        self.loss = loss;
        self.batches = batch;
        Control::stop_if(self.limit.is_some_and(|n| batch >= n))
    }
}

/// W4's batch size.
pub(crate) const W4_BATCH: usize = 128;

/// W4: what `aekit train --kind conv --image-shape 28x28 --channels 16,32
/// --bottleneck 64 --batch-size 128 --optimizer adam --loss mse` fits
/// (the CLI's conv defaults: relu after every hidden layer, linear code and
/// output, no batch norm; min-max scaling; Adam lr 1e-3, eps 1e-7), one
/// epoch, through the library's public entry point
/// (`AutoencoderParams::fit_with`) so it times what users run.
pub(crate) fn w4_params(threads: usize, seed: u64, device: DeviceChoice) -> AutoencoderParams {
    let model = ConvAutoencoderConfig {
        channels: vec![16, 32],
        bottleneck: 64,
        ..ConvAutoencoderConfig::default()
    };
    let training = TrainingConfig {
        optimizer: OptimizerConfig {
            kind: OptimizerKind::Adam,
            ..OptimizerConfig::default()
        },
        loss: LossKind::Mse,
        epochs: 1,
        batch_size: W4_BATCH,
        shuffle: true,
        seed,
        ..TrainingConfig::default()
    };
    AutoencoderParams::new()
        .model(model)
        .training(training)
        .scale(ScaleKind::MinMax)
        .image_shape(ImageShape::grey(28, 28))
        .threads(threads)
        .device(device)
}

/// W4 on 60 000 random 28x28 images (6 000 with `--quick`); with
/// `--w4-batches N`, the first N batches are timed and the epoch's time is
/// scaled from them by rows (an epoch is `rows / 128` batches' worth).
pub(crate) fn run_w4(options: &Options) -> Result<Report, String> {
    let rows = if options.quick { 6000 } else { 60_000 };
    let data = random_matrix(rows, 784, 1);
    let x =
        ndarray::ArrayView2::from_shape((rows, 784), &data.values).map_err(|e| e.to_string())?;
    let mut per_epoch = Vec::with_capacity(options.repeat);
    let mut final_loss = f64::NAN;
    let mut params = 0;
    for r in 0..options.repeat {
        let mut observer = CountBatches {
            loss: f64::NAN,
            batches: 0,
            limit: options.w4_batches,
        };
        let model = w4_params(options.threads, 1 + r as u64, options.device)
            .fit_with(x, FitOptions::new().observer(&mut observer))
            .map_err(|e| e.to_string())?;
        let summary = model.summary();
        params = summary.trainable() + summary.non_trainable();
        let epoch = model
            .history()
            .epochs
            .first()
            .ok_or("W4: training ran no epoch")?;
        let done_rows = (observer.batches * W4_BATCH).min(rows);
        let s = epoch.seconds * rows as f64 / done_rows as f64;
        eprintln!(
            "W4 repeat {}/{}: {:.3} s/epoch ({} batches in {:.3} s), last batch loss {:.6}",
            r + 1,
            options.repeat,
            s,
            observer.batches,
            epoch.seconds,
            observer.loss
        );
        per_epoch.push(s);
        final_loss = observer.loss;
    }
    Ok(Report {
        params: Some(params),
        timed_batches: options.w4_batches,
        ..Report::trained("W4", options.threads, rows, W4_BATCH, per_epoch, final_loss)
    })
}
