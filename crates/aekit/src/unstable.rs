//! The engine, reachable for the benchmarks and for tests: devices and
//! thread pools, the dense kind's burn module and its training on the
//! kernels or on burn, the batch pipeline, and the kernels themselves.
//!
//! **Unstable**: nothing here is part of aekit's public API. It changes
//! with any release, burn's types appear in it, and it is hidden from the
//! documentation. Build on the crate root, [`data`](crate::data),
//! [`model`](crate::model), [`train`](crate::train) and
//! [`tasks`](crate::tasks) instead.

use rand::Rng;

pub use crate::backend::{
    inference_device, install, install_on, is_cpu, resolve_threads, training_device,
};
pub use crate::kernel::{DenseNet, MatRef, matmul};
pub use crate::model::capability::{Decode, Encode, FittedNetwork, Predict, row_errors};
pub use crate::model::dense::kernel_bridge::{inference_net, trainable_net};
pub use crate::model::dense::training::train as train_dense;
pub use crate::model::dense::{DenseAutoencoder, DenseFitted};
pub use crate::train::batches::{Pairs, TrainingData, to_tensor};
pub use crate::train::burn_engine::{BurnTrainable, TrainingForward};
pub use crate::train::fit_loop::Engine;

use crate::model::DenseAutoencoderConfig;

/// Builds `config`'s burn module for `n_inputs` inputs and `n_outputs`
/// outputs with weights drawn from `rng`, on `device`.
pub fn init_dense(
    config: &DenseAutoencoderConfig,
    n_inputs: usize,
    n_outputs: usize,
    rng: &mut impl Rng,
    device: &burn::tensor::Device,
) -> DenseAutoencoder {
    config.init(n_inputs, n_outputs, rng, device)
}
