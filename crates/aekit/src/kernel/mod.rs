//! Plain-slice CPU kernels for dense networks: products through `gemm`,
//! bias and activation applied in place, rows split across threads.
//!
//! burn's flex backend runs each layer as separate tensor operations, each
//! a pass over memory and a parallel region of its own; on the benchmark
//! workloads that left the two cores half used (BENCHMARKS.md). These
//! kernels serve inference and training for every dense model
//! ([`crate::train::native`]); burn's path
//! stays, selected by [`crate::train::TrainingConfig::native_kernels`], and
//! the tests hold the two equal within float tolerance.

pub mod activate;
pub mod batch_norm;
pub mod dropout;
pub mod matmul;
pub mod net;

pub use matmul::{MatRef, matmul};
pub use net::{DenseNet, NetLayer};
