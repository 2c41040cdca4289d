//! Hostile inputs, round three: runs that must fail with a clear exit,
//! image folders that must not hang or grow without bound, sizes checked
//! before any allocation, and a model fitted on an unnamed array scoring
//! files by position. Each test is a defect once found.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::{GrayImage, Luma};
use util::{aekit, arg, data, iris_command, with};

fn iris() -> String {
    arg(&data("iris.csv"))
}

/// Asserts that `run` took less than `seconds`.
fn quick(started: Instant, seconds: u64, what: &str) {
    assert!(
        started.elapsed() < Duration::from_secs(seconds),
        "{what} took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_detector_whose_members_all_diverge_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("det.aekit");
    aekit(with(
        iris_command("detect", &iris()),
        [
            "--lr",
            "1e10",
            "--epochs",
            "3",
            "--quiet",
            "--out",
            &arg(&out),
        ],
    ))
    .fails_with(&["diverged", "untrained weights", "lower the learning rate"]);
    assert!(!out.exists(), "an untrained detector was saved");
}

#[test]
fn a_trim_that_leaves_too_few_rows_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("det.aekit");
    aekit(with(
        iris_command("detect", &iris()),
        [
            "--trim",
            "0.99",
            "--epochs",
            "2",
            "--quiet",
            "--out",
            &arg(&out),
        ],
    ))
    .fails_with(&["invalid --trim", "0.99 keeps", "of 150 rows"]);
}

#[test]
fn a_parquet_file_with_a_wrong_header_magic_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = util::iris_model(dir.path());
    let good = dir.path().join("iris.parquet");
    aekit(["encode", &arg(&model), &iris(), "--out", &arg(&good)]).ok();
    let mut bytes = std::fs::read(&good).unwrap();
    bytes[..4].copy_from_slice(b"XXXX");
    let bad = dir.path().join("bad.parquet");
    std::fs::write(&bad, bytes).unwrap();
    aekit(["summary", &arg(&model)]).ok();
    aekit(["encode", &arg(&model), &arg(&bad), "--out", "-"]).fails_with(&[
        "bad.parquet",
        "corrupt Parquet file",
        "not PAR1",
    ]);
}

fn grey(path: &Path, h: u32, w: u32, value: u8) {
    GrayImage::from_pixel(w, h, Luma([value]))
        .save(path)
        .unwrap();
}

/// A folder of `n` grey `size`x`size` PNGs.
fn folder(dir: &Path, name: &str, n: u8, size: u32) -> PathBuf {
    let folder = dir.join(name);
    std::fs::create_dir(&folder).unwrap();
    for i in 0..n {
        grey(&folder.join(format!("{i}.png")), size, size, i * 20);
    }
    folder
}

fn train_dense(data: &Path, out: &Path, extra: &[&str]) -> util::Run {
    let mut args: Vec<String> = [
        "train",
        &arg(data),
        "--epochs",
        "2",
        "--quiet",
        "--out",
        &arg(out),
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    aekit(&args)
}

#[test]
fn images_of_another_size_than_the_models_are_refused_unless_resized() {
    let dir = tempfile::tempdir().unwrap();
    let small = folder(dir.path(), "small", 6, 8);
    let large = folder(dir.path(), "large", 3, 16);
    let model = dir.path().join("m.aekit");
    train_dense(&small, &model, &[]).ok();
    for command in ["encode", "reconstruct"] {
        aekit([command, &arg(&model), &arg(&large), "--out", "-"]).fails_with(&[
            "16x16 images",
            "the model takes 8x8",
            "--resize",
        ]);
    }
    let codes = aekit([
        "encode",
        &arg(&model),
        &arg(&large),
        "--resize",
        "8x8",
        "--out",
        "-",
    ])
    .ok();
    assert_eq!(codes.stdout().lines().count(), 4, "{}", codes.stdout());
}

#[test]
fn image_folders_are_bounded_and_cannot_hang() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.aekit");
    // Links that make cycles, and a second name for a folder: each folder
    // is read once (10 images became 4 510 rows).
    let root = dir.path().join("labelled");
    std::fs::create_dir(&root).unwrap();
    let a = folder(&root, "a", 5, 4);
    let b = folder(&root, "b", 5, 4);
    std::os::unix::fs::symlink(&root, a.join("up")).unwrap();
    std::os::unix::fs::symlink(&a, b.join("sideways")).unwrap();
    let started = Instant::now();
    let codes = dir.path().join("codes.csv");
    train_dense(&root, &model, &[]).ok();
    aekit(["encode", &arg(&model), &arg(&root), "--out", &arg(&codes)]).ok();
    quick(started, 60, "a folder with link cycles");
    assert_eq!(std::fs::read_to_string(&codes).unwrap().lines().count(), 11);

    // A FIFO named as an image blocked for ever.
    let fifo_folder = folder(dir.path(), "fifo", 3, 4);
    let made = std::process::Command::new("mkfifo")
        .arg(fifo_folder.join("x.png"))
        .status()
        .unwrap();
    assert!(made.success());
    let started = Instant::now();
    aekit(["encode", &arg(&model), &arg(&fifo_folder), "--out", "-"])
        .fails_with(&["x.png", "not a regular file"]);
    quick(started, 20, "a FIFO named x.png");

    // A file name that is not UTF-8 was "No such file or directory".
    let odd = folder(dir.path(), "odd", 2, 4);
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.png");
    grey(&odd.join(name), 4, 4, 9);
    aekit(["encode", &arg(&model), &arg(&odd), "--out", "-"])
        .fails_with(&["not valid UTF-8", "rename it"]);

    // Images declaring 4000x4000 passed 5 GB; a resize size of 60000x60000 3 GB.
    let huge = dir.path().join("huge");
    std::fs::create_dir(&huge).unwrap();
    grey(&huge.join("0.png"), 4000, 4000, 0);
    let out = dir.path().join("huge.aekit");
    let started = Instant::now();
    train_dense(&huge, &out, &[]).fails_with(&[
        "4000x4000",
        "16000000 values a row",
        "more than 1048576",
    ]);
    train_dense(&root, &out, &["--resize", "60000x60000"])
        .fails_with(&["the resize size gives 60000x60000", "more than 1048576"]);
    quick(started, 30, "huge images");
    assert!(!out.exists());
}

#[test]
fn sizes_are_checked_before_any_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let out = arg(&dir.path().join("m.aekit"));
    let digits = arg(&data("digits.csv"));
    let started = Instant::now();
    aekit([
        "train",
        &digits,
        "--label",
        "label",
        "--image-shape",
        "8x8",
        "--kind",
        "conv",
        "--channels",
        "100000000",
        "--out",
        &out,
    ])
    .fails_with(&["--channels", "1048576"]);
    aekit(with(
        iris_command("detect", &iris()),
        ["--histogram-bins", "100000000", "--out", &out],
    ))
    .fails_with(&["--histogram-bins", "at most 1048576"]);
    let model = util::iris_model(dir.path());
    aekit(["serve", &arg(&model), "--workers", "100000000"]).fails_with(&["--workers", "at most"]);
    quick(started, 30, "the size checks");
}

#[test]
fn many_column_names_are_checked_in_linear_time() {
    // 80 000 columns took 13 s in the duplicate-name check.
    let dir = tempfile::tempdir().unwrap();
    let model = util::iris_model(dir.path());
    let mut header: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
    header.push("c7".into());
    let row = vec!["1"; header.len()].join(",");
    let wide = util::write(
        dir.path(),
        "wide.csv",
        &format!("{}\n{row}\n", header.join(",")),
    );
    let started = Instant::now();
    aekit(["encode", &arg(&model), &arg(&wide), "--out", "-"])
        .fails_with(&["'c7'", "appears twice"]);
    quick(started, 10, "200 000 column names");
}

#[test]
fn a_model_fitted_on_an_unnamed_array_scores_files_by_position() {
    use aekit::{Autoencoder, TrainingSetters};
    let dir = tempfile::tempdir().unwrap();
    let x = ndarray::Array2::from_shape_fn((60, 3), |(i, j)| ((i * 7 + j * 5) % 11) as f64 / 11.0);
    let unnamed = Autoencoder::params()
        .hidden([4])
        .bottleneck(2)
        .epochs(3)
        .seed(1)
        .fit(&x)
        .unwrap();
    let model = dir.path().join("array.aekit");
    unnamed.save(&model).unwrap();
    let mut text = String::from("height,width,depth\n");
    for row in x.rows() {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        text += &(cells.join(",") + "\n");
    }
    let file = util::write(dir.path(), "named.csv", &text);
    let codes = aekit(["encode", &arg(&model), &arg(&file), "--out", "-"]).ok();
    let lines: Vec<String> = codes.stdout().lines().map(String::from).collect();
    assert_eq!(lines.len(), 61);
    assert!(
        codes.stderr().contains("3 columns are taken in order"),
        "{}",
        codes.stderr()
    );
    let ours = unnamed.transform(&x).unwrap();
    let first: Vec<f32> = lines[1]
        .split(',')
        .take(2)
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(
        (first[0] - ours[[0, 0]]).abs() < 1e-5,
        "{first:?} vs {ours:?}"
    );
    // Another width is still an error; so are other names for a model
    // fitted on named columns.
    let narrow = util::write(dir.path(), "narrow.csv", "a,b\n1,2\n");
    aekit(["encode", &arg(&model), &arg(&narrow), "--out", "-"]).fails_with(&["'x0'"]);
    let named = util::iris_model(dir.path());
    let renamed = util::write(dir.path(), "renamed.csv", "a,b,c,d\n1,2,3,4\n");
    aekit(["encode", &arg(&named), &arg(&renamed), "--out", "-"]).fails_with(&["'sepal_length'"]);
}

#[test]
fn one_giant_line_is_refused_at_its_bound() {
    // A megabyte of gzip held a gigabyte line, which took 2.65 GB.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let model = util::iris_model(dir.path());
    let path = dir.path().join("giant.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let block = vec![b'7'; 1 << 20];
    for _ in 0..300 {
        gz.write_all(&block).unwrap();
    }
    gz.write_all(b"\n1\n").unwrap();
    gz.finish().unwrap();
    aekit(["encode", &arg(&model), &arg(&path), "--out", "-"])
        .fails_with(&["giant.csv.gz", "a line longer than 268435456 bytes"]);
}

#[test]
fn an_empty_column_left_out_is_named_as_empty() {
    // It was called a text column.
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..20).map(|i| format!("{i},,{}\n", i * 2)).collect();
    let file = util::write(dir.path(), "gap.csv", &format!("a,b,c\n{rows}"));
    let out = arg(&dir.path().join("m.aekit"));
    let run = aekit(["train", &arg(&file), "--epochs", "1", "--out", &out]).ok();
    let err = run.stderr();
    assert!(
        err.contains("note: empty columns left out of the features: b"),
        "{err}"
    );
    assert!(!err.contains("text columns"), "{err}");
    assert!(err.contains("x 2 features"), "{err}");
}
