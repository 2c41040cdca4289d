//! The training flags, declared once and flattened into every command
//! that trains (`train`, `detect`, `text train`, `text autoencoder`), and
//! their mapping onto the library's [`TrainingConfig`], in one function.
//! Each flag sets the [`TrainingConfig`] field of its name (`--lr`:
//! `learning_rate`), documented there; a flag left out keeps the kind's
//! default. `--validation-split 0` and `--patience 0` turn validation and
//! early stopping off, for every command.

use aekit::DeviceChoice;
use aekit::options::Mapping;
use aekit::train::{LossKind, OptimizerKind, TrainingConfig};
use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{Map, Value};

use crate::settings::noise;

/// How to train: the flags every training command takes.
#[derive(Debug, Args)]
pub struct TrainingArgs {
    /// Optimiser [default: adam].
    #[arg(long, value_enum, help_heading = "Training")]
    pub optimizer: Option<Optimizer>,
    /// Learning rate [default: 0.001 for adam (0.003 on images with no
    /// architecture flag), adamw and rmsprop, 0.01 for sgd; text train 0.003 (0.01 with flatten or mean pooling), text
    /// autoencoder 0.005].
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub lr: Option<f64>,
    /// Weight decay, as PyTorch's: an L2 penalty for adam, rmsprop and sgd,
    /// decoupled for adamw [default: 0.01 for adamw, else 0].
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub weight_decay: Option<f64>,
    /// Momentum for sgd and rmsprop [default: 0].
    #[arg(long, help_heading = "Training")]
    pub momentum: Option<f64>,
    /// Optimiser epsilon [default: 1e-7, as Keras].
    #[arg(long, help_heading = "Training")]
    pub epsilon: Option<f64>,
    /// Passes over the training data [default: 50 for train (a table with
    /// no architecture flag: max(50, ceil(5000 * 32 / rows)), see
    /// docs/tabular.md), 100 for detect, 30 for the text commands].
    #[arg(long, help_heading = "Training")]
    pub epochs: Option<usize>,
    /// Rows per gradient step [default: 32; 64 for text autoencoder].
    #[arg(long, help_heading = "Training")]
    pub batch_size: Option<usize>,
    /// Keep the file's row order instead of shuffling every epoch.
    #[arg(long, help_heading = "Training")]
    pub no_shuffle: bool,
    /// Hold out this fraction of the training rows for validation; 0: none
    /// (train: the last rows, as Keras, and none by default; detect and
    /// the text commands: a seeded random 0.1 by default).
    #[arg(long, value_name = "F", help_heading = "Training")]
    pub validation_split: Option<f64>,
    /// Stop after N epochs without val_loss improvement and restore the best
    /// weights; 0: never stop early [default: off for train, 10 for detect,
    /// 3 for the text commands].
    #[arg(long, value_name = "N", help_heading = "Training")]
    pub patience: Option<usize>,
    /// Smallest improvement that resets --patience [default: 0].
    #[arg(long, help_heading = "Training")]
    pub min_delta: Option<f64>,
    /// Seed for weights, shuffling, the validation draw, dropout and noise:
    /// same seed, machine and threads give the same model [default: 42].
    #[arg(long, help_heading = "Training")]
    pub seed: Option<u64>,
    /// CPU threads [default: RAYON_NUM_THREADS, else all cores].
    #[arg(long, help_heading = "Training")]
    pub threads: Option<usize>,
    /// Where to train (and run the model): cpu, gpu, gpu:N or auto (a GPU
    /// when one is built in and present, else the CPU); a GPU needs aekit
    /// built with the wgpu or cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE", help_heading = "Training")]
    pub device: Option<DeviceChoice>,
}

/// The training flags of the kinds that learn to rebuild their inputs
/// (`train`, `detect`); the text kinds train on their own loss.
#[derive(Debug, Args)]
pub struct ReconstructionArgs {
    /// Reconstruction loss [default: mse].
    #[arg(long, value_enum, help_heading = "Training")]
    pub loss: Option<Loss>,
    /// Corrupt the training inputs afresh each epoch, the targets staying
    /// clean (a denoising autoencoder): gaussian:SIGMA adds N(0, SIGMA^2)
    /// to the scaled inputs (clipped to [0, 1] under a sigmoid output),
    /// mask:P zeroes each input value with probability P. Validation uses
    /// clean inputs.
    #[arg(long, value_name = "SPEC", help_heading = "Training")]
    pub noise: Option<String>,
}

/// `--optimizer`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Optimizer {
    /// Adam.
    Adam,
    /// RMSprop.
    Rmsprop,
    /// Stochastic gradient descent.
    Sgd,
    /// Adam with decoupled weight decay (PyTorch's AdamW).
    Adamw,
}

/// `--loss`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Loss {
    /// Mean squared error.
    Mse,
    /// Binary cross-entropy.
    Bce,
    /// Mean absolute error.
    Mae,
}

/// Adds a value, when given, to a library mapping as the parameter named.
macro_rules! put {
    ($entries:expr, $name:expr, $value:expr) => {
        if let Some(v) = $value.and_then(|v| serde_json::to_value(v).ok()) {
            $entries.insert($name.to_string(), v);
        }
    };
}
pub(crate) use put;

/// The training flags as the library's parameters (`--lr`:
/// `learning_rate`), for its mapping ([`aekit::options`]), which applies
/// them (`0` turning validation and early stopping off).
pub fn training_entries(
    args: &TrainingArgs,
    reconstruction: Option<&ReconstructionArgs>,
) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    let optimizer = args.optimizer.map(|o| match o {
        Optimizer::Adam => OptimizerKind::Adam,
        Optimizer::Rmsprop => OptimizerKind::RmsProp,
        Optimizer::Sgd => OptimizerKind::Sgd,
        Optimizer::Adamw => OptimizerKind::AdamW,
    });
    put!(m, "optimizer", optimizer);
    put!(m, "learning_rate", args.lr);
    put!(m, "weight_decay", args.weight_decay);
    put!(m, "momentum", args.momentum);
    put!(m, "epsilon", args.epsilon);
    put!(m, "epochs", args.epochs);
    put!(m, "batch_size", args.batch_size);
    put!(m, "shuffle", args.no_shuffle.then_some(false));
    put!(m, "validation_split", args.validation_split);
    put!(m, "patience", args.patience);
    put!(m, "min_delta", args.min_delta);
    put!(m, "seed", args.seed);
    put!(m, "threads", args.threads);
    put!(m, "device", args.device.map(|d| d.to_string()));
    let loss = reconstruction.and_then(|r| r.loss).map(|l| match l {
        Loss::Mse => LossKind::Mse,
        Loss::Bce => LossKind::Bce,
        Loss::Mae => LossKind::Mae,
    });
    put!(m, "loss", loss);
    let noise = reconstruction
        .and_then(|r| r.noise.as_deref())
        .map(|spec| noise("--noise", spec))
        .transpose()?;
    put!(m, "noise", noise);
    Ok(m)
}

/// The training flags applied over `base`, the kind's default training.
pub fn training_config(
    args: &TrainingArgs,
    reconstruction: Option<&ReconstructionArgs>,
    base: TrainingConfig,
) -> Result<TrainingConfig> {
    let mut mapping = Mapping::from(training_entries(args, reconstruction)?);
    let training = mapping.training(base)?;
    mapping.finish()?;
    Ok(training)
}

/// How `train` and `detect` read a training file larger than memory;
/// each flag sets the library's `StreamConfig` field of its name.
#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Train without reading DATA into memory: a pass over its chunks
    /// fits the scaler, then each epoch reads it again through a seeded
    /// shuffle buffer (docs/scale.md). Dense models, min-max or standard
    /// scaling.
    #[arg(long, help_heading = "Out of core")]
    pub stream: bool,
    /// Stream when DATA's size on disk is above SIZE (bytes, or with a
    /// K, M or G suffix: 500M, 2G) [default: only with --stream].
    #[arg(long, value_name = "SIZE", help_heading = "Out of core")]
    pub memory_limit: Option<String>,
    /// Rows of the seeded shuffle buffer a streamed epoch passes through:
    /// a row comes out at most N rows before its place in the file, at a
    /// random delay after; 0 keeps the file's order [default: 100000].
    #[arg(long, value_name = "N", help_heading = "Out of core")]
    pub shuffle_buffer: Option<usize>,
    /// Rows read per chunk when streaming [default: 65536].
    #[arg(long, value_name = "N", help_heading = "Out of core")]
    pub chunk_rows: Option<usize>,
}

/// `--memory-limit`'s SIZE in bytes.
fn size(text: &str) -> Result<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((at, _)) => t.split_at(at),
        None => (t, ""),
    };
    let factor: u64 = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => anyhow::bail!(
            "invalid --memory-limit '{text}': expected bytes, or a number with K, M, G or T"
        ),
    };
    match digits.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok((v * factor as f64) as u64),
        _ => anyhow::bail!(
            "invalid --memory-limit '{text}': expected bytes, or a number with K, M, G or T"
        ),
    }
}

/// The streaming flags as the library's [`StreamConfig`](aekit::incremental::StreamConfig).
pub fn stream_config(args: &StreamArgs) -> Result<aekit::incremental::StreamConfig> {
    let mut m = Map::new();
    put!(m, "stream", args.stream.then_some(true));
    put!(
        m,
        "memory_limit",
        args.memory_limit.as_deref().map(size).transpose()?
    );
    put!(m, "shuffle_buffer", args.shuffle_buffer);
    put!(m, "chunk_rows", args.chunk_rows);
    let mut mapping = Mapping::from(m);
    let config = mapping.stream()?;
    mapping.finish()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_binary_suffixes() {
        assert_eq!(size("1500").unwrap(), 1500);
        assert_eq!(size("2G").unwrap(), 2 << 30);
        assert_eq!(size("0.5m").unwrap(), 1 << 19);
        assert_eq!(size("3 GiB").unwrap(), 3 << 30);
        assert!(size("lots").is_err() && size("2X").is_err() && size("-1").is_err());
    }
}
