//! The variational kind: an encoder (dense, or convolutional with
//! channels) to a Gaussian code, trained on reconstruction + beta * KL
//! with reparameterised sampling; its decoder draws new rows from the
//! standard normal prior.

pub mod config;
pub mod fitted;
pub mod module;
pub mod training;

pub use config::VaeConfig;
pub use fitted::VaeFitted;
