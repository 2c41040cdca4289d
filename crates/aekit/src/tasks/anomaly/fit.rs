//! Fitting a detector: the ensemble's members, each trimmed and refitted,
//! or a single autoencoder; then the threshold from the training scores.

use super::{Detector, DetectorParams, member_architecture, quantile};
use crate::backend;
use crate::data::{Dataset, Matrix, Scaler};
use crate::error::{AekitError, Result};
use crate::model::dense::DenseFitted;
use crate::model::ensemble::{EnsembleFitted, default_widths};
use crate::model::{DenseAutoencoderConfig, EnsembleConfig, ModelConfig};
use crate::model_file::{FORMAT_VERSION, ModelMeta, Preprocessing, TaskData};
use crate::threshold::{AnomalyThreshold, DetectorRecord, MemberRecord};
use crate::train::pipeline::train_observed;
use crate::train::validation_split::{SplitStream, validation_rows};
use crate::train::{
    History, Pairs, Silent, TrainingConfig, TrainingData, TrainingObserver, TrainingStart,
};
use crate::{Autoencoder, AutoencoderParams, FitOptions, TrainingSetters};

impl DetectorParams {
    /// Checks the hyper-parameters that need no data.
    pub fn validate(&self) -> Result<()> {
        self.rule.validate()?;
        if let Some(m) = &self.model {
            m.validate()?;
        } else {
            if !(0.0..1.0).contains(&self.trim) {
                return Err(AekitError::param(
                    "trim",
                    format!("must be in [0, 1), got {}", self.trim),
                ));
            }
            crate::model::ensemble::histogram::check_bins(self.histogram_bins)?;
            if let Some(n) = &self.neighbours {
                n.validate()?;
            }
            if let Some(w) = &self.widths
                && (w.is_empty() || w.contains(&0))
            {
                return Err(AekitError::param(
                    "widths",
                    "needs one or more code widths, each at least 1",
                ));
            }
            if self.training.loss == crate::train::LossKind::Bce {
                return Err(AekitError::param(
                    "loss",
                    "bce needs a sigmoid output layer: give a single model's architecture",
                ));
            }
        }
        self.training.validate()
    }

    /// Fits on `train` (no labels needed) and sets the threshold from the
    /// training rows' scores.
    pub fn fit<'d>(&self, train: impl Into<Dataset<'d>>) -> Result<Detector> {
        self.fit_with(train, FitOptions::new())
    }

    /// [`fit`](Self::fit) with validation rows and an observer.
    pub fn fit_with<'d>(
        &self,
        train: impl Into<Dataset<'d>>,
        options: FitOptions<'_>,
    ) -> Result<Detector> {
        let train = train.into();
        let train = &train;
        self.validate()?;
        // The ensemble's own training scores: its neighbour member leaves
        // each training row out of its reference, as unseen rows are.
        let mut training_scores = None;
        let mut autoencoder = match &self.model {
            Some(m) => {
                let params = AutoencoderParams::new()
                    .columns(self.columns.clone())
                    .scale(self.scale)
                    .model(m.clone())
                    .training(self.training.clone());
                let mut a = params.fit_with(train, options)?;
                let n_rows = (a.history().epochs.len(), train.n_rows());
                a.set_detector_record(Some(DetectorRecord::one_model(
                    self.scale,
                    m.bottleneck,
                    n_rows.0,
                    n_rows.1,
                )));
                a
            }
            None => {
                let (validation, validation_target, observer) = options.into_parts();
                if validation.is_some() || validation_target.is_some() {
                    return Err(AekitError::param(
                        "validation",
                        "the ensemble holds out its own validation_split; give validation rows to a single model (an architecture)",
                    ));
                }
                let mut silent = Silent;
                let observer = observer.unwrap_or(&mut silent);
                let (a, scores) =
                    backend::install_on(self.training.threads, self.training.device, || {
                        self.fit_ensemble(train, observer)
                    })??;
                // Without neighbours the scores are those of scoring the rows
                // again, taken that way as before.
                training_scores = self.neighbours.is_some().then_some(scores);
                a
            }
        };
        let scores = match training_scores {
            Some(s) => s,
            None => autoencoder.anomaly_scores(&autoencoder.scaled_features(train)?)?,
        };
        let threshold = quantile(&scores, self.rule.quantile());
        let flagged = scores.iter().filter(|&&s| s > threshold).count();
        autoencoder.set_anomaly_threshold(Some(AnomalyThreshold {
            threshold,
            rule: self.rule,
            training_flagged: flagged as f64 / scores.len() as f64,
        }));
        Ok(Detector {
            autoencoder,
            decision_scores: Some(scores),
        })
    }

    fn fit_ensemble(
        &self,
        train: &Dataset<'_>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<(Autoencoder, Vec<f64>)> {
        let resolved = self.columns.resolve(train)?;
        let mut schema = resolved.schema;
        schema.fit_missing(train)?;
        let mut x = schema.input_matrix(train)?;
        let scaler = Scaler::fit(self.scale, &x.values, x.n_cols);
        scaler.transform(&mut x.values);
        let d = x.n_cols;
        let widths = self.widths.clone().unwrap_or_else(|| default_widths(d));
        let mut members = Vec::new();
        let mut records = Vec::new();
        let mut history = History::default();
        // The left-out columns are told once, at the first member's start.
        let mut skipped = (resolved.skipped_text, resolved.skipped_empty);
        for &width in &widths {
            let config = member_architecture(width);
            let (first, h) = fit_member(
                &config,
                &x,
                &self.training,
                (
                    &std::mem::take(&mut skipped.0),
                    &std::mem::take(&mut skipped.1),
                ),
                observer,
            )?;
            let mut record = MemberRecord {
                width,
                epochs: h.epochs.len(),
                refit_epochs: None,
                rows: x.n_rows(),
            };
            let (member, h) = if self.trim > 0.0 {
                let keep = trimmed_rows(&first.net_errors(&x, &x), self.trim);
                let kept = x.gather(&keep);
                // Too few rows left for the split is the trim's doing.
                if let Err(AekitError::InvalidParam { message, .. }) =
                    validation_rows(&self.training, kept.n_rows(), SplitStream::Tabular)
                {
                    return Err(AekitError::param(
                        "trim",
                        format!(
                            "{} keeps {} of {} rows for the refit, too few for `validation_split`: {message}",
                            self.trim,
                            kept.n_rows(),
                            x.n_rows()
                        ),
                    ));
                }
                let (refit, h) = fit_member(&config, &kept, &self.training, (&[], &[]), observer)?;
                record.refit_epochs = Some(h.epochs.len());
                record.rows = kept.n_rows();
                (refit, h)
            } else {
                (first, h)
            };
            members.push(member);
            records.push(record);
            history = h;
        }
        let config = EnsembleConfig {
            members: widths.iter().map(|&w| member_architecture(w)).collect(),
            histogram_bins: self.histogram_bins,
            neighbours: self.neighbours,
            weighting: self.weighting,
        };
        let (network, scores) =
            EnsembleFitted::from_training_rows(members, config.clone(), &x, self.training.seed)?;
        let kind_weights = network.kind_weights();
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            model: ModelConfig::Ensemble(config),
            input: Preprocessing {
                shape: vec![d],
                schema,
                scaler,
            },
            target: None,
            training: self.training.clone(),
            history,
            tasks: TaskData::default(),
        };
        let mut autoencoder = Autoencoder::from_parts(
            meta,
            Box::new(network),
            self.training.threads,
            self.training.device,
        );
        autoencoder.set_detector_record(Some(DetectorRecord {
            scale: self.scale,
            trim: self.trim,
            histogram_bins: self.histogram_bins,
            neighbours: self.neighbours.map(|n| n.k),
            kind_weights,
            members: records,
        }));
        Ok((autoencoder, scores))
    }
}

/// The rows whose error is at most the (1 - `trim`) quantile of `errors`
/// (numpy's linear interpolation): those a refit keeps.
pub fn trimmed_rows(errors: &[f64], trim: f64) -> Vec<usize> {
    let cut = quantile(errors, 1.0 - trim);
    (0..errors.len()).filter(|&i| errors[i] <= cut).collect()
}

/// Fits one dense model on scaled rows, holding out the training config's
/// validation split (seeded, as `aekit train` does).
fn fit_member(
    config: &DenseAutoencoderConfig,
    x: &Matrix,
    training: &TrainingConfig,
    (skipped_text, skipped_empty): (&[String], &[String]),
    observer: &mut dyn TrainingObserver,
) -> Result<(DenseFitted, History)> {
    let (fit, validation) = match validation_rows(training, x.n_rows(), SplitStream::Tabular)? {
        Some((f, v)) => (x.gather(&f), Some(x.gather(&v))),
        None => (x.clone(), None),
    };
    let start = TrainingStart {
        n_rows: fit.n_rows(),
        n_validation_rows: validation.as_ref().map_or(0, Matrix::n_rows),
        n_features: x.n_cols,
        skipped_text: skipped_text.to_vec(),
        skipped_empty: skipped_empty.to_vec(),
    };
    let data = TrainingData::new(&fit, None).with_noise(training.noise, None, training.seed);
    let pairs = validation.as_ref().map(|v| Pairs {
        inputs: v,
        targets: v,
    });
    // A member's untrained weights are refused; its outputs are checked
    // with the ensemble's.
    train_observed(
        observer,
        &start,
        |observer| {
            crate::model::dense::training::fit(
                config, x.n_cols, x.n_cols, &data, pairs, training, observer,
            )
        },
        |_| Ok(None),
    )
}
