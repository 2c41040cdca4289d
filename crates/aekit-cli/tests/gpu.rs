//! Every kind on a GPU (`--device gpu`, built with the `wgpu` feature)
//! against the CPU path: the same seed trains the same loss curve, and a
//! model gives the same outputs whichever device it was trained on or runs
//! on. CI runs this on Mesa's lavapipe, a software Vulkan device, with
//! `AEKIT_GPU_REQUIRED=1`; elsewhere, without any Vulkan device, every test
//! says so and passes.
//!
//! Tolerances (the two paths add floats in different orders, and the CPU
//! path of dense and conv models runs aekit's kernels, not burn's):
//! - one model, run on the CPU and on the GPU: outputs within [`SAME_MODEL`];
//! - models trained on each device: per-epoch losses within [`CURVE`]
//!   relative, outputs within [`TRAINED_APART`]; the VAE draws its noise on
//!   the device (each backend its own generator), so its curve is held to
//!   [`VAE_CURVE`] instead.
//!
//! Batch norm is compared under SGD: with Adam, the bias of a layer followed
//! by batch norm (and a linear bottleneck's, which the next batch norm
//! cancels too) has a true gradient of zero, and Adam scales each device's
//! rounding noise in it up to steps near the learning rate. The two models
//! then agree in loss (7e-8 relative) but their biases and running means
//! drift apart (codes 6.6e-3, reconstructions 3.1e-2 on iris after 5
//! epochs); under SGD that noise stays at rounding size (8e-7).

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use util::{aekit, arg, data, read_csv};

/// Outputs of one model run on the two devices: largest absolute difference.
const SAME_MODEL: f64 = 1e-4;
/// Per-epoch training loss, CPU vs GPU training: largest relative difference.
const CURVE: f64 = 1e-3;
/// The VAE's per-epoch loss (its noise differs by device): relative.
const VAE_CURVE: f64 = 0.1;
/// Outputs of the models trained on each device: largest absolute
/// difference (measured on lavapipe: 2e-7 to 8e-7; batch norm's running
/// variance taken unbiased on one side, times n/(n-1), moves iris's codes
/// by 7e-4 and its reconstructions by 1.9e-2).
const TRAINED_APART: f64 = 1e-4;

/// Whether a GPU answers; if not, why (printed by every test that skips).
fn gpu() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("probe.aekit");
            let mut args = util::iris_command("train", &arg(&data("iris.csv")));
            args.extend(owned(&[
                "--epochs", "1", "--quiet", "--device", "gpu", "--out",
            ]));
            args.push(arg(&out));
            let run = aekit(args);
            if run.success() {
                Ok(())
            } else if run.stderr().contains("no GPU found") {
                Err(run.stderr().trim().to_string())
            } else {
                panic!("training on the GPU failed: {}", run.stderr())
            }
        })
        .clone()
}

/// Skips the test when no GPU answers, saying why; with
/// `AEKIT_GPU_REQUIRED=1` (CI, which installs lavapipe) that fails instead.
macro_rules! require_gpu {
    () => {
        if let Err(why) = gpu() {
            if std::env::var_os("AEKIT_GPU_REQUIRED").is_some_and(|v| v == "1") {
                panic!("no Vulkan device, and AEKIT_GPU_REQUIRED=1: {why}");
            }
            eprintln!(
                "skipped: no Vulkan device ({why}); install mesa-vulkan-drivers for lavapipe"
            );
            return;
        }
    };
}

/// Owned arguments.
fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `args` with `--device DEVICE --quiet --out DIR/NAME`; returns that path.
fn train(dir: &Path, name: &str, device: &str, args: &[String]) -> PathBuf {
    let out = dir.join(name);
    let mut all = args.to_vec();
    all.extend(owned(&["--device", device, "--quiet", "--out"]));
    all.push(arg(&out));
    aekit(all).ok();
    out
}

/// The per-epoch training losses in a model file.
fn losses(model: &Path) -> Vec<f64> {
    let meta = util::model_metadata(model);
    meta["history"]["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loss"].as_f64().unwrap())
        .collect()
}

/// Largest relative difference of two loss curves of the same length.
fn curve_gap(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / x.abs().max(1e-12))
        .fold(0.0, f64::max)
}

/// Largest absolute difference of two output tables' numeric cells (the
/// other cells must be equal).
fn table_gap(a: &Path, b: &Path) -> f64 {
    let ((ha, ra), (hb, rb)) = (read_csv(a), read_csv(b));
    assert_eq!(ha, hb);
    assert_eq!(ra.len(), rb.len());
    let mut gap = 0.0f64;
    for (x, y) in ra.iter().flatten().zip(rb.iter().flatten()) {
        match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) => gap = gap.max((x - y).abs()),
            _ => assert_eq!(x, y),
        }
    }
    gap
}

/// Runs `command` with `--device DEVICE --out DIR/NAME`; returns that path.
fn output(dir: &Path, name: &str, device: &str, command: &[String]) -> PathBuf {
    let out = dir.join(name);
    let mut all = command.to_vec();
    all.extend(owned(&["--device", device, "--out"]));
    all.push(arg(&out));
    aekit(all).ok();
    out
}

/// Trains `kind` on each device with `train_args`, then checks the curves
/// and every command of `uses` (`MODEL` stands for the model file) on
/// each model and device.
fn compare(kind: &str, train_args: &[String], curve_tolerance: f64, uses: &[Vec<String>]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cpu = train(d, "cpu.aekit", "cpu", train_args);
    let gpu = train(d, "gpu.aekit", "gpu", train_args);
    let (lc, lg) = (losses(&cpu), losses(&gpu));
    let curve = curve_gap(&lc, &lg);
    eprintln!(
        "{kind}: losses cpu {lc:?}\n{kind}: losses gpu {lg:?}\n{kind}: curve gap {curve:.2e}"
    );
    assert!(curve <= curve_tolerance, "{kind}: curve gap {curve:.2e}");
    for (i, use_) in uses.iter().enumerate() {
        let with = |model: &Path| -> Vec<String> {
            use_.iter()
                .map(|s| if s == "MODEL" { arg(model) } else { s.clone() })
                .collect()
        };
        let name = |tag: &str| format!("{i}-{tag}.csv");
        let cpu_on_cpu = output(d, &name("cc"), "cpu", &with(&cpu));
        let cpu_on_gpu = output(d, &name("cg"), "gpu", &with(&cpu));
        let gpu_on_gpu = output(d, &name("gg"), "gpu", &with(&gpu));
        let gpu_on_cpu = output(d, &name("gc"), "cpu", &with(&gpu));
        let same = table_gap(&cpu_on_cpu, &cpu_on_gpu).max(table_gap(&gpu_on_gpu, &gpu_on_cpu));
        let apart = table_gap(&cpu_on_cpu, &gpu_on_gpu);
        let what = use_.join(" ");
        eprintln!("{kind} {what}: same model {same:.2e}, trained apart {apart:.2e}");
        assert!(same <= SAME_MODEL, "{kind} {what}: {same:.2e}");
        if curve_tolerance <= CURVE {
            assert!(apart <= TRAINED_APART, "{kind} {what}: {apart:.2e}");
        }
    }
}

/// `aekit train` on the digits as 8x8 images, then `extra`.
fn digits(extra: &[&str]) -> Vec<String> {
    let mut args = owned(&["train", &arg(&data("digits_train.csv"))]);
    args.extend(owned(&[
        "--label",
        "label",
        "--scale",
        "none",
        "--image-shape",
        "8x8",
        "--seed",
        "1",
    ]));
    args.extend(owned(extra));
    args
}

/// `COMMAND MODEL FILE`, then `extra`.
fn use_on(command: &[&str], file: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = owned(command);
    args.push("MODEL".to_string());
    args.push(arg(file));
    args.extend(owned(extra));
    args
}

#[test]
fn a_dense_model_trains_and_runs_on_the_gpu_as_on_the_cpu() {
    require_gpu!();
    let iris = data("iris.csv");
    let uses = [
        use_on(&["encode"], &iris, &[]),
        use_on(&["reconstruct"], &iris, &[]),
    ];
    // The default optimiser (Adam), then batch norm under SGD (see the
    // module's comment for why not Adam there).
    for extra in [&[][..], &["--batch-norm", "--optimizer", "sgd"]] {
        let mut args = util::iris_command("train", &arg(&iris));
        args.extend(owned(&[
            "--hidden",
            "8",
            "--bottleneck",
            "2",
            "--epochs",
            "5",
            "--batch-size",
            "16",
            "--seed",
            "2",
        ]));
        args.extend(owned(extra));
        compare("dense", &args, CURVE, &uses);
    }
}

#[test]
fn a_conv_model_trains_and_runs_on_the_gpu_as_on_the_cpu() {
    require_gpu!();
    let args = digits(&[
        "--kind",
        "conv",
        "--channels",
        "4,8",
        "--bottleneck",
        "8",
        "--epochs",
        "3",
        "--batch-size",
        "64",
    ]);
    let test = data("digits_test.csv");
    let uses = [
        use_on(&["encode"], &test, &[]),
        use_on(&["reconstruct"], &test, &[]),
    ];
    compare("conv", &args, CURVE, &uses);
}

#[test]
fn a_vae_trains_and_runs_on_the_gpu_as_on_the_cpu() {
    require_gpu!();
    let args = digits(&[
        "--kind",
        "vae",
        "--hidden",
        "32",
        "--bottleneck",
        "4",
        "--epochs",
        "3",
        "--batch-size",
        "64",
    ]);
    let test = data("digits_test.csv");
    let uses = [
        use_on(&["encode"], &test, &[]),
        use_on(&["reconstruct"], &test, &[]),
    ];
    compare("vae", &args, VAE_CURVE, &uses);
}

#[test]
fn a_detector_trains_and_scores_on_the_gpu_as_on_the_cpu() {
    require_gpu!();
    let wine = data("wine.csv");
    let args = owned(&[
        "detect",
        &arg(&wine),
        "--drop",
        "label",
        "--seed",
        "3",
        "--epochs",
        "5",
    ]);
    compare(
        "detector",
        &args,
        CURVE,
        &[use_on(&["score"], &wine, &["--quiet"])],
    );
}

#[test]
fn text_models_train_and_run_on_the_gpu_as_on_the_cpu() {
    require_gpu!();
    let sentiment = data("sentiment.csv");
    let args = owned(&[
        "text",
        "train",
        &arg(&sentiment),
        "--pooling",
        "mean",
        "--embedding-dim",
        "8",
        "--epochs",
        "5",
        "--min-count",
        "1",
        "--seed",
        "3",
    ]);
    let uses = [use_on(&["text", "predict"], &sentiment, &[])];
    compare("text classifier", &args, CURVE, &uses);
    let args = owned(&[
        "text",
        "autoencoder",
        &arg(&sentiment),
        "--bottleneck",
        "4",
        "--epochs",
        "5",
        "--min-count",
        "1",
        "--seed",
        "1",
    ]);
    let uses = [use_on(&["encode"], &sentiment, &[])];
    compare("document autoencoder", &args, CURVE, &uses);
}

#[test]
fn auto_passes_over_a_software_device() {
    require_gpu!();
    // Where vulkaninfo shows only CPU-type (software) devices, `auto`
    // trains on the CPU: the same file as `--device cpu`.
    let summary = std::process::Command::new("vulkaninfo")
        .arg("--summary")
        .output();
    let Ok(summary) = summary else {
        eprintln!("skipped: no vulkaninfo to tell a software device from a GPU");
        return;
    };
    let summary = String::from_utf8_lossy(&summary.stdout).into_owned();
    let types: Vec<&str> = summary
        .lines()
        .filter(|l| l.contains("deviceType"))
        .collect();
    if types.is_empty() || types.iter().any(|l| !l.contains("CPU")) {
        eprintln!("skipped: a hardware GPU is present ({types:?})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut args = util::iris_command("train", &arg(&data("iris.csv")));
    args.extend(owned(&["--epochs", "2", "--seed", "1"]));
    let auto = train(dir.path(), "auto.aekit", "auto", &args);
    let cpu = train(dir.path(), "cpu.aekit", "cpu", &args);
    assert_eq!(std::fs::read(&auto).unwrap(), std::fs::read(&cpu).unwrap());
}
