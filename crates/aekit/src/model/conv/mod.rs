//! The conv kind: 3x3 stride-2 convolutions (batch norm and activation
//! after each) down to a dense bottleneck, and transposed convolutions
//! mirrored back to the input image, trained on burn's autodiff path with
//! aekit's convolution kernels on the CPU ([`kernel_ops`]).

pub mod config;
pub mod fitted;
pub mod kernel_ops;
pub mod module;
pub mod training;

pub use config::ConvAutoencoderConfig;
pub use fitted::ConvFitted;
