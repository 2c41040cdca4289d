//! What a fitted model's kind can do, and the refusals when it cannot.

use crate::error::{AekitError, Result};
use crate::model::capability::ReconstructionScore;
use crate::model::{Encode, Predict, Sample, Score};

use super::Autoencoder;

/// What a model's kind can do with rows (scikit-learn's mixins as flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Rows to codes (an encoder).
    pub encode: bool,
    /// Codes to rows (a decoder).
    pub decode: bool,
    /// Rows rebuilt from themselves: reconstruction errors (not a paired model).
    pub reconstruct: bool,
    /// Anomaly scores (reconstruction error, or the kind's own scorer).
    pub score: bool,
    /// New rows drawn from a prior over the codes.
    pub sample: bool,
}

impl Autoencoder {
    /// What the model's kind can do with rows: encode, decode, reconstruct,
    /// score, sample (a paired model neither reconstructs nor scores).
    pub fn capabilities(&self) -> Capabilities {
        let rebuilds = !self.is_paired();
        let network = &self.network;
        Capabilities {
            encode: network.encoder().is_some(),
            decode: network.decoder().is_some(),
            reconstruct: rebuilds && network.predictor().is_some(),
            score: rebuilds && (network.scorer().is_some() || network.predictor().is_some()),
            sample: network.sampler().is_some(),
        }
    }

    pub(super) fn encoder(&self, operation: &'static str) -> Result<&dyn Encode> {
        self.network
            .encoder()
            .ok_or_else(|| self.unsupported(operation, "a code (encoder)"))
    }

    pub(super) fn predictor(&self, operation: &'static str) -> Result<&dyn Predict> {
        self.network
            .predictor()
            .ok_or_else(|| self.unsupported(operation, "output rows"))
    }

    pub(super) fn unsupported(&self, operation: &'static str, needs: &str) -> AekitError {
        AekitError::Unsupported {
            operation,
            needs: needs.to_string(),
            has: format!("is of kind '{}', which has none", self.kind()),
        }
    }

    /// A paired model's outputs are targets, not reconstructions.
    pub(super) fn refuse_paired(&self, operation: &'static str) -> Result<()> {
        if self.is_paired() {
            return Err(AekitError::Unsupported {
                operation,
                needs: "a model whose output rebuilds its input".into(),
                has: "maps inputs to a separate target table (use predict)".into(),
            });
        }
        Ok(())
    }

    pub(super) fn sampler(&self, operation: &'static str) -> Result<&dyn Sample> {
        self.network
            .sampler()
            .ok_or_else(|| AekitError::Unsupported {
                operation,
                needs: "a generative model with a distribution over its codes (kind vae)".into(),
                has: format!("is of kind '{}', which has none", self.kind()),
            })
    }

    /// The kind's own scorer, or reconstruction error for kinds without one.
    pub(super) fn with_scorer<T>(&self, run: impl FnOnce(&dyn Score) -> Result<T>) -> Result<T> {
        self.refuse_paired("score")?;
        match self.network.scorer() {
            Some(scorer) => run(scorer),
            None => run(&ReconstructionScore(self.predictor("score")?)),
        }
    }
}
