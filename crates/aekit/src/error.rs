//! The library's one error type: every failure a user can cause, with the
//! file, row and column it concerns.

use std::path::PathBuf;

/// Everything that can go wrong in aekit, with enough context to act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AekitError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A data file is malformed: a bad cell, a ragged row, a missing header.
    #[error("{path}{}{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default(), column.as_ref().map(|c| format!(", column '{c}'")).unwrap_or_default())]
    Data {
        /// The file concerned.
        path: PathBuf,
        /// The 1-based line number in a CSV file (the header is line 1); in
        /// a Parquet file, the 1-based data row.
        row: Option<usize>,
        /// The column's name.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Rows given in memory (arrays) are unusable: a value that is not a
    /// finite number, column names that do not fit, a column not there.
    #[error("in-memory data{}{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default(), column.as_ref().map(|c| format!(", column '{c}'")).unwrap_or_default())]
    InMemory {
        /// The row's index (0-based, as ndarray counts).
        row: Option<usize>,
        /// The column's name.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An image file of an image folder cannot be used: it does not
    /// decode, or its size differs from the folder's; or the folder is
    /// unusable (no images, images beside labelling sub-folders).
    #[error("{path}: {message}")]
    Image {
        /// The image file (or the folder) concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A column named by the user or by the model is not in the file.
    #[error("{path}: column '{column}' {reason}")]
    Column {
        /// The file concerned.
        path: PathBuf,
        /// The column's name.
        column: String,
        /// Why it matters.
        reason: String,
    },
    /// A hyper-parameter is outside its valid range. Messages name
    /// parameters, never command-line flags: another parameter a message
    /// mentions is written in backticks (`` `epochs` ``), which the command
    /// line turns into its flag.
    #[error("invalid parameter {name}: {message}")]
    InvalidParam {
        /// The parameter, named as its config field is (`bottleneck`,
        /// `learning_rate`, ...); the command line maps it to its flag.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A parameter mapping ([`crate::options`]) names a parameter the
    /// kind does not take.
    #[error("unknown parameter '{name}' (this kind takes {known})")]
    UnknownParam {
        /// The name given.
        name: String,
        /// The names the kind takes, comma-separated.
        known: String,
    },
    /// A model file is unreadable, corrupt, or of an unknown version.
    #[error("{path}: not a usable aekit model: {message}")]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Rows handed to a model are not as wide as the model needs.
    #[error("{operation}: the model takes {expected} columns, got {got}")]
    Width {
        /// What was being done.
        operation: &'static str,
        /// The width the model needs.
        expected: usize,
        /// The width it got.
        got: usize,
    },
    /// The model's kind cannot do what was asked.
    #[error("{operation} needs {needs}; this model {has}")]
    Unsupported {
        /// What was asked.
        operation: &'static str,
        /// What it needs (and which kinds or models have it).
        needs: String,
        /// What this model is.
        has: String,
    },
    /// linfa could not use a dataset.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    /// The numerical work failed (for example a solver that did not converge).
    #[error("{0}")]
    Compute(String),
    /// Training diverged (a loss that was NaN or infinite) and left no
    /// weights worth keeping.
    #[error(
        "training diverged: the loss became NaN or infinite in epoch {epoch}, and {kept}; lower the learning rate"
    )]
    Diverged {
        /// The epoch whose loss was not finite.
        epoch: usize,
        /// What the weights that would be kept are like.
        kept: String,
    },
}

/// The value named `s` in `names` (the command line's spellings, matched
/// ignoring case), or a message listing them: the `FromStr` of the
/// parameter enums.
pub(crate) fn by_name<T: Copy>(
    what: &str,
    s: &str,
    names: &[(&str, T)],
) -> std::result::Result<T, String> {
    names
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
        .map(|&(_, value)| value)
        .ok_or_else(|| {
            let all: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
            format!("unknown {what} '{s}' (expected one of {})", all.join(", "))
        })
}

/// Shorthand for results carrying an [`AekitError`].
pub type Result<T> = std::result::Result<T, AekitError>;

impl AekitError {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AekitError::Io {
            path: path.into(),
            source,
        }
    }

    /// An invalid hyper-parameter.
    pub fn param(name: &'static str, message: impl Into<String>) -> Self {
        AekitError::InvalidParam {
            name,
            message: message.into(),
        }
    }

    /// A corrupt or unusable model file.
    pub fn model(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        AekitError::Model {
            path: path.into(),
            message: message.into(),
        }
    }
}
