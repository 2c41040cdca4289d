//! The model flags, as clap sees them: the architecture (`ModelArgs`)
//! and the kind with the flags only some kinds take (`KindArgs`).

use aekit::model::Activation;
use clap::{Args, ValueEnum};

/// The architecture.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Encoder hidden widths, input side first, e.g. 200,100; "none" for
    /// input -> bottleneck -> output [default: none]. For detect, any
    /// architecture flag trains that single model instead of the ensemble.
    #[arg(long, value_name = "LIST", help_heading = "Model")]
    pub hidden: Option<String>,
    /// Decoder hidden widths, bottleneck side first [default: mirror --hidden].
    #[arg(long, value_name = "LIST", help_heading = "Model")]
    pub decoder_hidden: Option<String>,
    /// Width of the bottleneck (the code) [default: 2; 16 for conv; train
    /// with no architecture flag decides it from the rows: 3/4 of a table's
    /// inputs (at most 256, always fewer; docs/tabular.md), half an image's
    /// values (docs/images.md)].
    #[arg(long, help_heading = "Model")]
    pub bottleneck: Option<usize>,
    /// Hidden-layer activation: relu, leaky_relu[:slope] (slope 0.3 by
    /// default), tanh, sigmoid, linear [default: relu].
    #[arg(long, value_name = "ACT", help_heading = "Model")]
    pub activation: Option<Activation>,
    /// Bottleneck activation [default: linear].
    #[arg(long, value_name = "ACT", help_heading = "Model")]
    pub bottleneck_activation: Option<Activation>,
    /// Output activation [default: sigmoid with --loss bce, or on images in
    /// [0, 1] with no architecture flag; linear otherwise].
    #[arg(long, value_name = "ACT", help_heading = "Model")]
    pub output_activation: Option<Activation>,
    /// Batch normalisation after each hidden Dense layer.
    #[arg(long, help_heading = "Model")]
    pub batch_norm: bool,
    /// Batch-norm epsilon [default: 1e-3, as Keras; PyTorch 1e-5].
    #[arg(long, value_name = "EPS", help_heading = "Model")]
    pub batch_norm_epsilon: Option<f64>,
    /// Batch-norm running-statistics momentum, Keras convention: the share
    /// they keep each step [default: 0.99, as Keras; PyTorch's 0.1 is 0.9].
    #[arg(long, value_name = "M", help_heading = "Model")]
    pub batch_norm_momentum: Option<f64>,
    /// Dense weight initialisation: glorot_uniform (Keras), he_uniform,
    /// lecun_uniform, pytorch (nn.Linear's, biases too) [default: glorot_uniform].
    #[arg(long, value_name = "INIT", help_heading = "Model")]
    pub init: Option<aekit::model::Init>,
    /// Dropout probability after each hidden layer [default: 0].
    #[arg(long, value_name = "P", help_heading = "Model")]
    pub dropout: Option<f64>,
}

/// The model kinds `train` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Kind {
    /// Dense layers (--hidden, --bottleneck).
    #[default]
    Dense,
    /// 3x3 stride-2 convolutions over images (--image-shape, --channels),
    /// a dense bottleneck, transposed convolutions back.
    Conv,
    /// A variational autoencoder: dense (--hidden) or convolutional
    /// (--conv / --channels), loss = reconstruction + beta * KL.
    Vae,
}

/// How a detector weighs its members (`--weighting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightingArg {
    /// Every member the same.
    Members,
    /// Each member by its kind's agreement with the rest (a kind ranking
    /// against them weighed 0).
    AgreeingKinds,
}

/// What kind of model, and the flags only some kinds take.
#[derive(Debug, Args)]
pub struct KindArgs {
    /// The model kind [default: dense].
    #[arg(long, value_enum, help_heading = "Model")]
    pub kind: Option<Kind>,
    /// The rows are images: HxW (grey) or CxHxW, pixels in channel-major
    /// order (stored with the model). Needed by conv models.
    #[arg(long, value_name = "HxW", help_heading = "Model")]
    pub image_shape: Option<String>,
    /// Output channels of each 3x3 stride-2 convolution, e.g. 16,32 (conv,
    /// and vae with --conv) [default: 16,32].
    #[arg(long, value_name = "LIST", help_heading = "Model")]
    pub channels: Option<String>,
    /// With --kind vae: a convolutional encoder and decoder (--channels).
    #[arg(long, help_heading = "Model")]
    pub conv: bool,
    /// Weight of the KL term of a vae (per output value) [default: 1].
    #[arg(long, allow_negative_numbers = true, help_heading = "Model")]
    pub beta: Option<f64>,
}
