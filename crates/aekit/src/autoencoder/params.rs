//! The unfitted model, linfa's way: [`AutoencoderParams`] gathers the
//! hyper-parameters through setters that say their defaults, and is
//! checked once, at fit (or by [`ParamGuard::check`]), into
//! [`AutoencoderValidParams`], whose getters read them back. Each setter
//! writes one field of the nested configs ([`ColumnRoles`], [`ModelConfig`],
//! [`TrainingConfig`]), which can also be given whole.

use linfa::ParamGuard;

use super::image_defaults::ImageDefaults;
use super::table_defaults::TableDefaults;
use crate::data::{ColumnRoles, ImageShape, MissingPolicy, ScaleKind};
use crate::error::{AekitError, Result};
use crate::model::{Activation, DenseAutoencoderConfig, ModelConfig};
use crate::train::{LossKind, TrainingConfig, TrainingSetters};

/// Checked hyper-parameters of an autoencoder: what
/// [`AutoencoderParams`] becomes once every value is known to be valid.
///
/// ```
/// use aekit::{Autoencoder, TrainingSetters};
/// use linfa::ParamGuard;
///
/// let checked = Autoencoder::params().epochs(10).threads(2).check()?;
/// assert_eq!(checked.training().epochs, 10);
/// assert_eq!(checked.threads(), Some(2));
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoencoderValidParams {
    columns: ColumnRoles,
    scale: ScaleKind,
    model: ModelConfig,
    training: TrainingConfig,
    image_shape: Option<ImageShape>,
    image_defaults: ImageDefaults,
    table_defaults: TableDefaults,
}

impl AutoencoderValidParams {
    /// Which columns are label, ids, dropped or one-hot.
    pub fn columns(&self) -> &ColumnRoles {
        &self.columns
    }

    /// Feature scaling.
    pub fn scale(&self) -> ScaleKind {
        self.scale
    }

    /// The model's kind and architecture.
    pub fn model(&self) -> &ModelConfig {
        &self.model
    }

    /// The training schedule.
    pub fn training(&self) -> &TrainingConfig {
        &self.training
    }

    /// The rows' image shape, when they are images.
    pub fn image_shape(&self) -> Option<ImageShape> {
        self.image_shape
    }

    /// CPU threads; `None`: `RAYON_NUM_THREADS`, else every core.
    pub fn threads(&self) -> Option<usize> {
        self.training.threads
    }

    /// The parameters left to be decided from the images at fit.
    pub fn image_defaults(&self) -> ImageDefaults {
        self.image_defaults
    }

    /// The parameters left to be decided from a plain table at fit.
    pub fn table_defaults(&self) -> TableDefaults {
        self.table_defaults
    }

    /// Decides the parameters left to a plain table of `n_inputs` inputs
    /// (and, when known, `n_train` training rows: the epochs), as given
    /// ones from then on ([`TableDefaults`]).
    pub(crate) fn decide_for_table(&mut self, n_inputs: usize, n_train: Option<usize>) {
        let left = self.table_defaults;
        if let Some(n) = n_train {
            self.training = left.training(&self.model, &self.training, n);
            self.table_defaults.epochs = false;
        }
        self.model = left.apply(&self.model, n_inputs);
        self.table_defaults.architecture = false;
    }

    fn validate(&self) -> Result<()> {
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
}

/// Everything needed to fit an autoencoder, set one hyper-parameter at a
/// time; every one has a default, stated on its setter.
///
/// Nothing is checked until [`fit`](Self::fit) (or
/// [`ParamGuard::check`]), which reports the first invalid value as
/// [`AekitError::InvalidParam`] naming it as its setter is named.
///
/// ```
/// use aekit::{AekitError, Autoencoder, TrainingSetters};
/// use aekit::train::OptimizerKind;
///
/// let params = Autoencoder::params()
///     .hidden([16, 8])
///     .bottleneck(3)
///     .optimizer(OptimizerKind::RmsProp)
///     .learning_rate(0.01)
///     .epochs(20)
///     .seed(7);
/// assert!(params.validate().is_ok());
///
/// let wrong = Autoencoder::params().bottleneck(0);
/// assert!(matches!(
///     wrong.validate(),
///     Err(AekitError::InvalidParam { name: "bottleneck", .. })
/// ));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoencoderParams {
    valid: AutoencoderValidParams,
    /// The first setter that does not apply to the model's kind, and that kind.
    misplaced: Option<(&'static str, &'static str)>,
}

impl AutoencoderParams {
    /// Every hyper-parameter at its default: a dense autoencoder with no
    /// hidden layers, trained with Adam; its code width and epochs decided
    /// at fit from the table ([`TableDefaults`]) or the images
    /// ([`ImageDefaults`]).
    pub fn new() -> AutoencoderParams {
        AutoencoderParams::default()
    }

    /// Checks every hyper-parameter that needs no data (the checks that
    /// need it run in `fit`).
    pub fn validate(&self) -> Result<()> {
        self.check_ref().map(drop)
    }

    /// The dense architecture, for a setter called `name`.
    fn dense(mut self, name: &'static str, set: impl FnOnce(&mut DenseAutoencoderConfig)) -> Self {
        self.valid.image_defaults = ImageDefaults::NONE;
        self.valid.table_defaults = TableDefaults::NONE;
        let kind = self.valid.model.kind();
        match self.valid.model.as_dense_mut() {
            Some(config) => set(config),
            None => {
                self.misplaced.get_or_insert((name, kind));
            }
        }
        self
    }

    // Data.

    /// Which columns are label, ids, dropped or one-hot encoded, all at
    /// once. Default: every numeric or boolean column is a feature, text
    /// columns of at most 20 values are one-hot, wider ones left out,
    /// missing cells imputed.
    pub fn columns(mut self, columns: ColumnRoles) -> Self {
        self.valid.columns = columns;
        self
    }

    /// The label column: kept out of the features and copied to outputs.
    /// Default: none.
    pub fn label(mut self, column: impl Into<String>) -> Self {
        self.valid.columns.label = Some(column.into());
        self
    }

    /// Identifier columns: kept out of the features and copied to outputs.
    /// Default: none.
    pub fn ids<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.valid.columns.ids = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Columns to leave out entirely. Default: none.
    pub fn drop_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.valid.columns.drop = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Categorical columns to one-hot encode into features, whatever
    /// their number of categories. Default: none.
    pub fn one_hot<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.valid.columns.one_hot = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Unnamed text columns with at most this many distinct values are
    /// one-hot encoded; wider ones are left out. Default 20.
    pub fn max_categories(mut self, n: usize) -> Self {
        self.valid.columns.max_categories = n;
        self
    }

    /// Missing numeric cells: imputed by the training median with a
    /// `COL__missing` input (default), or refused.
    pub fn missing(mut self, policy: MissingPolicy) -> Self {
        self.valid.columns.missing = policy;
        self
    }

    /// Feature scaling, fitted on the training rows. Default min-max;
    /// none on images already in [0, 1] ([`ImageDefaults`]).
    pub fn scale(mut self, scale: ScaleKind) -> Self {
        self.valid.scale = scale;
        self.valid.image_defaults.scale = false;
        self
    }

    // The model.

    /// The model's kind and architecture, all at once. Default: a dense
    /// autoencoder with [`DenseAutoencoderConfig`]'s defaults.
    pub fn model(mut self, model: impl Into<ModelConfig>) -> Self {
        self.valid.model = model.into();
        self.valid.image_defaults = ImageDefaults::NONE;
        self.valid.table_defaults = TableDefaults::NONE;
        self
    }

    /// Which parameters are left to be decided from the images at fit
    /// ([`ImageDefaults`]). Default: all, until a setter gives one; any
    /// architecture setter, or a whole [`model`](Self::model), leaves
    /// none (the kinds' own defaults, as for other rows).
    pub fn image_defaults(mut self, left: ImageDefaults) -> Self {
        self.valid.image_defaults = left;
        self
    }

    /// Which parameters are left to be decided from a plain table at fit
    /// ([`TableDefaults`]). Default: all, until a setter gives one; any
    /// architecture setter, or a whole [`model`](Self::model), leaves
    /// none, and [`epochs`](TrainingSetters::epochs) or a whole
    /// [`training`](TrainingSetters::training) leaves the epochs given.
    pub fn table_defaults(mut self, left: TableDefaults) -> Self {
        self.valid.table_defaults = left;
        self
    }

    /// Encoder hidden widths, input side first (dense models). Default:
    /// none, the inputs go straight to the bottleneck.
    pub fn hidden(self, widths: impl IntoIterator<Item = usize>) -> Self {
        self.dense("hidden", |c| c.hidden = widths.into_iter().collect())
    }

    /// Width of the code (dense models). Default: decided at fit, from a
    /// plain table's input count ([`TableDefaults`]: 3/4 of it, at most
    /// 256, always fewer than the inputs) or the images' size
    /// ([`ImageDefaults`]); 2 once another architecture setter is called.
    pub fn bottleneck(self, width: usize) -> Self {
        self.dense("bottleneck", |c| c.bottleneck = width)
    }

    /// Decoder hidden widths, bottleneck side first (dense models).
    /// Default: the encoder's, mirrored.
    pub fn decoder_hidden(self, widths: impl IntoIterator<Item = usize>) -> Self {
        self.dense("decoder_hidden", |c| {
            c.decoder_hidden = Some(widths.into_iter().collect())
        })
    }

    /// Activation after each hidden layer (dense models). Default relu.
    pub fn activation(self, activation: Activation) -> Self {
        self.dense("activation", |c| c.activation = activation)
    }

    /// Activation of the bottleneck layer (dense models). Default linear.
    pub fn bottleneck_activation(self, activation: Activation) -> Self {
        self.dense("bottleneck_activation", |c| {
            c.bottleneck_activation = activation
        })
    }

    /// Activation of the output layer (dense models). Default linear;
    /// on images scaled into [0, 1], sigmoid ([`ImageDefaults`]); binary
    /// cross-entropy needs sigmoid.
    pub fn output_activation(self, activation: Activation) -> Self {
        self.dense("output_activation", |c| c.output_activation = activation)
    }

    /// Batch normalisation after each hidden layer (dense models).
    /// Default off.
    pub fn batch_norm(self, on: bool) -> Self {
        self.dense("batch_norm", |c| c.batch_norm = on)
    }

    /// Dropout probability after each hidden activation, in [0, 1) (dense
    /// models). Default 0.
    pub fn dropout(self, probability: f64) -> Self {
        self.dense("dropout", |c| c.dropout = probability)
    }

    /// The rows are images of this shape (their feature columns the
    /// pixels, channel-major); stored with the model. Conv kinds need it;
    /// dense kinds use it to draw their rows. Default `None`: plain features.
    pub fn image_shape(mut self, shape: impl Into<Option<ImageShape>>) -> Self {
        self.valid.image_shape = shape.into();
        self
    }
}

/// The training setters ([`TrainingSetters`]): their defaults are
/// [`TrainingConfig::default`]'s.
impl TrainingSetters for AutoencoderParams {
    fn training_mut(&mut self) -> &mut TrainingConfig {
        &mut self.valid.training
    }

    /// The training schedule, all at once: its epochs are given.
    fn training(mut self, training: TrainingConfig) -> Self {
        self.valid.training = training;
        self.valid.table_defaults.epochs = false;
        self
    }

    /// Passes over the training rows. Default 50; on a plain table with
    /// the architecture left to it, decided at fit ([`TableDefaults`]).
    fn epochs(mut self, epochs: usize) -> Self {
        self.valid.training.epochs = epochs;
        self.valid.table_defaults.epochs = false;
        self
    }
}

impl ParamGuard for AutoencoderParams {
    type Checked = AutoencoderValidParams;
    type Error = AekitError;

    fn check_ref(&self) -> Result<&AutoencoderValidParams> {
        if let Some((name, kind)) = self.misplaced {
            return Err(AekitError::param(
                name,
                format!("applies to dense models; this model is of kind '{kind}'"),
            ));
        }
        self.valid.validate()?;
        Ok(&self.valid)
    }

    fn check(self) -> Result<AutoencoderValidParams> {
        self.check_ref()?;
        Ok(self.valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::OptimizerKind;

    /// The defaults the setters' documentation states.
    #[test]
    fn documented_defaults_hold() {
        let p = AutoencoderParams::new().check().unwrap();
        let d = p.model().as_dense().unwrap();
        assert!(d.hidden.is_empty() && d.decoder_hidden.is_none());
        assert_eq!(d.bottleneck, 2);
        assert_eq!(p.table_defaults(), TableDefaults::ALL);
        assert_eq!(
            (d.activation, d.bottleneck_activation, d.output_activation),
            (Activation::Relu, Activation::Linear, Activation::Linear)
        );
        assert!(!d.batch_norm && d.dropout == 0.0);
        let t = p.training();
        assert_eq!((t.epochs, t.batch_size, t.seed), (50, 32, 42));
        assert_eq!(t.optimizer.kind, OptimizerKind::Adam);
        assert_eq!(t.optimizer.lr(), 1e-3);
        assert_eq!(t.optimizer.momentum, 0.0);
        assert_eq!(t.loss, LossKind::Mse);
        assert!(t.shuffle && t.validation_split.is_none() && t.patience.is_none());
        assert_eq!((t.min_delta, t.noise), (0.0, None));
        assert_eq!((p.scale(), p.threads()), (ScaleKind::MinMax, None));
        assert_eq!(p.columns(), &ColumnRoles::default());
    }

    #[test]
    fn setters_write_their_field_and_checks_name_it() {
        let p = AutoencoderParams::new()
            .hidden([8, 4])
            .bottleneck(3)
            .epochs(7)
            .learning_rate(0.5)
            .label("y")
            .threads(2);
        let v = p.clone().check().unwrap();
        let d = v.model().as_dense().unwrap();
        assert_eq!((d.hidden.as_slice(), d.bottleneck), (&[8, 4][..], 3));
        assert_eq!(v.training().epochs, 7);
        assert_eq!(v.training().optimizer.learning_rate, Some(0.5));
        assert_eq!(v.columns().label.as_deref(), Some("y"));
        assert_eq!(v.threads(), Some(2));
        for (wrong, name) in [
            (p.clone().epochs(0), "epochs"),
            (p.clone().threads(0), "threads"),
            (p.clone().dropout(1.0), "dropout"),
            (p.clone().learning_rate(-1.0), "learning_rate"),
            (p.clone().loss(LossKind::Bce), "loss"),
        ] {
            match wrong.validate() {
                Err(AekitError::InvalidParam { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
