//! Turns parsed arguments into library configurations, in one place.

use aekit::AutoencoderParams;
use aekit::data::{ColumnRoles, CsvOptions, ScaleKind};
use aekit::model::{Activation, DenseAutoencoderConfig};
use aekit::train::{LossKind, OptimizerConfig, OptimizerKind, TrainingConfig};
use anyhow::{Result, bail};

use crate::cli::{CsvArgs, Loss, Optimizer, Scale, TrainArgs};

/// Parses a width list such as `200,100`; `none` or an empty string is no layers.
pub fn widths(flag: &str, text: &str) -> Result<Vec<usize>> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|w| match w.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!(
                "invalid {flag} '{text}': expected positive widths separated by commas, or none"
            ),
        })
        .collect()
}

/// Parses an image shape such as `8x8` into (height, width).
pub fn image_shape(text: &str) -> Result<(usize, usize)> {
    let parsed = text
        .split_once(['x', 'X'])
        .and_then(|(h, w)| {
            Some((
                h.trim().parse::<usize>().ok()?,
                w.trim().parse::<usize>().ok()?,
            ))
        })
        .filter(|&(h, w)| h > 0 && w > 0);
    match parsed {
        Some(shape) => Ok(shape),
        None => bail!("invalid --image-shape '{text}': expected HEIGHTxWIDTH, e.g. 8x8"),
    }
}

/// CSV reading options.
pub fn csv_options(args: &CsvArgs) -> Result<CsvOptions> {
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => bail!("invalid --delimiter '{c}': must be a single ASCII character"),
    };
    Ok(CsvOptions { delimiter })
}

/// Everything `aekit train` needs to fit.
pub fn train_params(args: &TrainArgs) -> Result<AutoencoderParams> {
    let loss = match args.loss {
        Loss::Mse => LossKind::Mse,
        Loss::Bce => LossKind::Bce,
        Loss::Mae => LossKind::Mae,
    };
    let output_activation = args.output_activation.unwrap_or(match loss {
        LossKind::Bce => Activation::Sigmoid,
        _ => Activation::Linear,
    });
    let model = DenseAutoencoderConfig {
        hidden: widths("--hidden", &args.hidden)?,
        bottleneck: args.bottleneck,
        decoder_hidden: args
            .decoder_hidden
            .as_deref()
            .map(|t| widths("--decoder-hidden", t))
            .transpose()?,
        activation: args.activation,
        bottleneck_activation: args.bottleneck_activation,
        output_activation,
        batch_norm: args.batch_norm,
        dropout: args.dropout,
        ..DenseAutoencoderConfig::default()
    };
    let optimizer = OptimizerConfig {
        kind: match args.optimizer {
            Optimizer::Adam => OptimizerKind::Adam,
            Optimizer::Rmsprop => OptimizerKind::RmsProp,
            Optimizer::Sgd => OptimizerKind::Sgd,
        },
        learning_rate: args.lr,
        momentum: args.momentum,
        epsilon: args.epsilon,
        ..OptimizerConfig::default()
    };
    let training = TrainingConfig {
        optimizer,
        loss,
        epochs: args.epochs,
        batch_size: args.batch_size,
        shuffle: !args.no_shuffle,
        validation_split: args.validation_split,
        patience: args.patience,
        min_delta: args.min_delta,
        seed: args.seed,
    };
    let params = AutoencoderParams {
        columns: ColumnRoles {
            label: args.label.clone(),
            ids: args.ids.clone(),
            drop: args.drop.clone(),
            one_hot: args.one_hot.clone(),
        },
        scale: match args.scale {
            Scale::Minmax => ScaleKind::MinMax,
            Scale::Standard => ScaleKind::Standard,
            Scale::None => ScaleKind::None,
        },
        model,
        training,
    };
    params.validate()?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_parse_lists_and_none() {
        assert_eq!(widths("--hidden", "200,100").unwrap(), vec![200, 100]);
        assert!(widths("--hidden", "none").unwrap().is_empty());
        assert!(widths("--hidden", "10,0").is_err());
        assert!(widths("--hidden", "a").is_err());
    }
}
