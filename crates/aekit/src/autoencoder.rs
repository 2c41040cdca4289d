//! The dense autoencoder as users meet it: unfitted params -> `fit` on a
//! table -> a fitted model that encodes, decodes, reconstructs and saves.

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::backend;
use crate::bundle::{self, FORMAT_VERSION, ModelKind, ModelMeta};
use crate::data::{ColumnRoles, Matrix, ScaleKind, Scaler, Schema, Table};
use crate::error::{AekitError, Result};
use crate::kernel::DenseNet;
use crate::kernel::net::mean_squared_error;
use crate::model::{Activation, DenseAutoencoder, DenseAutoencoderConfig, ModelSummary};
use crate::tasks::anomaly::AnomalyThreshold;
use crate::train::trainer::{self, Pairs};
use crate::train::{History, LossKind, TrainingConfig, TrainingObserver, TrainingStart};

/// Keeps the validation draw apart from other streams drawn from the seed.
const SPLIT_STREAM: u64 = 0xA5A5_5A5A_0F0F_F0F0;

/// Everything needed to fit an autoencoder to a table.
#[derive(Debug, Clone, Default)]
pub struct AutoencoderParams {
    /// Which columns are label, ids or dropped.
    pub columns: ColumnRoles,
    /// Feature scaling, fitted on the training table. Default min-max.
    pub scale: ScaleKind,
    /// The architecture.
    pub model: DenseAutoencoderConfig,
    /// The training schedule.
    pub training: TrainingConfig,
}

/// A trained autoencoder with the column layout and scaler it was fitted with.
#[derive(Debug)]
pub struct Autoencoder {
    meta: ModelMeta,
    model: DenseAutoencoder,
    /// The same weights in the kernels' form, which every forward pass uses.
    net: DenseNet,
}

impl Autoencoder {
    fn new(meta: ModelMeta, model: DenseAutoencoder) -> Autoencoder {
        let net = DenseNet::inference(&model);
        Autoencoder { meta, model, net }
    }
}

impl AutoencoderParams {
    /// Checks the hyper-parameters that need no data.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.training.validate()?;
        if self.training.loss == LossKind::Bce
            && self.model.output_activation != Activation::Sigmoid
        {
            return Err(AekitError::param(
                "--loss",
                "bce needs a sigmoid output layer (--output-activation sigmoid)",
            ));
        }
        Ok(())
    }

    /// Fits on `train`, validating on `validation` (or on the last
    /// `validation_split` of `train`), reporting progress to `observer`.
    pub fn fit(
        &self,
        train: &Table,
        validation: Option<&Table>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        self.validate()?;
        let resolved = self.columns.resolve(train)?;
        let schema = resolved.schema;
        let mut rows = schema.input_matrix(train)?;
        let mut held_out = validation.map(|v| schema.input_matrix(v)).transpose()?;
        if held_out.is_none()
            && let Some(split) = self.training.validation_split
        {
            let n = rows.n_rows();
            let n_val = ((n as f64) * split).round() as usize;
            if n_val == 0 || n_val >= n {
                return Err(AekitError::param(
                    "--validation-split",
                    format!("{split} of {n} rows leaves no rows for training or for validation"),
                ));
            }
            let mut order: Vec<usize> = (0..n).collect();
            if self.training.shuffle_before_split {
                order.shuffle(&mut StdRng::seed_from_u64(
                    self.training.seed ^ SPLIT_STREAM,
                ));
            }
            // Without shuffling: the last rows, as Keras' validation_split takes them.
            held_out = Some(rows.gather(&order[n - n_val..]));
            rows = rows.gather(&order[..n - n_val]);
        }
        let scaler = Scaler::fit(self.scale, &rows.values, rows.n_cols);
        scaler.transform(&mut rows.values);
        if let Some(v) = held_out.as_mut() {
            scaler.transform(&mut v.values);
        }
        if self.training.loss == LossKind::Bce
            && rows.values.iter().any(|v| !(0.0..=1.0).contains(v))
        {
            return Err(AekitError::param(
                "--loss",
                "bce needs features in [0, 1]: use --scale minmax",
            ));
        }

        observer.on_train_start(&TrainingStart {
            n_rows: rows.n_rows(),
            n_validation_rows: held_out.as_ref().map_or(0, Matrix::n_rows),
            n_features: rows.n_cols,
            skipped_text: resolved.skipped_text,
        });
        let device = backend::training_device();
        let mut rng = StdRng::seed_from_u64(self.training.seed);
        let net = self.model.init(schema.features.len(), &mut rng, &device);
        let pairs = Pairs {
            inputs: &rows,
            targets: &rows,
        };
        let val_pairs = held_out.as_ref().map(|v| Pairs {
            inputs: v,
            targets: v,
        });
        let (model, history) =
            trainer::train(net, &self.training, pairs, val_pairs, &device, observer);
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            kind: ModelKind::DenseAutoencoder,
            n_features: schema.features.len(),
            architecture: self.model.clone(),
            schema,
            scaler,
            training: self.training.clone(),
            history,
            anomaly: None,
        };
        Ok(Autoencoder::new(meta, model))
    }
}

impl Autoencoder {
    /// Everything stored about the model besides its weights.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// Stores (or clears) the anomaly threshold saved with the model.
    pub fn set_anomaly_threshold(&mut self, threshold: Option<AnomalyThreshold>) {
        self.meta.anomaly = threshold;
    }

    /// The columns the model reads.
    pub fn schema(&self) -> &Schema {
        &self.meta.schema
    }

    /// The training history.
    pub fn history(&self) -> &History {
        &self.meta.history
    }

    /// Width of the code.
    pub fn bottleneck(&self) -> usize {
        self.meta.architecture.bottleneck
    }

    /// Input width.
    pub fn n_features(&self) -> usize {
        self.meta.n_features
    }

    /// A Keras-style summary.
    pub fn summary(&self) -> ModelSummary {
        ModelSummary::of(&self.meta.architecture, self.meta.n_features)
    }

    /// The model's feature columns of `table`, scaled as in training.
    pub fn scaled_features(&self, table: &Table) -> Result<Matrix> {
        let mut m = self.meta.schema.input_matrix(table)?;
        self.meta.scaler.transform(&mut m.values);
        Ok(m)
    }

    /// Maps scaled values back to the original units.
    pub fn unscale(&self, m: &mut Matrix) {
        self.meta.scaler.inverse_transform(&mut m.values);
    }

    /// Codes for scaled rows.
    ///
    /// # Panics
    /// If `scaled` does not have [`Autoencoder::n_features`] columns
    /// ([`Autoencoder::scaled_features`] always does).
    pub fn encode(&self, scaled: &Matrix) -> Matrix {
        self.net.map_rows(self.net.encoder(), scaled)
    }

    /// Scaled reconstructions for codes: the decoder alone.
    ///
    /// # Panics
    /// If `codes` does not have [`Autoencoder::bottleneck`] columns.
    pub fn decode(&self, codes: &Matrix) -> Matrix {
        self.net.map_rows(self.net.decoder(), codes)
    }

    /// Scaled reconstructions of scaled rows.
    ///
    /// # Panics
    /// If `scaled` does not have [`Autoencoder::n_features`] columns.
    pub fn reconstruct(&self, scaled: &Matrix) -> Matrix {
        self.net.map_rows(self.net.all(), scaled)
    }

    /// Per-row mean squared reconstruction error of scaled rows, as
    /// [`Autoencoder::row_errors`] of [`Autoencoder::reconstruct`] but
    /// without keeping the reconstructions.
    pub fn reconstruction_errors(&self, scaled: &Matrix) -> Vec<f32> {
        self.net.row_errors(scaled)
    }

    /// Per-row mean squared error between two scaled matrices.
    pub fn row_errors(scaled: &Matrix, reconstructed: &Matrix) -> Vec<f32> {
        (0..scaled.n_rows())
            .map(|i| mean_squared_error(scaled.row(i), reconstructed.row(i)))
            .collect()
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        bundle::save(path.as_ref(), &self.meta, &self.model.export_tensors())
    }

    /// Reads a model file, checking it completely.
    pub fn load(path: impl AsRef<Path>) -> Result<Autoencoder> {
        let path = path.as_ref();
        let (meta, tensors) = bundle::load(path)?;
        if meta.schema.features.len() != meta.n_features
            || meta.scaler.n_features() != meta.n_features
        {
            return Err(AekitError::model(
                path,
                "the column list, scaler and input width disagree",
            ));
        }
        meta.architecture
            .validate()
            .map_err(|e| AekitError::model(path, e.to_string()))?;
        let model = DenseAutoencoder::from_tensors(
            &meta.architecture,
            meta.n_features,
            &tensors,
            &backend::inference_device(),
        )
        .map_err(|m| AekitError::model(path, m))?;
        Ok(Autoencoder::new(meta, model))
    }
}
