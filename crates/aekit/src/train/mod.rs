//! Training: the batch pipeline, noise, optimisers, losses, the loop and
//! its history, with burn's generic engine and the dense kernels' trainer.

pub mod batches;
pub mod burn_engine;
pub mod config;
pub mod fit_loop;
pub mod history;
pub mod kernel_trainer;
pub mod loss;
pub mod noise;
pub mod observer;
pub mod optimizer;
pub mod update_rule;

pub use batches::{Pairs, TrainingData};
pub use config::TrainingConfig;
pub use history::{EpochRecord, History, StopReason};
pub use loss::LossKind;
pub use noise::Noise;
pub use observer::{Control, Silent, TrainingObserver, TrainingStart};
pub use optimizer::{OptimizerConfig, OptimizerKind};
