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
    fn class_scores_follow_definitions() {
        let s = class_scores(&[0, 0, 1, 1], &[0, 1, 1, 1], &["a".into(), "b".into()]);
        assert!((s[0].precision - 1.0).abs() < 1e-12 && (s[0].recall - 0.5).abs() < 1e-12);
        assert!((s[1].precision - 2.0 / 3.0).abs() < 1e-12 && (s[1].recall - 1.0).abs() < 1e-12);
        assert!((accuracy(&[0, 0, 1, 1], &[0, 1, 1, 1]) - 0.75).abs() < 1e-12);
    }
}
