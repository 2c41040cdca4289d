//! Putting a trained model to work on a task.

pub mod evaluate;
pub mod latent;
pub mod metrics;
