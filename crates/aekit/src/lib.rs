//! aekit: train autoencoders on tabular data and put them to work —
//! encode rows to features, decode codes back, reconstruct and score.
//!
//! The flow follows linfa and scikit-learn: unfitted [`AutoencoderParams`]
//! -> [`AutoencoderParams::fit`] on a [`data::Table`] -> a fitted
//! [`Autoencoder`] that encodes, decodes, reconstructs and saves.
#![deny(missing_docs)]

pub mod apply;
mod autoencoder;
mod backend;
pub mod data;
pub mod error;
mod kernel;
mod linfa_traits;
pub mod model;
pub mod model_file;
#[cfg(feature = "plots")]
pub mod report;
pub mod tasks;
pub mod threshold;
pub mod train;
#[doc(hidden)]
pub mod unstable;

pub use autoencoder::{Autoencoder, AutoencoderParams, AutoencoderValidParams, FitOptions};
pub use error::{AekitError, Result};
pub use tasks::anomaly::{Detector, DetectorParams};

/// This library's version, written into every model file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
