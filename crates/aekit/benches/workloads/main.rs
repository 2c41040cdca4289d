//! Speed benchmark: workloads W1, W2, W3, W4, W5 (training) and S1 (scoring) of
//! DESIGN.md "Performance",
//! built exactly as `bench/torch_ref.py` builds them, so that
//! `bench/run.sh` can print aekit / PyTorch ratios from one run.
//!
//! ```text
//! cargo bench -p aekit --bench workloads -- --threads 2 [--only W1,W2,W3,W4,S1] [--quick] [--repeat N]
//!     [--w4-batches N] [--device cpu|gpu|gpu:N]
//! ```
//!
//! `--device gpu` needs the benchmark built with a GPU feature
//! (`--features aekit/wgpu` or `aekit/cuda`; bench/gpu.sh does it): every
//! workload then runs there, on burn's generic path.
//!
//! Prints one JSON object per workload on stdout, with the field names
//! torch_ref.py uses; progress goes to stderr. Not a test: nothing is asserted.

use std::process::ExitCode;

/// The allocator the `aekit` binary uses, so the benchmark measures the same thing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod conv;
mod dense;
mod options;
mod report;
mod roofline;
mod scoring;
mod text;

use aekit::unstable::install_on;

use crate::conv::run_w4;
use crate::dense::{run, workloads};
use crate::options::{Options, parse_args};
use crate::report::round_to;
use crate::roofline::{RooflineReport, gemm_peak, w3_flops_per_epoch};
use crate::scoring::run_scoring;
use crate::text::run_w5;

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("workloads: {e}");
            return ExitCode::from(2);
        }
    };
    // The library's pool for the thread count, with the device in force.
    match install_on(Some(options.threads), options.device, || run_all(&options)) {
        Ok(code) => code,
        Err(e) => failure(e),
    }
}

/// Every workload asked for, on the current thread pool.
fn run_all(options: &Options) -> ExitCode {
    let mut w3_seconds = None;
    for w in workloads(options.quick) {
        if !options.only.iter().any(|o| o == w.name) {
            continue;
        }
        match run(&w, options) {
            Ok(report) => match serde_json::to_string(&report) {
                Ok(line) => {
                    if w.name == "W3" {
                        w3_seconds = Some((report.s_per_epoch_median, report.rows));
                    }
                    println!("{line}")
                }
                Err(e) => return failure(e),
            },
            Err(e) => return failure(e),
        }
    }
    let mut lines = Vec::new();
    if options.only.iter().any(|o| o == "W4") {
        match run_w4(options) {
            Ok(report) => lines.push(serde_json::to_string(&report)),
            Err(e) => return failure(e),
        }
    }
    if options.only.iter().any(|o| o == "W5") {
        match run_w5(options) {
            Ok(report) => lines.push(serde_json::to_string(&report)),
            Err(e) => return failure(e),
        }
    }
    if options.only.iter().any(|o| o == "S1") {
        lines.push(serde_json::to_string(&run_scoring(options)));
    }
    if options.only.iter().any(|o| o == "PEAK") {
        let n = if options.quick { 1024 } else { 2048 };
        let peak = gemm_peak(n, options.repeat.max(3));
        let w3 = w3_seconds.map(|(s, rows)| w3_flops_per_epoch(rows) / s);
        lines.push(serde_json::to_string(&RooflineReport {
            workload: "PEAK",
            framework: "aekit",
            threads: options.threads,
            gemm_n: n,
            gemm_gflops: round_to(peak / 1e9, 1),
            w3_gflop_per_epoch: round_to(
                w3_flops_per_epoch(if options.quick { 6000 } else { 60_000 }) / 1e9,
                1,
            ),
            w3_gflops: w3.map(|r| round_to(r / 1e9, 1)),
            w3_share_of_peak: w3.map(|r| round_to(r / peak, 3)),
        }));
    }
    for line in lines {
        match line {
            Ok(line) => println!("{line}"),
            Err(e) => return failure(e),
        }
    }
    ExitCode::SUCCESS
}

/// Says what failed and gives the failing exit code.
fn failure(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("workloads: {e}");
    ExitCode::FAILURE
}
