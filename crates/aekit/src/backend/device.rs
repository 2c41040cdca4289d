//! The device choice (`cpu`, `gpu`, `gpu:N`, `auto`) and how it becomes a
//! burn device. A GPU backend exists only when aekit was built with its
//! Cargo feature (`wgpu`, `cuda`); asking for one that was not built, or
//! that finds no device, is an error naming `device` and the feature.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock, PoisonError};

use burn::tensor::Device;

use crate::error::{AekitError, Result};

/// Where a model trains and infers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DeviceChoice {
    /// The CPU: burn's flex backend and aekit's kernels (the default).
    #[default]
    Cpu,
    /// A GPU: the backend's default one (`None`), or the N-th (`gpu:N`:
    /// CUDA's device N, or wgpu's N-th discrete GPU).
    Gpu(Option<usize>),
    /// A hardware GPU when one is built in and present, else the CPU (a
    /// software Vulkan device such as lavapipe does not count).
    Auto,
}

impl FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "cpu" => Ok(DeviceChoice::Cpu),
            "gpu" => Ok(DeviceChoice::Gpu(None)),
            "auto" => Ok(DeviceChoice::Auto),
            _ => s
                .strip_prefix("gpu:")
                .and_then(|n| n.parse().ok())
                .map(|n| DeviceChoice::Gpu(Some(n)))
                .ok_or_else(|| format!("'{s}' is not a device: cpu, gpu, gpu:N or auto")),
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Gpu(None) => f.write_str("gpu"),
            DeviceChoice::Gpu(Some(n)) => write!(f, "gpu:{n}"),
            DeviceChoice::Auto => f.write_str("auto"),
        }
    }
}

/// The GPU backends this build has (`wgpu`, `cuda`), by feature name.
pub fn gpu_backends() -> Vec<&'static str> {
    let mut built = Vec::new();
    if cfg!(feature = "cuda") {
        built.push("cuda");
    }
    if cfg!(feature = "wgpu") {
        built.push("wgpu");
    }
    built
}

impl DeviceChoice {
    /// The burn device this choice stands for: an error naming `device`
    /// when a GPU is asked for and none is built in or found.
    pub fn resolve(self) -> Result<Device> {
        match self {
            DeviceChoice::Cpu => Ok(Device::flex()),
            DeviceChoice::Gpu(index) => gpu(index, false)
                .map_err(|e| AekitError::param("device", format!("'{self}' cannot be used: {e}"))),
            DeviceChoice::Auto => Ok(gpu(None, true).unwrap_or_else(|_| Device::flex())),
        }
    }

    /// Whether this choice runs on the CPU whatever the build (`cpu`).
    pub fn is_cpu(self) -> bool {
        self == DeviceChoice::Cpu
    }
}

/// An opened GPU, and whether it is a software device (lavapipe).
type Opened = std::result::Result<(Device, bool), String>;

/// The GPU `index` (`None`: the backend's default), opened once per
/// process and kept: a runtime can be initialised only once. With
/// `hardware_only`, a software (CPU-type) device is refused.
fn gpu(index: Option<usize>, hardware_only: bool) -> std::result::Result<Device, String> {
    static OPENED: OnceLock<Mutex<HashMap<Option<usize>, Opened>>> = OnceLock::new();
    let mut opened = OPENED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let (device, software) = opened
        .entry(index)
        .or_insert_with(|| open_gpu(index))
        .clone()?;
    if hardware_only && software {
        return Err("the only GPU is a software device".to_string());
    }
    Ok(device)
}

/// The first GPU backend built in that opens one: CUDA, then wgpu; else
/// every backend's reason.
fn open_gpu(index: Option<usize>) -> Opened {
    let mut reasons: Vec<String> = Vec::new();
    #[cfg(feature = "cuda")]
    match open_cuda(index) {
        Ok(device) => return Ok((device, false)),
        Err(e) => reasons.push(e),
    }
    #[cfg(feature = "wgpu")]
    match open_wgpu(index) {
        Ok(opened) => return Ok(opened),
        Err(e) => reasons.push(e),
    }
    let _ = index;
    if reasons.is_empty() {
        // (No backticks: the command line reads `name` as a parameter to map to its flag.)
        reasons.push(
            "this aekit was built without a GPU backend: build it with the Cargo feature \
             wgpu (Vulkan, Metal, DirectX) or cuda (NVIDIA)"
                .to_string(),
        );
    }
    Err(reasons.join("; "))
}

#[cfg(feature = "cuda")]
fn open_cuda(index: Option<usize>) -> std::result::Result<Device, String> {
    use burn::tensor::{DeviceIndex, Tensor};
    let device = Device::cuda(index.map_or(DeviceIndex::Default, DeviceIndex::Specified));
    // The CUDA runtime starts on first use and panics when it finds no
    // driver or device: one tiny tensor tells, without taking the process down.
    let probe = device.clone();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        Tensor::<1>::zeros([1], &probe).into_data();
    }));
    std::panic::set_hook(hook);
    match started {
        Ok(()) => Ok(device),
        Err(_) => Err("no GPU found by CUDA (is the NVIDIA driver installed?)".to_string()),
    }
}

/// A wgpu device, and whether it is a software one.
#[cfg(feature = "wgpu")]
fn open_wgpu(index: Option<usize>) -> Opened {
    use burn::tensor::DeviceKind;
    use burn::tensor::wgpu::wgpu::DeviceType;
    let kind = index.map_or(DeviceKind::DefaultDevice, DeviceKind::DiscreteGpu);
    let (device, setup) = Device::wgpu_options()
        .device_kind(kind)
        .init_with_setup()
        .map_err(|e| format!("no GPU found by wgpu ({e})"))?;
    let software = setup.adapter.get_info().device_type == DeviceType::Cpu;
    Ok((device, software))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_print_back() {
        for s in ["cpu", "gpu", "gpu:1", "auto"] {
            assert_eq!(s.parse::<DeviceChoice>().unwrap().to_string(), s);
        }
        assert_eq!(" GPU ".parse(), Ok(DeviceChoice::Gpu(None)));
        for bad in ["tpu", "gpu:", "gpu:x", "gpu:-1", ""] {
            let e = bad.parse::<DeviceChoice>().unwrap_err();
            assert!(e.contains("cpu, gpu, gpu:N or auto"), "{e}");
        }
    }

    #[test]
    fn the_cpu_and_auto_always_resolve() {
        assert!(super::super::is_cpu(&DeviceChoice::Cpu.resolve().unwrap()));
        assert!(DeviceChoice::Auto.resolve().is_ok());
    }

    #[cfg(not(any(feature = "wgpu", feature = "cuda")))]
    #[test]
    fn a_gpu_not_built_in_is_an_error_naming_the_feature() {
        assert!(gpu_backends().is_empty());
        assert!(super::super::is_cpu(&DeviceChoice::Auto.resolve().unwrap()));
        let e = DeviceChoice::Gpu(None).resolve().unwrap_err().to_string();
        assert!(
            e.contains("device") && e.contains("Cargo feature wgpu"),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}
