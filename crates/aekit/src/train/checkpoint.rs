//! Checkpoints of a training run, to resume it after an interruption with
//! the same result as a run that was never interrupted (same seed, same
//! threads: the same bits). One file, `DIR/checkpoint.safetensors`,
//! written atomically every `every` epochs: the engine's whole state
//! (weights, optimiser moments, step count), the weights the loop may go
//! back to (last good, best), and in its JSON metadata the loop's own
//! state and history. The shuffle order is not stored: it is replayed from
//! the seed. A fingerprint of the schedule and the training rows makes a
//! resume on other data or settings a clear error.

use std::collections::HashMap;
use std::path::PathBuf;

use safetensors::Dtype;
use safetensors::tensor::TensorView;
use serde::{Deserialize, Serialize};

use super::batches::TrainingData;
use super::config::TrainingConfig;
use super::history::History;
use crate::data::output::write_atomically;
use crate::error::{AekitError, Result};

/// Where and how often a run saves checkpoints, and whether it starts
/// from the one already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpointing {
    /// The checkpoint directory (created if missing).
    pub dir: PathBuf,
    /// Save after every this many epochs. At least 1.
    pub every: usize,
    /// Continue from the checkpoint in `dir` instead of starting afresh.
    pub resume: bool,
}

impl Checkpointing {
    /// Saves into `dir` every `every` epochs, starting afresh.
    pub fn new(dir: impl Into<PathBuf>, every: usize) -> Checkpointing {
        Checkpointing {
            dir: dir.into(),
            every,
            resume: false,
        }
    }

    /// The checkpoint file in the directory.
    pub fn file(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Checks the settings, and for a resume that the checkpoint exists.
    pub fn validate(&self) -> Result<()> {
        if self.every == 0 {
            return Err(AekitError::param("checkpoint_every", "must be at least 1"));
        }
        if self.resume && !self.file().is_file() {
            return Err(AekitError::io(
                self.file(),
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no checkpoint to resume from (train with a checkpoint directory first)",
                ),
            ));
        }
        if !self.resume {
            std::fs::create_dir_all(&self.dir).map_err(|e| AekitError::io(&self.dir, e))?;
        }
        crate::data::output::check_writable(&self.file())
    }
}

const FILE_NAME: &str = "checkpoint.safetensors";
const META_KEY: &str = "aekit_checkpoint";
const VERSION: u32 = 1;

/// The loop's state at the end of an epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LoopState {
    /// The last epoch completed.
    pub epoch: usize,
    pub history: History,
    pub since_best: usize,
    /// The best monitored loss so far and its epoch, with early stopping.
    pub best: Option<(f64, usize)>,
    pub last_good_epoch: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct CheckpointMeta {
    version: u32,
    fingerprint: String,
    /// The engine's step count.
    step: u64,
    state: LoopState,
}

/// Named f32 values: a part of a checkpoint.
pub(crate) type Tensors = Vec<(String, Vec<f32>)>;

/// Identifies the run a checkpoint belongs to: the schedule (all but the
/// epoch count, which a resume may raise) and the training rows.
pub(crate) fn fingerprint(config: &TrainingConfig, data: &TrainingData<'_>) -> String {
    let mut schedule = config.clone();
    schedule.epochs = 0;
    let pairs = data.clean_pairs();
    // FNV-1a over the bits of every input and target value.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for v in pairs.inputs.values.iter().chain(&pairs.targets.values) {
        for b in v.to_bits().to_le_bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!(
        "{}|{}x{}->{}|{hash:016x}",
        serde_json::to_string(&schedule).unwrap_or_default(),
        pairs.inputs.n_rows(),
        pairs.inputs.n_cols,
        pairs.targets.n_cols
    )
}

/// Writes the checkpoint atomically.
pub(crate) fn save(
    checkpointing: &Checkpointing,
    fingerprint: &str,
    step: u64,
    state: &LoopState,
    tensors: &Tensors,
) -> Result<()> {
    let path = checkpointing.file();
    let meta = CheckpointMeta {
        version: VERSION,
        fingerprint: fingerprint.to_string(),
        step,
        state: state.clone(),
    };
    let json = serde_json::to_string(&meta)
        .map_err(|e| AekitError::io(&path, std::io::Error::other(e)))?;
    let bytes: Vec<(String, Vec<u8>, usize)> = tensors
        .iter()
        .map(|(name, values)| {
            (
                name.clone(),
                values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                values.len(),
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(name, data, n)| {
            TensorView::new(Dtype::F32, vec![*n], data)
                .map(|view| (name.clone(), view))
                .map_err(|e| AekitError::io(&path, std::io::Error::other(e)))
        })
        .collect::<Result<Vec<_>>>()?;
    let info = HashMap::from([(META_KEY.to_string(), json)]);
    let buffer = safetensors::serialize(views, Some(info))
        .map_err(|e| AekitError::io(&path, std::io::Error::other(e)))?;
    write_atomically(&path, |out| out.write_all(&buffer))
}

/// A checkpoint read back: the engine's step count, the loop's state and
/// the named values.
pub(crate) struct Restored {
    pub step: u64,
    pub state: LoopState,
    pub tensors: HashMap<String, Vec<f32>>,
}

/// Reads the checkpoint and checks that it belongs to this run.
pub(crate) fn load(checkpointing: &Checkpointing, fingerprint: &str) -> Result<Restored> {
    let path = checkpointing.file();
    let bad = |m: String| AekitError::model(&path, m);
    let buffer = std::fs::read(&path).map_err(|e| AekitError::io(&path, e))?;
    let file = safetensors::SafeTensors::deserialize(&buffer)
        .map_err(|e| bad(format!("corrupt or truncated checkpoint ({e})")))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&buffer)
        .map_err(|e| bad(format!("corrupt checkpoint header ({e})")))?;
    let json = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get(META_KEY))
        .ok_or_else(|| bad("is not an aekit checkpoint".into()))?;
    let unreadable = |e: serde_json::Error| bad(format!("unreadable checkpoint metadata ({e})"));
    let value: serde_json::Value = serde_json::from_str(json).map_err(unreadable)?;
    let meta: CheckpointMeta = serde_json::from_value(value.clone()).map_err(unreadable)?;
    // Every key this version writes, and no other.
    let ours = serde_json::to_value(&meta).map_err(unreadable)?;
    if let Some(problem) = crate::train::file_keys::key_difference(&value, &ours, "", true) {
        return Err(bad(format!("the checkpoint metadata {problem}")));
    }
    if meta.version != VERSION {
        return Err(bad(format!(
            "checkpoint version {}, this aekit reads version {VERSION}",
            meta.version
        )));
    }
    if meta.fingerprint != fingerprint {
        return Err(bad(
            "belongs to another run: resume with the same data, columns and training settings (only `epochs` may change)"
                .into(),
        ));
    }
    let mut tensors = HashMap::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!("tensor '{name}' is not f32")));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        // Written flat: any other shape is not this format's.
        if view.shape() != [values.len()] {
            return Err(bad(format!(
                "tensor '{name}' has shape {:?}; checkpoints store flat tensors",
                view.shape()
            )));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(bad(format!("tensor '{name}' holds NaN or infinity")));
        }
        tensors.insert(name, values);
    }
    Ok(Restored {
        step: meta.step,
        state: meta.state,
        tensors,
    })
}

impl LoopState {
    /// Checks that the state is one a run of `epochs` epochs of `batches`
    /// batches each, stopped after `step` steps, could have saved: its
    /// epoch is its history's length and at most `epochs` (replaying more
    /// shuffles than the run has would take without end), and the epochs
    /// it names are among those done.
    pub(crate) fn check(
        &self,
        epochs: usize,
        batches: usize,
        step: u64,
    ) -> std::result::Result<(), String> {
        let e = self.epoch;
        if e == 0 || e > epochs {
            return Err(format!(
                "the checkpoint is at epoch {e}, and `epochs` is {epochs}: resume with `epochs` at least {e} (it may grow, not shrink)",
            ));
        }
        let numbered = self
            .history
            .epochs
            .iter()
            .enumerate()
            .all(|(i, r)| r.epoch == i + 1);
        if self.history.epochs.len() != e || !numbered {
            return Err(format!(
                "the checkpoint is at epoch {e}, but its history holds epochs {:?}",
                self.history
                    .epochs
                    .iter()
                    .map(|r| r.epoch)
                    .collect::<Vec<_>>()
            ));
        }
        if (e as u64).checked_mul(batches as u64) != Some(step) {
            return Err(format!(
                "the checkpoint made {step} steps, and {e} epochs of {batches} batches make {}",
                e as u64 * batches as u64
            ));
        }
        let best = self.best.map_or(0, |b| b.1);
        if self.last_good_epoch > e || best > e || self.since_best > e {
            return Err(format!(
                "the checkpoint at epoch {e} names a later epoch (last good {}, best {best}, {} since the best)",
                self.last_good_epoch, self.since_best
            ));
        }
        Ok(())
    }
}

/// Takes the values named `name` out of `tensors`, checking their count.
pub(crate) fn take(
    tensors: &mut HashMap<String, Vec<f32>>,
    name: &str,
    len: usize,
) -> std::result::Result<Vec<f32>, String> {
    match tensors.remove(name) {
        Some(v) if v.len() == len => Ok(v),
        Some(v) => Err(format!(
            "checkpoint tensor '{name}' has {} values, the model needs {len}: another architecture",
            v.len()
        )),
        None => Err(format!(
            "checkpoint tensor '{name}' is missing: another architecture"
        )),
    }
}
