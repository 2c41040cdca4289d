//! Setters for [`DetectorParams`], each stating its default (the
//! detector's own, which differ from a plain autoencoder's where PyOD's
//! do), so a detector is built as an autoencoder is:
//! `Detector::params().contamination(0.05).epochs(30).fit(&rows)`.
//! The fields stay public, as burn's configs have them.

use super::anomaly::{Detector, DetectorParams};
use crate::data::{ColumnRoles, MissingPolicy, ScaleKind};
use crate::model::ensemble::{NeighbourConfig, Weighting};
use crate::model::{Activation, DenseAutoencoderConfig};
use crate::threshold::ThresholdRule;
use crate::train::{TrainingConfig, TrainingSetters};

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

    // Data.

    /// Which columns are label, ids, dropped or one-hot encoded, all at
    /// once. Default: every numeric or boolean column is a feature, text
    /// columns of at most 20 values are one-hot, missing cells imputed.
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

    /// Categorical columns to one-hot encode, whatever their number of
    /// categories. Default: none.
    pub fn one_hot<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.columns.one_hot = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Unnamed text columns with at most this many distinct values are
    /// one-hot encoded; wider ones are left out. Default 20.
    pub fn max_categories(mut self, n: usize) -> Self {
        self.columns.max_categories = n;
        self
    }

    /// Missing numeric cells: imputed by the training median with a
    /// `COL__missing` input (default), or refused.
    pub fn missing(mut self, policy: MissingPolicy) -> Self {
        self.columns.missing = policy;
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

    /// The neighbour member: each row's distance to its k-th nearest of up
    /// to `reference_rows` training rows; `None` leaves it out. Default
    /// `Some` of [`DEFAULT_NEIGHBOURS`](crate::model::ensemble::DEFAULT_NEIGHBOURS)
    /// (k 5, at most 2 000 rows).
    pub fn neighbours(mut self, neighbours: Option<NeighbourConfig>) -> Self {
        self.neighbours = neighbours;
        self
    }

    /// How the members' standardised scores are weighed.
    pub fn weighting(mut self, weighting: Weighting) -> Self {
        self.weighting = weighting;
        self
    }
}

/// The training setters ([`TrainingSetters`]); the detector's defaults
/// differ from [`TrainingConfig::default`]'s: 100 epochs, a seeded random
/// 10 % validation split, patience 10 (see [`DetectorParams::training`]).
impl TrainingSetters for DetectorParams {
    fn training_mut(&mut self) -> &mut TrainingConfig {
        &mut self.training
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AekitError;
    use crate::train::{LossKind, OptimizerKind};

    /// The defaults the setters' documentation states: a change of
    /// default fails here until the documentation says it.
    #[test]
    fn documented_defaults_hold() {
        let p = Detector::params();
        assert_eq!(p.columns, ColumnRoles::default());
        assert_eq!(
            (p.columns.max_categories, p.columns.missing),
            (20, MissingPolicy::Impute)
        );
        assert_eq!(p.scale, ScaleKind::Robust);
        assert_eq!((p.widths.as_ref(), p.trim), (None, 0.3));
        assert_eq!(p.histogram_bins, Some(10));
        assert_eq!(
            p.neighbours,
            Some(NeighbourConfig {
                k: 5,
                reference_rows: 2000
            })
        );
        assert_eq!(p.weighting, Weighting::Members);
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
        assert_eq!(p.training.threads, None);
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
