//! The flags of input tables: how they are read (`--delimiter`,
//! `--format`, `--resize`, `--strict`) and which columns are features and
//! how (`--label`, `--id`, `--drop`, `--one-hot`, `--max-categories`,
//! `--missing`, `--scale`).

use clap::{Args, ValueEnum};

/// How the input files are read.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Field delimiter (default: tab for .tsv files, comma otherwise).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// Input format [default: from the extension: .parquet and .pq are
    /// Parquet, anything else CSV (.gz: gzip); `-` reads standard input].
    /// Outputs always follow their own extension (`-`: CSV to standard output).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// A folder of images (any input that is a directory): resize every
    /// image to HEIGHTxWIDTH (bilinear) instead of requiring them all to
    /// have the first one's size.
    #[arg(long, value_name = "HxW")]
    pub resize: Option<String>,
    /// Commands that read a model's input: a category unseen in training
    /// is an error naming its cell [default: an all-zero one-hot block,
    /// counted in a note].
    #[arg(long)]
    pub strict: bool,
}

/// `--missing`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Missing {
    /// Training median plus a missing-indicator input.
    Impute,
    /// The first missing cell is an error.
    Error,
}

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Delimited text, optionally gzip-compressed.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// Which columns are features and how they are scaled.
#[derive(Debug, Args)]
pub struct ColumnArgs {
    /// Label column: kept out of the features, copied to outputs.
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub label: Option<String>,
    /// Identifier column (repeatable): kept out of the features, copied to outputs.
    #[arg(long = "id", value_name = "COL", help_heading = "Columns")]
    pub ids: Vec<String>,
    /// Column to leave out (repeatable).
    #[arg(long, value_name = "COL", help_heading = "Columns")]
    pub drop: Vec<String>,
    /// Categorical column to one-hot encode into features (repeatable),
    /// however many categories it has; its categories are stored with the
    /// model and decoded back in outputs.
    #[arg(long = "one-hot", value_name = "COL", help_heading = "Columns")]
    pub one_hot: Vec<String>,
    /// Text columns with at most N distinct values are one-hot encoded
    /// without naming them; wider ones are left out with a note.
    #[arg(long, value_name = "N", default_value_t = aekit::data::DEFAULT_MAX_CATEGORIES, help_heading = "Columns")]
    pub max_categories: usize,
    /// Missing numeric cells (empty, NA, NaN, nan, null): impute fills
    /// them with the training median and adds a COL__missing 0/1 input
    /// for each column that had some; error refuses the first.
    #[arg(long, value_enum, default_value = "impute", help_heading = "Columns")]
    pub missing: Missing,
    /// Feature scaling, fitted on the training file only and saved with the
    /// model [default: minmax for train (none for images in [0, 1] with no
    /// architecture flag), robust for detect].
    #[arg(long, value_enum, help_heading = "Columns")]
    pub scale: Option<Scale>,
    #[command(flatten)]
    pub csv: ReadArgs,
}

/// `--scale`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Scale {
    /// Each column to [0, 1].
    Minmax,
    /// Each column to mean 0, variance 1.
    Standard,
    /// Each column minus its median, over its inter-quartile range (the
    /// standard deviation where that is 0), as scikit-learn's RobustScaler.
    Robust,
    /// No scaling.
    None,
}
