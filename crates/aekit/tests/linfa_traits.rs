//! aekit's models through linfa's traits, used as linfa's own examples use
//! a model: code written against the traits takes an autoencoder where it
//! took linfa's PCA.

#![allow(clippy::unwrap_used)]

use aekit::tasks::anomaly::Detector;
use aekit::{AekitError, Autoencoder, TrainingSetters};
use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use linfa_reduction::Pca;
use ndarray::{Array1, Array2};

/// Rows and their class.
type Labelled = DatasetBase<Array2<f64>, Array1<usize>>;

/// Three classes of 6-D points around their own centres, with seeded jitter.
fn classes() -> Labelled {
    let mut state = 0x2545_f491_u64;
    let mut jitter = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 40) as f64 / (1u64 << 24) as f64 - 0.5
    };
    let n = 240;
    let targets = Array1::from_shape_fn(n, |i| i % 3);
    let records = Array2::from_shape_fn((n, 6), |(i, j)| {
        let c = (i % 3) as f64;
        let centre = match j {
            0 => c,
            1 => 2.0 - c,
            2 => (c - 1.0).abs(),
            3 => 0.5 * c,
            4 => c * c / 4.0,
            _ => 1.0,
        };
        centre + 0.4 * jitter()
    });
    DatasetBase::new(records, targets).with_feature_names(vec!["a", "b", "c", "d", "e", "f"])
}

/// Test accuracy of logistic regression on the features any linfa
/// transformer fitted by `params` gives: generic code that knows nothing
/// of aekit.
fn accuracy_on_features<P, E>(params: &P, train: &Labelled, valid: &Labelled) -> f32
where
    P: Fit<Array2<f64>, Array1<usize>, E>,
    P::Object: Transformer<Labelled, Labelled>,
    E: std::error::Error + From<linfa::Error>,
{
    let embedding = params.fit(train).map_err(|e| e.to_string()).unwrap();
    let train_features = embedding.transform(train.clone());
    let valid_features = embedding.transform(valid.clone());
    let classifier = MultiLogisticRegression::default()
        .max_iterations(100)
        .fit(&train_features)
        .unwrap();
    let predicted = classifier.predict(&valid_features);
    predicted
        .confusion_matrix(&valid_features)
        .unwrap()
        .accuracy()
}

#[test]
fn an_autoencoder_stands_in_for_pca_in_a_linfa_pipeline() {
    let (train, valid) = classes().split_with_ratio(0.75);
    let pca = accuracy_on_features(&Pca::params(2), &train, &valid);
    let params = Autoencoder::params()
        .hidden([8])
        .bottleneck(2)
        .epochs(60)
        .batch_size(16)
        .seed(3);
    let autoencoder = accuracy_on_features::<_, AekitError>(&params, &train, &valid);
    assert!(pca > 0.9, "PCA features: accuracy {pca}");
    assert!(
        autoencoder > 0.9,
        "autoencoder codes: accuracy {autoencoder}"
    );

    // The fitted model as linfa's models are used directly.
    let checked = params.check_ref().unwrap();
    let model: Autoencoder = Fit::fit(checked, &train).unwrap();
    let codes = Transformer::transform(&model, valid.clone());
    assert_eq!(codes.records().dim(), (valid.nsamples(), 2));
    assert_eq!(codes.targets(), valid.targets(), "targets kept");
    assert_eq!(codes.feature_names(), ["z0", "z1"]);
    let rebuilt: Array2<f64> = Predict::predict(&model, valid.records());
    assert_eq!(rebuilt.dim(), (valid.nsamples(), 6));
    let inherent = model.predict(valid.records()).unwrap();
    for (a, b) in rebuilt.iter().zip(&inherent) {
        assert_eq!(*a, f64::from(*b));
    }
    // linfa's traits cannot fail: values that are not finite go in as they are.
    let mut broken = valid.records().clone();
    broken[[0, 0]] = f64::INFINITY;
    let codes: Array2<f64> = Transformer::transform(&model, &broken);
    let clean: Array2<f64> = Transformer::transform(&model, valid.records());
    assert_eq!(codes.row(1), clean.row(1), "other rows are untouched");
    assert!(
        model.transform(&broken).is_err(),
        "the inherent method refuses them"
    );
}

#[test]
fn a_detector_fits_and_predicts_through_linfa() {
    let (train, valid) = classes().split_with_ratio(0.75);
    let params = Detector::params().contamination(0.1).epochs(30).seed(2);
    let detector = Fit::<_, _, AekitError>::fit(&params, &train).unwrap();
    let flags: Array1<bool> = detector.predict(train.records()).unwrap();
    let share = flags.iter().filter(|&&f| f).count() as f64 / flags.len() as f64;
    assert!(
        (share - 0.1).abs() < 0.02,
        "flagged {share} of the training rows"
    );
    let linfa_flags: Array1<bool> = Predict::predict(&detector, train.records());
    assert_eq!(linfa_flags, flags);
    let scores: Array1<f64> = Transformer::transform(&detector, valid.records());
    assert_eq!(scores, detector.decision_function(valid.records()).unwrap());
    // A row far from every class scores above the threshold.
    let far = Array2::from_elem((1, 6), 9.0);
    assert_eq!(
        Predict::predict(&detector, &far),
        Array1::from_elem(1, true)
    );
}
