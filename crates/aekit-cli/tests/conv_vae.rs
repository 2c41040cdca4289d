//! Convolutional and variational autoencoders end to end on the shipped
//! digits (8x8 pixels in [0, 1]): training, summary, the capabilities,
//! sampling, and the errors a user can cause.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::digits::{self, apply, denoise_test_digits, number, predict_flipped_digits};
use util::{aekit, arg, data, read_csv};

/// `aekit train` on the digits' training split as 8x8 images with `extra` flags.
fn train_digits(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let images = ["--scale", "none", "--image-shape", "8x8"];
    digits::train_digits(dir, name, &[&images, extra].concat())
}

fn numbers(rows: &[Vec<String>], cols: usize) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|r| r[..cols].iter().map(|c| c.parse().unwrap()).collect())
        .collect()
}

/// Test MSE of predicting every test digit by the mean training digit.
fn mean_image_mse() -> f64 {
    let (_, train) = read_csv(&data("digits_train.csv"));
    let (_, test) = read_csv(&data("digits_test.csv"));
    let (train, test) = (numbers(&train, 64), numbers(&test, 64));
    let mean: Vec<f64> = (0..64)
        .map(|j| train.iter().map(|r| r[j]).sum::<f64>() / train.len() as f64)
        .collect();
    let sum: f64 = test
        .iter()
        .flat_map(|r| r.iter().zip(&mean).map(|(a, b)| (a - b).powi(2)))
        .sum();
    sum / (test.len() * 64) as f64
}

#[test]
fn a_conv_autoencoder_rebuilds_test_digits_and_works_through_every_capability() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_digits(
        dir.path(),
        "conv.aekit",
        &[
            "--kind",
            "conv",
            "--channels",
            "16,32",
            "--bottleneck",
            "16",
            "--output-activation",
            "sigmoid",
            "--epochs",
            "40",
        ],
    );
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    for needle in [
        "(None, 16, 4, 4)",
        "(None, 32, 2, 2)",
        "Conv2DTranspose",
        "(None, 1, 8, 8)",
        "Total params: 13809",
        "kind: conv",
        "images: 8x8",
    ] {
        assert!(summary.contains(needle), "{needle}: {summary}");
    }
    let test = arg(&data("digits_test.csv"));
    let report = aekit([
        "evaluate",
        &arg(&model),
        "--train",
        &arg(&data("digits_train.csv")),
        "--test",
        &test,
        "--json",
    ])
    .ok()
    .json();
    let r = &report["reconstruction"];
    let (ae, pca) = (number(r, "autoencoder_mse"), number(r, "pca_mse"));
    let baseline = mean_image_mse();
    // 40 epochs: about 0.011 against PCA's 0.0117 and the mean image's 0.067.
    assert!(ae < 0.25 * baseline, "conv {ae} vs mean image {baseline}");
    assert!(ae < 1.2 * pca, "conv {ae} vs PCA {pca}");

    let test_path = data("digits_test.csv");
    let codes = dir.path().join("codes.csv");
    apply("encode", &model, &test_path, &[], &codes).ok();
    let (header, rows) = read_csv(&codes);
    assert_eq!(&header[..2], ["z0", "z1"]);
    assert_eq!(header.len(), 17, "16 codes and the label");
    assert_eq!(rows.len(), 449);
    let decoded = dir.path().join("decoded.csv");
    apply("decode", &model, &codes, &[], &decoded).ok();
    let (header, rows) = read_csv(&decoded);
    assert_eq!(header[0], "pixel_0_0");
    assert_eq!(rows.len(), 449);
    let rec = dir.path().join("rec.csv");
    apply("reconstruct", &model, &test_path, &[], &rec).ok();
    let (header, rows) = read_csv(&rec);
    let err_col = header
        .iter()
        .position(|h| h == "reconstruction_error")
        .unwrap();
    let mean_err: f64 = rows
        .iter()
        .map(|r| r[err_col].parse::<f64>().unwrap())
        .sum::<f64>()
        / rows.len() as f64;
    assert!((mean_err - ae).abs() < 1e-4, "{mean_err} vs {ae}");
    // Images are drawn at the model's own shape: no --image-shape needed.
    let grid = dir.path().join("grid.png");
    aekit([
        "plot",
        "reconstructions",
        &arg(&model),
        &test,
        "--out",
        &arg(&grid),
    ])
    .ok();
    assert!(std::fs::metadata(&grid).unwrap().len() > 1000);
}

#[test]
fn conv_denoising_and_paired_training_use_the_one_batch_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let conv = [
        "--kind",
        "conv",
        "--bottleneck",
        "32",
        "--loss",
        "bce",
        "--epochs",
        "15",
    ];
    let denoiser = train_digits(
        dir.path(),
        "den.aekit",
        &[&conv[..], &["--noise", "mask:0.3"]].concat(),
    );
    let d_csv = dir.path().join("d.csv");
    let (noisy, clean) = denoise_test_digits(&denoiser, "mask:0.3", &[], &d_csv);
    assert!(clean < 0.6 * noisy, "{noisy} -> {clean}");

    let flip = train_digits(
        dir.path(),
        "flip.aekit",
        &[
            &conv[..],
            &["--target", &arg(&data("digits_flipped_train.csv"))],
        ]
        .concat(),
    );
    let (mse, identity) = predict_flipped_digits(&flip, &dir.path().join("p.csv"));
    assert!(mse < 0.3 * identity, "{mse} vs {identity}");
}

#[test]
fn a_vae_reports_both_terms_and_samples_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_digits(
        dir.path(),
        "vae.aekit",
        &[
            "--kind",
            "vae",
            "--hidden",
            "64",
            "--bottleneck",
            "4",
            "--loss",
            "bce",
            "--epochs",
            "20",
            "--validation",
            &arg(&data("digits_test.csv")),
        ],
    );
    let meta = util::model_metadata(&model);
    assert_eq!(meta["model"]["kind"], "vae");
    assert_eq!(meta["model"]["beta"], 1.0);
    let epochs = meta["history"]["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 20);
    for e in epochs {
        let (loss, kl) = (e["loss"].as_f64().unwrap(), e["penalty"].as_f64().unwrap());
        assert!(kl > 0.0 && kl < loss, "{e}");
    }
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("encoder.log_var (Dense)"), "{summary}");
    assert!(summary.contains("reconstruction"), "{summary}");

    let sample = |seed: &str, name: &str| {
        let out = dir.path().join(name);
        aekit([
            "sample",
            &arg(&model),
            "-n",
            "12",
            "--seed",
            seed,
            "--out",
            &arg(&out),
        ])
        .ok();
        let (header, rows) = read_csv(&out);
        assert_eq!(header.len(), 64);
        assert_eq!(rows.len(), 12);
        numbers(&rows, 64)
    };
    let a = sample("3", "a.csv");
    assert_eq!(a, sample("3", "b.csv"), "the same seed, the same samples");
    assert_ne!(a, sample("4", "c.csv"), "another seed, other samples");
    for v in a.iter().flatten() {
        assert!(v.is_finite() && (0.0..=1.0).contains(v), "{v}");
    }
    assert_ne!(a[0], a[1], "different rows within a draw");
    let png = dir.path().join("samples.png");
    aekit(["sample", &arg(&model), "-n", "30", "--out", &arg(&png)]).ok();
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    let curves = dir.path().join("curves.png");
    aekit(["plot", "history", &arg(&model), "--out", &arg(&curves)]).ok();
    // encode gives the mean: a deterministic code.
    let codes = dir.path().join("codes.csv");
    apply("encode", &model, &data("digits_test.csv"), &[], &codes).ok();
    assert_eq!(read_csv(&codes).0.len(), 5);
    let means = numbers(&read_csv(&codes).1, 4);
    // --sample draws around the mean, reproducibly by seed.
    let drawn = |seed: &str, name: &str| {
        let out = dir.path().join(name);
        let test = data("digits_test.csv");
        apply("encode", &model, &test, &["--sample", "--seed", seed], &out).ok();
        numbers(&read_csv(&out).1, 4)
    };
    let a = drawn("5", "drawn_a.csv");
    assert_eq!(
        a,
        drawn("5", "drawn_b.csv"),
        "the same seed, the same codes"
    );
    assert_ne!(a, drawn("6", "drawn_c.csv"), "another seed, other codes");
    let (n, mut moved) = (means.len() as f64 * 4.0, 0.0);
    for (m, d) in means.iter().flatten().zip(a.iter().flatten()) {
        assert!(d.is_finite(), "{d}");
        moved += (m - d).abs() / n;
    }
    // Posterior spreads are below the prior's 1 (the KL term keeps them
    // near it): draws move, but by less than a standard normal would.
    assert!(moved > 1e-3 && moved < 0.8, "mean |draw - mean| {moved}");
}

/// Same seed and thread count, same model file, byte for byte: the
/// convolutions' gradients sum images split across threads, in an order
/// that must not depend on which thread finished first.
#[test]
fn conv_models_train_identically_twice_on_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let kinds: [&[&str]; 2] = [
        &[
            "--kind",
            "conv",
            "--channels",
            "16,32",
            "--bottleneck",
            "16",
        ],
        &[
            "--kind",
            "vae",
            "--conv",
            "--channels",
            "8,16",
            "--bottleneck",
            "4",
        ],
    ];
    for (k, kind) in kinds.iter().enumerate() {
        let mut extra = kind.to_vec();
        extra.extend(["--epochs", "4", "--threads", "2"]);
        let bytes = |run: usize| {
            let model = train_digits(dir.path(), &format!("m{k}_{run}.aekit"), &extra);
            std::fs::read(model).unwrap()
        };
        let first = bytes(0);
        for run in 1..3 {
            assert!(
                bytes(run) == first,
                "{kind:?}: run {run} differs from run 0"
            );
        }
    }
}

#[test]
fn a_conv_vae_trains_and_samples_images() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_digits(
        dir.path(),
        "cvae.aekit",
        &[
            "--kind",
            "vae",
            "--conv",
            "--channels",
            "8,16",
            "--bottleneck",
            "4",
            "--loss",
            "bce",
            "--epochs",
            "5",
        ],
    );
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("Conv2DTranspose"), "{summary}");
    let png = dir.path().join("s.png");
    aekit(["sample", &arg(&model), "-n", "10", "--out", &arg(&png)]).ok();
}

#[test]
fn bad_image_and_kind_settings_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let train = arg(&data("digits_train.csv"));
    let out = dir.path().join("m.aekit");
    let base = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "train",
            &train,
            "--label",
            "label",
            "--scale",
            "none",
            "--epochs",
            "1",
            "--out",
            &arg(&out),
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        aekit(&args)
    };
    base(&["--kind", "conv", "--image-shape", "7x7"]).fails_with(&[
        "--image-shape",
        "49 values",
        "64 feature columns",
    ]);
    base(&["--kind", "conv", "--image-shape", "8by8"]).fails_with(&["--image-shape", "8by8"]);
    base(&["--kind", "conv"]).fails_with(&["--image-shape", "reads images"]);
    base(&[
        "--kind",
        "conv",
        "--image-shape",
        "8x8",
        "--channels",
        "4,4,4,4",
    ])
    .fails_with(&[
        "--channels",
        "4 stride-2 convolutions",
        "8x8",
        "at most 3 fit",
    ]);
    base(&["--kind", "vae", "--beta", "-1"]).fails_with(&["--beta", "non-negative"]);
    base(&["--kind", "conv", "--hidden", "8"]).fails_with(&["--hidden", "--kind conv"]);
    base(&["--beta", "2"]).fails_with(&["--beta", "--kind dense"]);
    assert!(!out.exists(), "nothing written");

    let dense = util::iris_model(dir.path());
    aekit([
        "sample",
        &arg(&dense),
        "--out",
        &arg(&dir.path().join("s.csv")),
    ])
    .fails_with(&["sample needs", "kind vae", "kind 'dense'"]);
    assert!(!dir.path().join("s.csv").exists());
    let codes = dir.path().join("codes.csv");
    apply("encode", &dense, &data("iris.csv"), &["--sample"], &codes).fails_with(&[
        "encode --sample needs",
        "kind vae",
        "kind 'dense'",
    ]);
    assert!(!codes.exists());
}
