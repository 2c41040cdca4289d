//! The model file across versions: format-1 files written by the last
//! build that wrote them still load and give the same outputs, and files
//! whose metadata is unknown or inconsistent are clear errors.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::PathBuf;

use util::{aekit, arg, data};

fn fixture(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/v1")
        .join(name)
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).expect("an output file")
}

#[test]
fn a_version_1_model_encodes_and_reconstructs_as_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("iris_v1.aekit");
    let iris = data("iris.csv");
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &arg(&model), &arg(&iris), "--out", &arg(&codes)]).ok();
    assert_eq!(read(&codes), read(&fixture("iris_v1_codes.csv")));
    let rebuilt = dir.path().join("rebuilt.csv");
    aekit([
        "reconstruct",
        &arg(&model),
        &arg(&iris),
        "--out",
        &arg(&rebuilt),
    ])
    .ok();
    assert_eq!(read(&rebuilt), read(&fixture("iris_v1_reconstruct.csv")));
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("kind: dense"), "{summary}");
    assert!(summary.contains("model file format 1"), "{summary}");
}

#[test]
fn a_version_1_detector_keeps_its_threshold_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("wine_detector_v1.aekit");
    let scores = dir.path().join("scores.csv");
    aekit([
        "score",
        &arg(&model),
        &arg(&data("wine_anomalies.csv")),
        "--explain",
        "2",
        "--quiet",
        "--out",
        &arg(&scores),
    ])
    .ok();
    assert_eq!(read(&scores), read(&fixture("wine_detector_v1_scores.csv")));
}

#[test]
fn a_saved_model_is_version_3_with_kind_and_preprocessing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.aekit");
    let mut args = util::iris_recipe(&arg(&data("iris.csv")));
    args.extend(["--epochs", "2", "--quiet", "--out", &arg(&model)].map(String::from));
    aekit(&args).ok();
    let meta = util::model_metadata(&model);
    assert_eq!(meta["format_version"], 3);
    assert_eq!(meta["model"]["kind"], "dense");
    assert_eq!(meta["input"]["shape"], serde_json::json!([4]));
    assert_eq!(meta["input"]["schema"]["label"], "species");
    assert!(meta["target"].is_null());
    assert!(meta["tasks"]["anomaly"].is_null());
}

#[test]
fn unknown_kinds_versions_and_inconsistent_metadata_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let original = fixture("iris_v1.aekit");
    let iris = data("iris.csv");
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 4] = [
        (
            "kind.aekit",
            |m| {
                m["format_version"] = 2.into();
                m["model"] = serde_json::json!({"kind": "transformer"});
            },
            "model kind 'transformer' is unknown",
        ),
        (
            "version.aekit",
            |m| m["format_version"] = 9.into(),
            "format version 9",
        ),
        ("width.aekit", |m| m["n_features"] = 7.into(), "disagree"),
        (
            "bottleneck.aekit",
            |m| m["architecture"]["bottleneck"] = 3.into(),
            "shape",
        ),
    ];
    for (name, edit, needle) in cases {
        let broken = dir.path().join(name);
        util::rewrite_metadata(&original, &broken, edit);
        let out = dir.path().join("codes.csv");
        aekit(["encode", &arg(&broken), &arg(&iris), "--out", &arg(&out)])
            .fails_with(&[name, needle]);
        assert!(!out.exists());
    }
}

#[test]
fn format_2_metadata_is_held_to_every_key_and_to_its_tensors() {
    let dir = tempfile::tempdir().unwrap();
    let iris = data("iris.csv");
    let model = dir.path().join("bn.aekit");
    aekit([
        "train",
        &arg(&iris),
        "--label",
        "species",
        "--drop",
        "label",
        "--id",
        "split",
        "--hidden",
        "6",
        "--batch-norm",
        "--activation",
        "tanh",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        &arg(&model),
    ])
    .ok();
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 7] = [
        (
            "misspelt.aekit",
            |m| {
                let dense = m["model"].as_object_mut().unwrap();
                let act = dense.remove("activation").unwrap();
                dense.insert("aXtivation".into(), act);
            },
            "unknown key 'model.aXtivation'",
        ),
        (
            "missing.aekit",
            |m| {
                m["training"].as_object_mut().unwrap().remove("epochs");
            },
            "lacks the key 'training.epochs'",
        ),
        (
            "zero_scale.aekit",
            |m| m["input"]["scaler"]["scale"][1] = 0.0.into(),
            "not a positive number",
        ),
        (
            "negative_scale.aekit",
            |m| m["input"]["scaler"]["scale"][0] = (-2.0).into(),
            "not a positive number",
        ),
        (
            "short_scale.aekit",
            |m| {
                m["input"]["scaler"]["scale"].as_array_mut().unwrap().pop();
            },
            "disagree",
        ),
        (
            "duplicate.aekit",
            |m| m["input"]["schema"]["features"][1] = m["input"]["schema"]["features"][0].clone(),
            "named twice",
        ),
        (
            "no_batch_norm.aekit",
            |m| m["model"]["batch_norm"] = false.into(),
            "is not part of the dense model",
        ),
    ];
    for (name, edit, needle) in cases {
        let broken = dir.path().join(name);
        util::rewrite_metadata(&model, &broken, edit);
        let out = dir.path().join("codes.csv");
        aekit(["encode", &arg(&broken), &arg(&iris), "--out", &arg(&out)])
            .fails_with(&[name, needle]);
        assert!(!out.exists());
    }
}

/// The defaults the tutorial's recipe does not name (issue 34): each has a
/// flag, a non-default one is kept in the file and read back, and a
/// default one is left out, so files stay as they were and older files
/// (which never have the key) read as the default.
#[test]
fn unnamed_defaults_have_flags_and_default_files_leave_them_out() {
    let dir = tempfile::tempdir().unwrap();
    let iris = data("iris.csv");
    let train = |name: &str, extra: &[&str]| {
        let model = dir.path().join(name);
        let mut args = util::iris_recipe(&arg(&iris));
        args.extend(["--batch-norm", "--epochs", "3", "--quiet", "--out"].map(String::from));
        args.push(arg(&model));
        args.extend(extra.iter().map(|s| s.to_string()));
        aekit(&args).ok();
        model
    };
    let plain = train("plain.aekit", &[]);
    let meta = util::model_metadata(&plain);
    assert!(meta["model"].get("init").is_none(), "{}", meta["model"]);
    assert_eq!(meta["model"]["batch_norm_momentum"], 0.99);
    let torch = train(
        "torch.aekit",
        &[
            "--init",
            "pytorch",
            "--batch-norm-momentum",
            "0.9",
            "--batch-norm-epsilon",
            "1e-5",
            "--epsilon",
            "1e-8",
        ],
    );
    let meta = util::model_metadata(&torch);
    assert_eq!(meta["model"]["init"], "pytorch");
    assert_eq!(meta["model"]["batch_norm_momentum"], 0.9);
    assert_eq!(meta["model"]["batch_norm_epsilon"], 1e-5);
    assert_eq!(meta["training"]["optimizer"]["epsilon"], 1e-8);
    // Other starting weights, same seed: other codes.
    let codes = |model: &std::path::Path| {
        let out = dir.path().join("codes.csv");
        aekit(["encode", &arg(model), &arg(&iris), "--out", &arg(&out)]).ok();
        read(&out)
    };
    assert_ne!(codes(&plain), codes(&torch));
    let keras = train("keras.aekit", &["--init", "glorot_uniform"]);
    assert_eq!(codes(&plain), codes(&keras));
    let out = arg(&dir.path().join("refused.aekit"));
    aekit([
        "train",
        &arg(&iris),
        "--kind",
        "conv",
        "--image-shape",
        "2x2",
        "--init",
        "pytorch",
        "--out",
        &out,
    ])
    .fails_with(&["--init does not apply to --kind conv"]);
    let wrong = aekit(["train", &arg(&iris), "--init", "xavier", "--out", &out]);
    assert!(!wrong.success() && wrong.stderr().contains("unknown init 'xavier'"));
}
