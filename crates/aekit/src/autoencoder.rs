//! Models as users meet them: unfitted params -> `fit` on a table (or on
//! an input table and a target table) -> a fitted model that encodes,
//! decodes, reconstructs or predicts, and saves. Which of those a model
//! can do depends on its kind's capabilities.

use std::path::Path;

use ndarray::{Array1, Array2, AsArray, Ix2};

use crate::backend;
use crate::data::{CategoryPolicy, Dataset, ImageShape, Matrix, Scaler, Schema};
use crate::error::{AekitError, Result};
use crate::model::capability::ReconstructionScore;
use crate::model::{
    Activation, Decode, Encode, FittedNetwork, ModelSummary, Predict, Sample, Score,
};
use crate::model_file::{self, FORMAT_VERSION, ModelMeta, Preprocessing, TaskData};
use crate::threshold::{AnomalyThreshold, DetectorRecord};
use crate::train::validation_split::{SplitStream, validation_rows};
use crate::train::{
    History, LossKind, Pairs, Silent, StopAtOnce, TrainingData, TrainingObserver, TrainingStart,
};

mod fit_options;
mod params;

pub use fit_options::FitOptions;
pub use params::{AutoencoderParams, AutoencoderValidParams};

use linfa::ParamGuard;

/// What a model's kind can do with rows (scikit-learn's mixins as flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Rows to codes (an encoder).
    pub encode: bool,
    /// Codes to rows (a decoder).
    pub decode: bool,
    /// Rows rebuilt from themselves: reconstruction errors (not a paired model).
    pub reconstruct: bool,
    /// Anomaly scores (reconstruction error, or the kind's own scorer).
    pub score: bool,
    /// New rows drawn from a prior over the codes.
    pub sample: bool,
}

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
    /// Refuse categories unseen in training instead of reading them as
    /// all-zero blocks (not saved).
    strict_categories: bool,
    /// Unseen categories read as all-zero blocks so far.
    unseen_categories: std::sync::atomic::AtomicUsize,
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

impl AutoencoderParams {
    /// Fits an autoencoder on `train`, validating on the last
    /// `validation_split` of it when that is set, reporting to no one.
    /// With [`noise`](Self::noise), it learns to rebuild clean rows from
    /// corrupted ones (a denoising autoencoder).
    pub fn fit<'d>(&self, train: impl Into<Dataset<'d>>) -> Result<Autoencoder> {
        self.fit_with(train, FitOptions::new())
    }

    /// [`fit`](Self::fit) with validation rows and an observer.
    pub fn fit_with<'d>(
        &self,
        train: impl Into<Dataset<'d>>,
        options: FitOptions<'_>,
    ) -> Result<Autoencoder> {
        let (validation, validation_target, observer) = options.into_parts();
        let params = self.check_ref()?;
        if validation_target.is_some() {
            return Err(AekitError::param(
                "validation_target",
                "is only for paired models, which are given targets",
            ));
        }
        let mut silent = Silent;
        params.fit_rows(
            &train.into(),
            None,
            validation.as_ref().map(|v| (v, None)),
            observer.unwrap_or(&mut silent),
        )
    }

    /// Fits a paired model: row i of `inputs` maps to row i of `targets`.
    /// The decoder ends at the target width; each side's columns are
    /// resolved and scaled on their own, and both layouts are stored.
    /// Validation, when given, needs both sides
    /// ([`FitOptions::validation`] and [`FitOptions::validation_target`]).
    pub fn fit_paired<'d, 't>(
        &self,
        inputs: impl Into<Dataset<'d>>,
        targets: impl Into<Dataset<'t>>,
        options: FitOptions<'_>,
    ) -> Result<Autoencoder> {
        let (validation, validation_target, observer) = options.into_parts();
        let params = self.check_ref()?;
        let validation = match (&validation, &validation_target) {
            (Some(v), Some(t)) => Some((v, Some(t))),
            (None, None) => None,
            _ => {
                return Err(AekitError::param(
                    "validation_target",
                    "a paired model validates on input and target rows: give both",
                ));
            }
        };
        let mut silent = Silent;
        params.fit_rows(
            &inputs.into(),
            Some(&targets.into()),
            validation,
            observer.unwrap_or(&mut silent),
        )
    }
}

impl AutoencoderValidParams {
    pub(crate) fn fit_rows(
        &self,
        train: &Dataset<'_>,
        target: Option<&Dataset<'_>>,
        validation: Option<(&Dataset<'_>, Option<&Dataset<'_>>)>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        backend::install(self.threads(), || {
            self.fit_on_this_thread(train, target, validation, observer)
        })?
    }

    fn fit_on_this_thread(
        &self,
        train: &Dataset<'_>,
        target: Option<&Dataset<'_>>,
        validation: Option<(&Dataset<'_>, Option<&Dataset<'_>>)>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        let resolved = self.columns().resolve(train)?;
        let mut schema = resolved.schema;
        schema.fit_missing(train)?;
        let target_schema = match target {
            Some(t) => {
                let mut s = self.columns().present_in(t).resolve(t)?.schema;
                s.fit_missing(t)?;
                Some(s)
            }
            None => None,
        };
        let read = |inputs: &Dataset<'_>, targets: Option<&Dataset<'_>>| -> Result<Sides> {
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
                return Err(table.error(format!(
                    "has {} rows, but the inputs {} have {}: row i of the target pairs with row i of the input",
                    t.n_rows(),
                    inputs.describe(),
                    sides.inputs.n_rows()
                )));
            }
            Ok(sides)
        };
        let mut rows = read(train, target)?;
        let mut held_out = match validation {
            Some((v, vt)) => Some(read(v, vt)?),
            None => None,
        };
        if held_out.is_none()
            && let Some((fit_rows, val_rows)) =
                validation_rows(self.training(), rows.inputs.n_rows(), SplitStream::Tabular)?
        {
            let all = rows;
            held_out = Some(Sides {
                inputs: all.inputs.gather(&val_rows),
                targets: all.targets.as_ref().map(|t| t.gather(&val_rows)),
            });
            rows = all.split(&fit_rows);
        }
        let scaler = Scaler::fit(self.scale(), &rows.inputs.values, rows.inputs.n_cols);
        let target_scaler = rows
            .targets
            .as_ref()
            .map(|t| Scaler::fit(self.scale(), &t.values, t.n_cols));
        for sides in std::iter::once(&mut rows).chain(held_out.as_mut()) {
            scaler.transform(&mut sides.inputs.values);
            if let (Some(s), Some(t)) = (&target_scaler, sides.targets.as_mut()) {
                s.transform(&mut t.values);
            }
        }
        if self.training().loss == LossKind::Bce
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
        // An image folder implies its shape; one given as well must agree.
        let image_shape = match (self.image_shape(), train.image_shape()) {
            (Some(given), Some(folder)) if given != folder => {
                return Err(AekitError::param(
                    "image_shape",
                    format!(
                        "{given} given, but the images of {} are {folder}",
                        train.describe()
                    ),
                ));
            }
            (given, folder) => given.or(folder),
        };
        let input_shape = match image_shape {
            Some(image) if image.values() != n_inputs => {
                return Err(AekitError::param(
                    "image_shape",
                    format!(
                        "{image} images have {} values, but {} has {n_inputs} feature columns",
                        image.values(),
                        train.describe()
                    ),
                ));
            }
            Some(image) => image.to_vec(),
            None => vec![n_inputs],
        };
        // A paired model's target is an image of the same size when its width fits one.
        let output_shape = match (target.and_then(|t| t.image_shape()), image_shape) {
            (Some(image), _) if image.values() == n_outputs => image.to_vec(),
            (_, Some(image)) if n_outputs.is_multiple_of(image.pixels()) => {
                vec![n_outputs / image.pixels(), image.height, image.width]
            }
            _ => vec![n_outputs],
        };
        self.model().check_shapes(&input_shape, n_outputs)?;
        let start = observer.on_train_start(&TrainingStart {
            n_rows: rows.inputs.n_rows(),
            n_validation_rows: held_out.as_ref().map_or(0, |v| v.inputs.n_rows()),
            n_features: rows.inputs.n_cols,
            skipped_text: resolved.skipped_text,
            skipped_empty: resolved.skipped_empty,
        });
        let mut stopped = StopAtOnce;
        let observer: &mut dyn TrainingObserver = if start.is_stop() {
            &mut stopped
        } else {
            observer
        };
        let clip = (self.model().output_activation() == Activation::Sigmoid).then_some((0.0, 1.0));
        let data = TrainingData::new(&rows.inputs, rows.targets.as_ref()).with_noise(
            self.training().noise,
            clip,
            self.training().seed,
        );
        let (network, history) = self.model().fit(
            &input_shape,
            n_outputs,
            &data,
            held_out.as_ref().map(Sides::pairs),
            self.training(),
            observer,
        )?;
        check_divergence(network.as_ref(), &history, &rows.inputs)?;
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            model: self.model().clone(),
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
            training: self.training().clone(),
            history,
            tasks: TaskData::default(),
        };
        Ok(Autoencoder {
            meta,
            network,
            threads: self.threads(),
            strict_categories: false,
            unseen_categories: Default::default(),
        })
    }
}

/// After a run that diverged, refuses to keep weights that are untrained
/// (no epoch ended with a finite loss) or that give outputs that are not
/// finite on the training rows.
fn check_divergence(network: &dyn FittedNetwork, history: &History, inputs: &Matrix) -> Result<()> {
    if history.stop_reason != crate::train::StopReason::Diverged {
        return Ok(());
    }
    refuse_untrained(history)?;
    let epoch = diverged_epoch(history);
    if let Some(predictor) = network.predictor() {
        let outputs = predictor.predict(inputs)?;
        if outputs.values.iter().any(|v| !v.is_finite()) {
            return Err(AekitError::Diverged {
                epoch,
                kept: format!(
                    "the weights of epoch {} give outputs that are not finite",
                    history.kept_epoch
                ),
            });
        }
    }
    Ok(())
}

/// The epoch in which a diverged run's loss stopped being finite.
fn diverged_epoch(history: &History) -> usize {
    match history.epochs.last() {
        Some(r) if !History::monitored(r).is_finite() => r.epoch,
        Some(r) => r.epoch + 1,
        None => 1,
    }
}

/// Refuses a run that diverged before any epoch ended with a finite loss:
/// it has only its untrained weights (a detector's member as a model).
pub(crate) fn refuse_untrained(history: &History) -> Result<()> {
    if history.stop_reason == crate::train::StopReason::Diverged && history.kept_epoch == 0 {
        return Err(AekitError::Diverged {
            epoch: diverged_epoch(history),
            kept: "no epoch ended with a finite loss, so only the untrained weights remain".into(),
        });
    }
    Ok(())
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
    ) -> Autoencoder {
        Autoencoder {
            meta,
            network,
            threads,
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

    /// What the model's kind can do with rows: encode, decode, reconstruct,
    /// score, sample (a paired model neither reconstructs nor scores).
    pub fn capabilities(&self) -> Capabilities {
        let rebuilds = !self.is_paired();
        let network = &self.network;
        Capabilities {
            encode: network.encoder().is_some(),
            decode: network.decoder().is_some(),
            reconstruct: rebuilds && network.predictor().is_some(),
            score: rebuilds && (network.scorer().is_some() || network.predictor().is_some()),
            sample: network.sampler().is_some(),
        }
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
        self.run(|| self.encoder("encode")?.encode(scaled))
    }

    /// Scaled outputs for codes: the decoder alone.
    pub fn decode(&self, codes: &Matrix) -> Result<Matrix> {
        self.run(|| {
            let decoder: &dyn Decode = self
                .network
                .decoder()
                .ok_or_else(|| self.unsupported("decode", "a decoder"))?;
            decoder.decode(codes)
        })
    }

    /// `n` new scaled output rows decoded from codes drawn from the
    /// model's prior with `seed` (the same seed, the same rows).
    pub fn sample(&self, n: usize, seed: u64) -> Result<Matrix> {
        self.run(|| self.sampler("sample")?.sample(n, seed))
    }

    /// The next `n` scaled rows of a sample drawn from `rng` (see the
    /// model's `Sample::sample_from`).
    pub(crate) fn sample_from(&self, rng: &mut rand::rngs::StdRng, n: usize) -> Result<Matrix> {
        self.run(|| self.sampler("sample")?.sample_from(rng, n))
    }

    /// A code drawn for each scaled row from the encoder's distribution
    /// (a VAE's `mean + exp(log_var / 2) * eps`; [`encode`](Self::encode)
    /// gives the mean), with `seed`: the same seed gives the same codes.
    pub fn encode_sampled(&self, scaled: &Matrix, seed: u64) -> Result<Matrix> {
        self.run(|| self.sampler("sampling codes")?.sample_codes(scaled, seed))
    }

    fn sampler(&self, operation: &'static str) -> Result<&dyn Sample> {
        self.network
            .sampler()
            .ok_or_else(|| AekitError::Unsupported {
                operation,
                needs: "a generative model with a distribution over its codes (kind vae)".into(),
                has: format!("is of kind '{}', which has none", self.kind()),
            })
    }

    /// Scaled reconstructions of scaled rows (an autoencoder's output; a
    /// denoising autoencoder's clean rows).
    pub fn reconstruct(&self, scaled: &Matrix) -> Result<Matrix> {
        self.refuse_paired("reconstruct")?;
        self.run(|| self.predictor("reconstruct")?.predict(scaled))
    }

    /// Scaled outputs of a model for scaled inputs: for a paired model, its
    /// predicted targets.
    pub fn predict_scaled(&self, scaled: &Matrix) -> Result<Matrix> {
        self.run(|| self.predictor("predict")?.predict(scaled))
    }

    /// Per-row mean squared reconstruction error of scaled rows, without
    /// keeping the reconstructions.
    pub fn reconstruction_errors(&self, scaled: &Matrix) -> Result<Vec<f32>> {
        self.refuse_paired("score")?;
        self.run(|| self.predictor("score")?.prediction_errors(scaled, scaled))
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
        self.run(|| self.with_scorer(|s| s.scores(scaled)))
    }

    /// Each scaled row's squared error per feature (an ensemble's: the mean
    /// over its members): what drives its anomaly score.
    pub fn feature_errors(&self, scaled: &Matrix) -> Result<Matrix> {
        self.run(|| self.with_scorer(|s| s.feature_errors(scaled)))
    }

    /// Per-row mean squared error of the outputs for scaled `inputs`
    /// against scaled `targets`.
    pub fn prediction_errors(&self, inputs: &Matrix, targets: &Matrix) -> Result<Vec<f32>> {
        self.run(|| self.predictor("score")?.prediction_errors(inputs, targets))
    }

    /// CPU threads the model works with; `None`: `RAYON_NUM_THREADS`, else
    /// every core. A fitted model keeps its params' setting; a loaded one
    /// starts at `None`.
    pub fn threads(&self) -> Option<usize> {
        self.threads
    }

    /// Sets the CPU threads the model works with (see
    /// [`threads`](Self::threads)); 0 is an error naming `threads`.
    pub fn set_threads(&mut self, threads: Option<usize>) -> Result<()> {
        backend::resolve_threads(threads)?;
        self.threads = threads;
        Ok(())
    }

    /// Runs `work` on the library's thread pool for this model.
    pub(crate) fn run<R: Send>(&self, work: impl FnOnce() -> Result<R> + Send) -> Result<R> {
        backend::install(self.threads, work)?
    }

    /// The codes of the rows of `data`, one row of
    /// [`bottleneck`](Self::bottleneck) values per input row (the
    /// encoder's output for the rows scaled as in training; scikit-learn's
    /// `transform`).
    ///
    /// On the same rows, seed and thread count, these are the codes the
    /// command line writes: `tests/fixtures/cli_codes.csv` holds what
    /// `aekit train rows.csv --hidden 6 --bottleneck 2 --epochs 15
    /// --batch-size 16 --seed 11 --threads 1` and `aekit encode` gave for
    /// the rows below.
    ///
    /// ```
    /// use aekit::{Autoencoder, TrainingSetters};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((120, 5), |(i, j)| {
    ///     ((i * 7 + j * 13) % 23) as f64 / 23.0 + ((i * i + 3 * j) % 5) as f64 / 10.0
    /// });
    /// let model = Autoencoder::params()
    ///     .hidden([6])
    ///     .bottleneck(2)
    ///     .epochs(15)
    ///     .batch_size(16)
    ///     .seed(11)
    ///     .threads(1)
    ///     .fit(&x)?;
    /// let codes = model.transform(&x)?; // encode
    /// let rows = model.inverse_transform(&codes)?; // decode
    /// let scores = model.score_samples(&x)?; // score
    /// assert_eq!((codes.dim(), rows.dim(), scores.len()), ((120, 2), (120, 5), 120));
    ///
    /// let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cli_codes.csv");
    /// let cli = std::fs::read_to_string(file)?;
    /// let cli = cli.lines().skip(1).flat_map(|line| line.split(','));
    /// let cli: Vec<f32> = cli.map(str::parse).collect::<Result<_, _>>()?;
    /// assert_eq!(cli.len(), codes.len());
    /// for (ours, theirs) in codes.iter().zip(&cli) {
    ///     assert!((ours - theirs).abs() <= 1e-6, "{ours} vs {theirs}");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn transform<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array2<f32>> {
        self.codes_of(&data.into(), true)
    }

    /// [`transform`](Self::transform); with `finite` false, array values
    /// that are not finite go to the model as they are, as linfa's models
    /// take them.
    pub(crate) fn codes_of(&self, data: &Dataset<'_>, finite: bool) -> Result<Array2<f32>> {
        into_array(self.encode(&self.scaled(data, finite)?)?)
    }

    /// Rows for codes, in the original units of the model's output
    /// columns: the decoder alone with the scaling undone (a one-hot
    /// column comes back as one value per category). The inverse of
    /// [`transform`](Self::transform) as far as the model can rebuild its input.
    pub fn inverse_transform<'c>(&self, codes: impl AsArray<'c, f32, Ix2>) -> Result<Array2<f32>> {
        let mut rows = self.decode(&matrix_of(codes.into()))?;
        self.unscale_outputs(&mut rows);
        into_array(rows)
    }

    /// The model's output for each row of `data`, in the original units of
    /// its output columns: an autoencoder's reconstruction (a denoiser's
    /// clean rows), a paired model's predicted targets.
    pub fn predict<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array2<f32>> {
        self.outputs_of(&data.into(), true)
    }

    /// [`predict`](Self::predict), letting values that are not finite
    /// through unless `finite`.
    pub(crate) fn outputs_of(&self, data: &Dataset<'_>, finite: bool) -> Result<Array2<f32>> {
        let mut rows = self.predict_scaled(&self.scaled(data, finite)?)?;
        self.unscale_outputs(&mut rows);
        into_array(rows)
    }

    /// Each row's anomaly score: its mean squared reconstruction error in
    /// the scaled space, higher for rows less like the training data (as
    /// PyOD's decision scores; scikit-learn's `score_samples` has the
    /// opposite sign).
    pub fn score_samples<'d>(&self, data: impl Into<Dataset<'d>>) -> Result<Array1<f64>> {
        self.scores_of(&data.into(), true)
    }

    /// [`score_samples`](Self::score_samples), letting values that are not
    /// finite through unless `finite`.
    pub(crate) fn scores_of(&self, data: &Dataset<'_>, finite: bool) -> Result<Array1<f64>> {
        let errors = match self.inputs_in_place(data, finite)? {
            Some(rows) => {
                self.refuse_paired("score")?;
                let width = self.meta.input.schema.features.len();
                self.run(|| {
                    self.predictor("score")?
                        .reconstruction_errors_of(rows, width)
                })?
            }
            None => self.reconstruction_errors(&self.scaled(data, finite)?)?,
        };
        Ok(errors.into_iter().map(f64::from).collect())
    }

    /// `data`'s values where they lie when they are already the model's
    /// scaled inputs: a C-contiguous float32 array of exactly the input
    /// columns, and a model without scaling (a copy was 5 % of scoring).
    fn inputs_in_place<'d>(
        &self,
        data: &'d Dataset<'_>,
        finite: bool,
    ) -> Result<Option<&'d [f32]>> {
        let input = &self.meta.input;
        if !input.scaler.is_identity() || !input.schema.is_exactly_the_inputs(data) {
            return Ok(None);
        }
        data.f32_in_place(finite)
    }

    /// Anomaly scores of the rows of `data` (the score capability:
    /// reconstruction MSE, or an ensemble's z-averaged MSEs), letting
    /// values that are not finite through unless `finite`.
    pub(crate) fn anomaly_scores_of(
        &self,
        data: &Dataset<'_>,
        finite: bool,
    ) -> Result<Array1<f64>> {
        let scaled = self.scaled(data, finite)?;
        Ok(self.anomaly_scores(&scaled)?.into())
    }

    /// Width of the model's output rows (the input's, or a paired model's target's).
    pub fn output_width(&self) -> usize {
        self.meta.output().width()
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        model_file::save(path.as_ref(), &self.meta, &self.network.tensors())
    }

    /// The bytes of the model file [`Autoencoder::save`] writes (for
    /// pickling, or shipping a model without a file system).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        model_file::to_bytes(Path::new(MODEL_BYTES), &self.meta, &self.network.tensors())
    }

    /// Reads the bytes of a model file of any format version, checking them
    /// completely, as [`Autoencoder::load`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Autoencoder> {
        let path = Path::new(MODEL_BYTES);
        let (meta, tensors) = model_file::from_bytes(path, bytes)?;
        Autoencoder::from_file_parts(path, meta, tensors)
    }

    /// Reads a model file of any format version, checking it completely.
    pub fn load(path: impl AsRef<Path>) -> Result<Autoencoder> {
        let path = path.as_ref();
        let (meta, tensors) = model_file::load(path)?;
        Autoencoder::from_file_parts(path, meta, tensors)
    }

    fn from_file_parts(
        path: &Path,
        meta: ModelMeta,
        tensors: std::collections::HashMap<String, crate::model::NamedTensor>,
    ) -> Result<Autoencoder> {
        let network = meta
            .model
            .load(&meta.input.shape, meta.output().width(), &tensors)
            .map_err(|m| AekitError::model(path, m))?;
        // Tensors the model does not use mean its config is not the one
        // they were trained with (batch_norm false beside batch-norm tensors).
        let used: std::collections::HashSet<String> =
            network.tensors().into_iter().map(|t| t.name).collect();
        let mut unused: Vec<&String> = tensors.keys().filter(|k| !used.contains(*k)).collect();
        unused.sort();
        if let Some(name) = unused.first() {
            return Err(AekitError::model(
                path,
                format!(
                    "tensor '{name}' is not part of the {} model its metadata describes",
                    meta.model.kind()
                ),
            ));
        }
        Ok(Autoencoder {
            meta,
            network,
            threads: None,
            strict_categories: false,
            unseen_categories: Default::default(),
        })
    }
}

/// How errors name a model read from or written to bytes.
const MODEL_BYTES: &str = "<model bytes>";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrainingSetters;
    use crate::data::{CsvOptions, Table};
    use crate::train::Noise;

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
        Autoencoder::params()
            .hidden([6])
            .bottleneck(2)
            .epochs(epochs)
            .seed(3)
    }

    #[test]
    fn wrong_widths_are_errors_not_panics() {
        let (_d, t) = table(
            "a.csv",
            &format!("a,b,c\n{}", rows(40, |i| format!("{i},{},1", i * 2))),
        );
        let model = params(2).fit(&t).unwrap();
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
        let model = params(3).fit_paired(&x, &y, FitOptions::new()).unwrap();
        assert!(model.is_paired());
        assert_eq!(model.output_schema().features, vec!["p", "q"]);
        let out = model
            .predict_scaled(&model.scaled_features(&x).unwrap())
            .unwrap();
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
            .fit_paired(&x, &short, FitOptions::new())
            .unwrap_err();
        assert!(err.to_string().contains("short.csv"), "{err}");
    }

    #[test]
    fn an_observer_stops_a_fit_and_the_history_says_so() {
        use crate::train::{Control, EpochRecord, StopReason};
        let (_d, t) = table(
            "a.csv",
            &format!("a,b\n{}", rows(30, |i| format!("{i},{}", i % 4))),
        );
        let mut seen = 0;
        let mut two_epochs = |r: &EpochRecord| {
            seen += 1;
            Control::stop_if(r.epoch == 2)
        };
        let model = params(50)
            .fit_with(&t, FitOptions::new().observer(&mut two_epochs))
            .unwrap();
        assert_eq!(seen, 2);
        let history = model.history();
        assert_eq!((history.epochs.len(), history.kept_epoch), (2, 2));
        assert_eq!(history.stop_reason, StopReason::StopRequested);

        struct NotToday;
        impl TrainingObserver for NotToday {
            fn on_train_start(&mut self, _start: &TrainingStart) -> Control {
                Control::Stop
            }
        }
        let model = params(50)
            .fit_with(&t, FitOptions::new().observer(&mut NotToday))
            .unwrap();
        assert!(model.history().epochs.is_empty());
        assert_eq!(model.history().stop_reason, StopReason::StopRequested);
        assert_eq!(
            model.transform(&t).unwrap().nrows(),
            30,
            "an untrained model still works"
        );
    }

    #[test]
    fn noise_is_validated_and_kept_in_the_model() {
        let (_d, t) = table(
            "a.csv",
            &format!("a,b\n{}", rows(30, |i| format!("{i},{}", i % 4))),
        );
        let p = params(2).noise(Noise::Mask { probability: 1.5 });
        assert!(matches!(
            p.fit(&t),
            Err(AekitError::InvalidParam { name: "noise", .. })
        ));
        let gaussian = Noise::Gaussian { sigma: 0.2 };
        let model = params(2).noise(gaussian).fit(&t).unwrap();
        assert_eq!(model.meta().training.noise, Some(gaussian));
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
        let kinds: Vec<crate::model::ModelConfig> = vec![
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
            let p = AutoencoderParams::new()
                .model(model)
                .image_shape(image)
                .epochs(2)
                .batch_size(8)
                .seed(3);
            let fitted = p.fit(&t).unwrap();
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
