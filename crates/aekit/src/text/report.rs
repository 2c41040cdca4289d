//! Accuracy and per-class precision, recall, F1 and support, laid out as
//! scikit-learn's `classification_report`.

use std::fmt;

use serde::Serialize;

/// One class's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassFigures {
    /// The class.
    pub class: String,
    /// Of the texts predicted as the class, the fraction that are.
    pub precision: f64,
    /// Of the texts of the class, the fraction predicted as it.
    pub recall: f64,
    /// The harmonic mean of precision and recall.
    pub f1: f64,
    /// Texts of the class.
    pub support: usize,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// Per class, in the model's class order.
    pub classes: Vec<ClassFigures>,
    /// Fraction predicted right.
    pub accuracy: f64,
    /// Unweighted means of precision, recall and F1.
    pub macro_avg: [f64; 3],
    /// Support-weighted means of precision, recall and F1.
    pub weighted_avg: [f64; 3],
    /// Texts.
    pub support: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl ClassificationReport {
    /// The report of `predicted` against `truth` (indices into `classes`;
    /// a true label the model never saw is `None` and counts as wrong).
    pub fn new(classes: &[String], truth: &[Option<usize>], predicted: &[usize]) -> Self {
        let k = classes.len();
        let (mut tp, mut pred, mut sup) = (vec![0; k], vec![0; k], vec![0; k]);
        let mut right = 0;
        for (t, &p) in truth.iter().zip(predicted) {
            pred[p] += 1;
            if let Some(t) = *t {
                sup[t] += 1;
                if t == p {
                    tp[t] += 1;
                    right += 1;
                }
            }
        }
        let figures: Vec<ClassFigures> = (0..k)
            .map(|c| {
                let precision = ratio(tp[c], pred[c]);
                let recall = ratio(tp[c], sup[c]);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassFigures {
                    class: classes[c].clone(),
                    precision,
                    recall,
                    f1,
                    support: sup[c],
                }
            })
            .collect();
        let n = truth.len();
        let total: usize = sup.iter().sum();
        let mean =
            |f: fn(&ClassFigures) -> f64| figures.iter().map(f).sum::<f64>() / k.max(1) as f64;
        let weighted = |f: fn(&ClassFigures) -> f64| {
            figures.iter().map(|c| f(c) * c.support as f64).sum::<f64>() / total.max(1) as f64
        };
        ClassificationReport {
            macro_avg: [mean(|c| c.precision), mean(|c| c.recall), mean(|c| c.f1)],
            weighted_avg: [
                weighted(|c| c.precision),
                weighted(|c| c.recall),
                weighted(|c| c.f1),
            ],
            accuracy: ratio(right, n),
            classes: figures,
            support: n,
        }
    }
}

impl fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self
            .classes
            .iter()
            .map(|c| c.class.chars().count())
            .chain([12])
            .max()
            .unwrap_or(12);
        writeln!(
            f,
            "{:>w$} {:>9} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1-score", "support"
        )?;
        writeln!(f)?;
        for c in &self.classes {
            writeln!(
                f,
                "{:>w$} {:>9.2} {:>9.2} {:>9.2} {:>9}",
                c.class, c.precision, c.recall, c.f1, c.support
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:>w$} {:>9} {:>9} {:>9.2} {:>9}",
            "accuracy", "", "", self.accuracy, self.support
        )?;
        let [p, r, f1] = self.macro_avg;
        writeln!(
            f,
            "{:>w$} {p:>9.2} {r:>9.2} {f1:>9.2} {:>9}",
            "macro avg", self.support
        )?;
        let [p, r, f1] = self.weighted_avg;
        write!(
            f,
            "{:>w$} {p:>9.2} {r:>9.2} {f1:>9.2} {:>9}",
            "weighted avg", self.support
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_scikit_learn() {
        // sklearn: y_true [0,0,1,1,2], y_pred [0,1,1,1,0]
        let classes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let r = ClassificationReport::new(
            &classes,
            &[Some(0), Some(0), Some(1), Some(1), Some(2)],
            &[0, 1, 1, 1, 0],
        );
        assert!((r.accuracy - 0.6).abs() < 1e-12);
        assert!((r.classes[0].precision - 0.5).abs() < 1e-12);
        assert!((r.classes[1].precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.classes[1].f1 - 0.8).abs() < 1e-12);
        assert_eq!(r.classes[2].f1, 0.0);
        assert!((r.weighted_avg[2] - (0.5 * 2.0 + 0.8 * 2.0) / 5.0).abs() < 1e-12);
        let text = r.to_string();
        assert!(
            text.contains("weighted avg") && text.contains("f1-score"),
            "{text}"
        );
    }
}
