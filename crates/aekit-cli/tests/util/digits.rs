//! Runs on the shipped digits (8x8 pixels in [0, 1], `label` column) and
//! on any model applied to a file.

use std::path::{Path, PathBuf};

use super::{Run, aekit, arg, data};

/// `aekit COMMAND MODEL INPUT EXTRA.. --out OUT`: a model applied to a file.
pub fn apply(command: &str, model: &Path, input: &Path, extra: &[&str], out: &Path) -> Run {
    apply_writing(command, [model, input], extra, ("--out", out))
}

/// `aekit COMMAND MODEL INPUT EXTRA.. --out-dir DIR`: a model's rows
/// written as images.
pub fn apply_to_dir(command: &str, model: &Path, input: &Path, extra: &[&str], dir: &Path) -> Run {
    apply_writing(command, [model, input], extra, ("--out-dir", dir))
}

fn apply_writing(
    command: &str,
    files: [&Path; 2],
    extra: &[&str],
    (flag, out): (&str, &Path),
) -> Run {
    let mut args = vec![command.to_string(), arg(files[0]), arg(files[1])];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend([flag.to_string(), arg(out)]);
    aekit(args)
}

/// `aekit train` on the digits' training split (label `label`, seed 1,
/// quiet) with `flags`, to `dir/name`; asserts success.
pub fn train_digits(dir: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let model = dir.join(name);
    let mut args = vec![
        "train".to_string(),
        arg(&data("digits_train.csv")),
        "--label".into(),
        "label".into(),
    ];
    args.extend(flags.iter().map(|s| s.to_string()));
    args.extend(["--seed", "1", "--quiet", "--out"].map(String::from));
    args.push(arg(&model));
    aekit(&args).ok();
    model
}

/// `aekit denoise MODEL digits_test.csv` with `noise` added (seed 7) and
/// `extra` flags, to `out`: the report's (noisy, denoised) test MSE.
pub fn denoise_test_digits(model: &Path, noise: &str, extra: &[&str], out: &Path) -> (f64, f64) {
    let flags = [&["--add-noise", noise, "--seed", "7"], extra, &["--json"]].concat();
    let test = data("digits_test.csv");
    let report = apply("denoise", model, &test, &flags, out).ok().json();
    (
        number(&report, "noisy_mse"),
        number(&report, "denoised_mse"),
    )
}

/// `aekit predict MODEL digits_test.csv` against the flipped test digits,
/// to `out`: the report's (model, identity) MSE.
pub fn predict_flipped_digits(model: &Path, out: &Path) -> (f64, f64) {
    let target = arg(&data("digits_flipped_test.csv"));
    let flags = ["--target", &target, "--json"];
    let test = data("digits_test.csv");
    let report = apply("predict", model, &test, &flags, out).ok().json();
    (number(&report, "mse"), number(&report, "identity_mse"))
}

/// The number under `key` in a JSON report.
pub fn number(report: &serde_json::Value, key: &str) -> f64 {
    report[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key}: {report}"))
}
