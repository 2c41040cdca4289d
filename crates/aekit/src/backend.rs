//! Where tensors run, and on how many threads. Model code never names a
//! backend: this module picks the device ([`DeviceChoice`]: burn's flex
//! CPU backend, or a GPU backend built in with the `wgpu` or `cuda`
//! feature) and runs the library's parallel work on rayon thread pools of
//! its own, one per thread count asked for, so a host's global pool is
//! never taken over and two models in one process can use different
//! thread counts.
//!
//! The device is a scope, not an argument: [`install_on`] runs work with a
//! device in force and [`inference_device`] / [`training_device`] read it,
//! so every kind's code reaches the chosen device without carrying it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use burn::tensor::Device;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{AekitError, Result};

mod device;
pub use device::{DeviceChoice, gpu_backends};

thread_local! {
    /// The device in force on this thread (`None`: the CPU).
    static CURRENT: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// The device inference runs on: the one [`install_on`] put in force,
/// else the CPU (burn's flex backend).
pub fn inference_device() -> Device {
    current().unwrap_or_else(Device::flex)
}

/// The device training runs on: the inference device with autodiff.
pub fn training_device() -> Device {
    inference_device().autodiff()
}

/// Whether `device` is the CPU (flex) backend, with or without autodiff:
/// where aekit's hand-written kernels run. Elsewhere every kind takes
/// burn's generic path.
pub fn is_cpu(device: &Device) -> bool {
    matches!(
        device.clone().without_autodiff().as_dispatch(),
        burn::backend::DispatchDevice::Flex(_)
    )
}

/// The device a module's parameters live on (the CPU for one without any).
pub fn device_of<M: burn::module::Module>(module: &M) -> Device {
    module
        .devices()
        .into_iter()
        .next()
        .unwrap_or_else(Device::flex)
}

fn current() -> Option<Device> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Puts a device in force on this thread until dropped, then restores the
/// one before (work already on the pool runs in place, nested).
struct Scope(Option<Device>);

impl Scope {
    fn enter(device: Option<Device>) -> Scope {
        Scope(CURRENT.with(|c| c.replace(device)))
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let before = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = before);
    }
}

/// The most threads asked for that the library will start: 8 per core,
/// and at least 64. Beyond it threads only contend (and the operating
/// system's limits end a runaway request with an abort, not an error).
pub fn max_threads() -> usize {
    (8 * cores()).max(64)
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

/// The thread count `threads` stands for: itself, or for `None` the
/// `RAYON_NUM_THREADS` variable when it holds a positive number, else
/// every core (as rayon counts); at most [`max_threads`].
pub fn resolve_threads(threads: Option<usize>) -> Result<usize> {
    let n = match threads {
        Some(0) => return Err(AekitError::param("threads", "must be at least 1")),
        Some(n) => n,
        None => threads_from_env(std::env::var("RAYON_NUM_THREADS").ok().as_deref())?,
    };
    if n > max_threads() {
        let source = if threads.is_some() {
            String::new()
        } else {
            " (from RAYON_NUM_THREADS)".to_string()
        };
        return Err(AekitError::param(
            "threads",
            format!(
                "{n}{source} is more than this machine can use: at most {} ({} cores)",
                max_threads(),
                cores()
            ),
        ));
    }
    Ok(n)
}

/// `RAYON_NUM_THREADS`'s value as a thread count, or every core when it
/// is unset, empty or 0 (as rayon reads it). Anything else that is not a
/// whole number is an error: silently using every core would hide a typo.
fn threads_from_env(value: Option<&str>) -> Result<usize> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(cores());
    };
    match value.parse::<usize>() {
        Ok(0) => Ok(cores()),
        Ok(n) => Ok(n),
        Err(_) => Err(AekitError::param(
            "threads",
            format!("RAYON_NUM_THREADS is '{value}', not a whole number of threads"),
        )),
    }
}

/// The library's pool of `n` threads, built the first time it is asked for.
fn pool(n: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(pool) = pools.get(&n) {
        return Ok(Arc::clone(pool));
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(move |i| format!("aekit-{n}-{i}"))
        .build()
        .map_err(|e| AekitError::Compute(format!("starting {n} threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.insert(n, Arc::clone(&pool));
    Ok(pool)
}

/// Runs `work` on the library's pool for `threads` (see
/// [`resolve_threads`]): every parallel operation inside it (the kernels,
/// burn's, linfa's) uses that pool. Work already running on that pool runs
/// in place. The caller's device stays in force.
pub fn install<R: Send>(threads: Option<usize>, work: impl FnOnce() -> R + Send) -> Result<R> {
    run_on(threads, current(), work)
}

/// [`install`] with `device` in force inside `work` (resolved first: a
/// GPU not built in or not found is an error naming `device`).
pub fn install_on<R: Send>(
    threads: Option<usize>,
    device: DeviceChoice,
    work: impl FnOnce() -> R + Send,
) -> Result<R> {
    let device = device.resolve()?;
    run_on(threads, Some(device), work)
}

fn run_on<R: Send>(
    threads: Option<usize>,
    device: Option<Device>,
    work: impl FnOnce() -> R + Send,
) -> Result<R> {
    let pool = pool(resolve_threads(threads)?)?;
    Ok(pool.install(move || {
        let _scope = Scope::enter(device);
        work()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_sets_the_default_thread_count() {
        assert_eq!(threads_from_env(Some(" 3 ")).unwrap(), 3);
        let cores = threads_from_env(None).unwrap();
        assert!(cores >= 1);
        for unset in ["0", "", " "] {
            assert_eq!(threads_from_env(Some(unset)).unwrap(), cores, "{unset:?}");
        }
        for typo in ["many", "-2", "2.5"] {
            let e = threads_from_env(Some(typo)).unwrap_err().to_string();
            assert!(e.contains("RAYON_NUM_THREADS") && e.contains(typo), "{e}");
        }
        assert!(resolve_threads(Some(0)).is_err());
        assert_eq!(resolve_threads(Some(5)).unwrap(), 5);
        let e = resolve_threads(Some(100_000)).unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
    }

    #[test]
    fn work_runs_on_a_pool_of_the_size_asked_for() {
        for n in [1, 3, 2, 3] {
            assert_eq!(install(Some(n), rayon::current_num_threads).unwrap(), n);
        }
        let nested = install(Some(2), || install(Some(2), rayon::current_num_threads));
        assert_eq!(nested.unwrap().unwrap(), 2);
    }

    #[test]
    fn the_device_in_force_follows_work_onto_other_pools() {
        assert!(is_cpu(&inference_device()) && is_cpu(&training_device()));
        let inner = install_on(Some(1), DeviceChoice::Cpu, || {
            install(Some(3), || is_cpu(&inference_device())).unwrap()
        });
        assert!(inner.unwrap());
        assert!(current().is_none(), "the scope ends with the work");
    }
}
