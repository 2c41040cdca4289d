//! What `aekit train` does on images without architecture flags: the
//! scaling, code width, output and learning rate decided from the images
//! at fit and stored in the model file; a command naming its architecture
//! keeps the kinds' own defaults.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::{aekit, arg, data, model_metadata};

fn train(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let model = dir.join(name);
    let mut args: Vec<String> = [
        "train",
        &arg(&data("digits_train.csv")),
        "--label",
        "label",
        "--image-shape",
        "8x8",
        "--noise",
        "gaussian:0.3",
        "--seed",
        "1",
        "--quiet",
        "--out",
        &arg(&model),
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    aekit(&args).ok();
    model
}

/// The model file's record of the decided values.
fn decided(model: &Path) -> (String, serde_json::Value, String, serde_json::Value) {
    let m = model_metadata(model);
    let config = &m["model"];
    (
        config["output_activation"]["kind"].to_string(),
        config["bottleneck"].clone(),
        m["input"]["scaler"]["kind"].to_string(),
        m["training"]["optimizer"]["learning_rate"].clone(),
    )
}

/// Denoised and noisy test MSE of `model` on the test digits (seed 7).
fn denoised(model: &Path) -> (f64, f64) {
    let out = model.with_extension("csv");
    let out = aekit([
        "denoise",
        &arg(model),
        &arg(&data("digits_test.csv")),
        "--add-noise",
        "gaussian:0.3",
        "--seed",
        "7",
        "--json",
        "--out",
        &arg(&out),
    ])
    .ok()
    .stdout();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let get = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k}: {out}"));
    (get("denoised_mse"), get("noisy_mse"))
}

#[test]
fn images_without_architecture_flags_get_the_image_defaults() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["conv", "dense", "vae"] {
        let model = train(
            dir.path(),
            &format!("{kind}.aekit"),
            &["--kind", kind, "--epochs", "3"],
        );
        let (output, bottleneck, scaler, lr) = decided(&model);
        assert_eq!(output, "\"sigmoid\"", "{kind}");
        assert_eq!(bottleneck, 32, "{kind}: half the 64 pixels");
        assert_eq!(scaler, "\"none\"", "{kind}");
        assert_eq!(lr.as_f64(), Some(0.003), "{kind}");
    }
    // A short conv denoiser already removes most of the noise.
    let conv = train(
        dir.path(),
        "conv12.aekit",
        &["--kind", "conv", "--epochs", "12"],
    );
    let (after, before) = denoised(&conv);
    assert!(after < 0.5 * before, "denoised {after} vs noisy {before}");
}

#[test]
fn architecture_flags_keep_the_kinds_own_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let model = train(
        dir.path(),
        "given.aekit",
        &["--kind", "conv", "--bottleneck", "16", "--epochs", "1"],
    );
    let (output, bottleneck, scaler, lr) = decided(&model);
    assert_eq!((output.as_str(), bottleneck), ("\"linear\"", 16.into()));
    assert_eq!(scaler, "\"min_max\"");
    assert_eq!(lr, serde_json::Value::Null);
    // A given scaling and learning rate stay.
    let model = train(
        dir.path(),
        "scaled.aekit",
        &[
            "--kind", "conv", "--scale", "minmax", "--lr", "0.001", "--epochs", "1",
        ],
    );
    let (output, bottleneck, scaler, lr) = decided(&model);
    assert_eq!((output.as_str(), bottleneck), ("\"sigmoid\"", 32.into()));
    assert_eq!(scaler, "\"min_max\"");
    assert_eq!(lr.as_f64(), Some(0.001));
}
