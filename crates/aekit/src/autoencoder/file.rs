//! Reading and writing model files.

use std::path::Path;

use crate::error::{AekitError, Result};
use crate::model_file::{self, ModelMeta};

use super::Autoencoder;

impl Autoencoder {
    /// Writes the model file atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        model_file::save(path.as_ref(), &self.meta, &self.network.tensors())
    }

    /// The bytes of the model file [`Autoencoder::save`] writes (for
    /// pickling, or shipping a model without a file system).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        model_file::to_bytes(Path::new(MODEL_BYTES), &self.meta, &self.network.tensors())
    }

    /// Reads the bytes of a model file of any format version, checking them
    /// completely, as [`Autoencoder::load`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Autoencoder> {
        let path = Path::new(MODEL_BYTES);
        let (meta, tensors) = model_file::from_bytes(path, bytes)?;
        Autoencoder::from_file_parts(path, meta, tensors)
    }

    /// Reads a model file of any format version, checking it completely.
    pub fn load(path: impl AsRef<Path>) -> Result<Autoencoder> {
        let path = path.as_ref();
        let (meta, tensors) = model_file::load(path)?;
        Autoencoder::from_file_parts(path, meta, tensors)
    }

    fn from_file_parts(
        path: &Path,
        meta: ModelMeta,
        tensors: std::collections::HashMap<String, crate::model::NamedTensor>,
    ) -> Result<Autoencoder> {
        let network = meta
            .model
            .load(&meta.input.shape, meta.output().width(), &tensors)
            .map_err(|m| AekitError::model(path, m))?;
        // Tensors the model does not use mean its config is not the one
        // they were trained with (batch_norm false beside batch-norm tensors).
        let used: std::collections::HashSet<String> =
            network.tensors().into_iter().map(|t| t.name).collect();
        let mut unused: Vec<&String> = tensors.keys().filter(|k| !used.contains(*k)).collect();
        unused.sort();
        if let Some(name) = unused.first() {
            return Err(AekitError::model(
                path,
                format!(
                    "tensor '{name}' is not part of the {} model its metadata describes",
                    meta.model.kind()
                ),
            ));
        }
        Ok(Autoencoder {
            meta,
            network,
            threads: None,
            device: crate::backend::DeviceChoice::Cpu,
            strict_categories: false,
            unseen_categories: Default::default(),
        })
    }
}

/// How errors name a model read from or written to bytes.
const MODEL_BYTES: &str = "<model bytes>";
