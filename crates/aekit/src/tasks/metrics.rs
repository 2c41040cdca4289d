//! Classification and clustering scores, as scikit-learn defines them.

use serde::Serialize;

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class label.
    pub class: String,
    /// Of the rows predicted as this class, the share that are.
    pub precision: f64,
    /// Of the rows of this class, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Rows of this class.
    pub support: usize,
}

/// Share of predictions equal to the truth.
pub fn accuracy(truth: &[usize], predicted: &[usize]) -> f64 {
    let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    correct as f64 / truth.len().max(1) as f64
}

/// Per-class precision, recall and F1 (0 where undefined, as scikit-learn's
/// `zero_division=0`).
pub fn class_scores(truth: &[usize], predicted: &[usize], classes: &[String]) -> Vec<ClassScores> {
    classes
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let tp = truth
                .iter()
                .zip(predicted)
                .filter(|&(&t, &p)| t == c && p == c)
                .count() as f64;
            let predicted_c = predicted.iter().filter(|&&p| p == c).count() as f64;
            let support = truth.iter().filter(|&&t| t == c).count();
            let precision = if predicted_c > 0.0 {
                tp / predicted_c
            } else {
                0.0
            };
            let recall = if support > 0 {
                tp / support as f64
            } else {
                0.0
            };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassScores {
                class: name.clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect()
}

/// The adjusted Rand index between two labelings (1: identical partitions,
/// about 0: chance agreement).
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len();
    let ka = a.iter().max().map_or(0, |m| m + 1);
    let kb = b.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![0u64; ka * kb];
    for (&x, &y) in a.iter().zip(b) {
        table[x * kb + y] += 1;
    }
    let pairs = |m: u64| (m * m.saturating_sub(1) / 2) as f64;
    let sum_cells: f64 = table.iter().map(|&m| pairs(m)).sum();
    let sum_rows: f64 = (0..ka)
        .map(|i| pairs(table[i * kb..(i + 1) * kb].iter().sum()))
        .sum();
    let sum_cols: f64 = (0..kb)
        .map(|j| pairs((0..ka).map(|i| table[i * kb + j]).sum()))
        .sum();
    let total = pairs(n as u64);
    let expected = sum_rows * sum_cols / total.max(1.0);
    let max = (sum_rows + sum_cols) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (sum_cells - expected) / (max - expected)
}

/// Area under the ROC curve of `scores` for binary `truth` (true = positive),
/// ties counted half, as scikit-learn's `roc_auc_score`. `None` when only
/// one class is present.
pub fn roc_auc(truth: &[bool], scores: &[f64]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t).count();
    let negatives = truth.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Mann-Whitney U from average ranks.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&k| truth[order[k]]).count() as f64 * average_rank;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Average precision as scikit-learn's `average_precision_score`:
/// the sum over score thresholds of (recall step) x precision.
pub fn average_precision(truth: &[bool], scores: &[f64]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t).count();
    if positives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut last_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        // All rows sharing a score cross the threshold together.
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            if truth[order[j]] {
                tp += 1;
            } else {
                fp += 1;
            }
            j += 1;
        }
        let recall = tp as f64 / positives as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - last_recall) * precision;
        last_recall = recall;
        i = j;
    }
    Some(ap)
}

/// Counts of a binary decision against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Confusion {
    /// Flagged and positive.
    pub true_positives: usize,
    /// Flagged but negative.
    pub false_positives: usize,
    /// Not flagged and negative.
    pub true_negatives: usize,
    /// Not flagged but positive.
    pub false_negatives: usize,
}

impl Confusion {
    /// Tallies `flags` against `truth`.
    pub fn of(truth: &[bool], flags: &[bool]) -> Confusion {
        let mut c = Confusion::default();
        for (&t, &f) in truth.iter().zip(flags) {
            c.add(t, f);
        }
        c
    }

    /// Tallies one row.
    pub fn add(&mut self, truth: bool, flag: bool) {
        match (truth, flag) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (false, false) => self.true_negatives += 1,
            (true, false) => self.false_negatives += 1,
        }
    }

    /// Share of flagged rows that are positive (0 when nothing is flagged).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Share of positive rows that are flagged (0 when there are none).
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_matches_scikit_learn() {
        // sklearn.metrics.adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285714
        let v = adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!((v - 0.571_428_571_428_571_4).abs() < 1e-12, "{v}");
        // Relabelled identical partitions score 1.
        assert!((adjusted_rand_index(&[0, 0, 1, 2], &[2, 2, 0, 1]) - 1.0).abs() < 1e-12);
        // sklearn: adjusted_rand_score([0,0,0,1,1,1],[0,1,2,0,1,2]) = -0.36363636363636365
        let v = adjusted_rand_index(&[0, 0, 0, 1, 1, 1], &[0, 1, 2, 0, 1, 2]);
        assert!((v + 0.363_636_363_636_363_65).abs() < 1e-12, "{v}");
    }

    #[test]
    fn ranking_metrics_match_scikit_learn() {
        let truth = [false, false, true, true, false, true];
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9];
        // roc_auc_score -> 0.7777777777777778, average_precision_score -> 0.8666666666666667
        let auc = roc_auc(&truth, &scores).unwrap();
        assert!((auc - 0.777_777_777_777_777_8).abs() < 1e-12, "{auc}");
        let ap = average_precision(&truth, &scores).unwrap();
        assert!((ap - 0.866_666_666_666_666_7).abs() < 1e-12, "{ap}");
        assert!(roc_auc(&[true, true], &[0.1, 0.2]).is_none());
        let c = Confusion::of(&truth, &[false, true, false, true, false, true]);
        assert_eq!(
            (c.true_positives, c.false_positives, c.false_negatives),
            (2, 1, 1)
        );
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn class_scores_follow_definitions() {
        let s = class_scores(&[0, 0, 1, 1], &[0, 1, 1, 1], &["a".into(), "b".into()]);
        assert!((s[0].precision - 1.0).abs() < 1e-12 && (s[0].recall - 0.5).abs() < 1e-12);
        assert!((s[1].precision - 2.0 / 3.0).abs() < 1e-12 && (s[1].recall - 1.0).abs() < 1e-12);
        assert!((accuracy(&[0, 0, 1, 1], &[0, 1, 1, 1]) - 0.75).abs() < 1e-12);
    }
}
