//! The command line, as clap sees it. Nothing here decides anything:
//! `settings` turns these into library configurations.

use std::path::PathBuf;

use aekit::DeviceChoice;
use clap::{Args, Parser, Subcommand};

pub use crate::data_args::{ColumnArgs, Format, Missing, ReadArgs, Scale};
pub use crate::model_args::{Kind, KindArgs, ModelArgs, WeightingArg};
use crate::training_args::{ReconstructionArgs, StreamArgs, TrainingArgs};

/// Train autoencoders on CSV data and use them: encode rows to compact
/// features, decode codes back to rows, reconstruct rows and measure
/// their reconstruction error.
#[derive(Debug, Parser)]
#[command(
    name = "aekit",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "User guide: docs/README.md in the aekit repository, one page per task."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train an autoencoder (dense, convolutional or variational) on a CSV
    /// file and save it.
    #[command(after_help = "Guide: docs/tabular.md")]
    Train(Box<TrainArgs>),
    /// Train an anomaly detector: by default an ensemble of linear
    /// autoencoders of code widths 1, 2, 4, ... on robust-scaled features,
    /// each refitted without its worst-rebuilt 30 % of rows, and per-feature
    /// histograms of the inputs (a width-0 member), plus a threshold on their
    /// combined score (defaults measured on eleven public sets, BENCHMARKS.md).
    #[command(after_help = "Guide: docs/anomaly.md")]
    Detect(Box<DetectArgs>),
    /// Score rows by reconstruction error, flag anomalies, explain them and,
    /// given labels, measure the detector. Streams files larger than memory.
    #[command(after_help = "Guide: docs/anomaly.md")]
    Score(ScoreArgs),
    /// Print a Keras-style table of the model's layers and its training record.
    #[command(after_help = "Guide: docs/tabular.md")]
    Summary(SummaryArgs),
    /// Encode rows to bottleneck codes: columns z0..z{K-1}, then label and id columns.
    #[command(after_help = "Guide: docs/tabular.md")]
    Encode(EncodeArgs),
    /// Decode z* code columns back to rows in original units (the decoder alone).
    #[command(after_help = "Guide: docs/tabular.md")]
    Decode(ApplyArgs),
    /// Reconstruct rows in original units, with a reconstruction_error column.
    #[command(after_help = "Guide: docs/tabular.md")]
    Reconstruct(ApplyArgs),
    /// Denoise rows with a denoising autoencoder (trained with --noise):
    /// the model's output in original units, label and id columns kept.
    #[command(after_help = "Guide: docs/images.md")]
    Denoise(Box<DenoiseArgs>),
    /// Predict the target columns of a paired model (trained with --target),
    /// in the target's units.
    #[command(after_help = "Guide: docs/images.md")]
    Predict(PredictArgs),
    /// Draw new rows from a variational model: codes from the standard
    /// normal prior, decoded (CSV rows in original units, or a PNG grid of
    /// images).
    #[command(after_help = "Guide: docs/images.md")]
    Sample(SampleArgs),
    /// Draw PNG plots: learning curves, the latent space, reconstructions.
    #[command(subcommand, after_help = "Guide: docs/tabular.md")]
    Plot(PlotCommand),
    /// Report on the codes: logistic regression on raw vs encoded vs PCA
    /// features, reconstruction error vs PCA, k-means agreement with the labels.
    #[command(after_help = "Guide: docs/tabular.md")]
    Evaluate(EvaluateArgs),
    /// Text: classify labelled texts (train, predict, word vectors) and
    /// embed documents (autoencoder, similar; `aekit encode` for codes).
    #[command(subcommand, after_help = "Guide: docs/text.md")]
    Text(crate::text::TextCommand),
    /// Serve a model over HTTP with MLflow's scoring protocol: POST
    /// /invocations (dataframe_split, dataframe_records or text/csv) answers
    /// {"predictions": [...]} with each row's codes, reconstruction error and,
    /// for a detector, score and is_anomaly; GET /ping, /health, /metadata.
    /// Stops on SIGTERM or Ctrl-C once requests in flight are answered.
    #[command(after_help = "Guide: docs/serving.md")]
    Serve(ServeArgs),
}

/// `aekit plot ...`.
#[derive(Debug, Subcommand)]
pub enum PlotCommand {
    /// loss and val_loss per epoch, from the history stored in the model.
    History {
        /// A model file.
        model: PathBuf,
        /// PNG to write.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// The codes of DATA as a scatter coloured by a column (the first two
    /// principal components of the codes when the bottleneck is wider than 2).
    Latent {
        /// A model file.
        model: PathBuf,
        /// Rows to encode.
        data: PathBuf,
        /// PNG to write.
        #[arg(long, short)]
        out: PathBuf,
        /// Column that colours the points (default: the model's label, if DATA has it).
        #[arg(long, value_name = "COL")]
        color: Option<String>,
        #[command(flatten)]
        csv: ReadArgs,
    },
    /// The first rows of image data drawn above their reconstructions.
    Reconstructions {
        /// A model file.
        model: PathBuf,
        /// Rows to reconstruct: pixels in row-major order.
        data: PathBuf,
        /// PNG to write.
        #[arg(long, short)]
        out: PathBuf,
        /// Image height x width, e.g. 8x8 [default: the model's image shape].
        #[arg(long, value_name = "HxW")]
        image_shape: Option<String>,
        /// How many rows to draw.
        #[arg(long, default_value_t = 10)]
        rows: usize,
        #[command(flatten)]
        csv: ReadArgs,
    },
}

/// `aekit evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A model file written by `aekit train` with --label.
    pub model: PathBuf,
    /// Rows to fit the classifiers on.
    #[arg(long)]
    pub train: PathBuf,
    /// Rows to score them on.
    #[arg(long)]
    pub test: PathBuf,
    /// Label column (default: the model's).
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// CPU threads (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// What training shows and draws.
#[derive(Debug, Args)]
pub struct TrainingReportArgs {
    /// Also draw the learning curves to this PNG at the end of training.
    #[arg(long, value_name = "PNG")]
    pub plot: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `aekit train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data: CSV or Parquet with a header row, whose feature
    /// columns are every numeric column not named by --label, --id or
    /// --drop; or a folder of PNG/JPEG images (sorted by path; one size,
    /// or --resize; the first image's channels, grey or RGB, the others
    /// converted; pixels/255 in columns pixel_Y_X, or red_/green_/blue_Y_X,
    /// channel-major; the image shape is implied), with a `path` column
    /// and, when the images are in sub-folders, a `label` column holding
    /// the sub-folder's name (--label label).
    pub data: PathBuf,
    /// Where to write the model file.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub columns: ColumnArgs,
    #[command(flatten)]
    pub kind: KindArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub training: TrainingArgs,
    #[command(flatten)]
    pub reconstruction: ReconstructionArgs,
    #[command(flatten)]
    pub stream: StreamArgs,
    /// Validation file, scaled with the training file's scaler; gives val_loss.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "validation_split",
        help_heading = "Training"
    )]
    pub validation: Option<PathBuf>,
    /// Paired training: row i of DATA maps to row i of this file (same row
    /// count). Its columns and scaling are resolved on their own (the
    /// --label/--id/--drop names it has apply to it too) and stored; the
    /// decoder ends at its width. Use with `aekit predict`.
    #[arg(long, value_name = "FILE", help_heading = "Paired training")]
    pub target: Option<PathBuf>,
    /// The targets of the --validation rows, for a paired model.
    #[arg(
        long,
        value_name = "FILE",
        requires_all = ["target", "validation"],
        help_heading = "Paired training"
    )]
    pub validation_target: Option<PathBuf>,
    /// Save a checkpoint (weights, optimiser state, history) into DIR every
    /// --checkpoint-every epochs, atomically, to continue with --resume after
    /// an interruption. Dense models on the kernels (the default) only.
    #[arg(long, value_name = "DIR", help_heading = "Checkpoints")]
    pub checkpoint: Option<PathBuf>,
    /// Epochs between checkpoints.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        help_heading = "Checkpoints"
    )]
    pub checkpoint_every: usize,
    /// Continue the run whose checkpoint is in DIR (give the same data and
    /// flags; --epochs may grow), saving further checkpoints there. Same
    /// seed and threads: the same model file as an uninterrupted run.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "checkpoint",
        help_heading = "Checkpoints"
    )]
    pub resume: Option<PathBuf>,
    #[command(flatten)]
    pub report: TrainingReportArgs,
}

/// `aekit denoise`.
#[derive(Debug, Args)]
pub struct DenoiseArgs {
    /// A denoising autoencoder (any autoencoder works; one trained with
    /// --noise works best).
    pub model: PathBuf,
    /// Noisy rows to clean (or clean rows with --add-noise).
    pub data: PathBuf,
    /// Output CSV: the model's feature columns in original units, then the
    /// label and id columns.
    #[arg(long, short, required_unless_present = "out_dir")]
    pub out: Option<PathBuf>,
    /// Also (or instead) write one PNG per row into DIR (created if
    /// missing), at the model's image shape.
    #[arg(long, value_name = "DIR", long_help = OUT_DIR_HELP)]
    pub out_dir: Option<PathBuf>,
    /// The clean version of each DATA row: report how much denoising
    /// lowered the error, and draw clean rows in --plot.
    #[arg(long, value_name = "FILE", conflicts_with = "add_noise")]
    pub clean: Option<PathBuf>,
    /// DATA is clean: corrupt it first with this noise (gaussian:SIGMA or
    /// mask:P, as train --noise), then denoise and report.
    #[arg(long, value_name = "SPEC")]
    pub add_noise: Option<String>,
    /// Seed of --add-noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Draw noisy / denoised (/ clean) rows to this PNG (images of the
    /// model's image shape, or --image-shape).
    #[arg(long, value_name = "PNG")]
    pub plot: Option<PathBuf>,
    /// Image height x width for --plot, e.g. 8x8 [default: the model's image shape].
    #[arg(long, value_name = "HxW")]
    pub image_shape: Option<String>,
    /// How many rows --plot draws.
    #[arg(long, default_value_t = 10)]
    pub rows: usize,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// CPU threads (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// `aekit sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// A variational model (`train --kind vae`).
    pub model: PathBuf,
    /// Output: a .png file draws a grid of images (the model's image shape,
    /// or --image-shape); any other name gets CSV rows in original units.
    #[arg(long, short)]
    pub out: PathBuf,
    /// How many rows to draw.
    #[arg(short = 'n', long = "rows", default_value_t = 10)]
    pub n: usize,
    /// Seed of the codes: the same seed gives the same rows.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Image height x width for a PNG, e.g. 8x8 [default: the model's image shape].
    #[arg(long, value_name = "HxW")]
    pub image_shape: Option<String>,
    /// Images per line of the PNG grid.
    #[arg(long, default_value_t = 10)]
    pub per_line: usize,
    /// CPU threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// `aekit predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A paired model from `aekit train ... --target`.
    pub model: PathBuf,
    /// Input rows.
    pub data: PathBuf,
    /// Output CSV: the target columns in the target's units, then the
    /// input's label and id columns.
    #[arg(long, short, required_unless_present = "out_dir")]
    pub out: Option<PathBuf>,
    /// Also (or instead) write one PNG per row into DIR (created if
    /// missing), at the target's image shape.
    #[arg(long, value_name = "DIR", long_help = OUT_DIR_HELP)]
    pub out_dir: Option<PathBuf>,
    /// The true targets of DATA's rows: report the prediction error (and
    /// the inputs' own error to the targets, when they share columns).
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// CPU threads (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// `aekit detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Training data: (mostly) normal rows, no labels needed.
    pub data: PathBuf,
    /// Where to write the detector (a model file with its threshold).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Expected share of anomalies in the training data, in (0, 0.5]: the
    /// threshold is the (1 - P) quantile of the training scores [default: 0.1].
    #[arg(long, value_name = "P", conflicts_with = "threshold_percentile")]
    pub contamination: Option<f64>,
    /// The threshold is this percentile (0-100) of the training scores.
    #[arg(long, value_name = "Q")]
    pub threshold_percentile: Option<f64>,
    /// Code widths of the ensemble's linear autoencoders, e.g. 1,2,4
    /// [default: 1, 2, 4, 8, ... up to half the features, each below the
    /// feature count]. A row's score is the mean over the members of its
    /// reconstruction MSE standardised by that member's training scores.
    #[arg(long, value_name = "LIST", help_heading = "Model")]
    pub widths: Option<String>,
    /// Refit each ensemble member without this share of the training rows,
    /// those it rebuilt worst (0: no refit) [default: 0.3].
    #[arg(long, value_name = "F", help_heading = "Model")]
    pub trim: Option<f64>,
    /// Bins of the width-0 member: per-feature equal-width histograms of the
    /// scaled training rows, a row scored by the summed -log probability of
    /// its bins (PyOD's HBOS), which catches anomalies that lie on the normal
    /// rows' subspace; 0: the autoencoders alone [default: 10].
    #[arg(long, value_name = "N", help_heading = "Model")]
    pub histogram_bins: Option<usize>,
    /// The neighbour member: each row's distance to its K-th nearest of up
    /// to 2 000 training rows (PyOD's KNN); 0: without it [default: 5].
    #[arg(long, value_name = "K", help_heading = "Model")]
    pub neighbours: Option<usize>,
    /// How members' scores are weighed: `members` (each the same) or
    /// `agreeing-kinds` (each member by its kind's rank agreement with all
    /// members' mean on the training rows, floored at 0) [default: members].
    #[arg(long, value_enum, value_name = "HOW", help_heading = "Model")]
    pub weighting: Option<WeightingArg>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub training: TrainingArgs,
    #[command(flatten)]
    pub reconstruction: ReconstructionArgs,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[command(flatten)]
    pub report: TrainingReportArgs,
}

/// `aekit score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// A detector from `aekit detect` (or any model, with --threshold).
    pub model: PathBuf,
    /// Rows to score; read and written in chunks, so it may be larger than memory.
    pub data: PathBuf,
    /// Output CSV: id and label columns, score, is_anomaly (and explanations).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Flag rows scoring above this instead of the model's threshold.
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Name the N features contributing most to each row's error, with their shares.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub explain: usize,
    /// A 0/1 column (1 = anomaly): print ROC AUC, average precision,
    /// precision, recall, F1 and the confusion matrix. Precision, recall,
    /// F1 and the confusion matrix are always exact. ROC AUC and average
    /// precision are exact up to 10 million rows (9 bytes a row kept, about
    /// 250 MB at the peak); past
    /// that they come from a 65 536-bin histogram of the scores, memory
    /// staying flat: the ROC AUC is then printed with a bound on its error
    /// (below 1e-3 in tests), and average precision agreed with the exact
    /// value to within 1e-3 in tests.
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Rows kept for exact ROC AUC and average precision.
    #[arg(long, default_value_t = 10_000_000, hide = true)]
    pub exact_rows: usize,
    /// Print the summary and metrics as JSON.
    #[arg(long)]
    pub json: bool,
    /// Rows per chunk.
    #[arg(long, default_value_t = aekit::tasks::anomaly::DEFAULT_SCORE_CHUNK_ROWS, hide = true)]
    pub chunk_rows: usize,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// CPU threads [default: RAYON_NUM_THREADS, else all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `aekit serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A model file written by `aekit train` or `aekit detect`.
    pub model: PathBuf,
    /// Address to listen on (0.0.0.0 opens it to the network).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Requests scored at once [default: all cores].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = aekit_serve::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// CPU threads each request's scoring uses [default: RAYON_NUM_THREADS, else all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
    /// After SIGTERM or Ctrl-C, seconds requests in flight may take before the server exits without them.
    #[arg(long, default_value_t = aekit_serve::DEFAULT_SHUTDOWN_GRACE.as_secs_f64())]
    pub shutdown_grace: f64,
    /// No request log lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `aekit summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// A model file written by `aekit train`.
    pub model: PathBuf,
}

/// `aekit encode`, `decode` and `reconstruct`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A model file written by `aekit train`.
    pub model: PathBuf,
    /// Input rows: CSV, Parquet, or a folder of images.
    pub data: PathBuf,
    /// Output CSV (Parquet for .parquet), written atomically.
    #[arg(long, short, required_unless_present = "out_dir")]
    pub out: Option<PathBuf>,
    /// decode and reconstruct: also (or instead) write one PNG per row into
    /// DIR (created if missing), at the model's image shape.
    #[arg(long, value_name = "DIR", long_help = OUT_DIR_HELP)]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    pub csv: ReadArgs,
    /// CPU threads (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to run: cpu, gpu, gpu:N or auto (a GPU when one is built in
    /// and present, else the CPU); a GPU needs aekit built with the wgpu or
    /// cuda feature [default: cpu].
    #[arg(long, value_name = "DEVICE")]
    pub device: Option<DeviceChoice>,
}

/// `aekit encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// Variational models: draw each row's code from the encoder's
    /// distribution (mean + exp(log_var / 2) * eps) instead of giving its mean.
    #[arg(long)]
    pub sample: bool,
    /// Seed of --sample's draws: the same seed gives the same codes.
    #[arg(long, default_value_t = 0, requires = "sample")]
    pub seed: u64,
}

/// The long help of every `--out-dir`.
const OUT_DIR_HELP: &str = "Also (or instead of --out) write one PNG file per row into DIR, \
created if missing, each atomically: grey or RGB by the model's image shape, values clipped \
to 0..1 then scaled to 0..255. Files are named after the input images when DATA is an image \
folder (cats/001.jpg -> DIR/cats/001.png), else by row index from 0 (DIR/000017.png). \
Refused for models whose rows are not images.";
