//! The model's parameters as one flat vector of f32 (every layer's weight,
//! bias and, with batch norm, gamma, beta, running mean and running
//! variance, in layer order), so an engine can average them across
//! workers without knowing the architecture.

use std::collections::HashMap;

use super::IncrementalFit;
use crate::error::{AekitError, Result};
use crate::train::kernel_trainer::{net_from, net_values};

impl IncrementalFit {
    /// Every parameter and batch-norm statistic of the network, flat.
    pub fn parameters(&self) -> Result<Vec<f32>> {
        let s = self.started()?;
        Ok(net_values(s.trainer.net(), "")
            .into_iter()
            .flat_map(|(_, v)| v)
            .collect())
    }

    /// How many values [`parameters`](Self::parameters) gives.
    pub fn n_parameters(&self) -> Result<usize> {
        let s = self.started()?;
        Ok(net_values(s.trainer.net(), "")
            .iter()
            .map(|(_, v)| v.len())
            .sum())
    }

    /// Replaces the network's parameters by `values` (as
    /// [`parameters`](Self::parameters) lays them out); the optimiser's
    /// state and step count stay as they are.
    pub fn set_parameters(&mut self, values: &[f32]) -> Result<()> {
        let expected = self.n_parameters()?;
        if values.len() != expected {
            return Err(AekitError::param(
                "parameters",
                format!(
                    "{} values given, but the network has {expected}",
                    values.len()
                ),
            ));
        }
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(AekitError::param(
                "parameters",
                format!("value {bad} is not finite"),
            ));
        }
        let s = self.started.as_mut().expect("n_parameters checked it");
        let layout = net_values(s.trainer.net(), "");
        let mut start = 0;
        let mut named = HashMap::with_capacity(layout.len());
        for (name, v) in layout {
            named.insert(
                format!("net.{name}"),
                values[start..start + v.len()].to_vec(),
            );
            start += v.len();
        }
        let net = net_from(s.trainer.net(), &mut named, "net.")
            .map_err(|m| AekitError::param("parameters", m))?;
        // The optimiser's state is taken back with the new network.
        let (state, step) = s.trainer.state();
        let mut tensors: HashMap<String, Vec<f32>> = state
            .into_iter()
            .filter(|(name, _)| !name.starts_with("net."))
            .collect();
        tensors.extend(net_values(&net, "net."));
        s.trainer
            .restore(&mut tensors, step)
            .map_err(|m| AekitError::param("parameters", m))
    }
}

/// The element-wise mean of equally long vectors, summed in f64 in the
/// order given, so every worker that averages the same vectors in the same
/// order gets the same bits.
pub fn average(vectors: &[&[f32]]) -> Result<Vec<f32>> {
    let Some(first) = vectors.first() else {
        return Err(AekitError::param("parameters", "no vectors to average"));
    };
    if let Some(v) = vectors.iter().find(|v| v.len() != first.len()) {
        return Err(AekitError::param(
            "parameters",
            format!(
                "vectors of {} and {} values cannot be averaged",
                first.len(),
                v.len()
            ),
        ));
    }
    let n = vectors.len() as f64;
    Ok((0..first.len())
        .map(|i| (vectors.iter().map(|v| f64::from(v[i])).sum::<f64>() / n) as f32)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Matrix};
    use crate::{Autoencoder, TrainingSetters};
    use ndarray::{Array2, s};

    fn rows() -> Array2<f32> {
        Array2::from_shape_fn((120, 6), |(i, j)| {
            ((i * 7 + j * 13) % 17) as f32 / 17.0 + (i % 3) as f32
        })
    }

    #[test]
    fn parameters_round_trip_and_averaging_is_ordered_and_checked() {
        let x = rows();
        let mut fit = Autoencoder::params()
            .hidden([8])
            .bottleneck(2)
            .batch_norm(true)
            .seed(4)
            .threads(1)
            .incremental()
            .unwrap();
        assert!(
            fit.parameters().is_err(),
            "no network before the first chunk"
        );
        fit.partial_fit(x.view()).unwrap();
        let p = fit.parameters().unwrap();
        // 6*8+8 + 4*8 (norm) + 8*2+2 + 4*2 + 2*8+8 + 4*8 + 8*6+6
        assert_eq!(p.len(), fit.n_parameters().unwrap());
        let doubled: Vec<f32> = p.iter().map(|v| v * 0.5).collect();
        fit.set_parameters(&doubled).unwrap();
        assert_eq!(fit.parameters().unwrap(), doubled);
        assert!(fit.set_parameters(&p[1..]).is_err());
        let mut bad = p.clone();
        bad[3] = f32::NAN;
        assert!(fit.set_parameters(&bad).is_err());

        let mean = average(&[&p, &doubled]).unwrap();
        for ((m, a), b) in mean.iter().zip(&p).zip(&doubled) {
            assert_eq!(*m, ((f64::from(*a) + f64::from(*b)) / 2.0) as f32);
        }
        assert!(average(&[&p, &p[1..]]).is_err());
        assert!(average(&[]).is_err());
    }

    /// Chunks continue one optimiser: two passes over halves, then the
    /// model, equal a fresh fit's first two passes only in shape, but the
    /// same chunks in the same order give the same bits, and training on
    /// chunks lowers the error.
    #[test]
    fn partial_fit_continues_and_repeats_with_the_seed() {
        let x = rows();
        let run = || {
            let mut fit = Autoencoder::params()
                .hidden([8])
                .bottleneck(3)
                .seed(2)
                .threads(1)
                .incremental()
                .unwrap();
            let mut losses = Vec::new();
            for _ in 0..15 {
                for half in [x.slice(s![..60, ..]), x.slice(s![60.., ..])] {
                    losses.push(fit.partial_fit(half).unwrap());
                }
            }
            (fit.parameters().unwrap(), losses, fit.model().unwrap())
        };
        let (p, losses, model) = run();
        assert!(
            losses[losses.len() - 1] < 0.5 * losses[0],
            "no learning: {losses:?}"
        );
        assert_eq!(p, run().0);
        assert_eq!(model.history().epochs.len(), 30);
        // The first chunk's min-max scaler, kept.
        let first = Matrix::new(x.slice(s![..60, ..]).iter().copied().collect(), 6);
        let scaler = crate::data::Scaler::fit(Default::default(), &first.values, 6);
        assert_eq!(model.meta().input.scaler, scaler);
        // Saved and loaded, the model is what the CLI reads.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.aekit");
        model.save(&path).unwrap();
        let loaded = Autoencoder::load(&path).unwrap();
        assert_eq!(
            loaded.transform(x.view()).unwrap(),
            model.transform(x.view()).unwrap()
        );
    }

    #[test]
    fn later_chunks_are_read_with_the_first_chunks_columns() {
        let x = rows();
        let mut fit = Autoencoder::params()
            .bottleneck(2)
            .threads(1)
            .incremental()
            .unwrap();
        fit.partial_fit(x.view()).unwrap();
        let narrow = x.slice(s![.., ..5]);
        assert!(fit.partial_fit(narrow).is_err());
        let mut bad = x.clone();
        bad[[7, 2]] = f32::NAN;
        let mut strict = Autoencoder::params()
            .bottleneck(2)
            .missing(crate::data::MissingPolicy::Error)
            .threads(1)
            .incremental()
            .unwrap();
        let err = strict
            .partial_fit(Dataset::from(bad.view()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 7, column 'x2'"), "{err}");
        let conv = Autoencoder::params().model(crate::model::ConvAutoencoderConfig::default());
        assert!(conv.incremental().is_err());
    }
}
