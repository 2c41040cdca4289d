//! The sections of the tabular kinds' mappings: training, scaling, the
//! dense, conv and VAE architectures and the detector's own. Each field is
//! documented where the parameter is defined (the config field or setter
//! of its name); here it is only read.

use serde::Deserialize;

use super::named;
use crate::data::{MissingPolicy, ScaleKind};
use crate::error::{AekitError, Result};
use crate::model::{Activation, ConvAutoencoderConfig, DenseAutoencoderConfig, VaeConfig};
use crate::tasks::anomaly::DetectorParams;
use crate::threshold::ThresholdRule;
use crate::train::{LossKind, Noise, OptimizerKind, TrainingConfig, TrainingSetters};

/// The training block ([`TrainingConfig`](crate::train::TrainingConfig)'s
/// fields, the optimiser's flattened). `validation_split` 0 and
/// `patience` 0 turn validation and early stopping off, as on the command line.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingOptions {
    /// `optimizer`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub optimizer: Option<OptimizerKind>,
    /// `learning_rate`; `None` keeps the default.
    pub learning_rate: Option<f64>,
    /// `weight_decay`; `None` keeps the default.
    pub weight_decay: Option<f64>,
    /// `momentum`; `None` keeps the default.
    pub momentum: Option<f64>,
    /// `epsilon`; `None` keeps the default.
    pub epsilon: Option<f64>,
    /// `epochs`; `None` keeps the default.
    pub epochs: Option<usize>,
    /// `batch_size`; `None` keeps the default.
    pub batch_size: Option<usize>,
    /// `shuffle`; `None` keeps the default.
    pub shuffle: Option<bool>,
    /// `validation_split`; `None` keeps the default.
    pub validation_split: Option<f64>,
    /// `patience`; `None` keeps the default.
    pub patience: Option<usize>,
    /// `min_delta`; `None` keeps the default.
    pub min_delta: Option<f64>,
    /// `seed`; `None` keeps the default.
    pub seed: Option<u64>,
    /// `threads`; `None` keeps the default.
    pub threads: Option<usize>,
    /// `device` (cpu, gpu, gpu:N, auto); `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub device: Option<crate::backend::DeviceChoice>,
    /// `loss`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub loss: Option<LossKind>,
    /// `noise`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub noise: Option<Noise>,
}

impl TrainingOptions {
    /// These settings over the kind's default training in `params`.
    pub fn apply<P: TrainingSetters>(self, mut params: P) -> P {
        self.apply_to(params.training_mut());
        params
    }

    /// These settings over the training block `t`.
    pub fn apply_to(self, t: &mut TrainingConfig) {
        let o = &mut t.optimizer;
        o.kind = self.optimizer.unwrap_or(o.kind);
        o.learning_rate = self.learning_rate.or(o.learning_rate);
        o.weight_decay = self.weight_decay.or(o.weight_decay);
        o.momentum = self.momentum.unwrap_or(o.momentum);
        o.epsilon = self.epsilon.unwrap_or(o.epsilon);
        t.epochs = self.epochs.unwrap_or(t.epochs);
        t.batch_size = self.batch_size.unwrap_or(t.batch_size);
        t.shuffle = self.shuffle.unwrap_or(t.shuffle);
        t.validation_split = self
            .validation_split
            .map_or(t.validation_split, |f| (f != 0.0).then_some(f));
        t.patience = self.patience.map_or(t.patience, |n| (n > 0).then_some(n));
        t.min_delta = self.min_delta.unwrap_or(t.min_delta);
        t.seed = self.seed.unwrap_or(t.seed);
        t.threads = self.threads.or(t.threads);
        t.device = self.device.unwrap_or(t.device);
        t.loss = self.loss.unwrap_or(t.loss);
        t.noise = self.noise.or(t.noise);
    }
}

/// Feature scaling ([`ScaleKind`]: minmax, standard, robust, none).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScaleOptions {
    /// `scale`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub scale: Option<ScaleKind>,
}

/// How a mixed table's columns become inputs (the params' setters of
/// these names): text columns one-hot up to `max_categories` distinct
/// values, missing cells imputed or refused.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnOptions {
    /// `max_categories`; `None` keeps the default.
    pub max_categories: Option<usize>,
    /// `missing` (impute or error); `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub missing: Option<MissingPolicy>,
}

/// The output activation in force: the one given, else sigmoid under
/// binary cross-entropy (which needs it), else the kind's default.
fn output(given: Option<Activation>, loss: LossKind, default: Activation) -> Activation {
    given.unwrap_or(match loss {
        LossKind::Bce => Activation::Sigmoid,
        _ => default,
    })
}

/// A dense architecture ([`DenseAutoencoderConfig`]'s fields).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DenseOptions {
    /// `hidden`; `None` keeps the default.
    pub hidden: Option<Vec<usize>>,
    /// `decoder_hidden`; `None` keeps the default.
    pub decoder_hidden: Option<Vec<usize>>,
    /// `bottleneck`; `None` keeps the default.
    pub bottleneck: Option<usize>,
    /// `activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub activation: Option<Activation>,
    /// `bottleneck_activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub bottleneck_activation: Option<Activation>,
    /// `output_activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub output_activation: Option<Activation>,
    /// `batch_norm`; `None` keeps the default.
    pub batch_norm: Option<bool>,
    /// `dropout`; `None` keeps the default.
    pub dropout: Option<f64>,
}

impl DenseOptions {
    /// The architecture these settings give over the defaults.
    pub fn config(self, loss: LossKind) -> DenseAutoencoderConfig {
        let base = DenseAutoencoderConfig::default();
        DenseAutoencoderConfig {
            output_activation: output(self.output_activation, loss, base.output_activation),
            hidden: self.hidden.unwrap_or(base.hidden.clone()),
            decoder_hidden: self.decoder_hidden.or(base.decoder_hidden.clone()),
            bottleneck: self.bottleneck.unwrap_or(base.bottleneck),
            activation: self.activation.unwrap_or(base.activation),
            bottleneck_activation: self
                .bottleneck_activation
                .unwrap_or(base.bottleneck_activation),
            batch_norm: self.batch_norm.unwrap_or(base.batch_norm),
            dropout: self.dropout.unwrap_or(base.dropout),
            ..base
        }
    }
}

/// A convolutional architecture ([`ConvAutoencoderConfig`]'s fields).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConvOptions {
    /// `channels`; `None` keeps the default.
    pub channels: Option<Vec<usize>>,
    /// `bottleneck`; `None` keeps the default.
    pub bottleneck: Option<usize>,
    /// `activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub activation: Option<Activation>,
    /// `bottleneck_activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub bottleneck_activation: Option<Activation>,
    /// `output_activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub output_activation: Option<Activation>,
    /// `batch_norm`; `None` keeps the default.
    pub batch_norm: Option<bool>,
}

impl ConvOptions {
    /// The architecture these settings give over the defaults.
    pub fn config(self, loss: LossKind) -> ConvAutoencoderConfig {
        let base = ConvAutoencoderConfig::default();
        ConvAutoencoderConfig {
            output_activation: output(self.output_activation, loss, base.output_activation),
            channels: self.channels.unwrap_or(base.channels.clone()),
            bottleneck: self.bottleneck.unwrap_or(base.bottleneck),
            activation: self.activation.unwrap_or(base.activation),
            bottleneck_activation: self
                .bottleneck_activation
                .unwrap_or(base.bottleneck_activation),
            batch_norm: self.batch_norm.unwrap_or(base.batch_norm),
            ..base
        }
    }
}

/// A variational architecture ([`VaeConfig`]'s fields); `conv` true (or
/// `channels` given) makes it convolutional, with the conv kind's default
/// channels unless given.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VaeOptions {
    /// `hidden`; `None` keeps the default.
    pub hidden: Option<Vec<usize>>,
    /// `decoder_hidden`; `None` keeps the default.
    pub decoder_hidden: Option<Vec<usize>>,
    /// `channels`; `None` keeps the default.
    pub channels: Option<Vec<usize>>,
    /// `conv`; `None` keeps the default.
    pub conv: Option<bool>,
    /// `bottleneck`; `None` keeps the default.
    pub bottleneck: Option<usize>,
    /// `activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub activation: Option<Activation>,
    /// `output_activation`; `None` keeps the default.
    #[serde(deserialize_with = "named")]
    pub output_activation: Option<Activation>,
    /// `batch_norm`; `None` keeps the default.
    pub batch_norm: Option<bool>,
    /// `beta`; `None` keeps the default.
    pub beta: Option<f64>,
}

impl VaeOptions {
    /// The architecture these settings give over the defaults.
    pub fn config(self, loss: LossKind) -> VaeConfig {
        let base = VaeConfig::default();
        let conv = self.conv.unwrap_or(false) || self.channels.is_some();
        VaeConfig {
            output_activation: output(self.output_activation, loss, base.output_activation),
            hidden: self.hidden.unwrap_or(base.hidden.clone()),
            decoder_hidden: self.decoder_hidden.or(base.decoder_hidden.clone()),
            channels: conv.then(|| {
                self.channels
                    .unwrap_or_else(|| ConvAutoencoderConfig::default().channels)
            }),
            bottleneck: self.bottleneck.unwrap_or(base.bottleneck),
            activation: self.activation.unwrap_or(base.activation),
            batch_norm: self.batch_norm.unwrap_or(base.batch_norm),
            beta: self.beta.unwrap_or(base.beta),
            ..base
        }
    }
}

/// The detector's own parameters ([`DetectorParams`]' setters of these
/// names); `histogram_bins` 0 leaves the autoencoders alone.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorOptions {
    /// `contamination`; `None` keeps the default.
    pub contamination: Option<f64>,
    /// `threshold_percentile`; `None` keeps the default.
    pub threshold_percentile: Option<f64>,
    /// `widths`; `None` keeps the default.
    pub widths: Option<Vec<usize>>,
    /// `trim`; `None` keeps the default.
    pub trim: Option<f64>,
    /// `histogram_bins`; `None` keeps the default.
    pub histogram_bins: Option<usize>,
}

impl DetectorOptions {
    /// These settings over `params`; any `dense` architecture setting
    /// fits that one model instead of the ensemble.
    pub fn apply(
        self,
        mut params: DetectorParams,
        dense: DenseOptions,
        loss: LossKind,
    ) -> Result<DetectorParams> {
        if dense != DenseOptions::default() {
            params.model = Some(dense.config(loss));
        }
        params.rule = match (self.contamination, self.threshold_percentile) {
            (Some(_), Some(_)) => {
                return Err(AekitError::param(
                    "threshold_percentile",
                    "sets the threshold as `contamination` does: give one of them",
                ));
            }
            (None, Some(q)) => ThresholdRule::Percentile(q),
            (Some(p), None) => ThresholdRule::Contamination(p),
            (None, None) => params.rule,
        };
        params.widths = self.widths.or(params.widths);
        params.trim = self.trim.unwrap_or(params.trim);
        params.histogram_bins = self
            .histogram_bins
            .map_or(params.histogram_bins, |bins| (bins > 0).then_some(bins));
        Ok(params)
    }
}
