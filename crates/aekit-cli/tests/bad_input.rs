//! Every bad input gets a one-line error naming the file (and row and
//! column where they apply), a non-zero exit, and no output file.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;

use util::{aekit, arg, data, iris_model, write};

const GOOD_HEADER: &str = "a,b,c\n";

fn train_on(dir: &Path, file: &Path, extra: &[&str]) -> (util::Run, std::path::PathBuf) {
    let out = dir.join("model.aekit");
    let mut args = vec!["train".to_string(), arg(file)];
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs".into(), "1".into()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--quiet".into(), "--out".into(), arg(&out)]);
    (aekit(&args), out)
}

fn assert_train_fails(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.csv", text);
    let (run, out) = train_on(dir.path(), &file, &[]);
    let mut all = vec!["bad.csv"];
    all.extend_from_slice(needles);
    run.fails_with(&all);
    assert!(!out.exists(), "a model file was left behind");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let (run, out) = train_on(dir.path(), &dir.path().join("nope.csv"), &[]);
    run.fails_with(&["nope.csv", "No such file"]);
    assert!(!out.exists());
}

#[test]
fn empty_file() {
    assert_train_fails("", &["empty"]);
}

#[test]
fn header_only() {
    assert_train_fails(GOOD_HEADER, &["no data rows"]);
}

#[test]
fn non_numeric_cell() {
    assert_train_fails(
        "a,b,c\n1,2,3\n4,five,6\n7,8,9\n",
        &["row 3", "column 'b'", "not a number"],
    );
}

#[test]
fn nan_and_infinity() {
    // NaN is a missing value (imputed unless --missing error: mixed_tables.rs).
    for (text, cell) in [
        ("a,b,c\n1,2,3\n4,5,inf\n7,8,9\n", ["row 3", "column 'c'"]),
        ("a,b,c\n1,2,3\n4,5,6\n-inf,8,9\n", ["row 4", "column 'a'"]),
    ] {
        assert_train_fails(text, &[cell[0], cell[1], "not finite"]);
    }
}

#[test]
fn ragged_rows() {
    assert_train_fails(
        "a,b,c\n1,2,3\n4,5\n",
        &["row 3", "2 fields", "header has 3"],
    );
    assert_train_fails("a,b,c\n1,2,3,4\n", &["row 2", "4 fields"]);
}

#[test]
fn unknown_columns_named_by_flags() {
    let dir = tempfile::tempdir().unwrap();
    let iris = data("iris.csv");
    for (flag, name) in [
        ("--label", "kind"),
        ("--id", "row_id"),
        ("--drop", "colour"),
    ] {
        let (run, out) = train_on(dir.path(), &iris, &[flag, name]);
        run.fails_with(&["iris.csv", name, flag]);
        assert!(!out.exists());
    }
}

#[test]
fn invalid_hyper_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let iris = data("iris.csv");
    for (flag, value) in [
        ("--bottleneck", "0"),
        ("--epochs", "0"),
        ("--batch-size", "0"),
        ("--lr", "0"),
        ("--lr", "-0.1"),
    ] {
        let (run, out) = train_on(dir.path(), &iris, &["--label", "species", flag, value]);
        run.fails_with(&[flag]);
        assert!(!out.exists(), "{flag} {value}");
    }
}

#[test]
fn output_path_that_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let missing_dir = dir.path().join("no/such/dir/m.aekit");
    aekit(["train", &iris, "--epochs", "1", "--out", &arg(&missing_dir)])
        .fails_with(&["m.aekit", "does not exist"]);
    // A regular file where a directory should be.
    let file = write(dir.path(), "plain", "x");
    let under_file = file.join("m.aekit");
    aekit(["train", &iris, "--epochs", "1", "--out", &arg(&under_file)]).fails_with(&["m.aekit"]);
    assert!(!under_file.exists());

    let model = arg(&iris_model(dir.path()));
    let codes = dir.path().join("nowhere/codes.csv");
    aekit(["encode", &model, &iris, "--out", &arg(&codes)]).fails_with(&["codes.csv"]);
}

#[test]
fn data_that_does_not_match_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&iris_model(dir.path()));
    let other = write(dir.path(), "other.csv", "a,b,c\n1,2,3\n");
    for cmd in ["encode", "reconstruct"] {
        let out = dir.path().join(format!("{cmd}.csv"));
        aekit([cmd, &model, &arg(&other), "--out", &arg(&out)])
            .fails_with(&["other.csv", "sepal_length"]);
        assert!(!out.exists());
    }
    let out = dir.path().join("decoded.csv");
    aekit(["decode", &model, &arg(&other), "--out", &arg(&out)]).fails_with(&["other.csv", "z0"]);
    assert!(!out.exists());
    // Right columns, a bad cell: the row and column are named.
    let bad = write(
        dir.path(),
        "bad_rows.csv",
        "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,x,1.4,0.2\n",
    );
    let out = dir.path().join("codes.csv");
    aekit(["encode", &model, &arg(&bad), "--out", &arg(&out)]).fails_with(&[
        "bad_rows.csv",
        "row 3",
        "sepal_width",
    ]);
    assert!(!out.exists());
}

#[test]
fn truncated_or_corrupt_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let truncated = dir.path().join("truncated.aekit");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = dir.path().join("garbage.aekit");
    std::fs::write(&garbage, b"this is not a model at all, just some text").unwrap();
    let iris = arg(&data("iris.csv"));
    for bad in [&truncated, &garbage] {
        let out = dir.path().join("codes.csv");
        aekit(["encode", &arg(bad), &iris, "--out", &arg(&out)]).fails_with(&[
            bad.file_name().unwrap().to_str().unwrap(),
            "not a usable aekit model",
        ]);
        assert!(!out.exists());
        aekit(["summary", &arg(bad)]).fails_with(&["not a usable aekit model"]);
    }
    aekit(["summary", &arg(&dir.path().join("absent.aekit"))]).fails_with(&["absent.aekit"]);
}
