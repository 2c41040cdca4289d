//! PEAK: the machine's matrix-product rate, and W3's share of it.

use serde::Serialize;

use crate::report::random_matrix;

/// Floating-point operations of one W3 training epoch: the forward
/// products, and in the backward pass the weight gradients of every layer
/// and the input gradients of every layer but the first (no framework
/// forms the gradient of the data).
pub(crate) fn w3_flops_per_epoch(rows: usize) -> f64 {
    let widths = [784usize, 256, 64, 256, 784];
    let products: Vec<usize> = widths.windows(2).map(|w| 2 * w[0] * w[1]).collect();
    let forward: usize = products.iter().sum();
    (3 * forward - products[0]) as f64 * rows as f64
}

/// The machine's sustained f32 matrix-product rate through the kernel aekit
/// trains and scores with (`aekit::unstable::matmul`, the `gemm` crate),
/// split across threads by rows as aekit splits it, from square products of `n`.
pub(crate) fn gemm_peak(n: usize, repeat: usize) -> f64 {
    use aekit::unstable::{MatRef, matmul};
    use rayon::prelude::*;
    let a = random_matrix(n, n, 3).values;
    let b = random_matrix(n, n, 4).values;
    let mut c = vec![0.0f32; n * n];
    let rows = n.div_ceil(rayon::current_num_threads());
    let product = |c: &mut [f32]| {
        c.par_chunks_mut(rows * n)
            .zip(a.par_chunks(rows * n))
            .for_each(|(c, a)| {
                let m = a.len() / n;
                matmul(c, false, MatRef::new(a, m, n), MatRef::new(&b, n, n));
            });
    };
    product(&mut c); // warm-up
    let mut best = 0.0f64;
    for _ in 0..repeat {
        let started = std::time::Instant::now();
        product(&mut c);
        best = best.max(2.0 * (n as f64).powi(3) / started.elapsed().as_secs_f64());
    }
    best
}

/// The roofline line: peak rate and W3's share of it.
#[derive(Serialize)]
pub(crate) struct RooflineReport {
    pub(crate) workload: &'static str,
    pub(crate) framework: &'static str,
    pub(crate) threads: usize,
    pub(crate) gemm_n: usize,
    pub(crate) gemm_gflops: f64,
    pub(crate) w3_gflop_per_epoch: f64,
    pub(crate) w3_gflops: Option<f64>,
    pub(crate) w3_share_of_peak: Option<f64>,
}
