//! Label encoding with scikit-learn's LabelEncoder behaviour: classes
//! sorted, values mapped to their class index, and back.

use serde::{Deserialize, Serialize};

use crate::error::{AekitError, Result};

/// A fitted mapping between string labels and class indices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelEncoder {
    /// The distinct labels, sorted; a label's index is its code.
    pub classes: Vec<String>,
}

impl LabelEncoder {
    /// Learns the sorted distinct labels.
    pub fn fit<S: AsRef<str>>(labels: &[S]) -> LabelEncoder {
        let mut classes: Vec<String> = labels.iter().map(|s| s.as_ref().to_string()).collect();
        classes.sort();
        classes.dedup();
        LabelEncoder { classes }
    }

    /// The code of each label; a label not seen at fit time is an error.
    pub fn transform<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<usize>> {
        labels
            .iter()
            .map(|l| {
                let l = l.as_ref();
                self.classes
                    .binary_search_by(|c| c.as_str().cmp(l))
                    .map_err(|_| {
                        AekitError::param(
                            "label",
                            format!(
                                "'{l}' is not one of the known classes ({})",
                                self.classes.join(", ")
                            ),
                        )
                    })
            })
            .collect()
    }

    /// The label of each code; a code out of range is an error.
    pub fn inverse_transform(&self, codes: &[usize]) -> Result<Vec<String>> {
        codes
            .iter()
            .map(|&c| {
                self.classes.get(c).cloned().ok_or_else(|| {
                    AekitError::param(
                        "label",
                        format!("code {c} is out of range 0..{}", self.classes.len()),
                    )
                })
            })
            .collect()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scikit_learn_label_encoder() {
        let labels = ["ACCOUNTING", "RESEARCH", "SALES", "RESEARCH", "RESEARCH"];
        let enc = LabelEncoder::fit(&labels);
        assert_eq!(enc.classes, ["ACCOUNTING", "RESEARCH", "SALES"]);
        assert_eq!(enc.transform(&labels).unwrap(), [0, 1, 2, 1, 1]);
        assert_eq!(
            enc.inverse_transform(&[0, 0, 1, 2]).unwrap(),
            ["ACCOUNTING", "ACCOUNTING", "RESEARCH", "SALES"]
        );
    }

    #[test]
    fn unknown_labels_and_codes_are_errors() {
        let enc = LabelEncoder::fit(&["a", "b"]);
        let e = enc.transform(&["c"]).unwrap_err().to_string();
        assert!(e.contains("'c'") && e.contains("a, b"), "{e}");
        assert!(enc.inverse_transform(&[2]).is_err());
    }
}
