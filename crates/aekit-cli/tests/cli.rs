//! End-to-end tests of the `aekit` binary on the shipped data files.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;

use util::{aekit, arg, data, iris_model, iris_recipe, read_csv, with, write};

/// The tutorial recipe, shortened to 25 epochs: it must already beat raw
/// features, and a model that does not learn would not.
#[test]
fn tutorial_recipe_learns_useful_codes() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&dir.path().join("m.aekit"));
    let (train, test) = (arg(&data("clf_train.csv")), arg(&data("clf_test.csv")));
    aekit([
        "train",
        &train,
        "--label",
        "label",
        "--validation",
        &test,
        "--hidden",
        "200,100",
        "--bottleneck",
        "50",
        "--batch-norm",
        "--activation",
        "leaky_relu",
        "--epochs",
        "25",
        "--batch-size",
        "16",
        "--seed",
        "1",
        "--out",
        &model,
    ])
    .ok();
    let summary = aekit(["summary", &model]).ok().stdout();
    assert!(summary.contains("Total params: 93150"), "{summary}");
    assert!(summary.contains("Non-trainable params: 1200"), "{summary}");

    let report = aekit([
        "evaluate", &model, "--train", &train, "--test", &test, "--json",
    ])
    .ok();
    let json: serde_json::Value = serde_json::from_str(&report.stdout()).unwrap();
    let accuracy = |name: &str| {
        json["classification"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["features"] == name)
            .unwrap()["accuracy"]
            .as_f64()
            .unwrap()
    };
    let (raw, encoded) = (accuracy("raw"), accuracy("encoded"));
    assert!((raw - 0.8939).abs() < 0.005, "raw accuracy {raw}");
    assert!(encoded >= 0.90, "encoded accuracy {encoded}");

    // The stored history: val_loss fell well below its first value.
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &model, &test, "--out", &arg(&codes)]).ok();
    let (header, rows) = read_csv(&codes);
    assert_eq!(header.len(), 51);
    assert_eq!(header[0], "z0");
    assert_eq!(header[50], "label");
    assert_eq!(rows.len(), 330);
}

#[test]
fn same_seed_gives_byte_identical_codes() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let mut outputs = Vec::new();
    for run in 0..2 {
        let model = arg(&dir.path().join(format!("m{run}.aekit")));
        let codes = dir.path().join(format!("c{run}.csv"));
        aekit([
            "train",
            &iris,
            "--label",
            "species",
            "--drop",
            "label",
            "--drop",
            "split",
            "--hidden",
            "8",
            "--batch-norm",
            "--dropout",
            "0.1",
            "--epochs",
            "10",
            "--seed",
            "7",
            "--quiet",
            "--out",
            &model,
        ])
        .ok();
        aekit(["encode", &model, &iris, "--out", &arg(&codes)]).ok();
        outputs.push(std::fs::read(&codes).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn iris_trains_to_two_dimensional_codes() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let model = arg(&dir.path().join("iris.aekit"));
    let run = aekit(with(
        iris_recipe(&iris),
        ["--lr", "0.001", "--epochs", "100", "--out", &model],
    ))
    .ok();
    assert!(run.stderr().contains("epoch 100/100"), "{}", run.stderr());
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &model, &iris, "--out", &arg(&codes)]).ok();
    let (header, rows) = read_csv(&codes);
    assert_eq!(header, ["z0", "z1", "species", "split"]);
    assert_eq!(rows.len(), 150);
    assert_eq!(rows[0][2], "setosa");

    // Reconstructions are close to the inputs: mean scaled MSE well under
    // what predicting the column means would give (about 0.06 on iris).
    let rec = dir.path().join("rec.csv");
    aekit(["reconstruct", &model, &iris, "--out", &arg(&rec)]).ok();
    let (header, rows) = read_csv(&rec);
    assert_eq!(header.last().unwrap(), "reconstruction_error");
    let mean: f64 = rows
        .iter()
        .map(|r| r.last().unwrap().parse::<f64>().unwrap())
        .sum::<f64>()
        / rows.len() as f64;
    assert!(mean < 0.02, "mean reconstruction error {mean}");
}

#[test]
fn decode_of_codes_equals_reconstruction() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&iris_model(dir.path()));
    let iris = arg(&data("iris.csv"));
    let codes = dir.path().join("codes.csv");
    let decoded = dir.path().join("decoded.csv");
    let rec = dir.path().join("rec.csv");
    aekit(["encode", &model, &iris, "--out", &arg(&codes)]).ok();
    aekit(["decode", &model, &arg(&codes), "--out", &arg(&decoded)]).ok();
    aekit(["reconstruct", &model, &iris, "--out", &arg(&rec)]).ok();
    let (dh, drows) = read_csv(&decoded);
    let (rh, rrows) = read_csv(&rec);
    assert_eq!(&dh[..4], &rh[..4]);
    assert_eq!(
        dh[..4],
        ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    );
    assert_eq!(&dh[4..], ["species", "split"]);
    for (d, r) in drows.iter().zip(&rrows) {
        for j in 0..4 {
            let (a, b): (f64, f64) = (d[j].parse().unwrap(), r[j].parse().unwrap());
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
    }
}

#[test]
fn unlabelled_new_data_encodes() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&iris_model(dir.path()));
    let new = write(
        dir.path(),
        "new.csv",
        "petal_width,sepal_length,sepal_width,petal_length\n0.2,5.1,3.5,1.4\n2.3,6.7,3.0,5.2\n",
    );
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &model, &arg(&new), "--out", &arg(&codes)]).ok();
    let (header, rows) = read_csv(&codes);
    assert_eq!(header, ["z0", "z1"]);
    assert_eq!(rows.len(), 2);
}

#[test]
fn help_and_version_are_the_manual() {
    let help = aekit(["--help"]).ok().stdout();
    for cmd in ["train", "summary", "encode", "decode", "reconstruct"] {
        assert!(help.contains(cmd), "{help}");
    }
    let train_help = aekit(["train", "--help"]).ok().stdout();
    assert!(train_help.contains("--bottleneck") && train_help.contains("--patience"));
    let version = aekit(["--version"]).ok().stdout();
    assert!(version.starts_with("aekit "), "{version}");
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&dir.path().join("m.aekit"));
    let iris = arg(&data("iris.csv"));
    // A learning rate this high makes val_loss bounce, so patience triggers.
    aekit([
        "train",
        &iris,
        "--label",
        "species",
        "--drop",
        "label",
        "--drop",
        "split",
        "--hidden",
        "16",
        "--validation-split",
        "0.2",
        "--patience",
        "3",
        "--lr",
        "0.5",
        "--epochs",
        "200",
        "--quiet",
        "--out",
        &model,
    ])
    .ok();
    let summary = aekit(["summary", &model]).ok().stdout();
    assert!(summary.contains("EarlyStopped"), "{summary}");
}

#[test]
fn weight_decay_pulls_the_fit_away_from_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let model = arg(&dir.path().join("iris.aekit"));
    let rec = arg(&dir.path().join("rec.csv"));
    // The iris recipe's shape, trained by each optimiser with and without decay.
    let mean_error = |flags: &[&str]| {
        let mut args = util::iris_shape(&iris);
        args.extend(
            ["--epochs", "40", "--quiet", "--out", &model]
                .iter()
                .chain(flags)
                .map(|f| f.to_string()),
        );
        aekit(args).ok();
        aekit(["reconstruct", &model, &iris, "--out", &rec]).ok();
        let (_, rows) = read_csv(Path::new(&rec));
        rows.iter()
            .map(|r| r.last().unwrap().parse::<f64>().unwrap())
            .sum::<f64>()
            / rows.len() as f64
    };
    for (optimizer, decay) in [("rmsprop", "0.5"), ("adam", "0.5"), ("adamw", "5")] {
        let free = mean_error(&["--optimizer", optimizer, "--weight-decay", "0"]);
        let decayed = mean_error(&["--optimizer", optimizer, "--weight-decay", decay]);
        assert!(
            decayed > 3.0 * free,
            "{optimizer} {decay}: {decayed} vs {free}"
        );
    }
    let mut args = iris_recipe(&iris);
    args.extend(["--weight-decay", "-1", "--out", &model].map(String::from));
    aekit(args).fails_with(&["--weight-decay", "-1"]);
}

/// A build without a GPU backend refuses a GPU in one line naming the
/// features, before any work, for training, scoring and text models; the
/// CPU (and `auto`, which falls back to it) work as before.
#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
#[test]
fn a_gpu_asked_of_a_build_without_one_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let out = dir.path().join("gpu.aekit");
    let mut args = util::iris_command("train", &iris);
    args.extend(["--epochs", "1", "--device", "gpu", "--out", &arg(&out)].map(String::from));
    aekit(args).fails_with(&["--device", "'gpu'", "feature wgpu", "cuda"]);
    assert!(!out.exists());
    let model = iris_model(dir.path());
    let codes = arg(&dir.path().join("codes.csv"));
    for device in ["gpu", "gpu:1"] {
        aekit([
            "encode",
            &arg(&model),
            &iris,
            "--out",
            &codes,
            "--device",
            device,
        ])
        .fails_with(&["--device", "feature wgpu"]);
    }
    let text = arg(&data("sentiment.csv"));
    let text_out = arg(&dir.path().join("t.aekit"));
    aekit([
        "text", "train", &text, "--out", &text_out, "--device", "gpu",
    ])
    .fails_with(&["--device", "feature wgpu"]);
    for device in ["cpu", "auto"] {
        aekit([
            "encode",
            &arg(&model),
            &iris,
            "--out",
            &codes,
            "--device",
            device,
        ])
        .ok();
    }
}
