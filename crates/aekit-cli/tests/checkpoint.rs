//! Checkpoints: a run interrupted (even by SIGKILL) and resumed saves the
//! same model file, byte for byte, as a run never interrupted.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{aekit, arg, data};

/// `aekit train` on the tutorial split with batch norm, dropout, a
/// validation split and early stopping, so every piece of state counts.
fn recipe(epochs: usize, out: &Path, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = [
        "train",
        &arg(&data("clf_train.csv")),
        "--label",
        "label",
        "--hidden",
        "48",
        "--bottleneck",
        "8",
        "--batch-norm",
        "--dropout",
        "0.1",
        "--validation-split",
        "0.2",
        "--patience",
        "1000",
        "--batch-size",
        "16",
        "--threads",
        "2",
        "--seed",
        "9",
        "--quiet",
        "--epochs",
        &epochs.to_string(),
        "--out",
        &arg(out),
    ]
    .map(String::from)
    .to_vec();
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_resumed_run_saves_the_bytes_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.aekit");
    aekit(recipe(30, &whole, &[])).ok();
    let ckpt = dir.path().join("ckpt");
    let first = dir.path().join("first.aekit");
    let every = ["--checkpoint-every".to_string(), "5".to_string()];
    let mut extra = vec!["--checkpoint".to_string(), arg(&ckpt)];
    extra.extend_from_slice(&every);
    aekit(recipe(12, &first, &extra)).ok();
    let resumed = dir.path().join("resumed.aekit");
    let mut extra = vec!["--resume".to_string(), arg(&ckpt)];
    extra.extend_from_slice(&every);
    aekit(recipe(30, &resumed, &extra)).ok();
    assert!(std::fs::read(&whole).unwrap() == std::fs::read(&resumed).unwrap());
    // The run stopped at 12 is not the run of 30.
    assert!(std::fs::read(&whole).unwrap() != std::fs::read(&first).unwrap());

    // Other settings are another run: refused, not silently mixed.
    let mut extra = vec![
        "--resume".to_string(),
        arg(&ckpt),
        "--lr".into(),
        "0.01".into(),
    ];
    extra.extend_from_slice(&every);
    aekit(recipe(30, &dir.path().join("x.aekit"), &extra))
        .fails_with(&["checkpoint", "another run"]);
}

#[test]
fn a_run_killed_mid_way_resumes_to_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let epochs = 200;
    let whole = dir.path().join("whole.aekit");
    aekit(recipe(epochs, &whole, &[])).ok();

    let ckpt = dir.path().join("ckpt");
    let killed_out = dir.path().join("killed.aekit");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aekit"))
        .args(recipe(
            epochs,
            &killed_out,
            &["--checkpoint".into(), arg(&ckpt)],
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !ckpt.join("checkpoint.safetensors").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(20));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!killed_out.exists(), "the run ended before it was killed");
    let resumed = dir.path().join("resumed.aekit");
    aekit(recipe(epochs, &resumed, &["--resume".into(), arg(&ckpt)])).ok();
    assert!(std::fs::read(&whole).unwrap() == std::fs::read(&resumed).unwrap());
}

#[test]
fn checkpoints_need_a_kind_that_can_save_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.aekit");
    aekit([
        "train",
        &arg(&data("digits.csv")),
        "--label",
        "label",
        "--kind",
        "conv",
        "--image-shape",
        "8x8",
        "--epochs",
        "1",
        "--quiet",
        "--checkpoint",
        &arg(&dir.path().join("c")),
        "--out",
        &arg(&out),
    ])
    .fails_with(&["--checkpoint", "cannot checkpoint"]);
    assert!(!out.exists());
}

#[test]
fn no_output_may_name_the_checkpoint_file() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    let file = ckpt.join("checkpoint.safetensors");
    // A fresh run: the checkpoint does not exist yet, but --out names it.
    let extra = vec!["--checkpoint".to_string(), arg(&ckpt)];
    std::fs::create_dir(&ckpt).unwrap();
    aekit(recipe(3, &file, &extra)).fails_with(&["--out", "checkpoint"]);
    assert!(!file.exists());

    aekit(recipe(
        3,
        &dir.path().join("first.aekit"),
        &["--checkpoint".into(), arg(&ckpt)],
    ))
    .ok();
    let saved = std::fs::read(&file).unwrap();
    // A resume reads the checkpoint: --out may not replace it, by any spelling.
    let resume = vec!["--resume".to_string(), arg(&ckpt)];
    aekit(recipe(6, &file, &resume)).fails_with(&["checkpoint"]);
    let other_spelling = ckpt.join(".").join("checkpoint.safetensors");
    aekit(recipe(6, &other_spelling, &resume)).fails_with(&["checkpoint"]);
    assert!(
        std::fs::read(&file).unwrap() == saved,
        "the checkpoint was replaced"
    );
}
