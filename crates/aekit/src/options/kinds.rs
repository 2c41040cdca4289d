//! Each kind's params read from a mapping: its configs overlaid in turn,
//! starting from the kind's defaults.

use super::mapping::Mapping;
use crate::data::{MissingPolicy, ScaleKind};
use crate::error::{AekitError, Result};
use crate::incremental::StreamConfig;
use crate::model::ensemble::{DEFAULT_NEIGHBOURS, NeighbourConfig};
use crate::model::{
    Activation, ConvAutoencoderConfig, DenseAutoencoderConfig, ModelConfig, Pooling, VaeConfig,
};
use crate::text::{DocAutoencoderParams, TextClassifierParams};
use crate::threshold::ThresholdRule;
use crate::train::{LossKind, TrainingConfig, TrainingSetters};
use crate::{AutoencoderParams, DetectorParams, ImageDefaults, TableDefaults};

/// An autoencoder's params (`kind` dense, the default, conv or vae) from
/// a JSON mapping: the scaling, the kind's architecture and the training.
/// A VAE given `conv` true (or `channels`) is convolutional, with the
/// conv kind's default channels unless given.
pub fn autoencoder(json: &str) -> Result<AutoencoderParams> {
    Mapping::parse(json)?.autoencoder()
}

/// An anomaly detector's params from a JSON mapping: the threshold
/// (`contamination` or `threshold_percentile`), the ensemble's `widths`,
/// `trim`, `histogram_bins` (0: none), `neighbours` (k, 0: none) and
/// `weighting` (`members` or `agreeing_kinds`), or, given any dense
/// architecture parameter, one dense model; the scaling and the training.
pub fn detector(json: &str) -> Result<DetectorParams> {
    Mapping::parse(json)?.detector()
}

/// A text classifier's params from a JSON mapping: `pooling` picks the
/// recipe ([`TextClassifierParams::for_pooling`]) the other parameters
/// change (tokens, vocabulary, length, padding, architecture, training).
pub fn text_classifier(json: &str) -> Result<TextClassifierParams> {
    Mapping::parse(json)?.text_classifier()
}

/// A document autoencoder's params from a JSON mapping: tokens,
/// vocabulary, TF-IDF weighting, architecture and training.
pub fn doc_autoencoder(json: &str) -> Result<DocAutoencoderParams> {
    Mapping::parse(json)?.doc_autoencoder()
}

impl Mapping {
    /// The training block over `base`: [`TrainingConfig`]'s fields, the
    /// optimiser's flattened in (its `kind` named `optimizer`), and
    /// `threads` and `device` (cpu, gpu, gpu:N, auto), which the model
    /// file does not keep.
    pub fn training(&mut self, base: TrainingConfig) -> Result<TrainingConfig> {
        let mut t = self.overlay(base, &["optimizer", "checkpoint"], &[])?;
        t.optimizer = self.overlay(t.optimizer, &[], &[("optimizer", "kind")])?;
        t.threads = self.take("threads")?.or(t.threads);
        if let Some(device) = self.take::<String>("device")? {
            t.device = device
                .parse()
                .map_err(|e: String| AekitError::param("device", e))?;
        }
        Ok(t)
    }

    /// How a training file is read ([`StreamConfig`]: `stream`,
    /// `memory_limit`, `shuffle_buffer`, `chunk_rows`), taken out of this
    /// mapping before the kind's own reading.
    pub fn stream(&mut self) -> Result<StreamConfig> {
        self.overlay(StreamConfig::default(), &[], &[])
    }

    /// An architecture over `base` whose output activation, when not
    /// given, is sigmoid under binary cross-entropy (which needs it).
    fn architecture<T: serde::Serialize + serde::de::DeserializeOwned>(
        &mut self,
        base: T,
        loss: LossKind,
        output: impl FnOnce(&mut T) -> &mut Activation,
    ) -> Result<T> {
        let given = self.has("output_activation");
        let mut config = self.overlay(base, &[], &[])?;
        if !given && loss == LossKind::Bce {
            *output(&mut config) = Activation::Sigmoid;
        }
        Ok(config)
    }

    /// The scaling and the mixed-table column settings.
    fn data<P>(
        &mut self,
        params: P,
        scale: impl FnOnce(P, ScaleKind) -> P,
        max_categories: impl FnOnce(P, usize) -> P,
        missing: impl FnOnce(P, MissingPolicy) -> P,
    ) -> Result<P> {
        let mut p = params;
        if let Some(kind) = self.take("scale")? {
            p = scale(p, kind);
        }
        if let Some(n) = self.take("max_categories")? {
            p = max_categories(p, n);
        }
        if let Some(policy) = self.take("missing")? {
            p = missing(p, policy);
        }
        Ok(p)
    }

    /// [`autoencoder`]'s reading of this mapping.
    pub fn autoencoder(self) -> Result<AutoencoderParams> {
        let mut map = self;
        let kind: Option<String> = map.take("kind")?;
        let scale_given = map.has("scale");
        let epochs_given = map.has("epochs");
        let mut params = map.data(
            AutoencoderParams::new(),
            AutoencoderParams::scale,
            AutoencoderParams::max_categories,
            AutoencoderParams::missing,
        )?;
        let training = map.training(params.training_mut().clone())?;
        let loss = training.loss;
        // What is not given here is left to the images, when rows are;
        // the architecture only when none of it is given.
        let architecture_given = match kind.as_deref().unwrap_or("dense") {
            "conv" => map.has_any::<ConvAutoencoderConfig>(),
            "vae" => map.has_any::<VaeConfig>(),
            _ => map.has_any::<DenseAutoencoderConfig>(),
        };
        let left = ImageDefaults {
            scale: !scale_given && !architecture_given,
            architecture: !architecture_given,
        };
        let model: ModelConfig = match kind.as_deref().unwrap_or("dense") {
            "dense" => map
                .architecture(DenseAutoencoderConfig::default(), loss, |c| {
                    &mut c.output_activation
                })?
                .into(),
            "conv" => map
                .architecture(ConvAutoencoderConfig::default(), loss, |c| {
                    &mut c.output_activation
                })?
                .into(),
            "vae" => {
                let conv = map.take::<bool>("conv")?.unwrap_or(false);
                let mut c =
                    map.architecture(VaeConfig::default(), loss, |c| &mut c.output_activation)?;
                if conv && c.channels.is_none() {
                    c.channels = Some(ConvAutoencoderConfig::default().channels);
                }
                c.into()
            }
            other => {
                return Err(AekitError::param(
                    "kind",
                    format!("unknown kind '{other}' (expected dense, conv or vae)"),
                ));
            }
        };
        map.finish()?;
        let left_to_table = TableDefaults {
            architecture: !architecture_given,
            epochs: !epochs_given,
        };
        params = params
            .model(model)
            .training(training)
            .image_defaults(left)
            .table_defaults(left_to_table);
        Ok(params)
    }

    /// [`detector`]'s reading of this mapping.
    pub fn detector(self) -> Result<DetectorParams> {
        let mut map = self;
        let mut params = map.data(
            DetectorParams::default(),
            DetectorParams::scale,
            DetectorParams::max_categories,
            DetectorParams::missing,
        )?;
        params.rule = match (
            map.take("contamination")?,
            map.take("threshold_percentile")?,
        ) {
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
        params.widths = map.take("widths")?.or(params.widths);
        params.trim = map.take("trim")?.unwrap_or(params.trim);
        if let Some(bins) = map.take::<usize>("histogram_bins")? {
            params.histogram_bins = (bins > 0).then_some(bins);
        }
        if let Some(k) = map.take::<usize>("neighbours")? {
            params.neighbours = (k > 0).then(|| NeighbourConfig {
                k,
                ..params.neighbours.unwrap_or(DEFAULT_NEIGHBOURS)
            });
        }
        if let Some(how) = map.take::<String>("weighting")? {
            params.weighting = how
                .parse()
                .map_err(|e: String| AekitError::param("weighting", e))?;
        }
        params.training = map.training(params.training)?;
        if map.has_any::<DenseAutoencoderConfig>() {
            let loss = params.training.loss;
            params.model = Some(map.architecture(
                DenseAutoencoderConfig::default(),
                loss,
                |c| &mut c.output_activation,
            )?);
        } else {
            map.declare::<DenseAutoencoderConfig>();
        }
        map.finish()?;
        Ok(params)
    }

    /// [`text_classifier`]'s reading of this mapping.
    pub fn text_classifier(self) -> Result<TextClassifierParams> {
        let mut map = self;
        let pooling = map.take::<Pooling>("pooling")?.unwrap_or_default();
        let mut p = TextClassifierParams::for_pooling(pooling);
        p.tokenizer = map.overlay(p.tokenizer, &[], &[])?;
        p.vocabulary = map.overlay(p.vocabulary, &[], &[])?;
        let width = map.take::<usize>("embedding_dim")?;
        p.model = map.overlay(p.model, &[], &[])?;
        p.training = map.training(p.training)?;
        let mut p = map.overlay(p, &["tokenizer", "vocabulary", "model", "training"], &[])?;
        if let Some(dim) = width {
            p.embedding_width(dim)?;
        }
        map.finish()?;
        Ok(p)
    }

    /// [`doc_autoencoder`]'s reading of this mapping.
    pub fn doc_autoencoder(self) -> Result<DocAutoencoderParams> {
        let mut map = self;
        let mut p = DocAutoencoderParams::default();
        p.tokenizer = map.overlay(p.tokenizer, &[], &[])?;
        p.vocabulary = map.overlay(p.vocabulary, &[], &[])?;
        p.tfidf = map.overlay(p.tfidf, &[], &[])?;
        p.model = map.overlay(p.model, &[], &[])?;
        p.training = map.training(p.training)?;
        map.finish()?;
        Ok(p)
    }
}
