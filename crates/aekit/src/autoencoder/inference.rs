//! Inference: scaled rows to codes, outputs, errors and scores, and the
//! array-level methods (scikit-learn's transform, predict, score_samples).

use ndarray::{Array1, Array2, AsArray, Ix2};

use crate::backend;
use crate::data::{Dataset, Matrix};
use crate::error::Result;
use crate::model::Decode;

use super::{Autoencoder, into_array, matrix_of};

impl Autoencoder {
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

    /// The device the model runs on: a fitted model keeps its params'
    /// `device`; a loaded one starts on the CPU.
    pub fn device(&self) -> backend::DeviceChoice {
        self.device
    }

    /// Moves the model to `device` (see [`TrainingConfig::device`](crate::train::TrainingConfig::device)):
    /// its weights are rebuilt there, the same values. A GPU not built in
    /// or not found is an error naming `device`.
    pub fn set_device(&mut self, device: backend::DeviceChoice) -> Result<()> {
        if device == self.device {
            return Ok(());
        }
        let tensors: std::collections::HashMap<_, _> = self
            .network
            .tensors()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let meta = &self.meta;
        let network = backend::install_on(self.threads, device, || {
            meta.model
                .load(&meta.input.shape, meta.output().width(), &tensors)
        })?
        .map_err(|m| crate::AekitError::Compute(format!("moving the model to {device}: {m}")))?;
        self.network = network;
        self.device = device;
        Ok(())
    }

    /// Runs `work` on the library's thread pool and device for this model.
    pub(crate) fn run<R: Send>(&self, work: impl FnOnce() -> Result<R> + Send) -> Result<R> {
        backend::install_on(self.threads, self.device, work)?
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
}
