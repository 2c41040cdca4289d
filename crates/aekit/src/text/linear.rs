//! The linear head of a TF-IDF-pooled text classifier: one weight per
//! token and class over the sparse TF-IDF bag, one bias per class, fitted
//! to convergence with an L2 penalty, by one of two losses. The squared
//! hinge, one class against the rest, is scikit-learn's `LinearSVC`
//! ([`hinge`]). The logistic loss is a multinomial logistic regression
//! fitted by L-BFGS with the penalty on the weights only,
//! scikit-learn's `LogisticRegression`: the objective is `c * sum of
//! cross-entropies + |W|^2 / 2`, here divided by `c * n` so that its
//! scale does not depend on the rows. The inverse strength `c` is
//! scikit-learn's `C` in both.
//!
//! Everything runs in f32 with f64 sums over fixed chunks, so a fit gives
//! the same bits on any number of threads.

mod hinge;

use rayon::prelude::*;

use super::linear_head::LinearLoss;
use crate::data::Matrix;
use crate::train::{EpochRecord, History, StopReason, TrainingObserver};

/// The inverse L2 strengths the logistic fit tries on its validation
/// split, weakest penalty last (each fit starts from the previous one's
/// weights). BENCHMARKS.md, "Text".
pub const C_GRID: [f64; 4] = [3.0, 10.0, 30.0, 100.0];
/// The logistic fit's inverse L2 strength without a validation split.
pub const C_WITHOUT_SPLIT: f64 = 30.0;
/// The inverse L2 strengths the squared-hinge fit tries on its
/// validation split. BENCHMARKS.md, "Text".
pub const HINGE_C_GRID: [f64; 4] = [0.1, 0.3, 1.0, 3.0];
/// The squared-hinge fit's inverse L2 strength without a validation
/// split.
pub const HINGE_C_WITHOUT_SPLIT: f64 = 0.3;
/// Most L-BFGS iterations per fit.
const MAX_ITER: usize = 300;
/// Relative decrease of the objective below which a fit has converged
/// (scipy's L-BFGS-B `ftol` scaled up: accuracy is settled long before).
const F_TOL: f64 = 1e-6;
/// L-BFGS memory (pairs kept): each is two vectors of tokens x classes.
const MEMORY: usize = 5;
/// Rows, ids and values per parallel task: fixed so sums are ordered
/// the same on any thread count.
const CHUNK: usize = 1 << 14;

/// Sparse rows of some texts with their classes, by row (to score) and
/// by token (to sum the gradient of each token's weights apart).
pub(crate) struct Design {
    row_start: Vec<usize>,
    row_terms: Vec<(u32, f32)>,
    col_start: Vec<usize>,
    col_terms: Vec<(u32, f32)>,
    classes: Vec<usize>,
}

impl Design {
    /// The `rows` of `x` (a classifier's TF-IDF input rows: ids, then
    /// their weights) with their classes `class_of[row]`, for `vocab` ids.
    pub(crate) fn new(x: &Matrix, rows: &[usize], class_of: &[usize], vocab: usize) -> Design {
        let terms = x.n_cols / 2;
        let mut row_start = Vec::with_capacity(rows.len() + 1);
        let mut row_terms = Vec::new();
        row_start.push(0);
        for &r in rows {
            let row = x.row(r);
            for t in 0..terms {
                let w = row[terms + t];
                let id = row[t] as usize;
                if w != 0.0 && id < vocab {
                    row_terms.push((id as u32, w));
                }
            }
            row_start.push(row_terms.len());
        }
        let mut count = vec![0usize; vocab + 1];
        for &(id, _) in &row_terms {
            count[id as usize + 1] += 1;
        }
        for i in 0..vocab {
            count[i + 1] += count[i];
        }
        let col_start = count.clone();
        let mut fill = count;
        let mut col_terms = vec![(0u32, 0.0f32); row_terms.len()];
        for (i, span) in row_start.windows(2).enumerate() {
            for &(id, w) in &row_terms[span[0]..span[1]] {
                col_terms[fill[id as usize]] = (i as u32, w);
                fill[id as usize] += 1;
            }
        }
        Design {
            row_start,
            row_terms,
            col_start,
            col_terms,
            classes: rows.iter().map(|&r| class_of[r]).collect(),
        }
    }

    fn n_rows(&self) -> usize {
        self.classes.len()
    }

    fn vocab(&self) -> usize {
        self.col_start.len() - 1
    }

    fn terms(&self, i: usize) -> &[(u32, f32)] {
        &self.row_terms[self.row_start[i]..self.row_start[i + 1]]
    }

    /// Each row's logits under `params` (weights `[vocab, k]` then `k`
    /// biases), into `out` (`[rows, k]`).
    fn logits(&self, params: &[f32], k: usize, out: &mut [f32]) {
        let bias = &params[self.vocab() * k..];
        out.par_chunks_mut(k * 256)
            .enumerate()
            .for_each(|(chunk, block)| {
                for (j, z) in block.chunks_mut(k).enumerate() {
                    z.copy_from_slice(bias);
                    for &(id, w) in self.terms(chunk * 256 + j) {
                        let row = &params[id as usize * k..(id as usize + 1) * k];
                        z.iter_mut().zip(row).for_each(|(z, v)| *z += w * v);
                    }
                }
            });
    }

    /// The objective at `params` for inverse strength `c`; its gradient
    /// into `grad`.
    fn objective(&self, params: &[f32], k: usize, c: f64, grad: &mut [f32]) -> f64 {
        let n = self.n_rows();
        let mut resid = vec![0.0f32; n * k];
        self.logits(params, k, &mut resid);
        let scale = 1.0 / n as f32;
        // Softmax minus the one-hot class, over n; the cross-entropies.
        let losses: Vec<f64> = resid
            .par_chunks_mut(k * 256)
            .enumerate()
            .map(|(chunk, block)| {
                let mut sum = 0.0f64;
                for (j, z) in block.chunks_mut(k).enumerate() {
                    let y = self.classes[chunk * 256 + j];
                    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let mut total = 0.0f32;
                    z.iter_mut().for_each(|v| {
                        *v = (*v - max).exp();
                        total += *v;
                    });
                    sum -= f64::from((z[y] / total).max(f32::MIN_POSITIVE).ln());
                    z.iter_mut().for_each(|v| *v = *v / total * scale);
                    z[y] -= scale;
                }
                sum
            })
            .collect();
        let lambda = (1.0 / (c * n as f64)) as f32;
        let vocab = self.vocab();
        let (gw, gb) = grad.split_at_mut(vocab * k);
        gw.par_chunks_mut(k * 1024)
            .enumerate()
            .for_each(|(chunk, block)| {
                for (j, g) in block.chunks_mut(k).enumerate() {
                    let id = chunk * 1024 + j;
                    let w = &params[id * k..(id + 1) * k];
                    g.iter_mut().zip(w).for_each(|(g, w)| *g = lambda * w);
                    for &(i, x) in &self.col_terms[self.col_start[id]..self.col_start[id + 1]] {
                        let r = &resid[i as usize * k..(i as usize + 1) * k];
                        g.iter_mut().zip(r).for_each(|(g, r)| *g += x * r);
                    }
                }
            });
        gb.fill(0.0);
        for r in resid.chunks(k) {
            gb.iter_mut().zip(r).for_each(|(g, r)| *g += r);
        }
        let penalty = 0.5 * f64::from(lambda) * dot(&params[..vocab * k], &params[..vocab * k]);
        losses.iter().sum::<f64>() / n as f64 + penalty
    }

    /// The most probable class of each row under `params`, and the mean
    /// cross-entropy.
    pub(crate) fn score(&self, params: &[f32], k: usize) -> (Vec<usize>, f64) {
        let mut z = vec![0.0f32; self.n_rows() * k];
        self.logits(params, k, &mut z);
        let mut loss = 0.0f64;
        let predicted = z
            .chunks(k)
            .zip(&self.classes)
            .map(|(z, &y)| {
                let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let total: f32 = z.iter().map(|v| (v - max).exp()).sum();
                loss += f64::from(total.ln() - (z[y] - max));
                let mut best = 0;
                for (i, &v) in z.iter().enumerate() {
                    if v > z[best] {
                        best = i;
                    }
                }
                best
            })
            .collect();
        (predicted, loss / self.n_rows().max(1) as f64)
    }

    /// The fraction of rows whose most probable class under `params` is
    /// theirs, and the mean cross-entropy.
    pub(crate) fn accuracy(&self, params: &[f32], k: usize) -> (f64, f64) {
        let (predicted, loss) = self.score(params, k);
        let right = predicted
            .iter()
            .zip(&self.classes)
            .filter(|(p, y)| p == y)
            .count();
        (right as f64 / self.n_rows().max(1) as f64, loss)
    }

    /// Fits `params` (`[vocab, k]` weights, then `k` biases; the starting
    /// point) at inverse strength `c` by L-BFGS; returns the objective
    /// and the iterations taken.
    pub(crate) fn fit(&self, params: &mut [f32], k: usize, c: f64) -> (f64, usize) {
        let n = params.len();
        let mut grad = vec![0.0f32; n];
        let mut f = self.objective(params, k, c, &mut grad);
        let mut history: Vec<(Vec<f32>, Vec<f32>, f64)> = Vec::new();
        let mut dir = vec![0.0f32; n];
        let mut trial = vec![0.0f32; n];
        let mut trial_grad = vec![0.0f32; n];
        for iter in 0..MAX_ITER {
            // Two-loop recursion: dir = -H grad.
            dir.copy_from_slice(&grad);
            let mut alphas = Vec::with_capacity(history.len());
            for (s, y, rho) in history.iter().rev() {
                let a = rho * dot(s, &dir);
                axpy(-a as f32, y, &mut dir);
                alphas.push(a);
            }
            let gamma = history
                .last()
                .map_or(1.0, |(s, y, _)| dot(s, y) / dot(y, y));
            dir.par_iter_mut().for_each(|d| *d *= gamma as f32);
            for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
                let b = rho * dot(y, &dir);
                axpy((a - b) as f32, s, &mut dir);
            }
            dir.par_iter_mut().for_each(|d| *d = -*d);
            let mut slope = dot(&grad, &dir);
            if slope >= 0.0 {
                // Not a descent direction: restart from steepest descent.
                history.clear();
                dir.par_iter_mut().zip(&grad).for_each(|(d, g)| *d = -g);
                slope = dot(&grad, &dir);
            }
            if slope.abs() < 1e-20 {
                return (f, iter);
            }
            let mut step = if history.is_empty() {
                (1.0 / dot(&grad, &grad).sqrt()).min(1.0)
            } else {
                1.0
            };
            let mut accepted = None;
            for _ in 0..40 {
                trial
                    .par_iter_mut()
                    .zip(params.par_iter())
                    .zip(dir.par_iter())
                    .for_each(|((t, p), d)| *t = p + step as f32 * d);
                let ft = self.objective(&trial, k, c, &mut trial_grad);
                if ft.is_finite() && ft <= f + 1e-4 * step * slope {
                    accepted = Some(ft);
                    break;
                }
                step *= 0.5;
            }
            let Some(ft) = accepted else {
                return (f, iter);
            };
            let s: Vec<f32> = trial
                .par_iter()
                .zip(params.par_iter())
                .map(|(t, p)| t - p)
                .collect();
            let y: Vec<f32> = trial_grad
                .par_iter()
                .zip(grad.par_iter())
                .map(|(a, b)| a - b)
                .collect();
            let sy = dot(&s, &y);
            if sy > 1e-12 {
                if history.len() == MEMORY {
                    history.remove(0);
                }
                history.push((s, y, 1.0 / sy));
            }
            params.copy_from_slice(&trial);
            grad.copy_from_slice(&trial_grad);
            let done = f - ft <= F_TOL * ft.abs().max(1e-3);
            f = ft;
            if done {
                return (f, iter + 1);
            }
        }
        (f, MAX_ITER)
    }
}

impl Design {
    /// Fits `params` at inverse strength `c` by `loss` (the logistic fit
    /// starts from them; `seed` orders the squared hinge's passes).
    fn fit_by(&self, params: &mut [f32], k: usize, c: f64, loss: LinearLoss, seed: u64) {
        match loss {
            LinearLoss::Logistic => {
                self.fit(params, k, c);
            }
            LinearLoss::SquaredHinge => hinge::fit(self, params, k, c, seed),
        }
    }

    /// The fraction of rows whose highest-scoring class under `params`
    /// is theirs, and the mean of `loss`.
    fn evaluate(&self, params: &[f32], k: usize, loss: LinearLoss) -> (f64, f64) {
        match loss {
            LinearLoss::Logistic => self.accuracy(params, k),
            LinearLoss::SquaredHinge => {
                let (acc, _) = self.accuracy(params, k);
                let mut z = vec![0.0f32; self.n_rows() * k];
                self.logits(params, k, &mut z);
                (acc, hinge::mean_loss(self, &z, k))
            }
        }
    }
}

/// What a linear fit gives: the weights (`[vocab, k]`, then `k`
/// biases), one history record per candidate strength then the refit's,
/// and the chosen strength's validation accuracy.
pub(crate) struct LinearFit {
    pub params: Vec<f32>,
    pub history: History,
    pub validation_accuracy: Option<f64>,
}

/// How a linear head is fitted: the loss, the inverse strength (`None`:
/// chosen on the validation rows) and the seed of the squared hinge's
/// passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinearSettings {
    pub loss: LinearLoss,
    pub c: Option<f64>,
    pub seed: u64,
}

/// Fits the linear head on the rows of `x` (all of a corpus's,
/// `class_of` their classes, `k` of them): with `c` given, at it on
/// `train_rows`; without, at each strength of the loss's grid
/// ([`C_GRID`], [`HINGE_C_GRID`]) on `train_rows`, keeping the strength
/// of the best accuracy on `val_rows` (the lower loss on a tie), then
/// refitted on all rows. Without validation rows, the loss's
/// [`C_WITHOUT_SPLIT`] or [`HINGE_C_WITHOUT_SPLIT`].
pub(crate) fn fit(
    x: &Matrix,
    class_of: &[usize],
    k: usize,
    vocab: usize,
    (train_rows, val_rows): (&[usize], &[usize]),
    settings: LinearSettings,
    observer: &mut dyn TrainingObserver,
) -> LinearFit {
    let LinearSettings { loss, c, seed } = settings;
    let (grid, c_without_split) = match loss {
        LinearLoss::Logistic => (C_GRID, C_WITHOUT_SPLIT),
        LinearLoss::SquaredHinge => (HINGE_C_GRID, HINGE_C_WITHOUT_SPLIT),
    };
    let mut history = History::default();
    let record = |observer: &mut dyn TrainingObserver,
                  history: &mut History,
                  loss: f64,
                  val_loss: Option<f64>,
                  seconds: f64| {
        let r = EpochRecord {
            epoch: history.epochs.len() + 1,
            loss,
            val_loss,
            seconds,
            penalty: None,
        };
        let stop = observer.on_epoch_end(&r).is_stop();
        history.epochs.push(r);
        history.kept_epoch = history.epochs.len();
        stop
    };
    let train = Design::new(x, train_rows, class_of, vocab);
    let mut params = vec![0.0f32; vocab * k + k];
    if val_rows.is_empty() || c.is_some() {
        let c = c.unwrap_or(c_without_split);
        // A stop is honoured at the fit's end.
        let _ = observer.on_epoch_start(1, 1, 1);
        let start = std::time::Instant::now();
        train.fit_by(&mut params, k, c, loss, seed);
        let (_, train_loss) = train.evaluate(&params, k, loss);
        record(
            observer,
            &mut history,
            train_loss,
            None,
            start.elapsed().as_secs_f64(),
        );
        return LinearFit {
            params,
            history,
            validation_accuracy: None,
        };
    }
    let val = Design::new(x, val_rows, class_of, vocab);
    // (accuracy, -loss, weights, c) of the best strength so far.
    let mut best: Option<(f64, f64, Vec<f32>, f64)> = None;
    for (i, c) in grid.into_iter().enumerate() {
        // A stop is honoured at the fit's end.
        let _ = observer.on_epoch_start(i + 1, grid.len() + 1, 1);
        let start = std::time::Instant::now();
        train.fit_by(&mut params, k, c, loss, seed);
        let (_, train_loss) = train.evaluate(&params, k, loss);
        let (acc, val_loss) = val.evaluate(&params, k, loss);
        let stop = record(
            observer,
            &mut history,
            train_loss,
            Some(val_loss),
            start.elapsed().as_secs_f64(),
        );
        if best.as_ref().is_none_or(|b| (acc, -val_loss) > (b.0, b.1)) {
            best = Some((acc, -val_loss, params.clone(), c));
        }
        if stop {
            history.stop_reason = StopReason::StopRequested;
            break;
        }
    }
    let (acc, _, mut params, c) = best.expect("the grid is not empty");
    if history.stop_reason != StopReason::StopRequested {
        // The chosen strength on every row (the logistic fit from its
        // weights).
        let all: Vec<usize> = train_rows.iter().chain(val_rows).copied().collect();
        let design = Design::new(x, &all, class_of, vocab);
        // A stop is honoured at the fit's end.
        let _ = observer.on_epoch_start(grid.len() + 1, grid.len() + 1, 1);
        let start = std::time::Instant::now();
        design.fit_by(&mut params, k, c, loss, seed);
        let (_, all_loss) = design.evaluate(&params, k, loss);
        record(
            observer,
            &mut history,
            all_loss,
            None,
            start.elapsed().as_secs_f64(),
        );
    }
    LinearFit {
        params,
        history,
        validation_accuracy: Some(acc),
    }
}

/// Sum of products in f64, over fixed chunks (the same bits on any
/// number of threads).
fn dot(a: &[f32], b: &[f32]) -> f64 {
    let parts: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum()
        })
        .collect();
    parts.iter().sum()
}

/// `y += a * x`.
fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    y.par_iter_mut()
        .zip(x.par_iter())
        .for_each(|(y, x)| *y += a * x);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of `[ids..., weights...]` with `terms` slots.
    fn rows(docs: &[&[(usize, f32)]], terms: usize) -> Matrix {
        let mut v = vec![0.0f32; docs.len() * 2 * terms];
        for (r, doc) in docs.iter().enumerate() {
            for (t, &(id, w)) in doc.iter().enumerate() {
                v[r * 2 * terms + t] = id as f32;
                v[r * 2 * terms + terms + t] = w;
            }
        }
        Matrix::new(v, 2 * terms)
    }

    #[test]
    fn the_gradient_is_the_objectives() {
        let x = rows(
            &[
                &[(2, 0.6), (3, 0.8)],
                &[(3, 1.0)],
                &[(4, 0.5), (2, 0.5)],
                &[(5, 1.0)],
            ],
            3,
        );
        let design = Design::new(&x, &[0, 1, 2, 3], &[0, 1, 2, 1], 6);
        let k = 3;
        let params: Vec<f32> = (0..6 * k + k)
            .map(|i| ((i * 7 % 11) as f32 - 5.0) / 10.0)
            .collect();
        let mut grad = vec![0.0; params.len()];
        design.objective(&params, k, 2.0, &mut grad);
        for i in [6, 7, 9, 13, 18, 19] {
            let h = 1e-2f32;
            let mut up = params.clone();
            up[i] += h;
            let mut down = params.clone();
            down[i] -= h;
            let mut scratch = vec![0.0; params.len()];
            let numeric = (design.objective(&up, k, 2.0, &mut scratch)
                - design.objective(&down, k, 2.0, &mut scratch))
                / (2.0 * f64::from(h));
            assert!(
                (numeric - f64::from(grad[i])).abs() < 1e-3,
                "{i}: {numeric} vs {}",
                grad[i]
            );
        }
    }

    #[test]
    fn a_fit_separates_what_it_can_and_the_penalty_shrinks_it() {
        // Token 2 marks class 0, token 3 class 1, token 4 is in both.
        let x = rows(
            &[
                &[(2, 0.8), (4, 0.6)],
                &[(3, 0.8), (4, 0.6)],
                &[(2, 1.0)],
                &[(3, 1.0)],
            ],
            2,
        );
        let design = Design::new(&x, &[0, 1, 2, 3], &[0, 1, 0, 1], 5);
        let mut strong = vec![0.0f32; 5 * 2 + 2];
        let (f, iters) = design.fit(&mut strong, 2, 0.1);
        assert!(f.is_finite() && iters > 0);
        let mut weak = strong.clone();
        design.fit(&mut weak, 2, 100.0);
        assert_eq!(design.accuracy(&weak, 2).0, 1.0);
        let norm = |p: &[f32]| dot(&p[..10], &p[..10]);
        assert!(
            norm(&weak) > 4.0 * norm(&strong),
            "{} vs {}",
            norm(&weak),
            norm(&strong)
        );
        // The shared token tells nothing: its two weights stay equal.
        assert!((weak[8] - weak[9]).abs() < 0.05 * weak[4].abs(), "{weak:?}");
    }
}
