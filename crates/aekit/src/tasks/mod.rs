//! Putting a trained model to work on a task.

pub mod features;
