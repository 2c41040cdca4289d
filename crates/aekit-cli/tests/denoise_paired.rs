//! Denoising autoencoders (train --noise, denoise) and paired models
//! (train --target, predict), end to end on the shipped digits split.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::{aekit, arg, data};

/// A dense 64-64-32-64-64 model with a sigmoid output and cross-entropy on
/// the digits (pixels in [0, 1]), trained for `epochs` epochs with `extra` flags.
fn train_digits(dir: &Path, name: &str, epochs: usize, extra: &[&str]) -> PathBuf {
    let model = dir.join(name);
    let mut args = vec![
        "train".to_string(),
        arg(&data("digits_train.csv")),
        "--label".into(),
        "label".into(),
        "--scale".into(),
        "none".into(),
        "--hidden".into(),
        "64".into(),
        "--bottleneck".into(),
        "32".into(),
        "--loss".into(),
        "bce".into(),
        "--epochs".into(),
        epochs.to_string(),
        "--seed".into(),
        "1".into(),
        "--quiet".into(),
        "--out".into(),
        arg(&model),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    aekit(&args).ok();
    model
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_denoising_autoencoder_halves_the_error_of_noisy_digits() {
    let dir = tempfile::tempdir().unwrap();
    for noise in ["gaussian:0.3", "mask:0.3"] {
        let model = train_digits(dir.path(), "den.aekit", 60, &["--noise", noise]);
        let out = dir.path().join("denoised.csv");
        let plot = dir.path().join("grid.png");
        let report = aekit([
            "denoise",
            &arg(&model),
            &arg(&data("digits_test.csv")),
            "--add-noise",
            noise,
            "--seed",
            "7",
            "--plot",
            &arg(&plot),
            "--image-shape",
            "8x8",
            "--json",
            "--out",
            &arg(&out),
        ])
        .ok()
        .stdout();
        let report = json(&report);
        let (noisy, denoised) = (
            report["noisy_mse"].as_f64().unwrap(),
            report["denoised_mse"].as_f64().unwrap(),
        );
        assert!(
            denoised <= 0.5 * noisy,
            "{noise}: denoised MSE {denoised} vs noisy {noisy}"
        );
        assert!(plot.metadata().unwrap().len() > 1000);
        let text = std::fs::read_to_string(&out).unwrap();
        let header = text.lines().next().unwrap();
        assert!(
            header.starts_with("pixel_0_0,") && header.ends_with(",label"),
            "{header}"
        );
        assert_eq!(text.lines().count(), 450);
    }
}

#[test]
fn noisy_training_is_reproducible_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let a = train_digits(dir.path(), "a.aekit", 3, &["--noise", "mask:0.2"]);
    let b = train_digits(dir.path(), "b.aekit", 3, &["--noise", "mask:0.2"]);
    // Same seed, same noise: the same model, so the same codes.
    let codes = |model: &Path, name: &str| {
        let out = dir.path().join(name);
        aekit([
            "encode",
            &arg(model),
            &arg(&data("digits_test.csv")),
            "--out",
            &arg(&out),
        ])
        .ok();
        std::fs::read(out).unwrap()
    };
    assert_eq!(codes(&a, "a.csv"), codes(&b, "b.csv"));
    let c = train_digits(dir.path(), "c.aekit", 3, &["--noise", "mask:0.4"]);
    assert_ne!(codes(&a, "a.csv"), codes(&c, "c.csv"));
    let summary = aekit(["summary", &arg(&a)]).ok().stdout();
    assert!(summary.contains("mask:0.2"), "{summary}");
    let meta = util::model_metadata(&a);
    assert_eq!(meta["training"]["noise"]["kind"], "mask");
    assert_eq!(meta["training"]["noise"]["probability"], 0.2);
}

#[test]
fn a_paired_model_learns_to_mirror_digits() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_digits(
        dir.path(),
        "flip.aekit",
        60,
        &["--target", &arg(&data("digits_flipped_train.csv"))],
    );
    let out = dir.path().join("pred.csv");
    let report = aekit([
        "predict",
        &arg(&model),
        &arg(&data("digits_test.csv")),
        "--target",
        &arg(&data("digits_flipped_test.csv")),
        "--json",
        "--out",
        &arg(&out),
    ])
    .ok()
    .stdout();
    let report = json(&report);
    let (mse, identity) = (
        report["mse"].as_f64().unwrap(),
        report["identity_mse"].as_f64().unwrap(),
    );
    assert!(
        mse <= 0.5 * identity,
        "predicted {mse} vs unflipped {identity}"
    );
    let meta = util::model_metadata(&model);
    assert_eq!(meta["target"]["shape"], serde_json::json!([64]));
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(
        summary.contains("paired: predicts 64 target columns"),
        "{summary}"
    );
    // A paired model's output is not a reconstruction.
    for command in ["reconstruct", "denoise"] {
        aekit([
            command,
            &arg(&model),
            &arg(&data("digits_test.csv")),
            "--out",
            &arg(&dir.path().join("x.csv")),
        ])
        .fails_with(&["predict"]);
    }
}

#[test]
fn paired_and_denoising_inputs_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let iris = data("iris.csv");
    let out = dir.path().join("m.aekit");
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train".to_string(),
            arg(&iris),
            "--label".into(),
            "species".into(),
            "--drop".into(),
            "split".into(),
            "--epochs".into(),
            "2".into(),
            "--out".into(),
            arg(&out),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        aekit(&args)
    };
    for (spec, needle) in [
        ("gaussian", "expected gaussian:SIGMA"),
        ("gaussian:-0.1", "sigma must be positive"),
        ("mask:1.5", "mask probability must be in [0, 1)"),
        ("salt:0.1", "unknown noise 'salt'"),
    ] {
        train(&["--noise", spec]).fails_with(&["--noise", needle]);
        assert!(!out.exists());
    }
    let short = util::write(dir.path(), "short.csv", "a,b\n1,2\n3,4\n");
    train(&["--target", &arg(&short)]).fails_with(&["short.csv", "2 rows", "150"]);
    assert!(!out.exists());
    let no_numbers = util::write(dir.path(), "words.csv", "species\nx\ny\n");
    train(&["--target", &arg(&no_numbers)]).fails_with(&["words.csv"]);
    assert!(!out.exists());
    // predict on a model that is not paired; denoise on data with other columns.
    let plain = train_digits(dir.path(), "plain.aekit", 1, &[]);
    aekit([
        "predict",
        &arg(&plain),
        &arg(&data("digits_test.csv")),
        "--out",
        &arg(&dir.path().join("p.csv")),
    ])
    .fails_with(&["paired", "reconstruct"]);
    aekit([
        "denoise",
        &arg(&plain),
        &arg(&iris),
        "--out",
        &arg(&dir.path().join("d.csv")),
    ])
    .fails_with(&["iris.csv", "pixel_0_0"]);
    aekit([
        "denoise",
        &arg(&plain),
        &arg(&data("digits_test.csv")),
        "--clean",
        &arg(&data("digits_train.csv")),
        "--out",
        &arg(&dir.path().join("d.csv")),
    ])
    .fails_with(&["digits_train.csv", "1348 rows"]);
    assert!(!dir.path().join("d.csv").exists());
}
