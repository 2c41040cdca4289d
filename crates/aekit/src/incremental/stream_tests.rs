//! Tests of streamed fitting on the shipped data.

use super::*;
use crate::TrainingSetters;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn params() -> AutoencoderParams {
    AutoencoderParams::new()
        .label("label")
        .hidden(vec![32])
        .bottleneck(8)
        .epochs(15)
        .batch_size(16)
        .seed(3)
}

fn test_error(model: &Autoencoder) -> f64 {
    let test = Table::read(data("clf_test.csv"), &ReadOptions::default()).unwrap();
    let x = model.scaled_features(&test).unwrap();
    let e = model.reconstruction_errors(&x).unwrap();
    e.iter().map(|&v| f64::from(v)).sum::<f64>() / e.len() as f64
}

fn streamed(config: &StreamConfig) -> (Autoencoder, StreamReport) {
    params()
        .fit_stream(
            data("clf_train.csv"),
            &ReadOptions::default(),
            config,
            FitOptions::new(),
        )
        .unwrap()
}

#[test]
fn a_streamed_fit_reads_in_chunks_and_matches_the_in_memory_one() {
    let train = Table::read(data("clf_train.csv"), &ReadOptions::default()).unwrap();
    let in_memory = params().fit(&train).unwrap();
    let config = StreamConfig {
        stream: true,
        chunk_rows: 100,
        shuffle_buffer: 1000,
        ..StreamConfig::default()
    };
    let (model, report) = streamed(&config);
    assert_eq!(report.rows, 670);
    assert_eq!((report.chunks, report.passes), (7, 16), "{report:?}");
    assert_eq!(model.history().epochs.len(), 15);
    assert_eq!(
        model.meta().input.scaler,
        in_memory.meta().input.scaler,
        "the first pass fits the in-memory scaler"
    );
    let (a, b) = (test_error(&model), test_error(&in_memory));
    let untrained = test_error(&params().epochs(1).fit(&train).unwrap());
    assert!(a < 0.6 * untrained, "streamed {a} vs one epoch {untrained}");
    assert!((a - b).abs() < 0.1 * b, "streamed {a} vs in memory {b}");
    // Seeded: the same run gives the same model; another seed another.
    let (again, _) = streamed(&config);
    assert_eq!(again.to_bytes().unwrap(), model.to_bytes().unwrap());
    let small = StreamConfig {
        shuffle_buffer: 10,
        ..config.clone()
    };
    assert_ne!(
        streamed(&small).0.to_bytes().unwrap(),
        model.to_bytes().unwrap()
    );
}

#[test]
fn validation_chunks_early_stopping_and_refusals() {
    let config = StreamConfig {
        stream: true,
        chunk_rows: 50,
        ..StreamConfig::default()
    };
    let (model, report) = params()
        .validation_split(0.3)
        .patience(2)
        .epochs(40)
        .fit_stream(
            data("clf_train.csv"),
            &ReadOptions::default(),
            &config,
            FitOptions::new(),
        )
        .unwrap();
    assert!(report.validation_rows > 0, "{report:?}");
    assert_eq!(report.rows + report.validation_rows, 670);
    let h = model.history();
    assert!(h.epochs.iter().all(|r| r.val_loss.is_some()));
    assert!(h.kept_epoch <= h.epochs.len());
    let refuse = |p: AutoencoderParams| {
        p.fit_stream(
            data("clf_train.csv"),
            &ReadOptions::default(),
            &config,
            FitOptions::new(),
        )
        .unwrap_err()
        .to_string()
    };
    let e = refuse(params().scale(crate::data::ScaleKind::Robust));
    assert!(e.contains("robust"), "{e}");
    let e = refuse(params().validation_split(0.01));
    assert!(e.contains("validation_split"), "{e}");
}

#[test]
fn a_bad_cell_in_a_later_chunk_names_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let mut text = String::from("a,b\n");
    for i in 0..300 {
        text.push_str(&format!("{},{}\n", i % 7, i % 5));
    }
    text.push_str("1,oops\n");
    std::fs::write(&path, text).unwrap();
    let e = AutoencoderParams::new()
        .bottleneck(1)
        .epochs(1)
        .fit_stream(
            &path,
            &ReadOptions::default(),
            &StreamConfig {
                stream: true,
                chunk_rows: 64,
                ..StreamConfig::default()
            },
            FitOptions::new(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.csv") && e.contains("302") && e.contains("oops"),
        "{e}"
    );
}
