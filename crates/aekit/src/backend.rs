//! Where tensors run. Model code never names a backend; this module picks
//! the device (burn's flex CPU backend by default) and the thread count.

use burn::tensor::Device;

use crate::error::{AekitError, Result};

/// The device inference runs on.
pub fn inference_device() -> Device {
    Device::flex()
}

/// The device training runs on: the inference device with autodiff.
pub fn training_device() -> Device {
    inference_device().autodiff()
}

/// Sets the number of CPU threads for all numerical work; `None` uses
/// every core. Call once, before any tensor work.
pub fn set_threads(threads: Option<usize>) -> Result<usize> {
    if threads == Some(0) {
        return Err(AekitError::param("threads", "must be at least 1"));
    }
    let n = threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    // A second call in one process (tests) finds the pool built: keep it.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global();
    Ok(rayon::current_num_threads())
}
