//! The ensemble kind: several dense members that score rows together, each
//! member's reconstruction MSE standardised by its own training scores and
//! averaged (the anomaly detector's default), optionally with a width-0
//! member's per-feature histogram score. One model file holds every member,
//! its tensors prefixed `members.{i}.` (the histograms `histogram.`).

pub mod config;
pub mod fitted;
pub mod histogram;

pub use config::{EnsembleConfig, default_widths};
pub use fitted::EnsembleFitted;
pub use histogram::DEFAULT_HISTOGRAM_BINS;
