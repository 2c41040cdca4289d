//! What `aekit train` does on images without architecture flags: the
//! scaling, code width, output and learning rate decided from the images
//! at fit and stored in the model file; a command naming its architecture
//! keeps the kinds' own defaults.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::digits::{denoise_test_digits, train_digits};
use util::model_metadata;

/// `aekit train` on the digits as noisy 8x8 images with `extra` flags.
fn train(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let images = ["--image-shape", "8x8", "--noise", "gaussian:0.3"];
    train_digits(dir, name, &[&images, extra].concat())
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
    let (noisy, denoised) =
        denoise_test_digits(model, "gaussian:0.3", &[], &model.with_extension("csv"));
    (denoised, noisy)
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
