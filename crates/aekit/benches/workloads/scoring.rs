//! S1: scoring a million rows with W3's model.

use aekit::data::Matrix;
use aekit::unstable::{inference_device, inference_net, init_dense, row_errors, to_tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::dense::w3_model;
use crate::options::Options;
use crate::report::{median, random_matrix, round_to};

/// S1's result line, fields in torch_ref.py's order.
#[derive(Serialize)]
pub(crate) struct ScoringReport {
    pub(crate) workload: &'static str,
    pub(crate) framework: &'static str,
    pub(crate) aekit: &'static str,
    pub(crate) threads: usize,
    pub(crate) rows: usize,
    pub(crate) rows_per_s_median: f64,
    pub(crate) check: f64,
}

/// S1: per-row reconstruction MSE of W3's model over 1 000 000 rows in
/// chunks of 4096, through the same inference path `aekit score` uses
/// (aekit's kernels; with `--burn`, burn's forward then the errors).
pub(crate) fn run_scoring(options: &Options) -> ScoringReport {
    let rows = if options.quick { 100_000 } else { 1_000_000 };
    let chunk = random_matrix(4096, 784, 2);
    let device = inference_device();
    let model = init_dense(
        &w3_model(),
        784,
        784,
        &mut StdRng::seed_from_u64(1),
        &device,
    );
    let net = inference_net(&model);
    let mut times = Vec::with_capacity(options.repeat);
    let mut check = 0.0;
    for r in 0..options.repeat {
        let started = std::time::Instant::now();
        let mut done = 0;
        while done < rows {
            // A GPU has no kernels: burn's path there.
            let errors = if options.burn || !options.device.is_cpu() {
                let out = model.forward(to_tensor(chunk.clone(), &device));
                let rebuilt = Matrix::new(
                    out.into_data().try_into_vec::<f32>().unwrap_or_default(),
                    784,
                );
                row_errors(&chunk, &rebuilt)
            } else {
                net.row_errors(&chunk.values, &chunk.values)
            };
            check = errors.iter().map(|&e| f64::from(e)).sum::<f64>() / errors.len() as f64;
            done += chunk.n_rows();
        }
        let s = started.elapsed().as_secs_f64();
        eprintln!(
            "S1 repeat {}/{}: {:.0} rows/s",
            r + 1,
            options.repeat,
            rows as f64 / s
        );
        times.push(s);
    }
    times.sort_by(f64::total_cmp);
    ScoringReport {
        workload: "S1",
        framework: "aekit",
        aekit: aekit::VERSION,
        threads: options.threads,
        rows,
        rows_per_s_median: round_to(rows as f64 / median(&times), 1),
        check: round_to(check, 6),
    }
}
