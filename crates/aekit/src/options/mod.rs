//! Every kind's hyper-parameters as one flat mapping of names to values
//! (a JSON object: Python's keyword arguments, the command line's flags),
//! deserialised with serde straight into the kind's own configs: a name
//! is the config field it sets (the optimiser's `kind` is `optimizer`),
//! documented, defaulted and checked there, so no parameter has a second
//! home here. A name no config of the kind takes is an
//! [`AekitError::UnknownParam`] listing those it takes, and a value of the
//! wrong type an [`AekitError::InvalidParam`] naming its parameter. A
//! value left out, or `null`, keeps the kind's default. Enums are read
//! from the names the command line spells them with (`"rmsprop"`,
//! `"leaky_relu:0.1"`, `"gaussian:0.3"`) or as the model file writes them.
//!
//! ```
//! let params = aekit::options::autoencoder(r#"{"kind": "dense", "hidden": [8], "epochs": 5}"#)?;
//! assert!(params.validate().is_ok());
//! let wrong = aekit::options::autoencoder(r#"{"epoch": 5}"#).unwrap_err();
//! assert!(wrong.to_string().contains("unknown parameter 'epoch'"), "{wrong}");
//! # Ok::<(), aekit::AekitError>(())
//! ```

mod kinds;
mod mapping;

pub use kinds::{autoencoder, detector, doc_autoencoder, text_classifier};
pub use mapping::Mapping;

#[cfg(test)]
mod tests {
    use super::mapping::field_names;
    use super::*;
    use crate::error::AekitError;
    use crate::model::{Activation, ConvAutoencoderConfig, ModelConfig};
    use crate::train::{Noise, OptimizerKind};

    /// The parameter an options error names, of a mapping that must fail.
    fn refusal<T: std::fmt::Debug>(result: crate::error::Result<T>) -> String {
        name_of(result.unwrap_err())
    }

    fn name_of(e: AekitError) -> String {
        match e {
            AekitError::InvalidParam { name, .. } => name.to_string(),
            AekitError::UnknownParam { name, .. } => format!("unknown {name}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn field_names_are_read_from_serde() {
        let names = field_names::<ConvAutoencoderConfig>();
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
    fn the_unnamed_defaults_are_parameters() {
        let p = autoencoder(
            r#"{"init": "pytorch", "batch_norm_momentum": 0.9, "batch_norm_epsilon": 1e-5,
                "epsilon": 1e-8}"#,
        )
        .unwrap();
        let mut p = p;
        let t = crate::TrainingSetters::training_mut(&mut p).clone();
        assert_eq!(t.optimizer.epsilon, 1e-8);
        let checked = linfa::ParamGuard::check(p).unwrap();
        let d = checked.model().as_dense().unwrap();
        assert_eq!(d.init, crate::model::Init::Pytorch);
        assert_eq!((d.batch_norm_momentum, d.batch_norm_epsilon), (0.9, 1e-5));
        assert_eq!(refusal(autoencoder(r#"{"init": "xavier"}"#)), "init");
        // Not a conv parameter: its layers start as Keras' always.
        assert_eq!(
            refusal(autoencoder(r#"{"kind": "conv", "init": "pytorch"}"#)),
            "unknown init"
        );
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
            refusal(autoencoder(r#"{"kind": "conv", "dropout": 0.1}"#)),
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
        for (json, name) in [
            (r#"{"epochs": "five"}"#, "epochs"),
            (r#"{"activation": "swishy"}"#, "activation"),
            (r#"{"optimizer": "adamax"}"#, "optimizer"),
            (r#"{"kind": "gan"}"#, "kind"),
            ("[1]", "params"),
        ] {
            assert_eq!(name_of(autoencoder(json).unwrap_err()), name, "{json}");
        }
        assert_eq!(refusal(detector(r#"{"beta": 1}"#)), "unknown beta");
    }

    #[test]
    fn device_is_read_by_its_name() {
        use crate::backend::DeviceChoice;
        let mut p = autoencoder(r#"{"device": "gpu:1", "threads": 2}"#).unwrap();
        let t = crate::TrainingSetters::training_mut(&mut p).clone();
        assert_eq!((t.device, t.threads), (DeviceChoice::Gpu(Some(1)), Some(2)));
        let e = text_classifier(r#"{"device": "tpu"}"#).unwrap_err();
        assert_eq!(name_of(e), "device");
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
        assert_eq!(refusal(detector(r#"{"missing": "drop"}"#)), "missing");
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
    fn neighbours_and_weighting_as_the_command_line() {
        use crate::model::{NeighbourConfig, Weighting};
        let p = detector(r#"{"neighbours": 7, "weighting": "agreeing-kinds"}"#).unwrap();
        let default = crate::model::ensemble::DEFAULT_NEIGHBOURS;
        assert_eq!(p.neighbours, Some(NeighbourConfig { k: 7, ..default }));
        assert_eq!(p.weighting, Weighting::AgreeingKinds);
        let none = detector(r#"{"neighbours": 0, "weighting": "members"}"#).unwrap();
        assert_eq!(
            (none.neighbours, none.weighting),
            (None, Weighting::Members)
        );
        assert_eq!(
            refusal(detector(r#"{"weighting": "loudest"}"#)),
            "weighting"
        );
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
        assert_eq!(none.linear_loss, crate::text::LinearLoss::SquaredHinge);
        let logistic = text_classifier(r#"{"linear_loss": "logistic", "linear_c": 3}"#).unwrap();
        assert_eq!(
            (logistic.linear_loss, logistic.linear_c),
            (crate::text::LinearLoss::Logistic, Some(3.0))
        );
        assert!(text_classifier(r#"{"linear_loss": "cubic"}"#).is_err());
        assert_eq!(
            refusal(text_classifier(r#"{"char_ngrams": [3]}"#)),
            "char_ngrams"
        );
        let docs = doc_autoencoder(r#"{"bottleneck": 16, "hashing": 1024}"#).unwrap();
        assert_eq!(
            (docs.model.bottleneck, docs.vocabulary.hashing),
            (16, Some(1024))
        );
        assert_eq!(
            refusal(doc_autoencoder(r#"{"pooling": "mean"}"#)),
            "unknown pooling"
        );
    }
}
