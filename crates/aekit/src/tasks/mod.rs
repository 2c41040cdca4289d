//! Putting a trained model to work on a task.

pub mod anomaly;
mod detector_params;
pub mod evaluate;
pub mod latent;
pub mod metrics;
