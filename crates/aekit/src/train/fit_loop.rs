//! The training loop, whatever carries out its steps: epochs, shuffling,
//! validation, early stopping with best weights, and a stop that keeps the
//! last good weights if the loss diverges. It reports through an observer,
//! which can stop it, and never prints.

use std::collections::HashMap;
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::batches::{Pairs, TrainingData};
use super::checkpoint::{self, LoopState, Tensors};
use super::config::TrainingConfig;
use super::history::{EpochRecord, History, StopReason};
use super::observer::TrainingObserver;
use crate::error::{AekitError, Result};

/// Keeps the shuffling stream apart from the initialisation stream drawn from the same seed.
const SHUFFLE_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// What carries out the steps of the loop: burn's autodiff for every kind
/// (`burn_engine`), or a kind's own accelerator.
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

    /// The state beyond the weights needed to continue exactly (optimiser
    /// moments) as named values, and the step count; `None` for engines
    /// that cannot checkpoint.
    fn state(&self) -> Option<(Tensors, u64)> {
        None
    }
    /// Takes back a state from [`Engine::state`].
    fn restore(
        &mut self,
        _tensors: &mut HashMap<String, Vec<f32>>,
        _step: u64,
    ) -> std::result::Result<(), String> {
        Err("this model kind's training cannot resume from a checkpoint".into())
    }
    /// A snapshot's weights as named values, each name after `prefix`.
    fn snapshot_values(&self, _snapshot: &Self::Snapshot, _prefix: &str) -> Tensors {
        Vec::new()
    }
    /// A snapshot from [`Engine::snapshot_values`].
    fn snapshot_from(
        &self,
        _tensors: &mut HashMap<String, Vec<f32>>,
        _prefix: &str,
    ) -> std::result::Result<Self::Snapshot, String> {
        Err("this model kind's training cannot resume from a checkpoint".into())
    }
}

/// The checkpoint's values: the engine's state, then the snapshots.
fn checkpoint_values<E: Engine>(
    engine: &E,
    last_good: &E::Snapshot,
    best: Option<&E::Snapshot>,
) -> Option<(Tensors, u64)> {
    let (mut tensors, step) = engine.state()?;
    tensors.extend(engine.snapshot_values(last_good, "last_good."));
    if let Some(b) = best {
        tensors.extend(engine.snapshot_values(b, "best."));
    }
    Some((tensors, step))
}

/// Runs `engine` over `data` for `config.epochs` epochs (fewer when early
/// stopping or divergence ends it), validating on `validation`; with
/// `config.checkpoint`, saving (or resuming from) checkpoints.
pub fn run<E: Engine>(
    mut engine: E,
    config: &TrainingConfig,
    data: &TrainingData<'_>,
    validation: Option<Pairs<'_>>,
    observer: &mut dyn TrainingObserver,
) -> Result<(E::Model, History)> {
    let n_rows = data.n_rows();
    let mut rng = StdRng::seed_from_u64(config.seed.wrapping_add(SHUFFLE_STREAM));
    let mut order: Vec<usize> = (0..n_rows).collect();
    let n_batches = n_rows.div_ceil(config.batch_size);

    let mut history = History::default();
    let mut last_good = (engine.snapshot(), 0usize);
    let mut best: Option<(f64, E::Snapshot, usize)> = None;
    let mut since_best = 0usize;
    let mut first_epoch = 1;

    let checkpointing = config.checkpoint.as_ref();
    let fingerprint = checkpointing.map(|_| checkpoint::fingerprint(config, data));
    if let (Some(cp), Some(print)) = (checkpointing, &fingerprint) {
        if engine.state().is_none() {
            return Err(AekitError::param(
                "checkpoint",
                "this model's training cannot checkpoint yet (dense models on the kernels can)",
            ));
        }
        if cp.resume {
            let mut restored = checkpoint::load(cp, print)?;
            let bad = |m: String| AekitError::model(cp.file(), m);
            restored
                .state
                .check(config.epochs, n_batches, restored.step)
                .map_err(bad)?;
            engine
                .restore(&mut restored.tensors, restored.step)
                .map_err(bad)?;
            let state = restored.state;
            let good = engine
                .snapshot_from(&mut restored.tensors, "last_good.")
                .map_err(bad)?;
            last_good = (good, state.last_good_epoch);
            best = match state.best {
                Some((value, epoch)) => Some((
                    value,
                    engine
                        .snapshot_from(&mut restored.tensors, "best.")
                        .map_err(bad)?,
                    epoch,
                )),
                None => None,
            };
            let mut left: Vec<&String> = restored.tensors.keys().collect();
            left.sort();
            if let Some(name) = left.first() {
                return Err(bad(format!(
                    "tensor '{name}' is not part of the run's state: another architecture"
                )));
            }
            since_best = state.since_best;
            history = state.history;
            first_epoch = state.epoch + 1;
            // The shuffles of the epochs done, replayed from the seed.
            if config.shuffle {
                for _ in 1..first_epoch {
                    order.shuffle(&mut rng);
                }
            }
        }
    }

    'epochs: for epoch in first_epoch..=config.epochs {
        let started = Instant::now();
        if observer
            .on_epoch_start(epoch, config.epochs, n_batches)
            .is_stop()
        {
            history.stop_reason = StopReason::StopRequested;
            break;
        }
        if config.shuffle {
            order.shuffle(&mut rng);
        }
        let epoch_data = data.epoch(epoch);
        let train = epoch_data.pairs();
        let mut loss_sum = 0.0f64;
        let mut penalty_sum: Option<f64> = None;
        let mut rows_done = 0usize;
        let mut stop = false;
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
            rows_done += rows.len();
            if observer.on_batch_end(b + 1, value).is_stop() {
                stop = true;
                break;
            }
        }
        let val_loss = validation.map(|v| engine.validation_loss(v));
        let record = EpochRecord {
            epoch,
            loss: loss_sum / rows_done as f64,
            val_loss,
            seconds: started.elapsed().as_secs_f64(),
            penalty: penalty_sum.map(|p| p / rows_done as f64),
        };
        stop |= observer.on_epoch_end(&record).is_stop();
        let monitored = History::monitored(&record);
        history.epochs.push(record);
        if !monitored.is_finite() {
            history.stop_reason = StopReason::Diverged;
            break;
        }
        last_good = (engine.snapshot(), epoch);
        if let Some(patience) = config.patience
            && patience_ran_out(
                &mut best,
                &mut since_best,
                (monitored, epoch),
                (config.min_delta, patience),
                || Some(engine.snapshot()),
            )
        {
            history.stop_reason = StopReason::EarlyStopped;
            break;
        }
        if stop {
            history.stop_reason = StopReason::StopRequested;
            break;
        }
        if let (Some(cp), Some(print)) = (checkpointing, &fingerprint)
            && epoch % cp.every == 0
            && let Some((tensors, step)) =
                checkpoint_values(&engine, &last_good.0, best.as_ref().map(|b| &b.1))
        {
            let state = LoopState {
                epoch,
                history: history.clone(),
                since_best,
                best: best.as_ref().map(|(value, _, e)| (*value, *e)),
                last_good_epoch: last_good.1,
            };
            checkpoint::save(cp, print, step, &state, &tensors)?;
        }
    }

    // With early stopping the best weights come back, as with Keras'
    // restore_best_weights; best is only ever set from a finite epoch.
    let (kept, kept_epoch) = match best {
        Some((_, snapshot, best_epoch)) => (snapshot, best_epoch),
        None => last_good,
    };
    history.kept_epoch = kept_epoch;
    Ok((engine.into_model(kept), history))
}

/// Early stopping's step after an epoch whose monitored loss is
/// `monitored`: an improvement on `best` by more than `min_delta` becomes
/// the best (its weights from `snapshot`), any other epoch counts against
/// `patience`. True when patience has run out.
pub(crate) fn patience_ran_out<S>(
    best: &mut Option<(f64, S, usize)>,
    since_best: &mut usize,
    (monitored, epoch): (f64, usize),
    (min_delta, patience): (f64, usize),
    snapshot: impl FnOnce() -> Option<S>,
) -> bool {
    if best
        .as_ref()
        .is_none_or(|(b, _, _)| monitored < b - min_delta)
    {
        *best = snapshot().map(|s| (monitored, s, epoch));
        *since_best = 0;
        false
    } else {
        *since_best += 1;
        *since_best >= patience
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Matrix;
    use crate::train::Control;

    /// Counts its steps; its loss falls with them.
    struct Counting(usize);

    impl Engine for Counting {
        type Snapshot = usize;
        type Model = usize;

        fn step(&mut self, _train: Pairs<'_>, _rows: &[usize]) -> f64 {
            self.0 += 1;
            1.0 / self.0 as f64
        }

        fn validation_loss(&self, _pairs: Pairs<'_>) -> f64 {
            1.0 / self.0 as f64
        }

        fn snapshot(&self) -> usize {
            self.0
        }

        fn into_model(self, kept: usize) -> usize {
            kept
        }
    }

    /// Stops at a given epoch and batch (batch 0: at the epoch's start).
    struct StopAt(usize, usize, usize);

    impl TrainingObserver for StopAt {
        fn on_epoch_start(&mut self, epoch: usize, _: usize, _: usize) -> Control {
            self.2 = epoch;
            Control::stop_if(epoch == self.0 && self.1 == 0)
        }

        fn on_batch_end(&mut self, batch: usize, _loss: f64) -> Control {
            Control::stop_if(self.2 == self.0 && batch == self.1)
        }
    }

    fn run_until(observer: &mut dyn TrainingObserver) -> (usize, History) {
        let x = Matrix::new(vec![0.0; 40], 1);
        let config = TrainingConfig {
            epochs: 5,
            batch_size: 10,
            ..TrainingConfig::default()
        };
        run(
            Counting(0),
            &config,
            &TrainingData::new(&x, None),
            None,
            observer,
        )
        .unwrap()
    }

    #[test]
    fn an_observer_stops_after_a_batch_an_epoch_or_at_once() {
        // After batch 3 of epoch 2: a short epoch 2 is recorded and kept.
        let (steps, history) = run_until(&mut StopAt(2, 3, 0));
        assert_eq!((steps, history.epochs.len(), history.kept_epoch), (7, 2, 2));
        assert_eq!(history.stop_reason, StopReason::StopRequested);
        let mean = (1.0 / 5.0 + 1.0 / 6.0 + 1.0 / 7.0) / 3.0;
        assert!((history.epochs[1].loss - mean).abs() < 1e-12);
        // After epoch 3.
        let mut after_three = |r: &EpochRecord| Control::stop_if(r.epoch == 3);
        let (steps, history) = run_until(&mut after_three);
        assert_eq!((steps, history.epochs.len()), (12, 3));
        assert_eq!(history.stop_reason, StopReason::StopRequested);
        // Before epoch 1: nothing trained.
        let (steps, history) = run_until(&mut StopAt(1, 0, 0));
        assert_eq!((steps, history.epochs.len(), history.kept_epoch), (0, 0, 0));
        assert_eq!(history.stop_reason, StopReason::StopRequested);
        // Never: every epoch.
        let (steps, history) = run_until(&mut StopAt(9, 0, 0));
        assert_eq!((steps, history.stop_reason), (20, StopReason::Completed));
    }
}
