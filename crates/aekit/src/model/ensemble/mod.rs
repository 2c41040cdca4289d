//! The ensemble kind: several dense members that score rows together, each
//! member's reconstruction MSE standardised by its own training scores and
//! averaged (the anomaly detector's default), optionally with a width-0
//! member's per-feature histogram score and a neighbour member's distance
//! to the nearest training rows, weighed per kind ([`Weighting`]). One model file holds every member,
//! its tensors prefixed `members.{i}.` (the histograms `histogram.`).

pub mod config;
pub mod fitted;
pub mod histogram;
pub mod knn;
pub mod weights;

pub use config::{EnsembleConfig, Weighting, default_widths};
pub use fitted::EnsembleFitted;
pub use histogram::DEFAULT_HISTOGRAM_BINS;
pub use knn::{DEFAULT_NEIGHBOURS, NeighbourConfig};
