//! Fitting a dense autoencoder on a table file larger than memory, in
//! bounded memory, through [`IncrementalFit`]: a first pass over the
//! file's chunks fixes the columns (from the first chunk), checks every
//! cell and gathers the scaler's statistics ([`ScalerStats`], exact for
//! min-max and standard); then each epoch reads the file again, chunk by
//! chunk, through a seeded [`ShuffleBuffer`], and steps on windows of
//! whole batches. Memory holds a chunk being read, one read ahead, the
//! shuffle buffer and one window, whatever the file's size.
//!
//! A file whose rows all fit in the shuffle buffer is read into memory
//! after the first pass and trained as `fit` trains (the same columns,
//! validation rows, scaler and row order per epoch), so streaming it
//! gives the in-memory model, byte for byte.

use std::path::Path;
use std::time::Instant;

use linfa::ParamGuard;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{IncrementalFit, ScalerStats, ShuffleBuffer};
use crate::data::format::is_stdio;
use crate::data::{Dataset, Matrix, ReadAhead, ReadOptions, Table, open_chunks};
use crate::error::{AekitError, Result};
use crate::train::fit_loop::patience_ran_out;
use crate::train::kernel_trainer::KernelTrainer;
use crate::train::pipeline::{split_rows, train_observed};
use crate::train::validation_split::SplitStream;
use crate::train::{
    EpochRecord, History, Pairs, Silent, StopReason, TrainingObserver, TrainingStart,
};
use crate::{Autoencoder, AutoencoderParams, FitOptions};

/// Keeps the shuffle buffer's and the validation draw's streams apart
/// from the other streams drawn from the training seed.
const BUFFER_STREAM: u64 = 0x5851_F42D_4C95_7F2D;
const VALIDATION_STREAM: u64 = 0x1405_7B7E_F767_814F;

/// When and how a table file is streamed rather than read into memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// Stream the file even when it is within `memory_limit`. Default false.
    pub stream: bool,
    /// Stream files larger than this many bytes, judged by the file's
    /// size on disk (so a compressed file, gzip or Parquet, streams later
    /// than its size in memory would say). Default none: only `stream`.
    pub memory_limit: Option<u64>,
    /// Rows of the seeded shuffle buffer an epoch's rows pass through
    /// (see [`ShuffleBuffer`]); 0 keeps the file's order. Ignored when
    /// `shuffle` is off. A file of at most this many rows is read into
    /// memory and trained as in memory (see the module docs). Default
    /// 100 000.
    pub shuffle_buffer: usize,
    /// Rows read per chunk, at least 1. Default 65 536.
    pub chunk_rows: usize,
}

impl Default for StreamConfig {
    fn default() -> StreamConfig {
        StreamConfig {
            stream: false,
            memory_limit: None,
            shuffle_buffer: 100_000,
            chunk_rows: 65_536,
        }
    }
}

impl StreamConfig {
    /// Whether `path` is streamed: when asked, or when its size on disk
    /// is above `memory_limit`.
    pub fn streams(&self, path: &Path) -> Result<bool> {
        if self.stream {
            return Ok(true);
        }
        match self.memory_limit {
            Some(limit) if !is_stdio(path) && !path.is_dir() => {
                let size = std::fs::metadata(path)
                    .map_err(|e| AekitError::io(path, e))?
                    .len();
                Ok(size > limit)
            }
            _ => Ok(false),
        }
    }
}

/// How a streamed fit read its file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StreamReport {
    /// Rows trained on per epoch.
    pub rows: u64,
    /// Rows held out for validation (chunks drawn by `validation_split`).
    pub validation_rows: u64,
    /// Chunks per pass over the file.
    pub chunks: usize,
    /// Passes over the file: the scaler's, each epoch's, and each
    /// validation pass (or, read into memory, the first and the read).
    pub passes: usize,
    /// Whether the file fitted in the shuffle buffer and was trained in
    /// memory, as `fit` trains (see the module docs).
    pub in_memory: bool,
}

/// Reads `path` chunk by chunk (one read ahead), handing each with its
/// index to `each`, which answers whether to go on.
pub(crate) fn for_each_chunk(
    path: &Path,
    csv: &ReadOptions,
    rows: usize,
    mut each: impl FnMut(usize, &Table) -> Result<bool>,
) -> Result<usize> {
    let mut chunks = ReadAhead::start(open_chunks(path, csv)?, rows.max(1));
    let mut i = 0;
    while let Some(table) = chunks.next_chunk()? {
        let go_on = each(i, &table)?;
        i += 1;
        if !go_on {
            break;
        }
    }
    Ok(i)
}

/// The outcome of one epoch's stepping.
#[derive(Default)]
struct EpochSums {
    loss: f64,
    rows: usize,
    batches: usize,
    stop: bool,
    diverged: bool,
}

impl AutoencoderParams {
    /// Fits a dense autoencoder on the table file `path` without holding
    /// it in memory (see the module docs), validating on the rows of
    /// [`FitOptions::validation`] (held in memory) or, with
    /// `validation_split`, on a seeded share of the file's chunks (read
    /// again after each epoch). Early stopping keeps its meaning;
    /// checkpoints, paired targets, the robust scaler (whose quantiles do
    /// not merge exactly) and kinds other than dense are refused. The
    /// first chunk fixes the columns: categories, and the values that
    /// fill missing cells, as `fit` would find them on that chunk alone.
    pub fn fit_stream(
        &self,
        path: impl AsRef<Path>,
        csv: &ReadOptions,
        stream: &StreamConfig,
        options: FitOptions<'_>,
    ) -> Result<(Autoencoder, StreamReport)> {
        let path = path.as_ref();
        let (validation, validation_target, observer) = options.into_parts();
        if validation_target.is_some() {
            return Err(AekitError::param(
                "validation_target",
                "streamed fitting trains plain autoencoders, which validate on inputs only",
            ));
        }
        if is_stdio(path) || path.is_dir() {
            return Err(AekitError::param(
                "stream",
                "streaming reads the file once per epoch: give a CSV, gzip or Parquet file, not standard input or a folder",
            ));
        }
        if stream.chunk_rows == 0 {
            return Err(AekitError::param("chunk_rows", "must be at least 1"));
        }
        let valid = self.check_ref()?;
        if valid.scale() == crate::data::ScaleKind::Robust {
            return Err(AekitError::param(
                "scale",
                "a streamed fit merges its scaler's statistics over chunks, exactly for min_max and standard; robust needs quantiles of every row: give min_max or standard",
            ));
        }
        if valid.training().checkpoint.is_some() {
            return Err(AekitError::param(
                "checkpoint",
                "streamed fitting does not checkpoint yet: leave checkpoint out, or fit in memory",
            ));
        }
        let mut fit = self.incremental()?;
        let mut silent = Silent;
        let observer = observer.unwrap_or(&mut silent);
        let threads = fit.params().threads();
        let first = crate::backend::install(threads, || {
            first_pass(&mut fit, path, csv, stream, validation.is_none())
        })??;
        let all_rows = first.report.rows + first.report.validation_rows;
        if all_rows > 0 && all_rows <= stream.shuffle_buffer as u64 {
            return in_memory(
                valid,
                path,
                csv,
                first.report,
                validation.as_ref(),
                observer,
            );
        }
        crate::backend::install(threads, || {
            streamed(
                &mut fit,
                path,
                csv,
                stream,
                first,
                validation.as_ref(),
                observer,
            )
        })?
        .and_then(|report| Ok((fit.model()?, report)))
    }
}

/// A file within the shuffle buffer, read into memory and fitted as
/// `fit` fits: the columns resolved on every row, the validation split
/// drawn by row, the scaler fitted on the training rows and each epoch
/// one seeded permutation of them. The buffer would have held all of it,
/// so memory stays within the same bound.
fn in_memory(
    params: &crate::AutoencoderValidParams,
    path: &Path,
    csv: &ReadOptions,
    first: StreamReport,
    validation: Option<&Dataset<'_>>,
    observer: &mut dyn TrainingObserver,
) -> Result<(Autoencoder, StreamReport)> {
    let table = Table::read(path, csv)?;
    let n = table.n_rows();
    let model = params.fit_rows(
        &Dataset::from(&table),
        None,
        validation.map(|v| (v, None)),
        observer,
    )?;
    let held = match validation {
        Some(_) => 0,
        None => split_rows(params.training(), n, SplitStream::Tabular)?
            .1
            .len(),
    };
    let report = StreamReport {
        rows: (n - held) as u64,
        validation_rows: held as u64,
        chunks: first.chunks,
        passes: 2,
        in_memory: true,
    };
    Ok((model, report))
}

/// What the first pass over a file found.
struct FirstPass {
    report: StreamReport,
    /// Which chunks `validation_split` holds out.
    held_out: Vec<bool>,
    /// The scaler's statistics over the training chunks.
    stats: Option<ScalerStats>,
    /// Columns skipped as text and as empty.
    skipped: (Vec<String>, Vec<String>),
}

/// Pass 1: columns (from the first chunk), every cell checked, the
/// chunks held out for validation drawn, the scaler's statistics.
fn first_pass(
    fit: &mut IncrementalFit,
    path: &Path,
    csv: &ReadOptions,
    stream: &StreamConfig,
    split: bool,
) -> Result<FirstPass> {
    let training = fit.params().training().clone();
    let scale = fit.params().scale();
    let share = training.validation_split.filter(|_| split);
    let mut draw = StdRng::seed_from_u64(training.seed.wrapping_add(VALIDATION_STREAM));
    let mut first = FirstPass {
        report: StreamReport::default(),
        held_out: Vec::new(),
        stats: None,
        skipped: (Vec::new(), Vec::new()),
    };
    first.report.chunks = for_each_chunk(path, csv, stream.chunk_rows, |i, table| {
        let chunk = Dataset::from(table);
        if i == 0 {
            let resolved = fit.params().columns().resolve(&chunk)?;
            first.skipped = (resolved.skipped_text, resolved.skipped_empty);
            fit.fix_columns(&chunk)?;
        }
        let m = fit.read(&chunk)?;
        let is_held = share.is_some_and(|s| draw.random::<f64>() < s);
        first.held_out.push(is_held);
        if is_held {
            first.report.validation_rows += m.n_rows() as u64;
        } else {
            let s = ScalerStats::of(scale, &m.values, m.n_cols)?;
            match &mut first.stats {
                Some(all) => all.merge(&s)?,
                None => first.stats = Some(s),
            }
            first.report.rows += m.n_rows() as u64;
        }
        Ok(true)
    })?;
    first.report.passes = 1;
    Ok(first)
}

fn streamed(
    fit: &mut IncrementalFit,
    path: &Path,
    csv: &ReadOptions,
    stream: &StreamConfig,
    first: FirstPass,
    validation: Option<&Dataset<'_>>,
    observer: &mut dyn TrainingObserver,
) -> Result<StreamReport> {
    let training = fit.params().training().clone();
    let share = validation
        .is_none()
        .then_some(training.validation_split)
        .flatten();
    let FirstPass {
        mut report,
        held_out,
        stats,
        skipped,
    } = first;
    if share.is_some() && (report.validation_rows == 0 || report.rows == 0) {
        return Err(AekitError::param(
            "validation_split",
            format!(
                "draws whole chunks when streaming, and {} chunks of {} rows gave {} for validation: lower chunk_rows or give validation rows",
                report.chunks,
                stream.chunk_rows,
                if report.rows == 0 { "all" } else { "none" }
            ),
        ));
    }
    let stats = stats.ok_or_else(|| AekitError::Data {
        path: path.to_path_buf(),
        row: None,
        column: None,
        message: "has a header but no data rows".into(),
    })?;
    let scaler = stats.scaler();
    fit.set_scaler(scaler.clone())?;
    let n_cols = stats.min.len();
    // The first pass counted the rows: decide what was left to the table.
    fit.decide_for_table(n_cols, report.rows as usize);
    let training = fit.params().training().clone();

    let validation_rows = match validation {
        Some(v) => {
            let mut m = fit.read(v)?;
            scaler.transform(&mut m.values);
            Some(m)
        }
        None => None,
    };
    let start = TrainingStart {
        n_rows: report.rows as usize,
        n_validation_rows: validation_rows
            .as_ref()
            .map_or(report.validation_rows as usize, Matrix::n_rows),
        n_features: n_cols,
        skipped_text: skipped.0,
        skipped_empty: skipped.1,
    };

    let batch = training.batch_size.max(1);
    let window = batch * (stream.chunk_rows / batch).max(1);
    // Windows are steps' rows, drawn as values from the buffer's output.
    let window_values = window * n_cols;
    let shape = (n_cols, batch);
    let n_batches = (report.rows as usize).div_ceil(batch);
    let capacity = if training.shuffle {
        stream.shuffle_buffer
    } else {
        0
    };

    let (_, history) = train_observed(
        observer,
        &start,
        |observer| {
            let mut history = History::default();
            let mut last_good: Option<(KernelTrainer, usize)> = None;
            let mut best: Option<(f64, KernelTrainer, usize)> = None;
            let mut since_best = 0usize;
            for epoch in 1..=training.epochs {
                if observer
                    .on_epoch_start(epoch, training.epochs, n_batches)
                    .is_stop()
                {
                    history.stop_reason = StopReason::StopRequested;
                    break;
                }
                let started = Instant::now();
                let seed = training
                    .seed
                    .wrapping_add(BUFFER_STREAM)
                    .wrapping_add(epoch as u64);
                let mut buffer = ShuffleBuffer::new(capacity, n_cols, seed);
                let mut out: Vec<f32> = Vec::new();
                let mut sums = EpochSums::default();
                for_each_chunk(path, csv, stream.chunk_rows, |i, table| {
                    if held_out.get(i).copied().unwrap_or(false) {
                        return Ok(true);
                    }
                    let mut m = fit.read(&Dataset::from(table))?;
                    scaler.transform(&mut m.values);
                    buffer.push(&m, &mut out);
                    step_windows(fit, &mut out, window_values, shape, &mut sums, observer)?;
                    Ok(!(sums.stop || sums.diverged))
                })?;
                report.passes += 1;
                if !(sums.stop || sums.diverged) {
                    buffer.drain(&mut out);
                    step_windows(fit, &mut out, window_values, shape, &mut sums, observer)?;
                    // The last rows, fewer than a window.
                    let rest = out.len();
                    step_windows(fit, &mut out, rest, shape, &mut sums, observer)?;
                }
                if sums.diverged || sums.rows == 0 {
                    history.stop_reason = if sums.diverged {
                        StopReason::Diverged
                    } else {
                        StopReason::StopRequested
                    };
                    break;
                }
                let val_loss = match (&validation_rows, share) {
                    (Some(v), _) => Some(fit.validation_loss(Pairs {
                        inputs: v,
                        targets: v,
                    })?),
                    (None, Some(_)) => {
                        let (mut sum, mut n) = (0.0, 0usize);
                        for_each_chunk(path, csv, stream.chunk_rows, |i, table| {
                            if held_out.get(i).copied().unwrap_or(false) {
                                let mut m = fit.read(&Dataset::from(table))?;
                                scaler.transform(&mut m.values);
                                let pairs = Pairs {
                                    inputs: &m,
                                    targets: &m,
                                };
                                sum += fit.validation_loss(pairs)? * m.n_rows() as f64;
                                n += m.n_rows();
                            }
                            Ok(true)
                        })?;
                        report.passes += 1;
                        Some(sum / n.max(1) as f64)
                    }
                    (None, None) => None,
                };
                let record = EpochRecord {
                    epoch,
                    loss: sums.loss / sums.rows as f64,
                    val_loss,
                    seconds: started.elapsed().as_secs_f64(),
                    penalty: None,
                };
                let stop = sums.stop | observer.on_epoch_end(&record).is_stop();
                let monitored = History::monitored(&record);
                history.epochs.push(record);
                if !monitored.is_finite() {
                    history.stop_reason = StopReason::Diverged;
                    break;
                }
                last_good = fit.snapshot().map(|s| (s, epoch));
                if let Some(patience) = training.patience
                    && patience_ran_out(
                        &mut best,
                        &mut since_best,
                        (monitored, epoch),
                        (training.min_delta, patience),
                        || fit.snapshot(),
                    )
                {
                    history.stop_reason = StopReason::EarlyStopped;
                    break;
                }
                if stop {
                    history.stop_reason = StopReason::StopRequested;
                    break;
                }
            }
            // As the in-memory loop: the best weights with early stopping,
            // else the last epoch that ended finite.
            let kept = match best {
                Some((_, s, e)) => Some((s, e)),
                None => last_good,
            };
            if let Some((snapshot, epoch)) = kept {
                fit.restore(snapshot);
                history.kept_epoch = epoch;
            }
            if let Some(h) = fit.history_mut() {
                *h = history.clone();
            }
            Ok(((), history))
        },
        |_| Ok(None),
    )?;
    if !fit.is_started() || history.kept_epoch == 0 {
        return Err(AekitError::param(
            "epochs",
            "training stopped before an epoch ended: there is no model to keep",
        ));
    }
    Ok(report)
}

/// Steps on whole windows of `window` values at the front of `out`
/// (all of `out` when it is a window or less and `window` is its
/// length), one batch at a time, telling `observer` of each batch; rows
/// are `n_cols` values, batches `batch` rows.
fn step_windows(
    fit: &mut IncrementalFit,
    out: &mut Vec<f32>,
    window: usize,
    (n_cols, batch): (usize, usize),
    sums: &mut EpochSums,
    observer: &mut dyn TrainingObserver,
) -> Result<()> {
    while window > 0 && out.len() >= window && !(sums.stop || sums.diverged) {
        let rows = Matrix::new(out.drain(..window).collect(), n_cols);
        let n = rows.n_rows();
        fit.load_scaled(rows)?;
        for b in 0..n.div_ceil(batch) {
            let loss = match fit.run_steps_here(1) {
                Ok(loss) => loss,
                Err(AekitError::Diverged { .. }) => {
                    sums.diverged = true;
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            let in_batch = batch.min(n - b * batch);
            sums.loss += loss * in_batch as f64;
            sums.rows += in_batch;
            sums.batches += 1;
            if observer.on_batch_end(sums.batches, loss).is_stop() {
                sums.stop = true;
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
