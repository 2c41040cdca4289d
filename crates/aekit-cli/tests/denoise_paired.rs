//! Denoising autoencoders (train --noise, denoise) and paired models
//! (train --target, predict), end to end on the shipped digits split.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::digits::{self, apply, denoise_test_digits, predict_flipped_digits};
use util::{aekit, arg, data};

/// A dense 64-64-32-64-64 model with a sigmoid output and cross-entropy on
/// the digits (pixels in [0, 1]), trained for `epochs` epochs with `extra` flags.
fn train_digits(dir: &Path, name: &str, epochs: usize, extra: &[&str]) -> PathBuf {
    let epochs = epochs.to_string();
    let dense = [
        "--scale",
        "none",
        "--hidden",
        "64",
        "--bottleneck",
        "32",
        "--loss",
        "bce",
        "--epochs",
        &epochs,
    ];
    digits::train_digits(dir, name, &[&dense, extra].concat())
}

#[test]
fn a_denoising_autoencoder_halves_the_error_of_noisy_digits() {
    let dir = tempfile::tempdir().unwrap();
    for noise in ["gaussian:0.3", "mask:0.3"] {
        let model = train_digits(dir.path(), "den.aekit", 60, &["--noise", noise]);
        let out = dir.path().join("denoised.csv");
        let plot = dir.path().join("grid.png");
        let flags = ["--plot", &arg(&plot), "--image-shape", "8x8"];
        let (noisy, denoised) = denoise_test_digits(&model, noise, &flags, &out);
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
        apply("encode", model, &data("digits_test.csv"), &[], &out).ok();
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
    let (mse, identity) = predict_flipped_digits(&model, &dir.path().join("pred.csv"));
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
        let x_csv = dir.path().join("x.csv");
        apply(command, &model, &data("digits_test.csv"), &[], &x_csv).fails_with(&["predict"]);
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
    let (test, d_csv) = (data("digits_test.csv"), dir.path().join("d.csv"));
    apply("predict", &plain, &test, &[], &dir.path().join("p.csv"))
        .fails_with(&["paired", "reconstruct"]);
    apply("denoise", &plain, &iris, &[], &d_csv).fails_with(&["iris.csv", "pixel_0_0"]);
    let clean = ["--clean", &arg(&data("digits_train.csv"))];
    apply("denoise", &plain, &test, &clean, &d_csv).fails_with(&["digits_train.csv", "1348 rows"]);
    assert!(!dir.path().join("d.csv").exists());
}
