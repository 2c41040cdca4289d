//! Rows from arrays in memory: the same model and codes as from a file,
//! and codes, rows and scores handed back as arrays.

#![allow(clippy::unwrap_used)]

use aekit::data::{Dataset, ReadOptions, Table};
use aekit::{AekitError, Autoencoder, TrainingSetters};
use ndarray::{Array2, s};

/// 90 rows of 4 features with a 2-D structure, as f64.
fn rows() -> Array2<f64> {
    Array2::from_shape_fn((90, 4), |(i, j)| {
        let t = i as f64 / 9.0;
        let u = (i % 7) as f64 / 7.0;
        match j {
            0 => t.sin(),
            1 => u + 0.5 * t,
            2 => (t * u).cos(),
            _ => 2.0 * u - t / 10.0,
        }
    })
}

fn fit(data: Dataset<'_>) -> Autoencoder {
    Autoencoder::params()
        .hidden([6])
        .bottleneck(2)
        .epochs(8)
        .batch_size(16)
        .seed(5)
        .fit(data)
        .unwrap()
}

#[test]
fn arrays_train_the_model_a_file_trains() {
    let x = rows();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let mut text = String::from("a,b,c,d\n");
    for r in x.rows() {
        let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
        text += &(cells.join(",") + "\n");
    }
    std::fs::write(&path, text).unwrap();
    let table = Table::read(&path, &ReadOptions::default()).unwrap();

    let from_file = fit(Dataset::from(&table));
    let named = Dataset::from(&x)
        .with_column_names(["a", "b", "c", "d"])
        .unwrap();
    let from_f64 = fit(named.clone());
    let x32 = x.mapv(|v| v as f32);
    let from_f32 = fit(Dataset::from(x32.view()));
    let codes = from_file.transform(&table).unwrap();
    assert_eq!(codes.dim(), (90, 2));
    assert_eq!(codes, from_f64.transform(&named).unwrap());
    assert_eq!(codes, from_f32.transform(&x32).unwrap());
    // An unnamed array as wide as the inputs is the inputs in order.
    assert_eq!(codes, from_file.transform(&x).unwrap());
    let losses =
        |m: &Autoencoder| -> Vec<f64> { m.history().epochs.iter().map(|e| e.loss).collect() };
    assert_eq!(losses(&from_file), losses(&from_f32));
}

#[test]
fn codes_rows_and_scores_come_back_as_arrays() {
    let x = rows();
    let model = fit(Dataset::from(&x));
    let codes = model.transform(&x).unwrap();
    let decoded = model.inverse_transform(&codes).unwrap();
    let rebuilt = model.predict(&x).unwrap();
    assert_eq!(decoded.dim(), (90, 4));
    for (a, b) in decoded.iter().zip(&rebuilt) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let scores = model.score_samples(&x).unwrap();
    let errors = model
        .reconstruction_errors(&model.scaled_features(&x).unwrap())
        .unwrap();
    assert_eq!(scores.len(), 90);
    for (s, e) in scores.iter().zip(&errors) {
        assert_eq!(*s, f64::from(*e));
    }
    // Views with strides of their own are read in place.
    let every_other = x.slice(s![..;2, ..]);
    assert_eq!(
        model.transform(every_other).unwrap(),
        model.transform(every_other.to_owned()).unwrap()
    );
}

#[test]
fn bad_arrays_are_errors_naming_row_and_column() {
    let mut x = rows();
    let model = fit(Dataset::from(&x));
    // A NaN is a missing value, filled with the training median.
    x[[3, 2]] = f64::NAN;
    let filled = model.transform(&x).unwrap();
    assert!(filled.iter().all(|v| v.is_finite()));
    x[[3, 2]] = f64::INFINITY;
    match model.transform(&x) {
        Err(e @ AekitError::InMemory { .. }) => {
            let text = e.to_string();
            assert!(text.contains("row 3") && text.contains("'x2'"), "{text}");
        }
        other => panic!("expected an in-memory data error, got {other:?}"),
    }
    let narrow = Array2::<f32>::zeros((2, 3));
    let e = model.transform(&narrow).unwrap_err().to_string();
    assert!(e.contains("x3"), "{e}");
    assert!(matches!(
        model.inverse_transform(&Array2::<f32>::zeros((2, 3))),
        Err(AekitError::Width {
            expected: 2,
            got: 3,
            ..
        })
    ));
}

#[test]
fn model_bytes_are_the_model_file_and_round_trip() {
    let x = rows();
    let model = fit(Dataset::from(&x));
    let bytes = model.to_bytes().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.aekit");
    model.save(&path).unwrap();
    assert_eq!(bytes, std::fs::read(&path).unwrap());
    let again = Autoencoder::from_bytes(&bytes).unwrap();
    assert_eq!(again.transform(&x).unwrap(), model.transform(&x).unwrap());
    let e = Autoencoder::from_bytes(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(e.to_string().contains("model bytes"), "{e}");
}

#[test]
fn a_fitted_detector_scores_as_its_saved_bytes() {
    let x = rows();
    let detector = aekit::Detector::params().seed(3).fit(&x).unwrap();
    let again = aekit::Detector::from_bytes(&detector.to_bytes().unwrap()).unwrap();
    assert_eq!(
        again.decision_function(&x).unwrap(),
        detector.decision_function(&x).unwrap()
    );
    assert_eq!(again.threshold(), detector.threshold());
    let top = detector.explain(&x, 2).unwrap();
    assert_eq!(top.len(), 90);
    assert!(top.iter().all(|e| e.top.len() == 2));
}

#[test]
fn unscaled_float32_rows_score_in_place_as_copied_rows_do() {
    use aekit::data::ScaleKind;
    let x = rows().mapv(|v| v as f32);
    let model = Autoencoder::params()
        .hidden([6])
        .bottleneck(2)
        .epochs(4)
        .scale(ScaleKind::None)
        .seed(5)
        .fit(&x)
        .unwrap();
    // float32 C order is read where it lies; float64 and Fortran order are copied.
    let in_place = model.score_samples(&x).unwrap();
    let wide = x.mapv(f64::from);
    assert_eq!(in_place, model.score_samples(&wide).unwrap());
    let fortran = x.t().as_standard_layout().t().to_owned();
    assert!(fortran.as_slice().is_none());
    assert_eq!(in_place, model.score_samples(&fortran).unwrap());
    let mut bad = x.clone();
    bad[[7, 1]] = f32::INFINITY;
    let e = model.score_samples(&bad).unwrap_err().to_string();
    assert!(
        e.contains("row 7") && e.contains("'x1'") && e.contains("not finite"),
        "{e}"
    );
    let narrow = Array2::<f32>::zeros((2, 3));
    assert!(model.score_samples(&narrow).is_err());
}
