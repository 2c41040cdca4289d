//! Using the bottleneck: the evaluation report, one-hot categories and plots.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;

use util::digits::apply;
use util::{aekit, arg, data, iris_recipe, read_csv, with, write};

fn evaluate_json(model: &str, train: &str, test: &str) -> serde_json::Value {
    let out = aekit([
        "evaluate", model, "--train", train, "--test", test, "--json",
    ])
    .ok();
    serde_json::from_str(&out.stdout()).unwrap()
}

/// PNG signature and the image's width and height from its IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn digits_autoencoder_beats_pca_at_8_and_16_components() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (
        arg(&data("digits_train.csv")),
        arg(&data("digits_test.csv")),
    );
    for k in ["8", "16"] {
        let model = arg(&dir.path().join(format!("d{k}.aekit")));
        aekit([
            "train",
            &train,
            "--label",
            "label",
            "--scale",
            "none",
            "--hidden",
            "32",
            "--bottleneck",
            k,
            "--activation",
            "relu",
            "--output-activation",
            "sigmoid",
            "--epochs",
            "150",
            "--batch-size",
            "32",
            "--seed",
            "1",
            "--quiet",
            "--out",
            &model,
        ])
        .ok();
        let report = evaluate_json(&model, &train, &test);
        let rec = &report["reconstruction"];
        let (ae, pca) = (
            rec["autoencoder_mse"].as_f64().unwrap(),
            rec["pca_mse"].as_f64().unwrap(),
        );
        assert!(ae < pca, "K={k}: autoencoder {ae} vs PCA {pca}");
        // scikit-learn's PCA gives 0.024683 (K=8) and 0.011696 (K=16) here.
        let expected = if k == "8" { 0.024683 } else { 0.011696 };
        assert!((pca - expected).abs() < 1e-4, "K={k}: PCA MSE {pca}");
        let classes = report["classes"].as_array().unwrap();
        assert_eq!(classes.len(), 10);
        let ari = report["clustering"][1]["adjusted_rand_index"]
            .as_f64()
            .unwrap();
        assert!(ari > 0.3, "k-means on codes ARI {ari}");
    }
}

#[test]
fn iris_latent_plot_and_cluster_agreement() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let model = arg(&dir.path().join("iris.aekit"));
    let curves = dir.path().join("curves.png");
    aekit(with(
        iris_recipe(&iris),
        [
            "--epochs",
            "150",
            "--seed",
            "1",
            "--quiet",
            "--plot",
            &arg(&curves),
            "--out",
            &model,
        ],
    ))
    .ok();
    let (w, h) = png_size(&curves);
    assert!(w >= 600 && h >= 400, "{w}x{h}");

    let report = evaluate_json(&model, &iris, &iris);
    let ari = report["clustering"][1]["adjusted_rand_index"]
        .as_f64()
        .unwrap();
    assert!(ari > 0.5, "k-means on iris codes: ARI {ari}");
    assert_eq!(
        report["classes"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );

    let latent = dir.path().join("latent.png");
    aekit(["plot", "latent", &model, &iris, "--out", &arg(&latent)]).ok();
    png_size(&latent);
    let history = dir.path().join("history.png");
    aekit(["plot", "history", &model, "--out", &arg(&history)]).ok();
    png_size(&history);
    aekit([
        "plot",
        "latent",
        &model,
        &iris,
        "--color",
        "colour",
        "--out",
        &arg(&latent),
    ])
    .fails_with(&["iris.csv", "colour"]);
}

#[test]
fn reconstruction_grid_of_digits() {
    let dir = tempfile::tempdir().unwrap();
    let test = arg(&data("digits_test.csv"));
    let model = arg(&dir.path().join("d.aekit"));
    aekit([
        "train",
        &test,
        "--label",
        "label",
        "--scale",
        "none",
        "--hidden",
        "32",
        "--bottleneck",
        "8",
        "--epochs",
        "5",
        "--quiet",
        "--out",
        &model,
    ])
    .ok();
    // `aekit plot reconstructions` of the test digits with `flags`, to `out`.
    let plot = |flags: &[&str], out: &Path| {
        let mut args = vec!["plot", "reconstructions", model.as_str(), test.as_str()];
        args.extend(flags);
        aekit(args.into_iter().chain(["--out", arg(out).as_str()]))
    };
    let grid = dir.path().join("grid.png");
    plot(&["--image-shape", "8x8", "--rows", "6"], &grid).ok();
    let (w, h) = png_size(&grid);
    assert!(w > h, "{w}x{h}");
    let bad = dir.path().join("bad.png");
    plot(&["--image-shape", "7x7"], &bad).fails_with(&["--image-shape", "64 features"]);
    assert!(!bad.exists());
}

#[test]
fn one_hot_columns_round_trip_and_handle_unseen_categories() {
    let dir = tempfile::tempdir().unwrap();
    let iris = arg(&data("iris.csv"));
    let model = arg(&dir.path().join("oh.aekit"));
    aekit([
        "train",
        &iris,
        "--one-hot",
        "species",
        "--drop",
        "label",
        "--id",
        "split",
        "--hidden",
        "8",
        "--bottleneck",
        "3",
        "--epochs",
        "100",
        "--seed",
        "1",
        "--quiet",
        "--out",
        &model,
    ])
    .ok();
    let rec = dir.path().join("rec.csv");
    aekit(["reconstruct", &model, &iris, "--out", &arg(&rec)]).ok();
    let (header, rows) = read_csv(&rec);
    let species = header.iter().position(|h| h == "species").unwrap();
    let (_, original) = read_csv(&data("iris.csv"));
    let kept = rows
        .iter()
        .zip(&original)
        .filter(|(r, o)| r[species] == o[5])
        .count();
    assert!(
        kept >= 140,
        "species reconstructed right for {kept} of 150 rows"
    );

    let unseen = write(
        dir.path(),
        "unseen.csv",
        "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,daisy\n",
    );
    let out = dir.path().join("codes.csv");
    let model_path = Path::new(&model);
    apply("encode", model_path, &unseen, &["--strict"], &out).fails_with(&[
        "unseen.csv",
        "row 2",
        "species",
        "daisy",
    ]);
    assert!(!out.exists());
    // Without --strict: an all-zero block and a note.
    let run = apply("encode", model_path, &unseen, &[], &out).ok();
    assert!(
        run.stderr().contains("1 cell held a category"),
        "{}",
        run.stderr()
    );
    assert_eq!(read_csv(&out).1.len(), 1);
}
