//! Setters for [`DetectorParams`], each stating its default (the
//! detector's own, which differ from a plain autoencoder's where PyOD's
//! do), so a detector is built as an autoencoder is:
//! `Detector::params().contamination(0.05).epochs(30).fit(&rows)`.
//! The fields stay public, as burn's configs have them.

use super::anomaly::{Detector, DetectorParams};
use crate::data::{ColumnRoles, ScaleKind};
use crate::model::{Activation, DenseAutoencoderConfig};
use crate::threshold::ThresholdRule;
use crate::train::{LossKind, OptimizerKind, TrainingConfig};

impl Detector {
    /// Unfitted params with every hyper-parameter at the detector's
    /// default, to set with setters and [`fit`](DetectorParams::fit).
    pub fn params() -> DetectorParams {
        DetectorParams::default()
    }
}

impl DetectorParams {
    fn architecture(mut self, set: impl FnOnce(&mut DenseAutoencoderConfig)) -> Self {
        set(self
            .model
            .get_or_insert_with(DenseAutoencoderConfig::default));
        self
    }

    fn train(mut self, set: impl FnOnce(&mut TrainingConfig)) -> Self {
        set(&mut self.training);
        self
    }

    // Data.

    /// Which columns are label, ids, dropped or one-hot encoded, all at
    /// once. Default: every numeric column is a feature.
    pub fn columns(mut self, columns: ColumnRoles) -> Self {
        self.columns = columns;
        self
    }

    /// The label column, kept out of the features. Default: none.
    pub fn label(mut self, column: impl Into<String>) -> Self {
        self.columns.label = Some(column.into());
        self
    }

    /// Identifier columns, kept out of the features and copied to scores.
    /// Default: none.
    pub fn ids<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.columns.ids = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Columns to leave out entirely. Default: none.
    pub fn drop_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.columns.drop = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Categorical columns to one-hot encode. Default: none.
    pub fn one_hot<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.columns.one_hot = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Feature scaling. Default robust (median / IQR), which held best
    /// across the eleven benchmark sets.
    pub fn scale(mut self, scale: ScaleKind) -> Self {
        self.scale = scale;
        self
    }

    // The threshold.

    /// How the threshold is set from the training scores, all at once.
    /// Default: contamination 0.1.
    pub fn rule(mut self, rule: ThresholdRule) -> Self {
        self.rule = rule;
        self
    }

    /// The expected share of anomalies in the training rows, in (0, 0.5]:
    /// the threshold flags that share of them (PyOD's `contamination`).
    /// Default 0.1.
    pub fn contamination(self, share: f64) -> Self {
        self.rule(ThresholdRule::Contamination(share))
    }

    /// The threshold is this percentile (0-100) of the training scores,
    /// instead of a contamination. Default: not used.
    pub fn threshold_percentile(self, percentile: f64) -> Self {
        self.rule(ThresholdRule::Percentile(percentile))
    }

    // The model.

    /// A single autoencoder of this architecture instead of the ensemble.
    /// Default: none, the ensemble (see [`widths`](Self::widths)).
    pub fn model(mut self, model: impl Into<Option<DenseAutoencoderConfig>>) -> Self {
        self.model = model.into();
        self
    }

    /// Encoder hidden widths. Default: none. Like every architecture
    /// setter, it replaces the ensemble with one autoencoder of
    /// [`DenseAutoencoderConfig`]'s defaults and this value, as the
    /// command line's architecture flags do.
    pub fn hidden(self, widths: impl IntoIterator<Item = usize>) -> Self {
        self.architecture(|c| c.hidden = widths.into_iter().collect())
    }

    /// Width of a single model's code (replacing the ensemble, whose
    /// members have widths 1, 2, 4, ... up to half the features).
    pub fn bottleneck(self, width: usize) -> Self {
        self.architecture(|c| c.bottleneck = width)
    }

    /// Activation after each hidden layer of a single model. Default: the
    /// ensemble's members are linear; relu once an architecture is set.
    pub fn activation(self, activation: Activation) -> Self {
        self.architecture(|c| c.activation = activation)
    }

    /// The ensemble's code widths, one member each. Default: 1, 2, 4, ...
    /// up to half the number of features
    /// ([`default_widths`](crate::model::EnsembleConfig)).
    pub fn widths(mut self, widths: impl IntoIterator<Item = usize>) -> Self {
        self.widths = Some(widths.into_iter().collect());
        self
    }

    /// Share of the training rows, those a member rebuilt worst, that the
    /// member is refitted without, in [0, 1). Default
    /// [`DEFAULT_TRIM`](super::anomaly::DEFAULT_TRIM) (0.3).
    pub fn trim(mut self, share: f64) -> Self {
        self.trim = share;
        self
    }

    /// Bins of the width-0 member's per-feature histograms of the scaled
    /// inputs; `None` leaves the autoencoders alone. Default `Some(10)`
    /// (PyOD's `HBOS`).
    pub fn histogram_bins(mut self, bins: Option<usize>) -> Self {
        self.histogram_bins = bins;
        self
    }

    // Training.

    /// The training schedule, all at once. Default: see the setters below.
    pub fn training(mut self, training: TrainingConfig) -> Self {
        self.training = training;
        self
    }

    /// Passes over the training rows. Default 100.
    pub fn epochs(self, epochs: usize) -> Self {
        self.train(|t| t.epochs = epochs)
    }

    /// Rows per gradient step. Default 32.
    pub fn batch_size(self, rows: usize) -> Self {
        self.train(|t| t.batch_size = rows)
    }

    /// The optimiser. Default Adam.
    pub fn optimizer(self, kind: OptimizerKind) -> Self {
        self.train(|t| t.optimizer.kind = kind)
    }

    /// The learning rate. Default: Keras' for the optimiser (0.001 for
    /// Adam and RMSprop, 0.01 for SGD).
    pub fn learning_rate(self, rate: impl Into<Option<f64>>) -> Self {
        let rate = rate.into();
        self.train(|t| t.optimizer.learning_rate = rate)
    }

    /// The reconstruction loss. Default mean squared error.
    pub fn loss(self, loss: LossKind) -> Self {
        self.train(|t| t.loss = loss)
    }

    /// The share of the training rows held out (drawn at random) to
    /// validate on. Default 0.1; `None` validates on nothing.
    pub fn validation_split(self, fraction: impl Into<Option<f64>>) -> Self {
        let fraction = fraction.into();
        self.train(|t| t.validation_split = fraction)
    }

    /// Stop after this many epochs without improvement and keep the best
    /// weights. Default 10; `None` trains every epoch.
    pub fn patience(self, epochs: impl Into<Option<usize>>) -> Self {
        let epochs = epochs.into();
        self.train(|t| t.patience = epochs)
    }

    /// Seeds initialisation, shuffling and the validation draw. Default 42.
    pub fn seed(self, seed: u64) -> Self {
        self.train(|t| t.seed = seed)
    }

    // Running.

    /// CPU threads for fitting and scoring; `None` takes
    /// `RAYON_NUM_THREADS`, else every core. Default `None`.
    pub fn threads(mut self, threads: impl Into<Option<usize>>) -> Self {
        self.threads = threads.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AekitError;

    /// The defaults the setters' documentation states: a change of
    /// default fails here until the documentation says it.
    #[test]
    fn documented_defaults_hold() {
        let p = Detector::params();
        assert_eq!(p.columns, ColumnRoles::default());
        assert_eq!(p.scale, ScaleKind::Robust);
        assert_eq!((p.widths.as_ref(), p.trim), (None, 0.3));
        assert_eq!(p.histogram_bins, Some(10));
        assert_eq!(p.rule, ThresholdRule::Contamination(0.1));
        assert_eq!(p.model, None);
        let member = super::super::anomaly::member_architecture(4);
        assert_eq!(
            (member.bottleneck, member.activation),
            (4, Activation::Linear)
        );
        let t = &p.training;
        assert_eq!((t.epochs, t.batch_size, t.seed), (100, 32, 42));
        assert_eq!(t.optimizer.kind, OptimizerKind::Adam);
        assert_eq!(t.optimizer.lr(), 1e-3);
        assert_eq!(t.loss, LossKind::Mse);
        assert_eq!((t.validation_split, t.patience), (Some(0.1), Some(10)));
        assert_eq!(p.threads, None);
        let set = Detector::params()
            .hidden([4])
            .contamination(0.05)
            .threads(1);
        assert_eq!(
            set.model.as_ref().map(|m| m.activation),
            Some(Activation::Relu)
        );
        assert_eq!(set.rule, ThresholdRule::Contamination(0.05));
        assert!(matches!(
            Detector::params().contamination(0.7).validate(),
            Err(AekitError::InvalidParam {
                name: "contamination",
                ..
            })
        ));
        assert!(matches!(
            Detector::params().threads(0).validate(),
            Err(AekitError::InvalidParam {
                name: "threads",
                ..
            })
        ));
    }
}
