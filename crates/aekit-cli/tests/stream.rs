//! Out-of-core training: `train` and `detect` stream a file when asked
//! or when it is above --memory-limit, read it in chunks, give the same
//! model for the same seed, and fail on a bad cell in a later chunk with
//! the file, line and column named and no model written.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;

use util::{aekit, arg, data, gzip, with, write};

fn recipe(input: &Path, out: &Path) -> Vec<String> {
    [
        "train",
        &arg(input),
        "--label",
        "label",
        "--hidden",
        "32",
        "--bottleneck",
        "8",
        "--epochs",
        "5",
        "--batch-size",
        "16",
        "--seed",
        "4",
        "--threads",
        "1",
        "--chunk-rows",
        "100",
        "--out",
        &arg(out),
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn a_file_above_the_memory_limit_streams_in_chunks_with_seeded_results() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.aekit"),
        dir.path().join("b.aekit"),
        dir.path().join("c.aekit"),
    );
    // A 300-row shuffle buffer holds less than the file: streamed.
    let run = aekit(with(
        recipe(&data("clf_train.csv"), &a),
        ["--memory-limit", "1K", "--shuffle-buffer", "300"],
    ))
    .ok();
    let err = run.stderr();
    assert!(
        err.contains(
            "streamed 670 rows (0 for validation) in 7 chunks of up to 100 rows, 6 passes"
        ),
        "{err}"
    );
    assert!(
        err.contains("training on 670 rows") && err.contains("epoch 5/5"),
        "{err}"
    );
    // The same file gzipped, asked to stream: the same model, byte for byte.
    let gz = gzip(&data("clf_train.csv"), &dir.path().join("clf_train.csv.gz"));
    aekit(with(
        recipe(&gz, &b),
        ["--stream", "--quiet", "--shuffle-buffer", "300"],
    ))
    .ok();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Within the limit it is read into memory, as without the flags.
    let run = aekit(with(
        recipe(&data("clf_train.csv"), &c),
        ["--memory-limit", "1G"],
    ))
    .ok();
    assert!(!run.stderr().contains("streamed"), "{}", run.stderr());
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
    // Another shuffle buffer, another order: another model.
    aekit(with(
        recipe(&data("clf_train.csv"), &b),
        ["--stream", "--quiet", "--shuffle-buffer", "20"],
    ))
    .ok();
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Within the default 100 000-row buffer, streaming trains as in
    // memory: the in-memory model, byte for byte.
    let run = aekit(with(recipe(&gz, &b), ["--stream"])).ok();
    assert!(
        run.stderr().contains(
            "read 670 rows (0 for validation) into memory after a first pass in 7 chunks"
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(std::fs::read(&b).unwrap(), std::fs::read(&c).unwrap());
}

#[test]
fn a_bad_cell_in_a_later_chunk_fails_before_training_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,c\n");
    for i in 0..500 {
        text.push_str(&format!("{},{},{}\n", i % 7, i % 5, i % 3));
    }
    text.push_str("1,2,x7\n");
    let bad = write(dir.path(), "bad.csv", &text);
    let out = dir.path().join("m.aekit");
    aekit([
        "train",
        &arg(&bad),
        "--stream",
        "--chunk-rows",
        "64",
        "--quiet",
        "--out",
        &arg(&out),
    ])
    .fails_with(&["bad.csv", "502", "'c'"]);
    assert!(!out.exists());
    aekit([
        "train",
        &arg(&bad),
        "--stream",
        "--scale",
        "robust",
        "--quiet",
        "--out",
        &arg(&out),
    ])
    .fails_with(&["robust", "min_max or standard"]);
    assert!(!out.exists());
}

#[test]
fn detect_streams_one_dense_model_and_refuses_the_ensemble() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.aekit");
    let run = aekit([
        "detect",
        &arg(&data("wine.csv")),
        "--stream",
        "--scale",
        "standard",
        "--chunk-rows",
        "30",
        "--shuffle-buffer",
        "50",
        "--hidden",
        "8",
        "--bottleneck",
        "3",
        "--epochs",
        "10",
        "--validation-split",
        "0.3",
        "--out",
        &arg(&out),
    ])
    .ok();
    let err = run.stderr();
    assert!(
        err.contains("streamed") && err.contains("threshold"),
        "{err}"
    );
    assert!(out.exists());
    let ensemble = dir.path().join("e.aekit");
    aekit([
        "detect",
        &arg(&data("wine.csv")),
        "--stream",
        "--quiet",
        "--out",
        &arg(&ensemble),
    ])
    .fails_with(&["one dense model"]);
    assert!(!ensemble.exists());
}
