//! aekit's models behind linfa's traits, so code written for linfa's
//! models takes them too:
//!
//! | type | trait | gives |
//! | --- | --- | --- |
//! | [`AutoencoderParams`] (through [`linfa::ParamGuard`]), [`AutoencoderValidParams`] | `Fit` | an [`Autoencoder`] |
//! | [`Autoencoder`] | `Transformer<DatasetBase<records, T>>` | a dataset of codes, targets kept (as linfa's PCA) |
//! | [`Autoencoder`] | `Transformer<&records>` | the codes |
//! | [`Autoencoder`] | `PredictInplace` (so `Predict`) | the rows it outputs, in original units |
//! | [`DetectorParams`] | `Fit` | a [`Detector`] |
//! | [`Detector`] | `Transformer<&records>` | each row's anomaly score |
//! | [`Detector`] | `PredictInplace` (so `Predict`) | each row's flag, `true` for an anomaly |
//!
//! Records are 2-D `f32` or `f64` arrays of any storage; `f64` records
//! give `f64` results. The fitting traits take the records' feature names
//! when the dataset has them and ignore its targets (the models learn
//! from the rows alone).
//!
//! linfa's transforming and predicting traits cannot fail, so, as linfa's
//! own models do, these give values that are not finite to the model as
//! they are (a row holding one gets meaningless results, often NaN) and
//! panic on records whose width the model does not take; the inherent
//! methods ([`Autoencoder::transform`], [`Autoencoder::predict`],
//! [`Detector::decision_function`], ...) return both as errors instead.

use linfa::DatasetBase;
use linfa::traits::{Fit, PredictInplace, Transformer};
use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

use crate::apply::code_columns;
use crate::data::{Dataset, Element};
use crate::error::{AekitError, Result};
use crate::tasks::anomaly::{Detector, DetectorParams};
use crate::train::Silent;
use crate::{Autoencoder, AutoencoderValidParams};

#[cfg(doc)]
use crate::AutoencoderParams;

/// The result of an infallible linfa call, or a panic saying why there is none.
fn or_panic<T>(result: Result<T>, operation: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("aekit {operation}: {e}"),
    }
}

impl<A: Element, S: Data<Elem = A>, T> Fit<ArrayBase<S, Ix2>, T, AekitError>
    for AutoencoderValidParams
{
    type Object = Autoencoder;

    /// Fits an autoencoder on the records, validating on the last
    /// `validation_split` of them when that is set.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<S, Ix2>, T>) -> Result<Autoencoder> {
        self.fit_rows(&Dataset::from(dataset), None, None, &mut Silent)
    }
}

/// The codes of a dataset's records, its targets and weights kept; the
/// features are named `z0`, `z1`, ...
///
/// # Panics
/// On records whose width the model does not take.
impl<A: Element, S: Data<Elem = A>, T>
    Transformer<DatasetBase<ArrayBase<S, Ix2>, T>, DatasetBase<Array2<A>, T>> for Autoencoder
{
    fn transform(&self, dataset: DatasetBase<ArrayBase<S, Ix2>, T>) -> DatasetBase<Array2<A>, T> {
        let codes = or_panic(
            self.codes_of(&Dataset::from(&dataset.records), false),
            "transform",
        );
        let DatasetBase {
            targets, weights, ..
        } = dataset;
        DatasetBase::new(codes.mapv(A::from_f32), targets)
            .with_weights(weights)
            .with_feature_names(code_columns(self.bottleneck()))
    }
}

/// The codes of the records.
///
/// # Panics
/// On records whose width the model does not take.
impl<A: Element, S: Data<Elem = A>> Transformer<&ArrayBase<S, Ix2>, Array2<A>> for Autoencoder {
    fn transform(&self, records: &ArrayBase<S, Ix2>) -> Array2<A> {
        or_panic(self.codes_of(&Dataset::from(records), false), "transform").mapv(A::from_f32)
    }
}

/// The model's output rows for the records, in original units.
///
/// # Panics
/// On records whose width the model does not take, or targets not shaped
/// as [`default_target`](PredictInplace::default_target) shapes them.
impl<A: Element, S: Data<Elem = A>> PredictInplace<ArrayBase<S, Ix2>, Array2<A>> for Autoencoder {
    fn predict_inplace(&self, records: &ArrayBase<S, Ix2>, targets: &mut Array2<A>) {
        assert_eq!(
            targets.dim(),
            (records.nrows(), self.output_width()),
            "aekit predict: targets must have one row per record and a column per output"
        );
        let rows = or_panic(self.outputs_of(&Dataset::from(records), false), "predict");
        targets.zip_mut_with(&rows, |t, &v| *t = A::from_f32(v));
    }

    fn default_target(&self, records: &ArrayBase<S, Ix2>) -> Array2<A> {
        Array2::from_elem((records.nrows(), self.output_width()), A::from_f32(0.0))
    }
}

impl<A: Element, S: Data<Elem = A>, T> Fit<ArrayBase<S, Ix2>, T, AekitError> for DetectorParams {
    type Object = Detector;

    /// Fits a detector on the records and sets its threshold from their scores.
    fn fit(&self, dataset: &DatasetBase<ArrayBase<S, Ix2>, T>) -> Result<Detector> {
        DetectorParams::fit(self, dataset)
    }
}

/// Each record's anomaly score (higher is more anomalous), as
/// [`Detector::decision_function`].
///
/// # Panics
/// On records whose width the model does not take.
impl<A: Element, S: Data<Elem = A>> Transformer<&ArrayBase<S, Ix2>, Array1<f64>> for Detector {
    fn transform(&self, records: &ArrayBase<S, Ix2>) -> Array1<f64> {
        or_panic(
            self.autoencoder
                .anomaly_scores_of(&Dataset::from(records), false),
            "decision_function",
        )
    }
}

/// Whether each record scores above the threshold.
///
/// # Panics
/// On records whose width the model does not take, or targets of another length.
impl<A: Element, S: Data<Elem = A>> PredictInplace<ArrayBase<S, Ix2>, Array1<bool>> for Detector {
    fn predict_inplace(&self, records: &ArrayBase<S, Ix2>, targets: &mut Array1<bool>) {
        assert_eq!(
            targets.len(),
            records.nrows(),
            "aekit predict: targets must have one entry per record"
        );
        let threshold = self.threshold();
        let scores = Transformer::<&ArrayBase<S, Ix2>, Array1<f64>>::transform(self, records);
        targets.zip_mut_with(&scores, |t, &s| *t = s > threshold);
    }

    fn default_target(&self, records: &ArrayBase<S, Ix2>) -> Array1<bool> {
        Array1::from_elem(records.nrows(), false)
    }
}
