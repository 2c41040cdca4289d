//! aekit: train autoencoders on tabular data and put them to work —
//! encode rows to features, decode codes back, reconstruct and score.
//!
//! The flow follows linfa and scikit-learn: unfitted [`AutoencoderParams`]
//! -> [`AutoencoderParams::fit`] on a [`data::Table`] -> a fitted
//! [`Autoencoder`] that encodes, decodes, reconstructs and saves.
#![deny(missing_docs)]

pub mod apply;
pub mod autoencoder;
pub mod backend;
pub mod data;
pub mod error;
pub mod kernel;
pub mod model;
pub mod model_file;
pub mod report;
pub mod tasks;
pub mod text;
pub mod threshold;
pub mod train;

pub use autoencoder::{Autoencoder, AutoencoderParams};
pub use error::{AekitError, Result};

/// This library's version, written into every model file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
