//! Anomaly detection end to end: detect, score, explain, metrics, streaming.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::{aekit, arg, data, read_csv, write};

/// Wine with the label dropped: a clean training file.
fn detector(dir: &Path) -> PathBuf {
    let model = dir.join("wine.aekit");
    aekit([
        "detect",
        &arg(&data("wine.csv")),
        "--drop",
        "label",
        "--seed",
        "3",
        "--quiet",
        "--out",
        &arg(&model),
    ])
    .ok();
    model
}

/// `aekit detect` on the README's wine_anomalies.csv (ids kept, the label
/// dropped) with `extra` flags, written to `model`; it must succeed.
fn detect_wine_anomalies(model: &Path, extra: &[&str]) -> util::Run {
    let file = arg(&data("wine_anomalies.csv"));
    let out = arg(model);
    let mut args = vec!["detect", &file, "--id", "id", "--drop", "is_outlier"];
    args.extend_from_slice(extra);
    args.extend(["--out", &out]);
    aekit(args).ok()
}

/// Wine rows with `column` of rows `rows` multiplied by `factor`, plus an
/// `is_outlier` column marking them.
fn corrupted_wine(dir: &Path, column: &str, rows: &[usize], factor: f64) -> PathBuf {
    let (header, body) = read_csv(&data("wine.csv"));
    let col = header.iter().position(|h| h == column).unwrap();
    let mut text = header.join(",") + ",is_outlier\n";
    for (i, row) in body.iter().enumerate() {
        let mut row = row.clone();
        let hit = rows.contains(&i);
        if hit {
            let v: f64 = row[col].parse().unwrap();
            row[col] = (v * factor).to_string();
        }
        text += &format!("{},{}\n", row.join(","), u8::from(hit));
    }
    write(dir, "corrupted.csv", &text)
}

#[test]
fn explain_names_the_planted_feature_first() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&detector(dir.path()));
    let planted = [5, 60, 120];
    let file = corrupted_wine(dir.path(), "magnesium", &planted, 3.0);
    let scores = dir.path().join("scores.csv");
    let run = aekit([
        "score",
        &model,
        &arg(&file),
        "--explain",
        "3",
        "--label",
        "is_outlier",
        "--json",
        "--out",
        &arg(&scores),
    ])
    .ok();
    let (header, rows) = read_csv(&scores);
    assert_eq!(rows.len(), 178);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    for &r in &planted {
        assert_eq!(rows[r][at("is_anomaly")], "1", "row {r} not flagged");
        assert_eq!(
            rows[r][at("top1_feature")],
            "magnesium",
            "row {r}: {:?}",
            rows[r]
        );
        let share: f64 = rows[r][at("top1_share")].parse().unwrap();
        assert!(share > 0.5, "row {r}: share {share}");
    }
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let m = &report["metrics"];
    assert_eq!(m["roc_auc"].as_f64().unwrap(), 1.0, "{report}");
    assert_eq!(m["confusion"]["true_positives"], 3);
    assert_eq!(report["rows"], 178);
}

#[test]
fn threshold_follows_the_contamination() {
    let dir = tempfile::tempdir().unwrap();
    let wine = arg(&data("wine.csv"));
    for (p, expected) in [("0.05", 9usize), ("0.2", 36)] {
        let model = arg(&dir.path().join(format!("m{p}.aekit")));
        aekit([
            "detect",
            &wine,
            "--drop",
            "label",
            "--contamination",
            p,
            "--epochs",
            "20",
            // Scoring the training rows again counts them as unseen rows
            // only without the neighbour member (its training scores leave
            // each row out of its reference; scored again, a row finds
            // itself).
            "--neighbours",
            "0",
            "--quiet",
            "--out",
            &model,
        ])
        .ok();
        let scores = dir.path().join("s.csv");
        let run = aekit(["score", &model, &wine, "--json", "--out", &arg(&scores)]).ok();
        let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        let flagged = report["anomalies"].as_u64().unwrap() as usize;
        // The (1 - p) quantile of 178 training scores leaves about p * 178 above it.
        assert!(flagged.abs_diff(expected) <= 1, "p={p}: {flagged} flagged");
    }
}

#[test]
fn streaming_in_small_chunks_gives_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let model = arg(&detector(dir.path()));
    let wine = arg(&data("wine.csv"));
    let whole = dir.path().join("whole.csv");
    let chunked = dir.path().join("chunked.csv");
    aekit(["score", &model, &wine, "--quiet", "--out", &arg(&whole)]).ok();
    aekit([
        "score",
        &model,
        &wine,
        "--quiet",
        "--chunk-rows",
        "7",
        "--out",
        &arg(&chunked),
    ])
    .ok();
    assert_eq!(
        std::fs::read(&whole).unwrap(),
        std::fs::read(&chunked).unwrap()
    );
}

#[test]
fn bad_anomaly_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let wine = arg(&data("wine.csv"));
    let out = dir.path().join("m.aekit");
    for p in ["0", "0.6", "-0.1"] {
        aekit([
            "detect",
            &wine,
            &format!("--contamination={p}"),
            "--out",
            &arg(&out),
        ])
        .fails_with(&["--contamination"]);
        assert!(!out.exists());
    }
    let model = arg(&detector(dir.path()));
    let scores = dir.path().join("scores.csv");
    // The label column holds classes 0, 1 and 2, not 0/1.
    aekit([
        "score",
        &model,
        &wine,
        "--label",
        "label",
        "--out",
        &arg(&scores),
    ])
    .fails_with(&["wine.csv", "column 'label'", "not 0 or 1"]);
    assert!(!scores.exists());
    aekit([
        "score",
        &model,
        &arg(&data("iris.csv")),
        "--out",
        &arg(&scores),
    ])
    .fails_with(&["iris.csv", "alcohol"]);
    assert!(!scores.exists());
    // A plain autoencoder has no threshold unless one is given.
    let plain = dir.path().join("plain.aekit");
    aekit([
        "train",
        &wine,
        "--drop",
        "label",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        &arg(&plain),
    ])
    .ok();
    aekit(["score", &arg(&plain), &wine, "--out", &arg(&scores)]).fails_with(&["--threshold"]);
    aekit([
        "score",
        &arg(&plain),
        &wine,
        "--threshold",
        "0.5",
        "--quiet",
        "--out",
        &arg(&scores),
    ])
    .ok();
}

#[test]
fn readme_walk_through_finds_the_other_cultivar() {
    let dir = tempfile::tempdir().unwrap();
    let file = arg(&data("wine_anomalies.csv"));
    let model = dir.path().join("wine.aekit");
    detect_wine_anomalies(&model, &["--quiet"]);
    let model = arg(&model);
    let scores = dir.path().join("scores.csv");
    let run = aekit([
        "score",
        &model,
        &file,
        "--label",
        "is_outlier",
        "--explain",
        "2",
        "--json",
        "--out",
        &arg(&scores),
    ])
    .ok();
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let auc = report["metrics"]["roc_auc"].as_f64().unwrap();
    // The default ensemble scores 0.93 here; a model that learned nothing scores about 0.5.
    assert!(auc > 0.85, "ROC AUC {auc}");
    let (header, rows) = read_csv(&scores);
    assert_eq!(
        header,
        [
            "id",
            "is_outlier",
            "score",
            "is_anomaly",
            "top1_feature",
            "top1_share",
            "top2_feature",
            "top2_share"
        ]
    );
    assert_eq!(rows.len(), 129);
    assert_eq!(rows[0][0], "w001");
}

#[test]
fn default_detector_prints_stores_and_reloads_its_choices() {
    let dir = tempfile::tempdir().unwrap();
    let file = arg(&data("wine_anomalies.csv"));
    let model = dir.path().join("wine.aekit");
    let run = detect_wine_anomalies(&model, &[]);
    let err = run.stderr();
    for needle in [
        "scaling: Robust",
        "models: 3 (code widths 1, 2, 4) and per-feature 10-bin histograms of the inputs (width 0) and the distance to the 5th nearest training row",
        "refit: each model again without the 30 % of training rows it rebuilt worst",
        "epochs (fit + refit): width 1: ",
    ] {
        assert!(err.contains(needle), "{needle} not in\n{err}");
    }
    let meta = util::model_metadata(&model);
    assert_eq!(meta["model"]["kind"], "ensemble");
    assert_eq!(meta["model"]["members"].as_array().unwrap().len(), 3);
    assert_eq!(meta["model"]["histogram_bins"], 10);
    assert_eq!(meta["model"]["neighbours"]["k"], 5);
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    for needle in [
        "kind: ensemble",
        "scaling: Robust",
        "detector models: 3 (code widths 1, 2, 4) and per-feature 10-bin histograms",
        "detector refit:",
        "members.2/decoder.0 (Dense)",
    ] {
        assert!(summary.contains(needle), "{needle} not in\n{summary}");
    }
    // Reloaded from the file, the ensemble scores the training rows about
    // as it did when the threshold was set: 10 % of 129 rows above it
    // (the neighbour member's training scores left each row out).
    let scores = dir.path().join("scores.csv");
    let run = aekit([
        "score",
        &arg(&model),
        &file,
        "--json",
        "--quiet",
        "--out",
        &arg(&scores),
    ])
    .ok();
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(report["anomalies"], 13);
    // Encoding needs a code, which an ensemble does not have.
    aekit([
        "encode",
        &arg(&model),
        &file,
        "--out",
        &arg(&dir.path().join("codes.csv")),
    ])
    .fails_with(&["ensemble"]);
}

#[test]
fn histogram_bins_0_leaves_the_autoencoders_alone() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("ae_only.aekit");
    let run = detect_wine_anomalies(&model, &["--histogram-bins", "0", "--neighbours", "0"]);
    assert!(
        run.stderr()
            .contains("models: 3 (code widths 1, 2, 4), scores")
    );
    assert!(!run.stderr().contains("histograms"), "{}", run.stderr());
    let meta = util::model_metadata(&model);
    assert!(meta["model"].get("histogram_bins").is_none(), "{meta}");
}

#[test]
fn an_architecture_flag_gives_a_single_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("one.aekit");
    let run = detect_wine_anomalies(
        &model,
        &[
            "--bottleneck",
            "3",
            "--hidden",
            "none",
            "--activation",
            "linear",
        ],
    );
    assert!(
        run.stderr().contains("models: 1 (code widths 3)"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("refit:"));
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("kind: dense"), "{summary}");
}

#[test]
fn metrics_past_the_exact_rows_come_from_the_histogram_within_their_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = arg(&data("wine_anomalies.csv"));
    let model = dir.path().join("wine.aekit");
    detect_wine_anomalies(&model, &["--quiet"]);
    let model = arg(&model);
    let metrics = |extra: &[&str]| {
        let out = arg(&dir.path().join("s.csv"));
        let mut args = vec![
            "score",
            &model,
            &file,
            "--label",
            "is_outlier",
            "--json",
            "--quiet",
            "--out",
            &out,
        ];
        args.extend_from_slice(extra);
        let run = aekit(args).ok();
        serde_json::from_str::<serde_json::Value>(&run.stdout()).unwrap()["metrics"].clone()
    };
    let exact = metrics(&[]);
    let binned = metrics(&["--exact-rows", "50"]);
    assert_eq!(exact["exact"], true);
    assert_eq!(binned["exact"], false);
    let (a, b) = (
        exact["roc_auc"].as_f64().unwrap(),
        binned["roc_auc"].as_f64().unwrap(),
    );
    let bound = binned["roc_auc_error_bound"].as_f64().unwrap();
    assert!((a - b).abs() <= bound + 1e-12, "{a} vs {b} (bound {bound})");
    assert_eq!(exact["confusion"], binned["confusion"]);
}
