//! Feature extraction: does a classifier do better on the encoder's codes
//! than on the raw (scaled) features? Logistic regression with L2 penalty
//! and C = 1, as scikit-learn's `LogisticRegression()` default, from linfa.

use std::collections::BTreeSet;

use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};

use crate::Autoencoder;
use crate::data::{Matrix, Schema, Table};
use crate::error::{AekitError, Result};

/// Inverse regularisation strength, scikit-learn's default `C`.
pub const DEFAULT_C: f64 = 1.0;
/// scikit-learn's default `max_iter` for lbfgs.
pub const DEFAULT_MAX_ITER: u64 = 100;

/// Accuracy of logistic regression on raw and on encoded features.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureComparison {
    /// Test accuracy on the scaled input features.
    pub raw_accuracy: f64,
    /// Test accuracy on the encoder's codes.
    pub encoded_accuracy: f64,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Distinct classes in the training labels.
    pub classes: Vec<String>,
}

/// Class indices for a label column, with classes sorted as scikit-learn's
/// LabelEncoder sorts them.
pub fn label_indices(table: &Table, label: &str, classes: &[String]) -> Result<Vec<usize>> {
    let col = table.require_column(label, "is the label column but")?;
    (0..table.n_rows())
        .map(|r| {
            let v = table.cell(r, col);
            classes
                .iter()
                .position(|c| c == v)
                .ok_or_else(|| AekitError::Data {
                    path: table.path().to_path_buf(),
                    row: Some(table.line_of(r)),
                    column: Some(label.to_string()),
                    message: format!("label '{v}' does not occur in the training labels"),
                })
        })
        .collect()
}

/// The sorted distinct values of a label column.
pub fn label_classes(table: &Table, label: &str) -> Result<Vec<String>> {
    let col = table.require_column(label, "is the label column but")?;
    let set: BTreeSet<&str> = (0..table.n_rows()).map(|r| table.cell(r, col)).collect();
    Ok(set.into_iter().map(str::to_string).collect())
}

fn to_array(m: &Matrix) -> Array2<f64> {
    Array2::from_shape_fn((m.n_rows(), m.n_cols), |(i, j)| f64::from(m.row(i)[j]))
}

/// Fits logistic regression (L2, `C` = 1) on one set of features and
/// returns its accuracy on another.
pub fn logistic_accuracy(
    train_x: &Matrix,
    train_y: &[usize],
    test_x: &Matrix,
    test_y: &[usize],
    n_classes: usize,
) -> Result<f64> {
    let solver_error =
        |e: linfa_logistic::error::Error| AekitError::Compute(format!("logistic regression: {e}"));
    let train = Dataset::new(to_array(train_x), Array1::from(train_y.to_vec()));
    let test = to_array(test_x);
    let predicted: Array1<usize> = if n_classes <= 2 {
        LogisticRegression::default()
            .alpha(1.0 / DEFAULT_C)
            .max_iterations(DEFAULT_MAX_ITER)
            .fit(&train)
            .map_err(solver_error)?
            .predict(&test)
    } else {
        MultiLogisticRegression::default()
            .alpha(1.0 / DEFAULT_C)
            .max_iterations(DEFAULT_MAX_ITER)
            .fit(&train)
            .map_err(solver_error)?
            .predict(&test)
    };
    let correct = predicted
        .iter()
        .zip(test_y)
        .filter(|(p, t)| *p == *t)
        .count();
    Ok(correct as f64 / test_y.len() as f64)
}

/// Logistic regression on raw scaled features vs on codes, trained on
/// `train` and scored on `test`, using the model's label column.
pub fn compare(model: &Autoencoder, train: &Table, test: &Table) -> Result<FeatureComparison> {
    let label = model.schema().label.clone().ok_or_else(|| {
        AekitError::param("--label", "the model was trained without a label column")
    })?;
    let _ = Schema::locate(
        test,
        std::slice::from_ref(&label),
        "is the label column but",
    )?;
    let classes = label_classes(train, &label)?;
    let train_y = label_indices(train, &label, &classes)?;
    let test_y = label_indices(test, &label, &classes)?;
    let train_raw = model.scaled_features(train)?;
    let test_raw = model.scaled_features(test)?;
    let raw_accuracy = logistic_accuracy(&train_raw, &train_y, &test_raw, &test_y, classes.len())?;
    let encoded_accuracy = logistic_accuracy(
        &model.encode(&train_raw),
        &train_y,
        &model.encode(&test_raw),
        &test_y,
        classes.len(),
    )?;
    Ok(FeatureComparison {
        raw_accuracy,
        encoded_accuracy,
        n_train: train.n_rows(),
        n_test: test.n_rows(),
        classes,
    })
}
