//! The ensemble kind: several dense members that score rows together, each
//! member's reconstruction MSE standardised by its own training scores and
//! averaged (the anomaly detector's default). One model file holds every
//! member, its tensors prefixed `members.{i}.`.

pub mod config;
pub mod fitted;

pub use config::{EnsembleConfig, default_widths};
pub use fitted::{EnsembleFitted, ScoreStats};
