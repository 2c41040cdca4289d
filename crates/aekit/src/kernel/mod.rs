//! Plain-slice CPU kernels for dense networks: products through `gemm`,
//! bias and activation applied in place, the output activation fused with
//! the loss, rows split across threads.
//!
//! burn's flex backend runs each layer as separate tensor operations, each
//! a pass over memory and a parallel region of its own; on the benchmark
//! workloads that left the two cores half used (BENCHMARKS.md). These
//! kernels are the dense kind's accelerator, for inference and training
//! ([`crate::train::kernel_trainer`]); burn's path stays, selected by
//! [`crate::train::TrainingConfig::native_kernels`], and the tests hold the
//! two equal within float tolerance.
//!
//! This module is a leaf: it sees slices only and imports nothing from the
//! model, the training loop or burn.

pub mod activate;
pub mod batch_norm;
pub mod conv;
pub mod dense_net;
pub mod dropout;
pub mod loss;
pub mod matmul;

pub use dense_net::{DenseNet, NetLayer, NormParams};
pub use matmul::{MatRef, matmul};
