//! The library from arrays and the command line from files agree: trained
//! on the same rows with the same seed and threads, they give the same
//! codes, decoded rows and scores. The codes the library's doctest checks
//! against (crates/aekit/tests/fixtures/cli_codes.csv) are held to the
//! command line here.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::Path;

use aekit::{Autoencoder, TrainingSetters};
use ndarray::Array2;
use util::digits::apply;
use util::{aekit, arg, read_csv};

/// The rows of the fixture: 120 x 5, exact in f64.
fn rows() -> Array2<f64> {
    Array2::from_shape_fn((120, 5), |(i, j)| {
        ((i * 7 + j * 13) % 23) as f64 / 23.0 + ((i * i + 3 * j) % 5) as f64 / 10.0
    })
}

fn write_rows(path: &Path, x: &Array2<f64>) {
    let mut text = String::from("x0,x1,x2,x3,x4\n");
    for row in x.rows() {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        text += &(cells.join(",") + "\n");
    }
    std::fs::write(path, text).unwrap();
}

/// A CSV's numeric columns `names`, row by row.
fn columns(path: &Path, names: &[&str]) -> Array2<f32> {
    let (header, cells) = read_csv(path);
    let idx: Vec<usize> = names
        .iter()
        .map(|n| header.iter().position(|h| h == n).unwrap())
        .collect();
    Array2::from_shape_fn((cells.len(), idx.len()), |(r, c)| {
        cells[r][idx[c]].parse().unwrap()
    })
}

fn assert_close(what: &str, a: &Array2<f32>, b: &Array2<f32>) {
    assert_eq!(a.dim(), b.dim(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-6, "{what}: {x} vs {y}");
    }
}

#[test]
fn arrays_in_the_library_give_the_command_lines_codes_rows_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let x = rows();
    let data = dir.path().join("rows.csv");
    write_rows(&data, &x);
    let (model, codes, decoded, rebuilt) = (
        dir.path().join("m.aekit"),
        dir.path().join("codes.csv"),
        dir.path().join("decoded.csv"),
        dir.path().join("rebuilt.csv"),
    );
    aekit([
        "train",
        &arg(&data),
        "--hidden",
        "6",
        "--bottleneck",
        "2",
        "--epochs",
        "15",
        "--batch-size",
        "16",
        "--seed",
        "11",
        "--threads",
        "1",
        "--quiet",
        "--out",
        &arg(&model),
    ])
    .ok();
    apply("encode", &model, &data, &[], &codes).ok();
    apply("decode", &model, &codes, &[], &decoded).ok();
    apply("reconstruct", &model, &data, &[], &rebuilt).ok();

    let library = Autoencoder::params()
        .hidden([6])
        .bottleneck(2)
        .epochs(15)
        .batch_size(16)
        .seed(11)
        .threads(1)
        .fit(&x)
        .unwrap();
    let ours = library.transform(&x).unwrap();
    let cli_codes = columns(&codes, &["z0", "z1"]);
    assert_close("codes", &ours, &cli_codes);
    let features = ["x0", "x1", "x2", "x3", "x4"];
    assert_close(
        "decoded rows",
        &library.inverse_transform(&ours).unwrap(),
        &columns(&decoded, &features),
    );
    let scores = library.score_samples(&x).unwrap().mapv(|s| s as f32);
    let cli_scores = columns(&rebuilt, &["reconstruction_error"]);
    assert_close("scores", &scores.insert_axis(ndarray::Axis(1)), &cli_scores);

    // The doctest's fixture is what the command line writes.
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../aekit/tests/fixtures/cli_codes.csv");
    assert_close("fixture", &columns(&fixture, &["z0", "z1"]), &cli_codes);
}
