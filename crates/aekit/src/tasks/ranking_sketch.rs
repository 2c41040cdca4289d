//! ROC AUC and average precision of (score, label) pairs in bounded
//! memory: exact, from every pair, up to a number of rows; past it, from a
//! fixed-bin histogram of the scores per label, whose bins are the
//! quantiles of the rows seen so far (plus widening bins beyond their
//! range). The binned ROC AUC comes with a bound on its error: pairs of a
//! positive and a negative row in one bin are the only ones whose order
//! is unknown.

use super::metrics::{average_precision, roc_auc};

/// Rows kept exactly by default before switching to the histogram:
/// about 90 MB (a score and a label per row), plus 8 MB while switching.
pub const DEFAULT_EXACT_ROWS: usize = 10_000_000;
/// Histogram bins between the quantiles of the exact rows.
pub const QUANTILE_BINS: usize = 1 << 16;
/// Exact rows (at most) whose quantiles give the bin edges.
const EDGE_SAMPLE: usize = 1 << 20;
/// Widening bins below and above the exact rows' range (each twice the last).
const TAIL_BINS: usize = 40;

/// ROC AUC and average precision, and how exact they are.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingMetrics {
    /// Area under the ROC curve (None: one class only).
    pub roc_auc: Option<f64>,
    /// Average precision (None: no positives).
    pub average_precision: Option<f64>,
    /// Whether every row was kept (the figures are exact).
    pub exact: bool,
    /// The true ROC AUC lies within this of `roc_auc` (0 when exact).
    pub roc_auc_error_bound: f64,
}

/// Collects (score, label) pairs.
#[derive(Debug, Clone)]
pub struct RankingSketch {
    limit: usize,
    scores: Vec<f64>,
    labels: Vec<bool>,
    histogram: Option<Histogram>,
}

#[derive(Debug, Clone)]
struct Histogram {
    /// Inner bin edges, ascending: bin b holds edges[b - 1] < s <= edges[b].
    edges: Vec<f64>,
    positives: Vec<u64>,
    negatives: Vec<u64>,
}

impl Histogram {
    fn from_sorted(sorted: &[f64]) -> Histogram {
        let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
        let span = (hi - lo).max(hi.abs().max(lo.abs()) * 1e-6).max(1e-12);
        let mut edges: Vec<f64> = (0..TAIL_BINS)
            .rev()
            .map(|j| lo - span * 2f64.powi(j as i32 - 20))
            .collect();
        let n = sorted.len();
        for i in 0..=QUANTILE_BINS {
            edges.push(sorted[((i * (n - 1)) / QUANTILE_BINS).min(n - 1)]);
        }
        edges.extend((0..TAIL_BINS).map(|j| hi + span * 2f64.powi(j as i32 - 20)));
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        let bins = edges.len() + 1;
        Histogram {
            edges,
            positives: vec![0; bins],
            negatives: vec![0; bins],
        }
    }

    fn add(&mut self, score: f64, label: bool) {
        let b = self.edges.partition_point(|&e| e < score);
        if label {
            self.positives[b] += 1;
        } else {
            self.negatives[b] += 1;
        }
    }

    fn metrics(&self) -> RankingMetrics {
        let p: u64 = self.positives.iter().sum();
        let n: u64 = self.negatives.iter().sum();
        let (mut auc, mut ties, mut neg_below) = (0.0f64, 0.0f64, n as f64);
        let (mut ap, mut tp, mut fp) = (0.0f64, 0.0f64, 0.0f64);
        for b in (0..self.positives.len()).rev() {
            let (pb, nb) = (self.positives[b] as f64, self.negatives[b] as f64);
            neg_below -= nb;
            auc += pb * (neg_below + 0.5 * nb);
            ties += pb * nb;
            if pb > 0.0 {
                tp += pb;
                fp += nb;
                ap += (pb / p as f64) * tp / (tp + fp);
            } else {
                fp += nb;
            }
        }
        let pairs = p as f64 * n as f64;
        RankingMetrics {
            roc_auc: (p > 0 && n > 0).then(|| auc / pairs),
            average_precision: (p > 0).then_some(ap),
            exact: false,
            roc_auc_error_bound: if pairs > 0.0 { 0.5 * ties / pairs } else { 0.0 },
        }
    }
}

impl Default for RankingSketch {
    fn default() -> Self {
        RankingSketch::new(DEFAULT_EXACT_ROWS)
    }
}

impl RankingSketch {
    /// Exact up to `exact_rows` rows (at least 1), binned past them.
    pub fn new(exact_rows: usize) -> RankingSketch {
        RankingSketch {
            limit: exact_rows.max(1),
            scores: Vec::new(),
            labels: Vec::new(),
            histogram: None,
        }
    }

    /// Adds one row.
    pub fn push(&mut self, score: f64, label: bool) {
        if let Some(h) = &mut self.histogram {
            h.add(score, label);
            return;
        }
        if self.scores.len() == self.scores.capacity() {
            // Grow by doubling, but never past the limit: memory stays at
            // about 9 bytes for each of `limit` rows.
            let extra = self
                .scores
                .len()
                .max(1024)
                .min(self.limit + 1 - self.scores.len());
            self.scores.reserve_exact(extra);
            self.labels.reserve_exact(extra);
        }
        self.scores.push(score);
        self.labels.push(label);
        if self.scores.len() > self.limit {
            // Bin edges from at most EDGE_SAMPLE evenly spaced exact rows.
            let step = self.scores.len().div_ceil(EDGE_SAMPLE);
            let mut sorted: Vec<f64> = self.scores.iter().step_by(step).copied().collect();
            sorted.sort_by(f64::total_cmp);
            let mut h = Histogram::from_sorted(&sorted);
            for (&s, &l) in self.scores.iter().zip(&self.labels) {
                h.add(s, l);
            }
            self.histogram = Some(h);
            self.scores = Vec::new();
            self.labels = Vec::new();
        }
    }

    /// The metrics of every row pushed.
    pub fn metrics(&self) -> RankingMetrics {
        match &self.histogram {
            Some(h) => h.metrics(),
            None => RankingMetrics {
                roc_auc: roc_auc(&self.labels, &self.scores),
                average_precision: average_precision(&self.labels, &self.scores),
                exact: true,
                roc_auc_error_bound: 0.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn data(n: usize, seed: u64) -> Vec<(f64, bool)> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let label = rng.random::<f64>() < 0.05;
                // Anomalies score higher on average, with overlap and a heavy tail.
                let u: f64 = rng.random::<f64>().max(1e-12);
                let s = -u.ln() * if label { 3.0 } else { 1.0 };
                (s, label)
            })
            .collect()
    }

    #[test]
    fn exact_below_the_limit() {
        let rows = data(5000, 1);
        let mut sketch = RankingSketch::new(10_000);
        rows.iter().for_each(|&(s, l)| sketch.push(s, l));
        let m = sketch.metrics();
        let (labels, scores): (Vec<bool>, Vec<f64>) = rows.iter().map(|&(s, l)| (l, s)).unzip();
        assert!(m.exact);
        assert_eq!(m.roc_auc, roc_auc(&labels, &scores));
        assert_eq!(m.average_precision, average_precision(&labels, &scores));
    }

    #[test]
    fn histogram_matches_exact_within_its_bound() {
        // 300 000 rows, exact for the first 20 000, and later rows drawn
        // wider than the first so that some fall past their range.
        let mut rows = data(300_000, 2);
        for r in rows.iter_mut().skip(150_000) {
            r.0 *= 1.5;
        }
        let mut sketch = RankingSketch::new(20_000);
        rows.iter().for_each(|&(s, l)| sketch.push(s, l));
        let m = sketch.metrics();
        let (labels, scores): (Vec<bool>, Vec<f64>) = rows.iter().map(|&(s, l)| (l, s)).unzip();
        let (auc, ap) = (
            roc_auc(&labels, &scores).unwrap(),
            average_precision(&labels, &scores).unwrap(),
        );
        assert!(!m.exact);
        let got = m.roc_auc.unwrap();
        assert!(
            (got - auc).abs() <= m.roc_auc_error_bound + 1e-12,
            "{got} vs {auc}"
        );
        assert!(m.roc_auc_error_bound < 1e-3, "{}", m.roc_auc_error_bound);
        assert!((m.average_precision.unwrap() - ap).abs() < 1e-3, "{ap}");
    }
}
