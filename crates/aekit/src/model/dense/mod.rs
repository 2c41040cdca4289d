//! The dense kind: Dense -> BatchNorm -> activation -> Dropout layers down
//! to a bottleneck and back up to the output width, on burn's path or on
//! the kernels (its accelerator).

pub mod config;
pub mod fitted;
pub mod kernel_bridge;
pub mod module;
pub mod training;

pub use config::DenseAutoencoderConfig;
pub use fitted::DenseFitted;
pub use module::DenseAutoencoder;
