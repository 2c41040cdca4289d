//! What a fitted model can do, as small traits that tasks ask for (after
//! scikit-learn's mixins): encode rows to codes, decode codes, map
//! inputs to outputs, and score rows as anomalies. A kind offers the ones it can; asking a model for one
//! its kind lacks is an error that says which kinds have it.

use std::fmt;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::summary::ModelSummary;
use super::weights::NamedTensor;
use crate::data::Matrix;
use crate::error::{AekitError, Result};

/// Rows to codes.
pub trait Encode {
    /// Width of the code.
    fn code_width(&self) -> usize;
    /// The codes of scaled rows.
    fn encode(&self, scaled: &Matrix) -> Result<Matrix>;
}

/// Codes to outputs: the decoder alone (a generator).
pub trait Decode {
    /// Scaled outputs for codes.
    fn decode(&self, codes: &Matrix) -> Result<Matrix>;
}

/// New rows: codes drawn from the model's prior, decoded (a generator).
pub trait Sample {
    /// `n` scaled output rows decoded from codes drawn with `seed`: the
    /// same seed gives the same rows.
    fn sample(&self, n: usize, seed: u64) -> Result<Matrix> {
        self.sample_from(&mut StdRng::seed_from_u64(seed), n)
    }
    /// The next `n` scaled output rows decoded from codes drawn from
    /// `rng`: rows drawn in parts of an even number of code values (a
    /// multiple of 2 x 4096 rows keeps the decoder's batches too) are the
    /// rows drawn at once.
    fn sample_from(&self, rng: &mut StdRng, n: usize) -> Result<Matrix>;
    /// A code drawn for each scaled row from the encoder's distribution
    /// over its codes (a VAE's `mean + exp(log_var / 2) * eps`), with
    /// `seed`: the same seed gives the same codes.
    fn sample_codes(&self, scaled: &Matrix, seed: u64) -> Result<Matrix>;
}

/// Inputs to outputs: the reconstruction of an autoencoder, the predicted
/// target of a paired model, the clean rows of a denoiser.
pub trait Predict {
    /// Scaled outputs for scaled inputs.
    fn predict(&self, scaled: &Matrix) -> Result<Matrix>;
    /// Per-row mean squared error of the outputs for `inputs` against
    /// `targets`, without keeping the outputs.
    fn prediction_errors(&self, inputs: &Matrix, targets: &Matrix) -> Result<Vec<f32>>;
    /// Per-row reconstruction MSE of scaled rows given as a row-major
    /// slice of `n_cols` columns; kinds whose kernels read slices
    /// override it to skip the copy into a [`Matrix`].
    fn reconstruction_errors_of(&self, rows: &[f32], n_cols: usize) -> Result<Vec<f32>> {
        let m = Matrix::new(rows.to_vec(), n_cols);
        self.prediction_errors(&m, &m)
    }
}

/// Rows to anomaly scores: higher is more anomalous.
pub trait Score {
    /// Each scaled row's anomaly score (a dense model's reconstruction MSE;
    /// an ensemble's z-averaged member MSEs).
    fn scores(&self, scaled: &Matrix) -> Result<Vec<f64>>;
    /// Each scaled row's squared error per feature (an ensemble's: the
    /// mean over its members), which names the features behind a score.
    fn feature_errors(&self, scaled: &Matrix) -> Result<Matrix>;
}

/// Anomaly scores from any model that rebuilds its input: each row's
/// reconstruction MSE, and its per-feature squared errors.
pub struct ReconstructionScore<'a>(pub &'a dyn Predict);

impl Score for ReconstructionScore<'_> {
    fn scores(&self, scaled: &Matrix) -> Result<Vec<f64>> {
        Ok(self
            .0
            .prediction_errors(scaled, scaled)?
            .into_iter()
            .map(f64::from)
            .collect())
    }

    fn feature_errors(&self, scaled: &Matrix) -> Result<Matrix> {
        let rebuilt = self.0.predict(scaled)?;
        let values = scaled
            .values
            .iter()
            .zip(&rebuilt.values)
            .map(|(a, b)| (a - b) * (a - b))
            .collect();
        Ok(Matrix::new(values, scaled.n_cols))
    }
}

/// The capability getters of a kind that offers them itself, inside its
/// [`FittedNetwork`] impl: `offers!(encoder: Encode, predictor: Predict)`.
macro_rules! offers {
    ($($getter:ident: $capability:ident),* $(,)?) => {
        $(
            fn $getter(&self) -> Option<&dyn $capability> {
                Some(self)
            }
        )*
    };
}
pub(crate) use offers;

/// A fitted model of any kind.
pub trait FittedNetwork: Send + Sync + fmt::Debug {
    /// Input width.
    fn input_width(&self) -> usize;
    /// Output width.
    fn output_width(&self) -> usize;
    /// Rows to codes, if the kind has a code.
    fn encoder(&self) -> Option<&dyn Encode>;
    /// Codes to outputs, if the kind can decode.
    fn decoder(&self) -> Option<&dyn Decode>;
    /// Inputs to outputs, if the kind produces rows.
    fn predictor(&self) -> Option<&dyn Predict>;
    /// New rows from the prior, if the kind is generative.
    fn sampler(&self) -> Option<&dyn Sample> {
        None
    }
    /// Rows to anomaly scores, if the kind scores rows its own way; kinds
    /// without one are scored by reconstruction error ([`ReconstructionScore`]).
    fn scorer(&self) -> Option<&dyn Score> {
        None
    }
    /// Every stored tensor with its name, in a fixed order.
    fn tensors(&self) -> Vec<NamedTensor>;
    /// A Keras-style summary.
    fn summary(&self) -> ModelSummary;
}

/// An error unless `got` columns are the `expected` ones.
pub fn check_width(operation: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(AekitError::Width {
            operation,
            expected,
            got,
        })
    }
}

/// Per-row MSE of the outputs `predict` gives for `inputs` against
/// `targets`, once `targets` are checked to be `width` columns and one row
/// per input.
pub fn target_errors(
    width: usize,
    inputs: &Matrix,
    targets: &Matrix,
    predict: impl FnOnce(&Matrix) -> Result<Matrix>,
) -> Result<Vec<f32>> {
    check_width("score against targets", width, targets.n_cols)?;
    if inputs.n_rows() != targets.n_rows() {
        return Err(AekitError::Width {
            operation: "score: rows of inputs and targets",
            expected: inputs.n_rows(),
            got: targets.n_rows(),
        });
    }
    Ok(row_errors(&predict(inputs)?, targets))
}

/// Squared differences of two matrices of the same shape, element by element.
pub fn squared_errors(a: &Matrix, b: &Matrix) -> Matrix {
    Matrix::new(
        a.values
            .iter()
            .zip(&b.values)
            .map(|(x, y)| (x - y) * (x - y))
            .collect(),
        a.n_cols,
    )
}

/// Per-row mean squared error between two matrices of the same shape.
pub fn row_errors(a: &Matrix, b: &Matrix) -> Vec<f32> {
    (0..a.n_rows())
        .map(|i| crate::kernel::dense_net::mean_squared_error(a.row(i), b.row(i)))
        .collect()
}
