//! The ensemble kind's architecture: its members' dense configs.

use serde::{Deserialize, Serialize};

use super::knn::NeighbourConfig;
use crate::error::{AekitError, Result};
use crate::model::DenseAutoencoderConfig;
use crate::model::summary::{ModelSummary, SummaryRow};

/// Architecture of an ensemble: one dense config per member, and the
/// per-feature histograms of the width-0 member if it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleConfig {
    /// The members, narrowest code first.
    pub members: Vec<DenseAutoencoderConfig>,
    /// Bins of the width-0 member's per-feature histograms
    /// ([`super::histogram`]); `None`: autoencoders only (model files before
    /// it have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram_bins: Option<usize>,
    /// The neighbour member ([`super::knn`]); `None` in model files before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<NeighbourConfig>,
    /// How the members' standardised scores are weighed.
    #[serde(default, skip_serializing_if = "Weighting::is_members")]
    pub weighting: Weighting,
}

/// How an ensemble averages its members' standardised scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// Every member weighs the same (model files before issue 32).
    #[default]
    Members,
    /// Each member weighs its kind's agreement with the rest, max(0,
    /// Spearman correlation of the kind's training scores, autoencoders,
    /// histograms or neighbours, with all members' mean): a kind ranking
    /// against the rest is weighed down
    /// ([`super::weights::agreeing_kinds`]). Labels are not used; the
    /// weights are stored with the model.
    AgreeingKinds,
}

impl std::str::FromStr for Weighting {
    type Err = String;

    /// `members` or `agreeing_kinds` (also spelt `agreeing-kinds`).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.replace('-', "_").as_str() {
            "members" => Ok(Weighting::Members),
            "agreeing_kinds" => Ok(Weighting::AgreeingKinds),
            _ => Err(format!(
                "unknown weighting '{s}' (expected members or agreeing_kinds)"
            )),
        }
    }
}

impl Weighting {
    fn is_members(&self) -> bool {
        *self == Weighting::Members
    }
}

/// The detector's default member widths for `d` features: 1, 2, 4, 8, ...
/// up to max(1, d / 2), each capped to [1, d - 1], without repeats.
/// Chosen by leave-one-set-out over eleven public sets (BENCHMARKS.md):
/// no single width transferred, the powers of two together did.
pub fn default_widths(d: usize) -> Vec<usize> {
    let cap = |k: usize| k.min(d.saturating_sub(1)).max(1);
    let mut out = Vec::new();
    let mut k = 1;
    while k <= (d / 2).max(1) {
        if !out.contains(&cap(k)) {
            out.push(cap(k));
        }
        k *= 2;
    }
    out
}

impl EnsembleConfig {
    /// Checks every member.
    pub fn validate(&self) -> Result<()> {
        if self.members.is_empty() {
            return Err(AekitError::param("widths", "an ensemble needs a member"));
        }
        super::histogram::check_bins(self.histogram_bins)?;
        if let Some(n) = &self.neighbours {
            n.validate()?;
        }
        self.members.iter().try_for_each(|m| m.validate())
    }

    /// The members' summaries one after another, layer names prefixed by
    /// the member (`members.0/encoder.0 (Dense)`).
    pub fn summary(&self, n_inputs: usize, n_outputs: usize) -> ModelSummary {
        let rows = self
            .members
            .iter()
            .enumerate()
            .flat_map(|(i, m)| {
                m.summary(n_inputs, n_outputs)
                    .rows
                    .into_iter()
                    .map(move |r| SummaryRow {
                        layer: format!("members.{i}/{}", r.layer),
                        ..r
                    })
            })
            .collect();
        ModelSummary {
            input_shape: vec![n_inputs],
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_widths_are_powers_of_two_up_to_half_the_features() {
        assert_eq!(default_widths(1), vec![1]);
        assert_eq!(default_widths(2), vec![1]);
        assert_eq!(default_widths(3), vec![1]);
        assert_eq!(default_widths(8), vec![1, 2, 4]);
        assert_eq!(default_widths(9), vec![1, 2, 4]);
        assert_eq!(default_widths(13), vec![1, 2, 4]);
        assert_eq!(default_widths(16), vec![1, 2, 4, 8]);
        assert_eq!(default_widths(36), vec![1, 2, 4, 8, 16]);
        assert_eq!(default_widths(64), vec![1, 2, 4, 8, 16, 32]);
    }
}
