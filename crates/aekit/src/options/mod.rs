//! Every kind's hyper-parameters as one flat mapping of names to values
//! (a JSON object: Python's keyword arguments), deserialised with serde
//! into the kind's params. A mapping is split into sections, each a struct
//! whose fields are parameters (`#[serde(deny_unknown_fields)]`); a name no
//! section takes is an [`AekitError::UnknownParam`] listing those the kind
//! takes, and a value of the wrong type an [`AekitError::InvalidParam`]
//! naming its parameter. A value left out, or `null`, keeps the kind's
//! default. Enums are read from the names the command line spells them
//! with (`"rmsprop"`, `"leaky_relu:0.1"`, `"gaussian:0.3"`).
//!
//! ```
//! let params = aekit::options::autoencoder(r#"{"kind": "dense", "hidden": [8], "epochs": 5}"#)?;
//! assert!(params.validate().is_ok());
//! let wrong = aekit::options::autoencoder(r#"{"epoch": 5}"#).unwrap_err();
//! assert!(wrong.to_string().contains("unknown parameter 'epoch'"), "{wrong}");
//! # Ok::<(), aekit::AekitError>(())
//! ```

mod sections;
mod text;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};

use crate::error::{AekitError, Result};
use crate::model::ModelConfig;
use crate::text::{DocAutoencoderParams, TextClassifierParams};
use crate::{AutoencoderParams, DetectorParams};

pub use sections::{
    ColumnOptions, ConvOptions, DenseOptions, DetectorOptions, ScaleOptions, TrainingOptions,
    VaeOptions,
};
pub use text::{DocAutoencoderOptions, TextClassifierOptions, TextOptions};

/// A parsed mapping whose sections take their parameters out one by one.
pub struct Mapping {
    entries: Map<String, Value>,
    taken: Vec<&'static str>,
}

impl Mapping {
    /// Parses a JSON object of parameter names to values.
    pub fn parse(json: &str) -> Result<Mapping> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| AekitError::param("params", format!("not a JSON object ({e})")))?;
        match value {
            Value::Object(entries) => Ok(Mapping {
                entries,
                taken: Vec::new(),
            }),
            _ => Err(AekitError::param(
                "params",
                "must be a mapping of names to values",
            )),
        }
    }

    /// Takes out the parameters of section `T` (those of its field names
    /// present and not null) and deserialises them.
    pub fn section<T: DeserializeOwned>(&mut self) -> Result<T> {
        let mut mine = Map::new();
        for &name in field_names::<T>() {
            self.taken.push(name);
            let Some(value) = self.entries.remove(name) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            // One at a time first, so that an error names its parameter.
            let one = Map::from_iter([(name.to_string(), value.clone())]);
            T::deserialize(Value::Object(one))
                .map_err(|e| AekitError::param(name, e.to_string()))?;
            mine.insert(name.to_string(), value);
        }
        T::deserialize(Value::Object(mine)).map_err(|e| AekitError::param("params", e.to_string()))
    }

    /// A string parameter no section declares (the kind of a model).
    pub fn take_str(&mut self, name: &'static str) -> Result<Option<String>> {
        self.taken.push(name);
        match self.entries.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(AekitError::param(
                name,
                format!("must be a string, got {other}"),
            )),
        }
    }

    /// Ends the reading: a parameter no section took is an error listing
    /// the ones taken.
    pub fn finish(self) -> Result<()> {
        match self.entries.keys().next() {
            None => Ok(()),
            Some(name) => {
                let mut known = self.taken;
                known.sort_unstable();
                known.dedup();
                Err(AekitError::UnknownParam {
                    name: name.clone(),
                    known: known.join(", "),
                })
            }
        }
    }
}

/// The field names of a struct with a derived `Deserialize`: what serde
/// hands `deserialize_struct`, caught by a deserializer that reads nothing.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("only the field names were read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// Deserialises an optional value from its name through `FromStr` (the
/// names the command line parses).
pub(crate) fn named<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    use serde::Deserialize;
    Option::<String>::deserialize(d)?
        .map(|s| s.parse().map_err(de::Error::custom))
        .transpose()
}

/// An autoencoder's params (`kind` dense, the default, conv or vae) from
/// a JSON mapping: the scaling, the kind's architecture and the training.
pub fn autoencoder(json: &str) -> Result<AutoencoderParams> {
    let mut map = Mapping::parse(json)?;
    let kind = map.take_str("kind")?;
    let scale: ScaleOptions = map.section()?;
    let columns: ColumnOptions = map.section()?;
    let training: TrainingOptions = map.section()?;
    let loss = training.loss.unwrap_or_default();
    let model: ModelConfig = match kind.as_deref().unwrap_or("dense") {
        "dense" => map.section::<DenseOptions>()?.config(loss).into(),
        "conv" => map.section::<ConvOptions>()?.config(loss).into(),
        "vae" => map.section::<VaeOptions>()?.config(loss).into(),
        other => {
            return Err(AekitError::param(
                "kind",
                format!("unknown kind '{other}' (expected dense, conv or vae)"),
            ));
        }
    };
    map.finish()?;
    let mut params = AutoencoderParams::new().model(model);
    if let Some(kind) = scale.scale {
        params = params.scale(kind);
    }
    if let Some(n) = columns.max_categories {
        params = params.max_categories(n);
    }
    if let Some(policy) = columns.missing {
        params = params.missing(policy);
    }
    Ok(training.apply(params))
}

/// An anomaly detector's params from a JSON mapping: the threshold, the
/// ensemble (or, given any architecture parameter, one dense model), the
/// scaling and the training.
pub fn detector(json: &str) -> Result<DetectorParams> {
    let mut map = Mapping::parse(json)?;
    let detector: DetectorOptions = map.section()?;
    let scale: ScaleOptions = map.section()?;
    let columns: ColumnOptions = map.section()?;
    let training: TrainingOptions = map.section()?;
    let dense: DenseOptions = map.section()?;
    map.finish()?;
    let loss = training.loss.unwrap_or_default();
    let mut params = detector.apply(DetectorParams::default(), dense, loss)?;
    if let Some(kind) = scale.scale {
        params = params.scale(kind);
    }
    if let Some(n) = columns.max_categories {
        params = params.max_categories(n);
    }
    if let Some(policy) = columns.missing {
        params = params.missing(policy);
    }
    Ok(training.apply(params))
}

/// A text classifier's params from a JSON mapping.
pub fn text_classifier(json: &str) -> Result<TextClassifierParams> {
    let mut map = Mapping::parse(json)?;
    let own: TextClassifierOptions = map.section()?;
    let text: TextOptions = map.section()?;
    let training: TrainingOptions = map.section()?;
    map.finish()?;
    let mut params = own.params()?;
    text.apply(&mut params.tokenizer, &mut params.vocabulary)?;
    Ok(training.apply(params))
}

/// A document autoencoder's params from a JSON mapping.
pub fn doc_autoencoder(json: &str) -> Result<DocAutoencoderParams> {
    let mut map = Mapping::parse(json)?;
    let own: DocAutoencoderOptions = map.section()?;
    let text: TextOptions = map.section()?;
    let training: TrainingOptions = map.section()?;
    map.finish()?;
    let mut params = DocAutoencoderParams::default();
    own.apply(&mut params);
    text.apply(&mut params.tokenizer, &mut params.vocabulary)?;
    Ok(training.apply(params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;
    use crate::train::{Noise, OptimizerKind};

    fn name_of(e: AekitError) -> String {
        match e {
            AekitError::InvalidParam { name, .. } => name.to_string(),
            AekitError::UnknownParam { name, .. } => format!("unknown {name}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn field_names_are_read_from_serde() {
        let names = field_names::<ConvOptions>();
        assert!(names.contains(&"channels") && names.contains(&"bottleneck"));
    }

    #[test]
    fn a_mapping_sets_what_it_names_and_keeps_defaults() {
        let p = autoencoder(
            r#"{"hidden": [8, 4], "bottleneck": 3, "activation": "leaky_relu:0.1",
                "optimizer": "rmsprop", "learning_rate": 0.01, "noise": "mask:0.2",
                "scale": "standard", "seed": 7, "epochs": null, "patience": 0}"#,
        )
        .unwrap();
        let v = p.validate().map(|()| p.clone()).unwrap();
        let mut v = v;
        let t = crate::TrainingSetters::training_mut(&mut v).clone();
        assert_eq!(t.optimizer.kind, OptimizerKind::RmsProp);
        assert_eq!(t.optimizer.learning_rate, Some(0.01));
        assert_eq!(t.noise, Some(Noise::Mask { probability: 0.2 }));
        assert_eq!((t.seed, t.epochs, t.patience), (7, 50, None));
        let checked = linfa::ParamGuard::check(v).unwrap();
        let d = checked.model().as_dense().unwrap();
        assert_eq!((d.hidden.as_slice(), d.bottleneck), (&[8, 4][..], 3));
        assert_eq!(d.activation, Activation::LeakyRelu { slope: 0.1 });
        assert_eq!(checked.scale(), crate::data::ScaleKind::Standard);
    }

    #[test]
    fn kinds_take_their_own_architecture() {
        let p =
            autoencoder(r#"{"kind": "vae", "hidden": [6], "beta": 0.5, "loss": "bce"}"#).unwrap();
        let checked = linfa::ParamGuard::check(p).unwrap();
        let ModelConfig::Vae(c) = checked.model() else {
            panic!("{:?}", checked.model())
        };
        // As the command line: bce without an output activation is sigmoid.
        assert_eq!((c.beta, c.output_activation), (0.5, Activation::Sigmoid));
        let conv = autoencoder(r#"{"kind": "conv", "channels": [4]}"#).unwrap();
        assert!(matches!(
            linfa::ParamGuard::check(conv).unwrap().model(),
            ModelConfig::Conv(c) if c.channels == [4]
        ));
        // A parameter of another kind is unknown to this one.
        assert_eq!(
            name_of(autoencoder(r#"{"kind": "conv", "dropout": 0.1}"#).unwrap_err()),
            "unknown dropout"
        );
    }

    #[test]
    fn errors_name_the_parameter() {
        let e = autoencoder(r#"{"epoch": 5}"#).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("'epoch'") && text.contains("epochs"),
            "{text}"
        );
        assert_eq!(
            name_of(autoencoder(r#"{"epochs": "five"}"#).unwrap_err()),
            "epochs"
        );
        assert_eq!(
            name_of(autoencoder(r#"{"activation": "swishy"}"#).unwrap_err()),
            "activation"
        );
        assert_eq!(
            name_of(autoencoder(r#"{"optimizer": "adamax"}"#).unwrap_err()),
            "optimizer"
        );
        assert_eq!(
            name_of(autoencoder(r#"{"kind": "gan"}"#).unwrap_err()),
            "kind"
        );
        assert_eq!(name_of(autoencoder("[1]").unwrap_err()), "params");
        assert_eq!(
            name_of(detector(r#"{"beta": 1}"#).unwrap_err()),
            "unknown beta"
        );
    }

    #[test]
    fn mixed_table_options_reach_the_column_roles() {
        use crate::data::MissingPolicy;
        let p = detector(r#"{"max_categories": 3, "missing": "error"}"#).unwrap();
        assert_eq!(
            (p.columns.max_categories, p.columns.missing),
            (3, MissingPolicy::Error)
        );
        let default = detector("{}").unwrap();
        assert_eq!(default.columns.missing, MissingPolicy::Impute);
        assert!(autoencoder(r#"{"max_categories": 5, "missing": "impute"}"#).is_ok());
        assert_eq!(
            name_of(detector(r#"{"missing": "drop"}"#).unwrap_err()),
            "missing"
        );
    }

    #[test]
    fn detector_options_as_the_command_line() {
        let p = detector(
            r#"{"widths": [1, 2], "trim": 0, "histogram_bins": 0, "contamination": 0.05,
                "validation_split": 0}"#,
        )
        .unwrap();
        assert_eq!((p.widths.as_deref(), p.trim), (Some(&[1, 2][..]), 0.0));
        assert_eq!(p.histogram_bins, None);
        assert_eq!(p.rule, crate::threshold::ThresholdRule::Contamination(0.05));
        assert_eq!(
            (p.model.as_ref(), p.training.validation_split),
            (None, None)
        );
        let single = detector(r#"{"hidden": [4]}"#).unwrap();
        assert_eq!(single.model.map(|m| m.hidden), Some(vec![4]));
    }

    #[test]
    fn text_kinds_read_their_options() {
        let p = text_classifier(
            r#"{"pooling": "mean", "embedding_dim": 8, "char_ngrams": [2, 3], "lowercase": false,
                "epochs": 3}"#,
        )
        .unwrap();
        assert_eq!(p.model.pooling, crate::model::Pooling::Mean);
        assert_eq!((p.model.embedding_dim, p.training.epochs), (8, 3));
        assert_eq!(p.tokenizer.char_ngrams, Some([2, 3]));
        assert!(!p.tokenizer.lowercase);
        // Mean pooling's own recipe (lr 0.01) stays under what is set.
        assert_eq!(p.training.optimizer.learning_rate, Some(0.01));
        let none = text_classifier(r#"{"char_ngrams": []}"#).unwrap();
        assert_eq!(none.tokenizer.char_ngrams, None);
        assert_eq!(
            name_of(text_classifier(r#"{"char_ngrams": [3]}"#).unwrap_err()),
            "char_ngrams"
        );
        let docs = doc_autoencoder(r#"{"bottleneck": 16, "hashing": 1024}"#).unwrap();
        assert_eq!(
            (docs.model.bottleneck, docs.vocabulary.hashing),
            (16, Some(1024))
        );
        assert_eq!(
            name_of(doc_autoencoder(r#"{"pooling": "mean"}"#).unwrap_err()),
            "unknown pooling"
        );
    }
}
