//! A fitted ensemble: its dense members, the width-0 member's histograms if
//! it has them, and the mean and spread of each member's training scores,
//! which put the members on one scale.

use std::collections::HashMap;

use super::config::{EnsembleConfig, Weighting};
use super::histogram::FeatureHistograms;
use super::knn::NeighbourDistances;
use crate::data::Matrix;
use crate::error::Result;
use crate::model::capability::{Decode, Encode, FittedNetwork, Predict, Score, check_width};
use crate::model::dense::DenseFitted;
use crate::model::summary::ModelSummary;
use crate::model::weights::NamedTensor;

/// Added to a member's spread so that a member with constant training
/// scores divides by something.
pub const SPREAD_EPSILON: f64 = 1e-12;

/// Mean and population standard deviation of one member's training scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreStats {
    /// Mean training score.
    pub mean: f64,
    /// Population standard deviation of the training scores.
    pub sd: f64,
}

impl ScoreStats {
    /// The statistics of `scores`.
    pub fn of(scores: &[f64]) -> ScoreStats {
        let n = scores.len().max(1) as f64;
        let mean = scores.iter().sum::<f64>() / n;
        let var = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
        // Rounded to f32 as the model file stores them, so that a fitted
        // detector scores exactly as the file it saves.
        let round = |v: f64| f64::from(v as f32);
        ScoreStats {
            mean: round(mean),
            sd: round(var.sqrt()),
        }
    }
}

/// Per-row mean over members of (score - mean) / (sd + 1e-12); a single
/// member's scores are returned as they are.
pub fn combine_z(member_scores: &[Vec<f64>], stats: &[ScoreStats]) -> Vec<f64> {
    if member_scores.len() == 1 {
        return member_scores[0].clone();
    }
    // Summed then divided, as before weights existed: scores stay byte-identical.
    let n = member_scores.first().map_or(0, Vec::len);
    let m = member_scores.len() as f64;
    (0..n)
        .map(|r| {
            member_scores
                .iter()
                .zip(stats)
                .map(|(s, st)| (s[r] - st.mean) / (st.sd + SPREAD_EPSILON))
                .sum::<f64>()
                / m
        })
        .collect()
}

/// Per-row sum over members of weight x (score - mean) / (sd + 1e-12).
pub fn combine_weighted(
    member_scores: &[Vec<f64>],
    stats: &[ScoreStats],
    weights: &[f64],
) -> Vec<f64> {
    let n = member_scores.first().map_or(0, Vec::len);
    (0..n)
        .map(|r| {
            member_scores
                .iter()
                .zip(stats)
                .zip(weights)
                .map(|((s, st), w)| w * (s[r] - st.mean) / (st.sd + SPREAD_EPSILON))
                .sum::<f64>()
        })
        .collect()
}

/// Standardised copies of member scores by their statistics.
fn standardised(member_scores: &[Vec<f64>], stats: &[ScoreStats]) -> Vec<Vec<f64>> {
    member_scores
        .iter()
        .zip(stats)
        .map(|(s, st)| {
            s.iter()
                .map(|v| (v - st.mean) / (st.sd + SPREAD_EPSILON))
                .collect()
        })
        .collect()
}

/// A trained ensemble.
#[derive(Debug)]
pub struct EnsembleFitted {
    members: Vec<DenseFitted>,
    histogram: Option<FeatureHistograms>,
    neighbours: Option<NeighbourDistances>,
    /// The dense members' statistics, then the histogram's, then the
    /// neighbours'.
    stats: Vec<ScoreStats>,
    /// Per member, in the same order, under a weighting other than
    /// [`Weighting::Members`]; empty: equal weights.
    weights: Vec<f64>,
    config: EnsembleConfig,
}

/// Name of the tensor holding the members' training-score means.
const MEAN_TENSOR: &str = "scores.mean";
/// Name of the tensor holding their standard deviations.
const SD_TENSOR: &str = "scores.sd";
/// Name of the tensor holding the members' weights (when not equal).
const WEIGHT_TENSOR: &str = "scores.weight";

impl EnsembleFitted {
    /// Joins fitted members (and histograms) with their training-score
    /// statistics: the dense members' first, then the histogram's.
    pub fn new(
        members: Vec<DenseFitted>,
        histogram: Option<FeatureHistograms>,
        stats: Vec<ScoreStats>,
        config: EnsembleConfig,
    ) -> EnsembleFitted {
        EnsembleFitted {
            members,
            histogram,
            neighbours: None,
            stats,
            weights: Vec::new(),
            config,
        }
    }

    /// Joins fitted members, fitting the histograms and neighbours `config`
    /// asks for on `scaled` (the training rows; the neighbours' reference
    /// drawn with `seed`) and taking every member's statistics, and under
    /// [`Weighting::AgreeingKinds`] its weight, from its scores on them.
    /// Returns the ensemble and its scores of the training rows (the
    /// neighbours' leaving each row out of its own reference).
    pub fn from_training_rows(
        members: Vec<DenseFitted>,
        config: EnsembleConfig,
        scaled: &Matrix,
        seed: u64,
    ) -> Result<(EnsembleFitted, Vec<f64>)> {
        let histogram = config
            .histogram_bins
            .map(|bins| FeatureHistograms::fit(scaled, bins));
        let neighbours = config
            .neighbours
            .map(|n| NeighbourDistances::fit(scaled, n, seed));
        let mut ensemble = EnsembleFitted::new(members, histogram, Vec::new(), config);
        ensemble.neighbours = neighbours;
        let mut scores = ensemble.dense_and_histogram_scores(scaled)?;
        if let Some(n) = &ensemble.neighbours {
            scores.push(n.training_scores(scaled));
        }
        ensemble.stats = scores.iter().map(|s| ScoreStats::of(s)).collect();
        if ensemble.config.weighting == Weighting::AgreeingKinds {
            let z = standardised(&scores, &ensemble.stats);
            // Rounded to f32 as the model file stores them.
            ensemble.weights = super::weights::agreeing_kinds(&ensemble.kinds(), &z)
                .into_iter()
                .map(|w| f64::from(w as f32))
                .collect();
        }
        let combined = ensemble.combine(&scores);
        Ok((ensemble, combined))
    }

    /// Each member's kind: 0 the autoencoders, 1 the histograms, 2 the
    /// neighbours.
    fn kinds(&self) -> Vec<usize> {
        let mut k = vec![0; self.members.len()];
        k.extend(self.histogram.iter().map(|_| 1));
        k.extend(self.neighbours.iter().map(|_| 2));
        k
    }

    /// Each kind's total weight (autoencoders, then histograms and
    /// neighbours if present) when the weights are not all equal.
    pub fn kind_weights(&self) -> Option<Vec<f64>> {
        if self.weights.is_empty() {
            return None;
        }
        let kinds = self.kinds();
        let mut out = Vec::new();
        for k in 0..3 {
            let w: Vec<f64> = (0..kinds.len())
                .filter(|&i| kinds[i] == k)
                .map(|i| self.weights[i])
                .collect();
            if !w.is_empty() {
                out.push(w.iter().sum());
            }
        }
        Some(out)
    }

    fn combine(&self, member_scores: &[Vec<f64>]) -> Vec<f64> {
        if self.weights.is_empty() {
            combine_z(member_scores, &self.stats)
        } else {
            combine_weighted(member_scores, &self.stats, &self.weights)
        }
    }

    /// Rebuilds an ensemble from `config` and stored tensors, checking each one.
    pub fn from_tensors(
        config: &EnsembleConfig,
        n_inputs: usize,
        n_outputs: usize,
        tensors: &HashMap<String, NamedTensor>,
    ) -> std::result::Result<EnsembleFitted, String> {
        let m = config.members.len()
            + usize::from(config.histogram_bins.is_some())
            + usize::from(config.neighbours.is_some());
        let vector = |name: &str| -> std::result::Result<Vec<f32>, String> {
            let t = tensors
                .get(name)
                .ok_or_else(|| format!("tensor '{name}' is missing"))?;
            if t.shape != [m] {
                return Err(format!(
                    "tensor '{name}' has shape {:?}, the ensemble scores with {m} members",
                    t.shape
                ));
            }
            Ok(t.values.clone())
        };
        let (mean, sd) = (vector(MEAN_TENSOR)?, vector(SD_TENSOR)?);
        let stats = mean
            .iter()
            .zip(&sd)
            .map(|(&mean, &sd)| ScoreStats {
                mean: f64::from(mean),
                sd: f64::from(sd),
            })
            .collect();
        let members = config
            .members
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let prefix = format!("members.{i}.");
                let own: HashMap<String, NamedTensor> = tensors
                    .iter()
                    .filter_map(|(name, t)| {
                        name.strip_prefix(&prefix).map(|rest| {
                            (
                                rest.to_string(),
                                NamedTensor {
                                    name: rest.to_string(),
                                    ..t.clone()
                                },
                            )
                        })
                    })
                    .collect();
                DenseFitted::from_tensors(c, n_inputs, n_outputs, &own)
                    .map_err(|e| format!("member {i}: {e}"))
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        let histogram = config
            .histogram_bins
            .map(|bins| FeatureHistograms::from_tensors(n_inputs, bins, tensors))
            .transpose()?;
        let neighbours = config
            .neighbours
            .map(|n| NeighbourDistances::from_tensors(n_inputs, n, tensors))
            .transpose()?;
        let weights = match config.weighting {
            Weighting::Members => Vec::new(),
            Weighting::AgreeingKinds => {
                let w = vector(WEIGHT_TENSOR)?;
                if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err(format!(
                        "tensor '{WEIGHT_TENSOR}' holds a negative or non-finite weight"
                    ));
                }
                w.into_iter().map(f64::from).collect()
            }
        };
        let mut ensemble = EnsembleFitted::new(members, histogram, stats, config.clone());
        ensemble.neighbours = neighbours;
        ensemble.weights = weights;
        Ok(ensemble)
    }

    /// Each member's scores of `scaled`: the dense members', then the
    /// histogram's, then the neighbours'.
    pub fn member_scores(&self, scaled: &Matrix) -> Result<Vec<Vec<f64>>> {
        let mut out = self.dense_and_histogram_scores(scaled)?;
        if let Some(n) = &self.neighbours {
            out.push(n.scores(scaled));
        }
        Ok(out)
    }

    fn dense_and_histogram_scores(&self, scaled: &Matrix) -> Result<Vec<Vec<f64>>> {
        let mut out = self
            .members
            .iter()
            .map(|m| m.scores(scaled))
            .collect::<Result<Vec<_>>>()?;
        if let Some(h) = &self.histogram {
            out.push(h.scores(scaled));
        }
        Ok(out)
    }
}

impl Score for EnsembleFitted {
    fn scores(&self, scaled: &Matrix) -> Result<Vec<f64>> {
        check_width("score", self.input_width(), scaled.n_cols)?;
        Ok(self.combine(&self.member_scores(scaled)?))
    }

    fn feature_errors(&self, scaled: &Matrix) -> Result<Matrix> {
        let mut sum: Option<Matrix> = None;
        for m in &self.members {
            let e = m.feature_errors(scaled)?;
            match &mut sum {
                None => sum = Some(e),
                Some(s) => s
                    .values
                    .iter_mut()
                    .zip(&e.values)
                    .for_each(|(a, b)| *a += b),
            }
        }
        let mut sum = sum.unwrap_or_else(|| Matrix::new(Vec::new(), scaled.n_cols));
        let n = self.members.len().max(1) as f32;
        sum.values.iter_mut().for_each(|v| *v /= n);
        Ok(sum)
    }
}

impl FittedNetwork for EnsembleFitted {
    fn input_width(&self) -> usize {
        self.members.first().map_or(0, |m| m.input_width())
    }

    fn output_width(&self) -> usize {
        self.members.first().map_or(0, |m| m.output_width())
    }

    fn encoder(&self) -> Option<&dyn Encode> {
        None
    }

    fn decoder(&self) -> Option<&dyn Decode> {
        None
    }

    fn predictor(&self) -> Option<&dyn Predict> {
        None
    }

    fn scorer(&self) -> Option<&dyn Score> {
        Some(self)
    }

    fn tensors(&self) -> Vec<NamedTensor> {
        let mut out: Vec<NamedTensor> = self
            .members
            .iter()
            .enumerate()
            .flat_map(|(i, m)| {
                m.tensors().into_iter().map(move |t| NamedTensor {
                    name: format!("members.{i}.{}", t.name),
                    ..t
                })
            })
            .collect();
        out.extend(self.histogram.iter().flat_map(FeatureHistograms::tensors));
        out.extend(self.neighbours.iter().flat_map(NeighbourDistances::tensors));
        if !self.weights.is_empty() {
            out.push(NamedTensor {
                name: WEIGHT_TENSOR.to_string(),
                shape: vec![self.weights.len()],
                values: self.weights.iter().map(|&w| w as f32).collect(),
            });
        }
        let m = self.stats.len();
        for (name, value) in [
            (
                MEAN_TENSOR,
                self.stats.iter().map(|s| s.mean as f32).collect(),
            ),
            (SD_TENSOR, self.stats.iter().map(|s| s.sd as f32).collect()),
        ] {
            out.push(NamedTensor {
                name: name.to_string(),
                shape: vec![m],
                values: value,
            });
        }
        out
    }

    fn summary(&self) -> ModelSummary {
        self.config.summary(self.input_width(), self.output_width())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_combination_averages_standardised_members() {
        let scores = vec![vec![1.0, 2.0, 3.0], vec![10.0, 30.0, 20.0]];
        let stats = [ScoreStats::of(&scores[0]), ScoreStats::of(&scores[1])];
        assert!((stats[0].mean - 2.0).abs() < 1e-12);
        // Stored as f32, as the model file keeps them.
        assert_eq!(stats[0].sd, f64::from((2.0f64 / 3.0).sqrt() as f32));
        let z = combine_z(&scores, &stats);
        let s = (2.0f64 / 3.0).sqrt();
        let s2 = (200.0f64 / 3.0).sqrt();
        let want = [
            (-1.0 / s + -10.0 / s2) / 2.0,
            (0.0 / s + 10.0 / s2) / 2.0,
            (1.0 / s + 0.0 / s2) / 2.0,
        ];
        for (a, b) in z.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        // One member: its raw scores.
        assert_eq!(combine_z(&scores[..1], &stats[..1]), scores[0]);
    }
}
