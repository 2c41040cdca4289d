//! Putting a trained model to work on a task.

pub mod anomaly;
mod detector_params;
#[cfg(feature = "evaluate")]
pub mod evaluate;
#[cfg(feature = "evaluate")]
pub mod latent;
pub mod metrics;
#[cfg(feature = "evaluate")]
mod pca;
pub mod predictions;
pub mod ranking_sketch;
