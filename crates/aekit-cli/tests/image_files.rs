//! Folders of PNG/JPEG files as data and PNG files as output, end to end:
//! images written here (8x8 lines, grey and coloured), a conv model
//! trained on them, reconstructions written with --out-dir and checked
//! against their inputs, and the errors a user meets.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma, Rgb, RgbImage};
use util::digits::apply_to_dir;
use util::{aekit, arg, data, iris_model, read_csv};

/// How bright a soft bar centred on row (or column) `k` is at `at`, 0..1:
/// 1 on it, a half beside it, 0 further away.
fn bar(k: u32, at: u32) -> f64 {
    (1.0 - f64::from(k.abs_diff(at)) / 2.0).max(0.0)
}

/// An 8x8 grey image: a soft bright bar (along row `k` when `horizontal`,
/// else column `k`) of brightness `level` on black.
fn line(horizontal: bool, k: u32, level: u8) -> GrayImage {
    GrayImage::from_fn(8, 8, |x, y| {
        let shade = bar(k, if horizontal { y } else { x });
        Luma([(f64::from(level) * shade).round() as u8])
    })
}

/// Full-brightness lines `k` in `ks` (horizontal or vertical) written to
/// `folder/{prefix}{k}.png`.
fn line_files(folder: &Path, horizontal: bool, ks: std::ops::Range<u32>, prefix: &str) {
    std::fs::create_dir_all(folder).unwrap();
    for k in ks {
        line(horizontal, k, 255)
            .save(folder.join(format!("{prefix}{k}.png")))
            .unwrap();
    }
}

/// `bars/h/..` and `bars/v/..`: 18 horizontal and 18 vertical lines.
fn labelled_lines(dir: &Path) -> PathBuf {
    let root = dir.join("bars");
    for (class, horizontal) in [("h", true), ("v", false)] {
        std::fs::create_dir_all(root.join(class)).unwrap();
        for k in 1..7 {
            for (i, level) in [150u8, 200, 255].into_iter().enumerate() {
                let name = format!("{class}{k}_{i}.png");
                line(horizontal, k, level)
                    .save(root.join(class).join(name))
                    .unwrap();
            }
        }
    }
    root
}

/// `aekit train FOLDER --kind conv ...` with `extra` flags, to `out`
/// (60 epochs unless `extra` says).
fn train_conv(data: &Path, out: &Path, extra: &[&str]) -> util::Run {
    let mut args: Vec<String> = [
        "train",
        &arg(data),
        "--kind",
        "conv",
        "--channels",
        "8,16",
        "--bottleneck",
        "8",
        "--scale",
        "none",
        "--output-activation",
        "sigmoid",
        // Batch norm and leaky ReLU: plain ReLU on mostly black images
        // at this rate can collapse to a constant output.
        "--batch-norm",
        "--activation",
        "leaky_relu",
        "--lr",
        "0.01",
        "--batch-size",
        "8",
        "--seed",
        "3",
        "--quiet",
        "--out",
        &arg(out),
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs".to_string(), "60".to_string()]);
    }
    aekit(&args)
}

/// Every file under `dir`, sorted, as paths relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let inside = path.strip_prefix(root).unwrap();
                out.push(inside.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

/// The pixels of an image file in 0..1, channels interleaved (as RGB
/// when `rgb`).
fn pixels(path: &Path, rgb: bool) -> Vec<f64> {
    let image = image::open(path).unwrap();
    let raw = if rgb {
        image.to_rgb8().into_raw()
    } else {
        image.to_luma8().into_raw()
    };
    raw.into_iter().map(|v| f64::from(v) / 255.0).collect()
}

fn mse(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64
}

/// Mean MSE of each reconstruction to its input, and to the input set's
/// mean pixel (a constant image): a model that learned nothing about
/// each image scores no better on the first than on the second.
fn reconstruction_vs_constant(
    inputs: &Path,
    rebuilt: &Path,
    names: &[String],
    rgb: bool,
) -> (f64, f64) {
    let originals: Vec<Vec<f64>> = names.iter().map(|n| pixels(&inputs.join(n), rgb)).collect();
    let all: Vec<f64> = originals.iter().flatten().copied().collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let (mut own, mut constant) = (0.0, 0.0);
    for (name, original) in names.iter().zip(&originals) {
        let r = pixels(&rebuilt.join(name), rgb);
        own += mse(&r, original);
        constant += mse(original, &vec![mean; original.len()]);
    }
    (own / names.len() as f64, constant / names.len() as f64)
}

#[test]
fn a_conv_model_trains_on_a_labelled_folder_and_writes_its_reconstructions_as_pngs() {
    let dir = tempfile::tempdir().unwrap();
    let bars = labelled_lines(dir.path());
    let model = dir.path().join("bars.aekit");
    train_conv(&bars, &model, &["--label", "label"]).ok();
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    for needle in [
        "kind: conv",
        "images: 8x8",
        "features: 64 (pixel_0_0",
        "label: label",
    ] {
        assert!(summary.contains(needle), "{needle}: {summary}");
    }

    let rec = dir.path().join("rec");
    let csv = dir.path().join("rec.csv");
    aekit([
        "reconstruct",
        &arg(&model),
        &arg(&bars),
        "--out",
        &arg(&csv),
        "--out-dir",
        &arg(&rec),
    ])
    .ok();
    let written = files_under(&rec);
    assert_eq!(written.len(), 36, "{written:?}");
    assert_eq!(
        written,
        files_under(&bars),
        "named as the inputs, sub-folders kept"
    );
    for name in &written {
        let image = image::open(rec.join(name)).unwrap();
        assert_eq!((image.width(), image.height()), (8, 8));
        assert_eq!(image.color(), image::ColorType::L8);
    }
    let (own, constant) = reconstruction_vs_constant(&bars, &rec, &written, false);
    assert!(
        own < 0.5 * constant,
        "to inputs {own}, constant image {constant}"
    );

    // The CSV carries the label from the sub-folder names.
    let (header, rows) = read_csv(&csv);
    assert_eq!(header[0], "pixel_0_0");
    let label = header.iter().position(|h| h == "label").unwrap();
    assert_eq!(
        (rows[0][label].as_str(), rows[35][label].as_str()),
        ("h", "v")
    );
    // The PNG cells are the CSV's values, rounded to 8 bits.
    let first = pixels(&rec.join(&written[0]), false);
    let cell: f64 = rows[0][9].parse().unwrap();
    assert!((first[9] - cell.clamp(0.0, 1.0)).abs() <= 0.5 / 255.0 + 1e-6);

    // Encoding keeps the label; the path is an id when asked.
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &arg(&model), &arg(&bars), "--out", &arg(&codes)]).ok();
    let (header, rows) = read_csv(&codes);
    assert_eq!(header.len(), 9, "8 codes and the label: {header:?}");
    assert_eq!(rows.len(), 36);
    apply_to_dir("encode", &model, &bars, &[], &dir.path().join("no"))
        .fails_with(&["--out-dir", "encode writes codes"]);

    // Denoise writes PNGs the same way; the label column is usable by evaluate.
    let den = dir.path().join("den");
    apply_to_dir("denoise", &model, &bars, &[], &den).ok();
    assert_eq!(files_under(&den), written);
    let report = aekit([
        "evaluate",
        &arg(&model),
        "--train",
        &arg(&bars),
        "--test",
        &arg(&bars),
        "--json",
    ])
    .ok()
    .stdout();
    assert!(report.contains("autoencoder_mse"), "{report}");
}

#[test]
fn digit_named_sub_folders_are_labels_not_pixels_and_the_path_is_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("digits");
    for class in ["0", "1"] {
        line_files(&root.join(class), class == "0", 1..4, "");
    }
    let model = dir.path().join("m.aekit");
    // No --label: the numeric sub-folder names still are not a 65th feature.
    train_conv(&root, &model, &["--epochs", "2"]).ok();
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &arg(&model), &arg(&root), "--out", &arg(&codes)]).ok();
    assert_eq!(read_csv(&codes).0.len(), 8, "codes only");

    let model = dir.path().join("labelled.aekit");
    train_conv(
        &root,
        &model,
        &["--epochs", "2", "--label", "label", "--id", "path"],
    )
    .ok();
    aekit(["encode", &arg(&model), &arg(&root), "--out", &arg(&codes)]).ok();
    let (header, rows) = read_csv(&codes);
    assert_eq!(header[8..], ["label", "path"]);
    assert_eq!(rows[0][8..], ["0", "0/1.png"]);
    assert_eq!(rows[5][8..], ["1", "1/3.png"]);
}

#[test]
fn an_image_of_another_size_is_named_and_nothing_is_written_until_resize() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mixed");
    line_files(&root, true, 0..6, "a");
    GrayImage::from_pixel(6, 5, Luma([128]))
        .save(root.join("odd.png"))
        .unwrap();
    let model = dir.path().join("m.aekit");
    train_conv(&root, &model, &["--epochs", "2"]).fails_with(&[
        "odd.png",
        "is 5x6 pixels",
        "a0.png is 8x8",
        "--resize HxW",
    ]);
    assert!(!model.exists());

    train_conv(&root, &model, &["--epochs", "2", "--resize", "8x8"]).ok();
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("images: 8x8"), "{summary}");
    // Reading for a model needs the same resize; --out-dir is then at the model's shape.
    let rec = dir.path().join("rec");
    apply_to_dir("reconstruct", &model, &root, &[], &rec).fails_with(&["odd.png", "--resize"]);
    assert!(!rec.exists(), "nothing written on bad input");
    apply_to_dir("reconstruct", &model, &root, &["--resize", "8x8"], &rec).ok();
    assert_eq!(files_under(&rec).len(), 7);
    // A different --resize gives rows the model cannot take.
    aekit([
        "reconstruct",
        &arg(&model),
        &arg(&root),
        "--resize",
        "4x4",
        "--out",
        &arg(&dir.path().join("x.csv")),
    ])
    .fails_with(&["holds 4x4 images", "the model takes 8x8", "--resize"]);
    aekit(["train", &arg(&root), "--resize", "8", "--out", &arg(&model)])
        .fails_with(&["--resize", "HEIGHTxWIDTH"]);
}

#[test]
fn an_unreadable_file_and_an_empty_folder_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("some");
    line_files(&root, false, 0..4, "");
    std::fs::write(root.join("broken.png"), "this is text, not a PNG").unwrap();
    std::fs::write(root.join("notes.txt"), "ignored: not an image name").unwrap();
    let model = dir.path().join("m.aekit");
    train_conv(&root, &model, &["--epochs", "2"]).fails_with(&["broken.png", "cannot be read"]);
    assert!(!model.exists());

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    train_conv(&empty, &model, &[]).fails_with(&["empty", "no PNG or JPEG images"]);

    // Images beside labelling sub-folders would have no label.
    std::fs::remove_file(root.join("broken.png")).unwrap();
    std::fs::create_dir_all(root.join("class")).unwrap();
    line(true, 1, 255).save(root.join("class/x.png")).unwrap();
    train_conv(&root, &model, &[]).fails_with(&["0.png", "sub-folders"]);
    assert!(!model.exists());
}

#[test]
fn rgb_folders_train_and_write_rgb_pngs_and_grids() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("colours");
    std::fs::create_dir_all(&root).unwrap();
    let colours = [[255u8, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
    for (c, colour) in colours.iter().enumerate() {
        for k in 1..7 {
            let image = RgbImage::from_fn(8, 8, |x, _| {
                Rgb(colour.map(|v| (f64::from(v) * bar(k, x)).round() as u8))
            });
            image.save(root.join(format!("c{c}_{k}.png"))).unwrap();
        }
    }
    // A grey image in an RGB folder (the first is RGB) is read as RGB.
    line(true, 3, 255).save(root.join("z_grey.png")).unwrap();
    let model = dir.path().join("rgb.aekit");
    train_conv(&root, &model, &["--epochs", "80"]).ok();
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("images: 3x8x8"), "{summary}");
    assert!(summary.contains("features: 192 (red_0_0"), "{summary}");

    let rec = dir.path().join("rec");
    apply_to_dir("reconstruct", &model, &root, &[], &rec).ok();
    let written = files_under(&rec);
    assert_eq!(written.len(), 25);
    for name in &written {
        assert_eq!(
            image::open(rec.join(name)).unwrap().color(),
            image::ColorType::Rgb8
        );
    }
    let (own, constant) = reconstruction_vs_constant(&root, &rec, &written, true);
    assert!(
        own < 0.6 * constant,
        "to inputs {own}, constant image {constant}"
    );

    let grid = dir.path().join("grid.png");
    aekit([
        "plot",
        "reconstructions",
        &arg(&model),
        &arg(&root),
        "--out",
        &arg(&grid),
    ])
    .ok();
    let grid = image::open(&grid).unwrap().to_rgb8();
    // Some drawn pixel is saturated red: the grid is in colour.
    assert!(grid.pixels().any(|p| p[0] > 200 && p[1] < 60 && p[2] < 60));
}

#[test]
fn out_dir_names_csv_rows_by_index_and_refuses_models_without_images() {
    let dir = tempfile::tempdir().unwrap();
    let iris = iris_model(dir.path());
    let out = dir.path().join("out");
    apply_to_dir("reconstruct", &iris, &data("iris.csv"), &[], &out)
        .fails_with(&["--out-dir", "not images"]);
    assert!(!out.exists());

    let digits = dir.path().join("digits.aekit");
    aekit([
        "train",
        &arg(&data("digits_test.csv")),
        "--label",
        "label",
        "--scale",
        "none",
        "--image-shape",
        "8x8",
        "--kind",
        "conv",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        &arg(&digits),
    ])
    .ok();
    apply_to_dir("reconstruct", &digits, &data("digits_test.csv"), &[], &out).ok();
    let written = files_under(&out);
    assert_eq!(written.len(), 449);
    assert_eq!(
        (written[0].as_str(), written[448].as_str()),
        ("000000.png", "000448.png")
    );
    // A file where the folder should be, and the input folder itself, are refused.
    let file = util::write(dir.path(), "file", "x");
    apply_to_dir("reconstruct", &digits, &data("digits_test.csv"), &[], &file)
        .fails_with(&["file", "not a folder"]);
    let bars = labelled_lines(dir.path());
    let bars_model = dir.path().join("bars.aekit");
    train_conv(&bars, &bars_model, &["--epochs", "1"]).ok();
    apply_to_dir("reconstruct", &bars_model, &bars, &[], &bars).fails_with(&["is also an input"]);
}
