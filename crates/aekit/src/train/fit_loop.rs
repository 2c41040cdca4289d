//! The training loop, whatever carries out its steps: epochs, shuffling,
//! validation, early stopping with best weights, and a stop that keeps the
//! last good weights if the loss diverges. It reports through an observer
//! and never prints.

use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::batches::{Pairs, TrainingData};
use super::config::TrainingConfig;
use super::history::{EpochRecord, History, StopReason};
use super::observer::TrainingObserver;

/// Keeps the shuffling stream apart from the initialisation stream drawn from the same seed.
const SHUFFLE_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// What carries out the steps of the loop: burn's autodiff for every kind
/// ([`super::burn_engine`]), or a kind's own accelerator.
pub trait Engine {
    /// The weights at a point of training, to go back to.
    type Snapshot;
    /// The trained model the engine hands back.
    type Model;
    /// One optimiser step on `rows` of `train`; returns the batch's mean
    /// loss, and updates nothing when that is not finite.
    fn step(&mut self, train: Pairs<'_>, rows: &[usize]) -> f64;
    /// The kind's added loss term (a VAE's weighted KL) in the last
    /// step's loss, if the model adds one.
    fn last_penalty(&self) -> Option<f64> {
        None
    }
    /// Mean loss over `pairs` in inference mode.
    fn validation_loss(&self, pairs: Pairs<'_>) -> f64;
    /// The current weights.
    fn snapshot(&self) -> Self::Snapshot;
    /// `kept` as an inference-mode model.
    fn into_model(self, kept: Self::Snapshot) -> Self::Model;
}

/// Runs `engine` over `data` for `config.epochs` epochs (fewer when early
/// stopping or divergence ends it), validating on `validation`.
pub fn run<E: Engine>(
    mut engine: E,
    config: &TrainingConfig,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    observer: &mut dyn TrainingObserver,
) -> (E::Model, History) {
    let n_rows = data.n_rows();
    let mut rng = StdRng::seed_from_u64(config.seed.wrapping_add(SHUFFLE_STREAM));
    let mut order: Vec<usize> = (0..n_rows).collect();
    let n_batches = n_rows.div_ceil(config.batch_size);

    let mut history = History::default();
    let mut last_good = (engine.snapshot(), 0usize);
    let mut best: Option<(f64, E::Snapshot, usize)> = None;
    let mut since_best = 0usize;

    'epochs: for epoch in 1..=config.epochs {
        let started = Instant::now();
        observer.on_epoch_start(epoch, config.epochs, n_batches);
        if config.shuffle {
            order.shuffle(&mut rng);
        }
        let epoch_data = data.epoch(epoch);
        let train = epoch_data.pairs();
        let mut loss_sum = 0.0f64;
        let mut penalty_sum: Option<f64> = None;
        for (b, rows) in order.chunks(config.batch_size).enumerate() {
            let value = engine.step(train, rows);
            if !value.is_finite() {
                history.stop_reason = StopReason::Diverged;
                break 'epochs;
            }
            loss_sum += value * rows.len() as f64;
            if let Some(p) = engine.last_penalty() {
                *penalty_sum.get_or_insert(0.0) += p * rows.len() as f64;
            }
            observer.on_batch_end(b + 1, value);
        }
        let val_loss = validation.map(|v| engine.validation_loss(v));
        let record = EpochRecord {
            epoch,
            loss: loss_sum / n_rows as f64,
            val_loss,
            seconds: started.elapsed().as_secs_f64(),
            penalty: penalty_sum.map(|p| p / n_rows as f64),
        };
        observer.on_epoch_end(&record);
        let monitored = History::monitored(&record);
        history.epochs.push(record);
        if !monitored.is_finite() {
            history.stop_reason = StopReason::Diverged;
            break;
        }
        last_good = (engine.snapshot(), epoch);
        if let Some(patience) = config.patience {
            let improved = best
                .as_ref()
                .is_none_or(|(b, _, _)| monitored < b - config.min_delta);
            if improved {
                best = Some((monitored, engine.snapshot(), epoch));
                since_best = 0;
            } else {
                since_best += 1;
                if since_best >= patience {
                    history.stop_reason = StopReason::EarlyStopped;
                    break;
                }
            }
        }
    }

    // With early stopping the best weights come back, as with Keras'
    // restore_best_weights; best is only ever set from a finite epoch.
    let (kept, kept_epoch) = match best {
        Some((_, snapshot, best_epoch)) => (snapshot, best_epoch),
        None => last_good,
    };
    history.kept_epoch = kept_epoch;
    (engine.into_model(kept), history)
}
