//! How good is the bottleneck? A side-by-side report on held-out rows:
//! logistic regression on raw, encoded and PCA features; reconstruction
//! error of the autoencoder against PCA with as many components as the
//! bottleneck; k-means on raw features and on codes, scored by the
//! adjusted Rand index. Every learner comes from linfa.

use linfa::prelude::*;
use linfa_clustering::KMeans;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use rand_xoshiro::rand_core::SeedableRng as _;
use serde::Serialize;

use super::metrics::{ClassScores, accuracy, adjusted_rand_index, class_scores};
use super::pca::Pca;
use crate::Autoencoder;
use crate::apply::mean;
use crate::data::{Dataset, LabelEncoder, Matrix};
use crate::error::{AekitError, Result};

/// Inverse regularisation strength, scikit-learn's default `C`.
pub const DEFAULT_C: f64 = 1.0;
/// scikit-learn's default `max_iter` for lbfgs.
pub const DEFAULT_MAX_ITER: u64 = 100;
/// k-means restarts, keeping the best (scikit-learn's classic `n_init`).
pub const KMEANS_RUNS: usize = 10;
/// Seed of the k-means initialisations.
pub const KMEANS_SEED: u64 = 42;

/// Logistic regression on one kind of features.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifierResult {
    /// `raw`, `encoded` or `pca`.
    pub features: String,
    /// Width of those features.
    pub width: usize,
    /// Test accuracy.
    pub accuracy: f64,
    /// Per-class precision, recall and F1 on the test rows.
    pub per_class: Vec<ClassScores>,
}

/// Test reconstruction error of the autoencoder and of PCA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconstructionComparison {
    /// PCA components, equal to the bottleneck width.
    pub components: usize,
    /// Mean squared error of the autoencoder, scaled space.
    pub autoencoder_mse: f64,
    /// Mean squared error of PCA, scaled space (None when PCA could not run).
    pub pca_mse: Option<f64>,
    /// Why PCA did not run, if it did not.
    pub pca_note: Option<String>,
}

/// k-means with one cluster per class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusteringResult {
    /// `raw` or `encoded`.
    pub features: String,
    /// Adjusted Rand index of the clusters against the labels.
    pub adjusted_rand_index: f64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationReport {
    /// The label column.
    pub label: String,
    /// Sorted class labels.
    pub classes: Vec<String>,
    /// Training rows (classifiers and PCA are fitted on these).
    pub n_train: usize,
    /// Test rows (everything is scored on these).
    pub n_test: usize,
    /// Input width.
    pub n_features: usize,
    /// Code width.
    pub bottleneck: usize,
    /// Logistic regression on raw, encoded and PCA features.
    pub classification: Vec<ClassifierResult>,
    /// Autoencoder against PCA.
    pub reconstruction: ReconstructionComparison,
    /// k-means on raw features and on codes.
    pub clustering: Vec<ClusteringResult>,
}

fn to_array(m: &Matrix) -> Array2<f64> {
    Array2::from_shape_fn((m.n_rows(), m.n_cols), |(i, j)| f64::from(m.row(i)[j]))
}

fn labels_of(table: &Dataset<'_>, label: &str) -> Result<Vec<String>> {
    let col = table.require_column(label, "is the label column but")?;
    Ok((0..table.n_rows())
        .map(|r| table.cell(r, col).into_owned())
        .collect())
}

/// Fits logistic regression (L2, `C` = 1) and predicts the test rows.
pub(crate) fn logistic_predict(
    train_x: &Array2<f64>,
    train_y: &[usize],
    test_x: &Array2<f64>,
    n_classes: usize,
) -> Result<Vec<usize>> {
    let solver =
        |e: linfa_logistic::error::Error| AekitError::Compute(format!("logistic regression: {e}"));
    let train = linfa::Dataset::new(train_x.clone(), Array1::from(train_y.to_vec()));
    let predicted = if n_classes <= 2 {
        LogisticRegression::default()
            .alpha(1.0 / DEFAULT_C)
            .max_iterations(DEFAULT_MAX_ITER)
            .fit(&train)
            .map_err(solver)?
            .predict(test_x)
    } else {
        MultiLogisticRegression::default()
            .alpha(1.0 / DEFAULT_C)
            .max_iterations(DEFAULT_MAX_ITER)
            .fit(&train)
            .map_err(solver)?
            .predict(test_x)
    };
    Ok(predicted.to_vec())
}

/// k-means cluster of each row.
pub(crate) fn kmeans_clusters(x: &Array2<f64>, k: usize) -> Result<Vec<usize>> {
    let rng = rand_xoshiro::Xoshiro256Plus::seed_from_u64(KMEANS_SEED);
    let data = DatasetBase::from(x.clone());
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(KMEANS_RUNS)
        .fit(&data)
        .map_err(|e| AekitError::Compute(format!("k-means: {e}")))?;
    Ok(model.predict(x).to_vec())
}

/// Builds the report: classifiers and PCA fitted on `train`, all scored on `test`.
pub fn evaluate<'d, 't>(
    model: &Autoencoder,
    train: impl Into<Dataset<'d>>,
    test: impl Into<Dataset<'t>>,
    label: Option<&str>,
) -> Result<EvaluationReport> {
    let (train, test) = (train.into(), test.into());
    // k-means runs in parallel: on the model's threads.
    model.run(|| report(model, &train, &test, label))
}

fn report(
    model: &Autoencoder,
    train: &Dataset<'_>,
    test: &Dataset<'_>,
    label: Option<&str>,
) -> Result<EvaluationReport> {
    let label = label
        .map(str::to_string)
        .or_else(|| model.schema().label.clone())
        .ok_or_else(|| {
            AekitError::param(
                "label",
                "the model has no label column: name the column that holds the classes",
            )
        })?;
    let encoder = LabelEncoder::fit(&labels_of(train, &label)?);
    let train_y = encoder
        .transform(&labels_of(train, &label)?)
        .map_err(|e| in_file(test, e))?;
    let test_y = encoder
        .transform(&labels_of(test, &label)?)
        .map_err(|e| in_file(test, e))?;
    let n_classes = encoder.n_classes();

    let train_scaled = model.scaled_features(train)?;
    let test_scaled = model.scaled_features(test)?;
    let (train_raw, test_raw) = (to_array(&train_scaled), to_array(&test_scaled));
    let train_codes = to_array(&model.encode(&train_scaled)?);
    let test_codes = to_array(&model.encode(&test_scaled)?);

    let mut classification = Vec::new();
    let mut classify = |name: &str, tr: &Array2<f64>, te: &Array2<f64>| -> Result<()> {
        let predicted = logistic_predict(tr, &train_y, te, n_classes)?;
        classification.push(ClassifierResult {
            features: name.to_string(),
            width: tr.ncols(),
            accuracy: accuracy(&test_y, &predicted),
            per_class: class_scores(&test_y, &predicted, &encoder.classes),
        });
        Ok(())
    };
    classify("raw", &train_raw, &test_raw)?;
    classify("encoded", &train_codes, &test_codes)?;

    let k = model.bottleneck();
    let reconstructed = model.reconstruct(&test_scaled)?;
    let autoencoder_mse = mean(&crate::model::row_errors(&test_scaled, &reconstructed));
    let mut reconstruction = ReconstructionComparison {
        components: k,
        autoencoder_mse,
        pca_mse: None,
        pca_note: None,
    };
    if k > train_raw.ncols() || k > train_raw.nrows() {
        reconstruction.pca_note = Some(format!(
            "PCA needs at most {} components here; the bottleneck has {k}",
            train_raw.ncols().min(train_raw.nrows())
        ));
    } else {
        match Pca::fit(&train_raw, k) {
            Ok(pca) => {
                // Beyond the training data's rank the components are arbitrary
                // directions of no variance: fewer already rebuild it exactly.
                let rank = pca.rank().max(1);
                let pca = pca.truncated(rank);
                let train_proj = pca.transform(&train_raw);
                let test_proj = pca.transform(&test_raw);
                let rebuilt = pca.inverse_transform(&test_proj);
                let mse = (&rebuilt - &test_raw)
                    .mapv(|v| v * v)
                    .mean()
                    .unwrap_or(f64::NAN);
                reconstruction.pca_mse = Some(mse);
                if rank < k {
                    reconstruction.pca_note = Some(format!(
                        "the training data has rank {rank}: PCA kept {rank} components"
                    ));
                }
                classify("pca", &train_proj, &test_proj)?;
            }
            Err(e) => reconstruction.pca_note = Some(format!("PCA failed: {e}")),
        }
    }

    let clustering = [("raw", &test_raw), ("encoded", &test_codes)]
        .into_iter()
        .map(|(name, x)| {
            Ok(ClusteringResult {
                features: name.to_string(),
                adjusted_rand_index: adjusted_rand_index(&test_y, &kmeans_clusters(x, n_classes)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(EvaluationReport {
        label,
        classes: encoder.classes.clone(),
        n_train: train.n_rows(),
        n_test: test.n_rows(),
        n_features: model.n_features(),
        bottleneck: k,
        classification,
        reconstruction,
        clustering,
    })
}

fn in_file(table: &Dataset<'_>, e: AekitError) -> AekitError {
    table.error(e.to_string())
}
