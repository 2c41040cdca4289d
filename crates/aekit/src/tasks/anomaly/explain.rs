//! Which features drive a row's anomaly score.

/// The features that contribute most to each row's error.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// (feature name, share of the row's squared error), largest first.
    pub top: Vec<(String, f64)>,
}

/// The `n` features with the largest squared reconstruction error in one
/// row, with their shares of the row's total.
pub fn explain_row(features: &[String], scaled: &[f32], rebuilt: &[f32], n: usize) -> Explanation {
    let errors: Vec<f32> = scaled
        .iter()
        .zip(rebuilt)
        .map(|(a, b)| (a - b) * (a - b))
        .collect();
    explain_errors(features, &errors, n)
}

/// The `n` features with the largest of one row's per-feature squared
/// errors, with their shares of the row's total.
pub fn explain_errors(features: &[String], errors: &[f32], n: usize) -> Explanation {
    let errors: Vec<f64> = errors.iter().map(|&e| f64::from(e)).collect();
    let total: f64 = errors.iter().sum();
    let mut order: Vec<usize> = (0..errors.len()).collect();
    order.sort_by(|&a, &b| errors[b].total_cmp(&errors[a]).then(a.cmp(&b)));
    let top = order
        .into_iter()
        .take(n)
        .map(|j| {
            (
                features[j].clone(),
                if total > 0.0 { errors[j] / total } else { 0.0 },
            )
        })
        .collect();
    Explanation { top }
}
