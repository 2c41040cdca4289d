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

/// `p` fitted on the tutorial's training split, streamed by `config`.
fn fit_train(p: &AutoencoderParams, config: &StreamConfig) -> Result<(Autoencoder, StreamReport)> {
    p.fit_stream(
        data("clf_train.csv"),
        &ReadOptions::default(),
        config,
        FitOptions::new(),
    )
}

fn streamed(config: &StreamConfig) -> (Autoencoder, StreamReport) {
    fit_train(&params(), config).unwrap()
}

#[test]
fn a_streamed_fit_reads_in_chunks_and_matches_the_in_memory_one() {
    let train = Table::read(data("clf_train.csv"), &ReadOptions::default()).unwrap();
    let in_memory = params().fit(&train).unwrap();
    // A buffer of fewer rows than the file's 670: bounded memory.
    let config = StreamConfig {
        stream: true,
        chunk_rows: 100,
        shuffle_buffer: 300,
        ..StreamConfig::default()
    };
    let (model, report) = streamed(&config);
    assert_eq!(report.rows, 670);
    assert_eq!((report.chunks, report.passes), (7, 16), "{report:?}");
    assert!(!report.in_memory);
    assert_eq!(model.history().epochs.len(), 15);
    assert_eq!(
        model.meta().input.scaler,
        in_memory.meta().input.scaler,
        "the first pass fits the in-memory scaler"
    );
    let (a, b) = (test_error(&model), test_error(&in_memory));
    let untrained = test_error(&params().epochs(1).fit(&train).unwrap());
    assert!(a < 0.6 * untrained, "streamed {a} vs one epoch {untrained}");
    // Another row order, so another run of the recipe: close, not equal
    // (0.0070 against 0.0079 here).
    assert!((a - b).abs() < 0.15 * b, "streamed {a} vs in memory {b}");
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
fn a_file_within_the_shuffle_buffer_gives_the_in_memory_model_byte_for_byte() {
    let train = Table::read(data("clf_train.csv"), &ReadOptions::default()).unwrap();
    let config = StreamConfig {
        stream: true,
        chunk_rows: 100,
        shuffle_buffer: 670,
        ..StreamConfig::default()
    };
    for split in [None, Some(0.2)] {
        let mut p = params().epochs(4);
        if let Some(s) = split {
            p = p.validation_split(s);
        }
        let in_memory = p.fit(&train).unwrap();
        let (model, report) = fit_train(&p, &config).unwrap();
        assert!(report.in_memory, "{report:?}");
        assert_eq!((report.chunks, report.passes), (7, 2), "{report:?}");
        let held = if split.is_some() { 134 } else { 0 };
        assert_eq!((report.rows, report.validation_rows), (670 - held, held));
        assert_eq!(model.to_bytes().unwrap(), in_memory.to_bytes().unwrap());
        if split.is_some() {
            continue; // streamed, it would draw whole chunks for validation
        }
        // One row fewer in the buffer: streamed, another row order.
        let one_row_fewer = StreamConfig {
            shuffle_buffer: 669,
            ..config.clone()
        };
        let (bounded, report) = fit_train(&p, &one_row_fewer).unwrap();
        assert!(!report.in_memory);
        assert_ne!(bounded.to_bytes().unwrap(), in_memory.to_bytes().unwrap());
    }
}

#[test]
fn validation_chunks_early_stopping_and_refusals() {
    let config = StreamConfig {
        stream: true,
        chunk_rows: 50,
        shuffle_buffer: 200,
        ..StreamConfig::default()
    };
    let early = params().validation_split(0.3).patience(2).epochs(40);
    let (model, report) = fit_train(&early, &config).unwrap();
    assert!(report.validation_rows > 0, "{report:?}");
    assert_eq!(report.rows + report.validation_rows, 670);
    let h = model.history();
    assert!(h.epochs.iter().all(|r| r.val_loss.is_some()));
    assert!(h.kept_epoch <= h.epochs.len());
    let refuse = |p: AutoencoderParams| fit_train(&p, &config).unwrap_err().to_string();
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
