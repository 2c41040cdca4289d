//! Models as users meet them: unfitted params -> `fit` on a table (or on
//! an input table and a target table) -> a fitted model that encodes,
//! decodes, reconstructs or predicts, and saves. Which of those a model
//! can do depends on its kind's capabilities.

use std::path::Path;

use ndarray::Array2;

use crate::data::{CategoryPolicy, Dataset, ImageShape, Matrix, Schema};
use crate::error::{AekitError, Result};
use crate::model::{FittedNetwork, ModelSummary};
use crate::model_file::ModelMeta;
use crate::threshold::{AnomalyThreshold, DetectorRecord};
use crate::train::History;

mod capabilities;
mod file;
mod fit;
mod fit_options;
mod image_defaults;
mod inference;
mod params;
mod table_defaults;

pub use capabilities::Capabilities;
pub use fit_options::FitOptions;
pub use image_defaults::ImageDefaults;
pub use params::{AutoencoderParams, AutoencoderValidParams};
pub use table_defaults::TableDefaults;

/// A trained model with the column layout and scalers it was fitted with:
/// it encodes rows to codes ([`transform`](Self::transform)), decodes codes
/// ([`inverse_transform`](Self::inverse_transform)), rebuilds or predicts
/// rows ([`predict`](Self::predict)), scores them
/// ([`score_samples`](Self::score_samples)), and saves to one file that
/// the command line, and every later version, reads.
///
/// ```
/// use aekit::{Autoencoder, TrainingSetters};
/// use ndarray::{Array2, s};
///
/// let x = Array2::from_shape_fn((300, 4), |(i, j)| ((i % 10) * (j + 1)) as f32 / 40.0);
/// let model = Autoencoder::params().bottleneck(2).epochs(5).fit(x.slice(s![..200, ..]))?;
/// println!("{}", model.summary()); // Keras-style layers and parameter counts
///
/// let held_out = x.slice(s![200.., ..]);
/// let rebuilt = model.predict(held_out)?; // original units
/// assert_eq!(rebuilt.dim(), (100, 4));
///
/// let path = std::env::temp_dir().join(format!("doc-{}.aekit", std::process::id()));
/// model.save(&path)?;
/// let loaded = Autoencoder::load(&path)?;
/// assert_eq!(loaded.transform(held_out)?, model.transform(held_out)?);
/// # std::fs::remove_file(&path).map_err(|e| aekit::AekitError::io(&path, e))?;
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug)]
pub struct Autoencoder {
    meta: ModelMeta,
    network: Box<dyn FittedNetwork>,
    /// CPU threads for its work (not saved).
    threads: Option<usize>,
    /// The device its network lives and runs on (not saved).
    device: crate::backend::DeviceChoice,
    /// Refuse categories unseen in training instead of reading them as
    /// all-zero blocks (not saved).
    strict_categories: bool,
    /// Unseen categories read as all-zero blocks so far.
    unseen_categories: std::sync::atomic::AtomicUsize,
}

impl Autoencoder {
    /// Unfitted params with every hyper-parameter at its default, to set
    /// with setters and [`fit`](AutoencoderParams::fit).
    pub fn params() -> AutoencoderParams {
        AutoencoderParams::default()
    }

    /// Joins metadata and a fitted network built outside [`AutoencoderParams::fit`]
    /// (an anomaly detector's ensemble).
    pub(crate) fn from_parts(
        meta: ModelMeta,
        network: Box<dyn FittedNetwork>,
        threads: Option<usize>,
        device: crate::backend::DeviceChoice,
    ) -> Autoencoder {
        Autoencoder {
            meta,
            network,
            threads,
            device,
            strict_categories: false,
            unseen_categories: Default::default(),
        }
    }

    /// Stores what a detector chose, shown by `aekit summary`.
    pub(crate) fn set_detector_record(&mut self, record: Option<DetectorRecord>) {
        self.meta.tasks.detector = record;
    }

    /// What the detector chose, for detectors fitted by this version.
    pub fn detector_record(&self) -> Option<&DetectorRecord> {
        self.meta.tasks.detector.as_ref()
    }

    /// Everything stored about the model besides its weights.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// The model's kind, as the model file names it.
    pub fn kind(&self) -> &'static str {
        self.meta.model.kind()
    }

    /// Stores (or clears) the anomaly threshold saved with the model.
    pub fn set_anomaly_threshold(&mut self, threshold: Option<AnomalyThreshold>) {
        self.meta.tasks.anomaly = threshold;
    }

    /// The anomaly threshold saved with the model, if it was fitted as a detector.
    pub fn anomaly_threshold(&self) -> Option<&AnomalyThreshold> {
        self.meta.tasks.anomaly.as_ref()
    }

    /// The columns the model reads.
    pub fn schema(&self) -> &Schema {
        &self.meta.input.schema
    }

    /// Whether the model maps inputs to a separate target table.
    pub fn is_paired(&self) -> bool {
        self.meta.target.is_some()
    }

    /// The columns the model writes: the target's for a paired model, the
    /// input's otherwise.
    pub fn output_schema(&self) -> &Schema {
        &self.meta.output().schema
    }

    /// The training history.
    pub fn history(&self) -> &History {
        &self.meta.history
    }

    /// Width of the code.
    pub fn bottleneck(&self) -> usize {
        self.network.encoder().map_or(0, |e| e.code_width())
    }

    /// Input width.
    pub fn n_features(&self) -> usize {
        self.meta.input.width()
    }

    /// The image shape of the input rows, if they are images.
    pub fn image_shape(&self) -> Option<ImageShape> {
        ImageShape::from_dims(&self.meta.input.shape)
    }

    /// The image shape of the output rows (the target's, for a paired
    /// model), if they are images.
    pub fn output_image_shape(&self) -> Option<ImageShape> {
        ImageShape::from_dims(&self.meta.output().shape)
    }

    /// A Keras-style summary.
    pub fn summary(&self) -> ModelSummary {
        self.network.summary()
    }

    /// The model's feature columns of `data`, scaled as in training.
    pub fn scaled_features<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Matrix> {
        self.scaled(&data.into(), true)
    }

    /// The model's input columns of `data`, scaled; with `finite` false,
    /// array values that are not finite are let through.
    pub(crate) fn scaled(&self, data: &Dataset<'_>, finite: bool) -> Result<Matrix> {
        // Images of another size than the model's share the names of its
        // top-left pixels: they would be scored as that crop.
        if let (Some(theirs), Some(ours)) = (data.image_shape(), self.image_shape())
            && theirs != ours
        {
            return Err(AekitError::Image {
                path: data.path().map(Path::to_path_buf).unwrap_or_default(),
                message: format!(
                    "holds {theirs} images, but the model takes {ours} ones: give a resize size ({}x{})",
                    ours.height, ours.width
                ),
            });
        }
        // On the model's threads: a file's text is parsed in parallel.
        let schema = &self.meta.input.schema;
        let policy = CategoryPolicy {
            strict: self.strict_categories,
            unseen: Some(&self.unseen_categories),
        };
        let mut m = self.run(|| schema.read_inputs_with(data, finite, policy))?;
        self.meta.input.scaler.transform(&mut m.values);
        Ok(m)
    }

    /// The target columns of `data`, scaled as the model's outputs are
    /// (the input's columns and scaler when the model is not paired).
    pub fn scaled_targets<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Matrix> {
        let output = self.meta.output();
        let mut m = output.schema.input_matrix(&data.into())?;
        output.scaler.transform(&mut m.values);
        Ok(m)
    }

    /// Whether a category unseen in training is an error naming its cell
    /// (`true`) or reads as an all-zero block, counted in
    /// [`unseen_categories`](Self::unseen_categories) (`false`, the
    /// default). Models written before mixed tables always refuse them.
    pub fn set_strict_categories(&mut self, strict: bool) {
        self.strict_categories = strict;
    }

    /// How many cells held a category unseen in training (read as
    /// all-zero blocks) since the model was loaded or fitted.
    pub fn unseen_categories(&self) -> usize {
        self.unseen_categories
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Maps scaled input values back to the original units.
    pub fn unscale(&self, m: &mut Matrix) {
        self.meta.input.scaler.inverse_transform(&mut m.values);
    }

    /// Maps scaled outputs back to the original units of the output columns.
    pub fn unscale_outputs(&self, m: &mut Matrix) {
        self.meta.output().scaler.inverse_transform(&mut m.values);
    }

    /// Width of the model's output rows (the input's, or a paired model's target's).
    pub fn output_width(&self) -> usize {
        self.meta.output().width()
    }
}

/// A matrix as an array of the same shape, without copying.
pub(crate) fn into_array(m: Matrix) -> Result<Array2<f32>> {
    let shape = (m.n_rows(), m.n_cols);
    Array2::from_shape_vec(shape, m.values)
        .map_err(|e| AekitError::Compute(format!("a {shape:?} result: {e}")))
}

/// An array's rows as a row-major matrix.
pub(crate) fn matrix_of(a: ndarray::ArrayView2<'_, f32>) -> Matrix {
    let values = match a.as_slice() {
        Some(s) => s.to_vec(),
        None => a.iter().copied().collect(),
    };
    Matrix {
        values,
        n_cols: a.ncols(),
    }
}
