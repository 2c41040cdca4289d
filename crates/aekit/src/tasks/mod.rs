//! Putting a trained model to work on a task.

pub mod anomaly;
pub mod evaluate;
pub mod latent;
pub mod metrics;
pub mod ranking_sketch;
