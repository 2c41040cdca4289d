//! Models as users meet them: unfitted params -> `fit` on a table (or on
//! an input table and a target table) -> a fitted model that encodes,
//! decodes, reconstructs or predicts, and saves. Which of those a model
//! can do depends on its kind's capabilities.

use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::{ColumnRoles, ImageShape, Matrix, ScaleKind, Scaler, Schema, Table};
use crate::error::{AekitError, Result};
use crate::model::{
    Activation, Decode, Encode, FittedNetwork, ModelConfig, ModelSummary, Predict, Score,
    capability::ReconstructionScore,
};
use crate::model_file::{self, FORMAT_VERSION, ModelMeta, Preprocessing, TaskData};
use crate::threshold::{AnomalyThreshold, DetectorRecord};
use crate::train::{
    History, LossKind, Pairs, TrainingConfig, TrainingData, TrainingObserver, TrainingStart,
};

/// Keeps the validation draw apart from other streams drawn from the seed.
const SPLIT_STREAM: u64 = 0xA5A5_5A5A_0F0F_F0F0;

/// Everything needed to fit a model to a table.
#[derive(Debug, Clone, Default)]
pub struct AutoencoderParams {
    /// Which columns are label, ids or dropped; for paired training the
    /// same roles apply to the target table, where its columns have them.
    pub columns: ColumnRoles,
    /// Feature scaling, fitted on the training table (and, for paired
    /// training, separately on the target table). Default min-max.
    pub scale: ScaleKind,
    /// The model's kind and architecture.
    pub model: ModelConfig,
    /// The training schedule, including input noise for denoising.
    pub training: TrainingConfig,
    /// The rows are images of this shape (their feature columns the pixels,
    /// channel-major); stored with the model. Conv kinds need it; dense
    /// kinds use it to draw their rows. Default none: rows are plain features.
    pub image_shape: Option<ImageShape>,
}

/// A trained model with the column layout and scalers it was fitted with.
#[derive(Debug)]
pub struct Autoencoder {
    meta: ModelMeta,
    network: Box<dyn FittedNetwork>,
}

/// Input and target rows of one side of training (train or validation).
struct Sides {
    inputs: Matrix,
    targets: Option<Matrix>,
}

impl Sides {
    fn split(self, rows: &[usize]) -> Sides {
        Sides {
            inputs: self.inputs.gather(rows),
            targets: self.targets.as_ref().map(|t| t.gather(rows)),
        }
    }

    fn pairs(&self) -> Pairs<'_> {
        Pairs {
            inputs: &self.inputs,
            targets: self.targets.as_ref().unwrap_or(&self.inputs),
        }
    }
}

/// The rows to fit on and the rows held out for validation, by
/// `training.validation_split` (None: no split): a seeded shuffle when
/// `shuffle_before_split`, the last rows otherwise (as Keras takes them).
pub fn validation_rows(
    training: &TrainingConfig,
    n: usize,
) -> Result<Option<(Vec<usize>, Vec<usize>)>> {
    let Some(split) = training.validation_split else {
        return Ok(None);
    };
    let n_val = ((n as f64) * split).round() as usize;
    if n_val == 0 || n_val >= n {
        return Err(AekitError::param(
            "validation_split",
            format!("{split} of {n} rows leaves no rows for training or for validation"),
        ));
    }
    let mut order: Vec<usize> = (0..n).collect();
    if training.shuffle_before_split {
        order.shuffle(&mut StdRng::seed_from_u64(training.seed ^ SPLIT_STREAM));
    }
    let val = order.split_off(n - n_val);
    Ok(Some((order, val)))
}

impl AutoencoderParams {
    /// Checks the hyper-parameters that need no data.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.training.validate()?;
        if self.training.loss == LossKind::Bce
            && self.model.output_activation() != Activation::Sigmoid
        {
            return Err(AekitError::param(
                "loss",
                "bce needs a sigmoid output layer (output_activation sigmoid)",
            ));
        }
        Ok(())
    }

    /// Fits an autoencoder on `train`, validating on `validation` (or on the
    /// last `validation_split` of `train`), reporting progress to `observer`.
    /// With `training.noise`, it learns to rebuild clean rows from corrupted
    /// ones (a denoising autoencoder).
    pub fn fit(
        &self,
        train: &Table,
        validation: Option<&Table>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        self.fit_tables(train, None, validation.map(|v| (v, None)), observer)
    }

    /// Fits a paired model: row i of `inputs` maps to row i of `targets`.
    /// The decoder ends at the target width; each table's columns are
    /// resolved and scaled on their own, and both layouts are stored.
    pub fn fit_paired(
        &self,
        inputs: &Table,
        targets: &Table,
        validation: Option<(&Table, &Table)>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        self.fit_tables(
            inputs,
            Some(targets),
            validation.map(|(i, t)| (i, Some(t))),
            observer,
        )
    }

    fn fit_tables(
        &self,
        train: &Table,
        target: Option<&Table>,
        validation: Option<(&Table, Option<&Table>)>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        self.validate()?;
        let resolved = self.columns.resolve(train)?;
        let schema = resolved.schema;
        let target_schema = target
            .map(|t| Ok::<_, AekitError>(self.columns.present_in(t).resolve(t)?.schema))
            .transpose()?;
        let read = |inputs: &Table, targets: Option<&Table>| -> Result<Sides> {
            let sides = Sides {
                inputs: schema.input_matrix(inputs)?,
                targets: match (&target_schema, targets) {
                    (Some(s), Some(t)) => Some(s.input_matrix(t)?),
                    _ => None,
                },
            };
            if let (Some(t), Some(table)) = (&sides.targets, targets)
                && t.n_rows() != sides.inputs.n_rows()
            {
                return Err(AekitError::Data {
                    path: table.path().to_path_buf(),
                    row: None,
                    column: None,
                    message: format!(
                        "has {} rows, but the inputs {} have {}: row i of the target pairs with row i of the input",
                        t.n_rows(),
                        inputs.path().display(),
                        sides.inputs.n_rows()
                    ),
                });
            }
            Ok(sides)
        };
        let mut rows = read(train, target)?;
        let mut held_out = match validation {
            Some((v, vt)) => {
                if target.is_some() && vt.is_none() {
                    return Err(AekitError::param(
                        "validation_target",
                        "a paired model validates on input and target tables: give both",
                    ));
                }
                Some(read(v, vt)?)
            }
            None => None,
        };
        if held_out.is_none()
            && let Some((fit_rows, val_rows)) =
                validation_rows(&self.training, rows.inputs.n_rows())?
        {
            let all = rows;
            held_out = Some(Sides {
                inputs: all.inputs.gather(&val_rows),
                targets: all.targets.as_ref().map(|t| t.gather(&val_rows)),
            });
            rows = all.split(&fit_rows);
        }
        let scaler = Scaler::fit(self.scale, &rows.inputs.values, rows.inputs.n_cols);
        let target_scaler = rows
            .targets
            .as_ref()
            .map(|t| Scaler::fit(self.scale, &t.values, t.n_cols));
        for sides in std::iter::once(&mut rows).chain(held_out.as_mut()) {
            scaler.transform(&mut sides.inputs.values);
            if let (Some(s), Some(t)) = (&target_scaler, sides.targets.as_mut()) {
                s.transform(&mut t.values);
            }
        }
        if self.training.loss == LossKind::Bce
            && rows
                .pairs()
                .targets
                .values
                .iter()
                .any(|v| !(0.0..=1.0).contains(v))
        {
            return Err(AekitError::param(
                "loss",
                "bce needs targets in [0, 1]: scale min-max",
            ));
        }

        let n_inputs = rows.inputs.n_cols;
        let n_outputs = rows.pairs().targets.n_cols;
        let input_shape = match self.image_shape {
            Some(image) if image.values() != n_inputs => {
                return Err(AekitError::param(
                    "image_shape",
                    format!(
                        "{image} images have {} values, but {} has {n_inputs} feature columns",
                        image.values(),
                        train.path().display()
                    ),
                ));
            }
            Some(image) => image.to_vec(),
            None => vec![n_inputs],
        };
        // A paired model's target is an image of the same size when its width fits one.
        let output_shape = match self.image_shape {
            Some(image) if n_outputs.is_multiple_of(image.pixels()) => {
                vec![n_outputs / image.pixels(), image.height, image.width]
            }
            _ => vec![n_outputs],
        };
        self.model.check_shapes(&input_shape, n_outputs)?;
        observer.on_train_start(&TrainingStart {
            n_rows: rows.inputs.n_rows(),
            n_validation_rows: held_out.as_ref().map_or(0, |v| v.inputs.n_rows()),
            n_features: rows.inputs.n_cols,
            skipped_text: resolved.skipped_text,
        });
        let clip = (self.model.output_activation() == Activation::Sigmoid).then_some((0.0, 1.0));
        let data = TrainingData::new(&rows.inputs, rows.targets.as_ref()).with_noise(
            self.training.noise,
            clip,
            self.training.seed,
        );
        let (network, history) = self.model.fit(
            &input_shape,
            n_outputs,
            &data,
            held_out.as_ref().map(Sides::pairs),
            &self.training,
            observer,
        )?;
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            model: self.model.clone(),
            input: Preprocessing {
                shape: input_shape,
                schema,
                scaler,
            },
            target: match (target_schema, target_scaler) {
                (Some(schema), Some(scaler)) => Some(Preprocessing {
                    shape: output_shape,
                    schema,
                    scaler,
                }),
                _ => None,
            },
            training: self.training.clone(),
            history,
            tasks: TaskData::default(),
        };
        Ok(Autoencoder { meta, network })
    }
}

impl Autoencoder {
    /// Joins metadata and a fitted network built outside [`AutoencoderParams::fit`]
    /// (an anomaly detector's ensemble).
    pub fn from_parts(meta: ModelMeta, network: Box<dyn FittedNetwork>) -> Autoencoder {
        Autoencoder { meta, network }
    }

    /// Stores what a detector chose, shown by `aekit summary`.
    pub fn set_detector_record(&mut self, record: Option<DetectorRecord>) {
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

    /// The model's feature columns of `table`, scaled as in training.
    pub fn scaled_features(&self, table: &Table) -> Result<Matrix> {
        let mut m = self.meta.input.schema.input_matrix(table)?;
        self.meta.input.scaler.transform(&mut m.values);
        Ok(m)
    }

    /// The target columns of `table`, scaled as the model's outputs are
    /// (the input's columns and scaler when the model is not paired).
    pub fn scaled_targets(&self, table: &Table) -> Result<Matrix> {
        let output = self.meta.output();
        let mut m = output.schema.input_matrix(table)?;
        output.scaler.transform(&mut m.values);
        Ok(m)
    }

    /// Maps scaled input values back to the original units.
    pub fn unscale(&self, m: &mut Matrix) {
        self.meta.input.scaler.inverse_transform(&mut m.values);
    }

    /// Maps scaled outputs back to the original units of the output columns.
    pub fn unscale_outputs(&self, m: &mut Matrix) {
        self.meta.output().scaler.inverse_transform(&mut m.values);
    }

    fn encoder(&self, operation: &'static str) -> Result<&dyn Encode> {
        self.network
            .encoder()
            .ok_or_else(|| self.unsupported(operation, "a code (encoder)"))
    }

    fn predictor(&self, operation: &'static str) -> Result<&dyn Predict> {
        self.network
            .predictor()
            .ok_or_else(|| self.unsupported(operation, "output rows"))
    }

    fn unsupported(&self, operation: &'static str, needs: &str) -> AekitError {
        AekitError::Unsupported {
            operation,
            needs: needs.to_string(),
            has: format!("is of kind '{}', which has none", self.kind()),
        }
    }

    /// A paired model's outputs are targets, not reconstructions.
    fn refuse_paired(&self, operation: &'static str) -> Result<()> {
        if self.is_paired() {
            return Err(AekitError::Unsupported {
                operation,
                needs: "a model whose output rebuilds its input".into(),
                has: "maps inputs to a separate target table (use predict)".into(),
            });
        }
        Ok(())
    }

    /// Codes for scaled rows.
    pub fn encode(&self, scaled: &Matrix) -> Result<Matrix> {
        self.encoder("encode")?.encode(scaled)
    }

    /// Scaled outputs for codes: the decoder alone.
    pub fn decode(&self, codes: &Matrix) -> Result<Matrix> {
        let decoder: &dyn Decode = self
            .network
            .decoder()
            .ok_or_else(|| self.unsupported("decode", "a decoder"))?;
        decoder.decode(codes)
    }

    /// `n` new scaled output rows decoded from codes drawn from the
    /// model's prior with `seed` (the same seed, the same rows).
    pub fn sample(&self, n: usize, seed: u64) -> Result<Matrix> {
        let sampler = self
            .network
            .sampler()
            .ok_or_else(|| AekitError::Unsupported {
                operation: "sample",
                needs: "a generative model with a prior over its codes (kind vae)".into(),
                has: format!("is of kind '{}', which has none", self.kind()),
            })?;
        sampler.sample(n, seed)
    }

    /// Scaled reconstructions of scaled rows (an autoencoder's output; a
    /// denoising autoencoder's clean rows).
    pub fn reconstruct(&self, scaled: &Matrix) -> Result<Matrix> {
        self.refuse_paired("reconstruct")?;
        self.predictor("reconstruct")?.predict(scaled)
    }

    /// Scaled outputs of a model for scaled inputs: for a paired model, its
    /// predicted targets.
    pub fn predict(&self, scaled: &Matrix) -> Result<Matrix> {
        self.predictor("predict")?.predict(scaled)
    }

    /// Per-row mean squared reconstruction error of scaled rows, without
    /// keeping the reconstructions.
    pub fn reconstruction_errors(&self, scaled: &Matrix) -> Result<Vec<f32>> {
        self.refuse_paired("score")?;
        self.predictor("score")?.prediction_errors(scaled, scaled)
    }

    /// The kind's own scorer, or reconstruction error for kinds without one.
    fn with_scorer<T>(&self, run: impl FnOnce(&dyn Score) -> Result<T>) -> Result<T> {
        self.refuse_paired("score")?;
        match self.network.scorer() {
            Some(scorer) => run(scorer),
            None => run(&ReconstructionScore(self.predictor("score")?)),
        }
    }

    /// Each scaled row's anomaly score (higher: more anomalous): a dense
    /// model's reconstruction MSE, an ensemble's z-averaged member MSEs.
    pub fn anomaly_scores(&self, scaled: &Matrix) -> Result<Vec<f64>> {
        self.with_scorer(|s| s.scores(scaled))
    }

    /// Each scaled row's squared error per feature (an ensemble's: the mean
    /// over its members): what drives its anomaly score.
    pub fn feature_errors(&self, scaled: &Matrix) -> Result<Matrix> {
        self.with_scorer(|s| s.feature_errors(scaled))
    }

    /// Per-row mean squared error of the outputs for scaled `inputs`
    /// against scaled `targets`.
    pub fn prediction_errors(&self, inputs: &Matrix, targets: &Matrix) -> Result<Vec<f32>> {
        self.predictor("score")?.prediction_errors(inputs, targets)
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        model_file::save(path.as_ref(), &self.meta, &self.network.tensors())
    }

    /// Reads a model file of any format version, checking it completely.
    pub fn load(path: impl AsRef<Path>) -> Result<Autoencoder> {
        let path = path.as_ref();
        let (meta, tensors) = model_file::load(path)?;
        let network = meta
            .model
            .load(&meta.input.shape, meta.output().width(), &tensors)
            .map_err(|m| AekitError::model(path, m))?;
        Ok(Autoencoder { meta, network })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::CsvOptions;
    use crate::model::DenseAutoencoderConfig;
    use crate::train::{Noise, Silent};

    fn table(name: &str, text: &str) -> (tempfile::TempDir, Table) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let t = Table::read(&path, &CsvOptions::default()).unwrap();
        (dir, t)
    }

    fn rows(n: usize, f: impl Fn(usize) -> String) -> String {
        (0..n).map(|i| f(i) + "\n").collect()
    }

    fn params(epochs: usize) -> AutoencoderParams {
        AutoencoderParams {
            model: DenseAutoencoderConfig {
                hidden: vec![6],
                bottleneck: 2,
                ..Default::default()
            }
            .into(),
            training: TrainingConfig {
                epochs,
                seed: 3,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn wrong_widths_are_errors_not_panics() {
        let (_d, t) = table(
            "a.csv",
            &format!("a,b,c\n{}", rows(40, |i| format!("{i},{},1", i * 2))),
        );
        let model = params(2).fit(&t, None, &mut Silent).unwrap();
        let narrow = Matrix::new(vec![0.0; 4], 2);
        for result in [
            model.encode(&narrow).err(),
            model.reconstruct(&narrow).err(),
        ] {
            assert!(matches!(
                result,
                Some(AekitError::Width {
                    expected: 3,
                    got: 2,
                    ..
                })
            ));
        }
        assert!(matches!(
            model.decode(&Matrix::new(vec![0.0; 3], 3)),
            Err(AekitError::Width {
                expected: 2,
                got: 3,
                ..
            })
        ));
        assert!(model.reconstruction_errors(&narrow).is_err());
    }

    #[test]
    fn paired_fit_stores_both_sides_and_checks_rows() {
        let (_d, x) = table(
            "x.csv",
            &format!(
                "a,b,c\n{}",
                rows(60, |i| format!("{i},{},{}", i % 7, i % 3))
            ),
        );
        let (_e, y) = table(
            "y.csv",
            &format!("p,q\n{}", rows(60, |i| format!("{},{}", i % 3, i))),
        );
        let model = params(3).fit_paired(&x, &y, None, &mut Silent).unwrap();
        assert!(model.is_paired());
        assert_eq!(model.output_schema().features, vec!["p", "q"]);
        let out = model.predict(&model.scaled_features(&x).unwrap()).unwrap();
        assert_eq!((out.n_rows(), out.n_cols), (60, 2));
        assert!(
            model
                .reconstruct(&model.scaled_features(&x).unwrap())
                .is_err()
        );
        let (_f, short) = table(
            "short.csv",
            &format!("p,q\n{}", rows(5, |i| format!("{i},{i}"))),
        );
        let err = params(1)
            .fit_paired(&x, &short, None, &mut Silent)
            .unwrap_err();
        assert!(err.to_string().contains("short.csv"), "{err}");
    }

    #[test]
    fn noise_is_validated_and_kept_in_the_model() {
        let (_d, t) = table(
            "a.csv",
            &format!("a,b\n{}", rows(30, |i| format!("{i},{}", i % 4))),
        );
        let mut p = params(2);
        p.training.noise = Some(Noise::Mask { probability: 1.5 });
        assert!(matches!(
            p.fit(&t, None, &mut Silent),
            Err(AekitError::InvalidParam { name: "noise", .. })
        ));
        p.training.noise = Some(Noise::Gaussian { sigma: 0.2 });
        let model = p.fit(&t, None, &mut Silent).unwrap();
        assert_eq!(model.meta().training.noise, p.training.noise);
    }

    /// Every new kind saves and loads to the same model: same codes, same
    /// outputs, same summary, and the image shape kept.
    #[test]
    fn conv_and_vae_models_round_trip_through_the_model_file() {
        use crate::model::{ConvAutoencoderConfig, VaeConfig};
        let header: Vec<String> = (0..30).map(|i| format!("p{i}")).collect();
        let text = format!(
            "{}\n{}",
            header.join(","),
            rows(40, |r| (0..30)
                .map(|c| format!("{}", ((r * 7 + c * 3) % 11) as f32 / 10.0))
                .collect::<Vec<_>>()
                .join(","))
        );
        let (dir, t) = table("img.csv", &text);
        let image = ImageShape {
            channels: 2,
            height: 3,
            width: 5,
        };
        let kinds: Vec<ModelConfig> = vec![
            ConvAutoencoderConfig {
                channels: vec![3, 4],
                bottleneck: 3,
                batch_norm: true,
                ..Default::default()
            }
            .into(),
            VaeConfig {
                hidden: vec![8],
                bottleneck: 2,
                ..Default::default()
            }
            .into(),
            VaeConfig {
                channels: Some(vec![3]),
                bottleneck: 2,
                ..Default::default()
            }
            .into(),
        ];
        for model in kinds {
            let p = AutoencoderParams {
                model,
                image_shape: Some(image),
                training: TrainingConfig {
                    epochs: 2,
                    batch_size: 8,
                    seed: 3,
                    ..Default::default()
                },
                ..Default::default()
            };
            let fitted = p.fit(&t, None, &mut Silent).unwrap();
            let path = dir.path().join("m.aekit");
            fitted.save(&path).unwrap();
            let loaded = Autoencoder::load(&path).unwrap();
            assert_eq!(loaded.kind(), fitted.kind());
            assert_eq!(loaded.image_shape(), Some(image));
            assert_eq!(loaded.meta().input.shape, vec![2, 3, 5]);
            let x = fitted.scaled_features(&t).unwrap();
            assert_eq!(loaded.encode(&x).unwrap(), fitted.encode(&x).unwrap());
            assert_eq!(
                loaded.reconstruct(&x).unwrap(),
                fitted.reconstruct(&x).unwrap()
            );
            assert_eq!(loaded.summary(), fitted.summary());
            let is_vae = fitted.kind() == "vae";
            assert_eq!(fitted.sample(3, 1).is_ok(), is_vae);
            if is_vae {
                assert_eq!(loaded.sample(3, 1).unwrap(), fitted.sample(3, 1).unwrap());
                assert!(fitted.history().epochs.iter().all(|e| e.penalty.is_some()));
            }
        }
    }
}
