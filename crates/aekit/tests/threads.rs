//! The library works on thread pools of its own: a host that built
//! rayon's global pool first keeps it, and two fits in one process run on
//! the thread counts they were given. (Its own test binary: the global
//! pool is built once per process.)

#![allow(clippy::unwrap_used)]

use aekit::train::{Control, EpochRecord};
use aekit::{Autoencoder, FitOptions, TrainingSetters};
use ndarray::Array2;

#[test]
fn fits_use_their_own_thread_counts_beside_the_hosts_pool() {
    // The host: rayon's global pool, one thread, built before any aekit work.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .unwrap();
    let x = Array2::from_shape_fn((200, 6), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0);
    let fit = |threads: usize| {
        let mut seen = Vec::new();
        let mut probe = |_: &EpochRecord| {
            seen.push(rayon::current_num_threads());
            Control::Continue
        };
        let model = Autoencoder::params()
            .hidden([8])
            .bottleneck(3)
            .epochs(3)
            .seed(4)
            .threads(threads)
            .fit_with(&x, FitOptions::new().observer(&mut probe))
            .unwrap();
        assert_eq!(seen, [threads; 3], "training ran on the model's pool");
        model
    };
    let two = fit(2);
    let three = fit(3);
    assert_eq!((two.threads(), three.threads()), (Some(2), Some(3)));
    // Another thread count rounds differently, but not by much.
    let (a, b) = (two.transform(&x).unwrap(), three.transform(&x).unwrap());
    for (a, b) in a.iter().zip(&b) {
        assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{a} vs {b}");
    }
    // The same seed and thread count give the same model.
    assert_eq!(fit(2).transform(&x).unwrap(), a);
    // The host's pool is as it was.
    assert_eq!(rayon::current_num_threads(), 1);
    assert!(rayon::ThreadPoolBuilder::new().build_global().is_err());
    // A model's threads can change after fitting (or loading).
    let mut model = two;
    model.set_threads(Some(1)).unwrap();
    assert_eq!(
        model.transform(&x).unwrap(),
        a,
        "inference does not depend on threads"
    );
    assert!(model.set_threads(Some(0)).is_err());
}
