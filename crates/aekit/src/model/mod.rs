//! Model architectures: layer specs and the dense autoencoder.

pub mod activation;
pub mod dense;
pub mod summary;
pub mod weights;

pub use activation::Activation;
pub use dense::{DenseAutoencoder, DenseAutoencoderConfig};
pub use summary::ModelSummary;
pub use weights::NamedTensor;
