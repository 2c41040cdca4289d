//! Training: the batch pipeline, noise, optimisers, losses, the loop and
//! its history, with burn's generic engine and the dense kernels' trainer.

pub(crate) mod batches;
pub(crate) mod burn_engine;
pub(crate) mod checkpoint;
mod config;
pub(crate) mod file_keys;
pub(crate) mod fit_loop;
mod history;
pub(crate) mod kernel_trainer;
mod loss;
mod noise;
mod observer;
mod optimizer;
pub(crate) mod pipeline;
mod setters;
pub(crate) mod update_rule;
pub(crate) mod validation_split;

/// The most threads the library starts (8 per core, 64 at least): the bound
/// on `threads`, which a host (a server's workers) may share.
pub use crate::backend::max_threads;
pub(crate) use batches::{Pairs, TrainingData};
pub use checkpoint::Checkpointing;
pub use config::TrainingConfig;
pub use history::{EpochRecord, History, StopReason};
pub use loss::LossKind;
pub use noise::Noise;
pub use observer::{Control, Silent, TrainingObserver, TrainingStart};
pub use optimizer::{OptimizerConfig, OptimizerKind};
pub use setters::TrainingSetters;
