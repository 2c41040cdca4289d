//! Training: optimisers, losses, the loop and its history.

pub mod config;
pub mod fused;
pub mod history;
pub mod loss;
pub mod native;
pub mod optimizer;
pub mod trainer;
pub mod update_rule;

pub use config::TrainingConfig;
pub use history::{EpochRecord, History, StopReason};
pub use loss::LossKind;
pub use optimizer::{OptimizerConfig, OptimizerKind};
pub use trainer::{Pairs, Silent, TrainingObserver, TrainingStart};
