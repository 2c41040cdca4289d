//! Result lines (fields in torch_ref.py's order) and the helpers every workload shares.

use aekit::data::Matrix;
use aekit::train::{Control, TrainingObserver};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// One result line, fields in torch_ref.py's order.
#[derive(Serialize)]
pub(crate) struct Report {
    pub(crate) workload: &'static str,
    pub(crate) framework: &'static str,
    pub(crate) aekit: &'static str,
    pub(crate) threads: usize,
    pub(crate) rows: usize,
    pub(crate) batch: usize,
    pub(crate) s_per_epoch_min: f64,
    pub(crate) s_per_epoch_median: f64,
    pub(crate) rows_per_s_median: f64,
    pub(crate) final_loss: f64,
    /// W4: trainable and non-trainable parameters, to check against torch's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) params: Option<usize>,
    /// W4 with `--w4-batches`: the batches timed per repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timed_batches: Option<usize>,
}

/// Remembers the last mini-batch loss, which is what torch_ref.py reports.
#[derive(Default)]
pub(crate) struct LastBatch {
    pub(crate) loss: f64,
}

impl Report {
    /// aekit's line for a training workload from its seconds per epoch
    /// (one per repeat) and the last batch loss.
    pub(crate) fn trained(
        workload: &'static str,
        threads: usize,
        rows: usize,
        batch: usize,
        mut per_epoch: Vec<f64>,
        final_loss: f64,
    ) -> Report {
        per_epoch.sort_by(f64::total_cmp);
        let med = median(&per_epoch);
        Report {
            workload,
            framework: "aekit",
            aekit: aekit::VERSION,
            threads,
            rows,
            batch,
            s_per_epoch_min: round_to(per_epoch[0], 5),
            s_per_epoch_median: round_to(med, 5),
            rows_per_s_median: round_to(rows as f64 / med, 1),
            final_loss: round_to(final_loss, 6),
            params: None,
            timed_batches: None,
        }
    }
}

impl TrainingObserver for LastBatch {
    fn on_batch_end(&mut self, _batch: usize, loss: f64) -> Control {
        self.loss = loss;
        Control::Continue
    }
}

/// Uniform [0, 1) f32 values, as `torch.rand`, from a fixed seed.
pub(crate) fn random_matrix(rows: usize, cols: usize, seed: u64) -> Matrix {
    let mut rng = StdRng::seed_from_u64(seed);
    let values = (0..rows * cols).map(|_| rng.random::<f32>()).collect();
    Matrix::new(values, cols)
}

pub(crate) fn median(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}

pub(crate) fn round_to(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}
