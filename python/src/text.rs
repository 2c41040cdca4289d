//! The text kinds: a classifier of labelled texts and a document
//! autoencoder, fitted on texts given in memory.

use std::path::PathBuf;

use aekit::text::{Corpus, DocAutoencoder, TextClassifier};
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{epochs, matrix_out, py_err};

/// A fitted text classifier (the library's `TextClassifier`).
#[pyclass(module = "aekit._aekit", name = "TextModel", frozen)]
pub(crate) struct TextModel {
    inner: TextClassifier,
}

/// A fitted document autoencoder (the library's `DocAutoencoder`).
#[pyclass(module = "aekit._aekit", name = "DocModel", frozen)]
pub(crate) struct DocModel {
    inner: DocAutoencoder,
}

#[pymethods]
impl TextModel {
    /// Fits a classifier of `texts` labelled `labels`; `params` is a JSON
    /// mapping of parameter names to values.
    #[staticmethod]
    fn fit(
        py: Python<'_>,
        params: &str,
        texts: Vec<String>,
        labels: Vec<String>,
    ) -> PyResult<TextModel> {
        let p = aekit::options::text_classifier(params).map_err(py_err)?;
        let inner = py
            .allow_threads(|| {
                let corpus = Corpus::from_texts(texts, Some(labels))?;
                p.fit(&corpus, &mut aekit::train::Silent)
            })
            .map_err(py_err)?;
        Ok(TextModel { inner })
    }

    /// Reads a text classifier's model file.
    #[staticmethod]
    #[pyo3(signature = (path, device=None))]
    fn load(py: Python<'_>, path: PathBuf, device: Option<&str>) -> PyResult<TextModel> {
        let device = crate::device(device)?;
        let inner = py
            .allow_threads(|| {
                let mut m = TextClassifier::load(&path)?;
                m.set_device(device).map(|()| m)
            })
            .map_err(py_err)?;
        Ok(TextModel { inner })
    }

    /// A classifier from the bytes of a model file.
    #[staticmethod]
    #[pyo3(signature = (bytes, device=None))]
    fn from_bytes(bytes: &[u8], device: Option<&str>) -> PyResult<TextModel> {
        let mut inner = TextClassifier::from_bytes(bytes).map_err(py_err)?;
        inner.set_device(crate::device(device)?).map_err(py_err)?;
        Ok(TextModel { inner })
    }

    /// The bytes of the model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.allow_threads(|| self.inner.save(&path)).map_err(py_err)
    }

    /// Class probabilities of `texts` (one column per class, in
    /// `classes()` order) and each text's most probable class index.
    #[allow(clippy::type_complexity)]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
    ) -> PyResult<(Bound<'py, PyArray2<f32>>, Bound<'py, PyArray1<usize>>)> {
        let p = py.allow_threads(|| self.inner.predict(&texts));
        Ok((
            matrix_out(py, p.probabilities)?,
            PyArray1::from_vec(py, p.predicted),
        ))
    }

    /// The classes, in probability-column order.
    fn classes(&self) -> Vec<String> {
        self.inner.classes().to_vec()
    }

    /// Per-epoch (loss, val_loss) pairs.
    fn history(&self) -> Vec<(f64, Option<f64>)> {
        epochs(&self.inner.meta().history)
    }

    /// The Keras-style summary text.
    fn summary(&self) -> String {
        self.inner.meta().summary().to_string()
    }
}

#[pymethods]
impl DocModel {
    /// Fits a document autoencoder on `texts`; `params` is a JSON mapping
    /// of parameter names to values.
    #[staticmethod]
    fn fit(py: Python<'_>, params: &str, texts: Vec<String>) -> PyResult<DocModel> {
        let p = aekit::options::doc_autoencoder(params).map_err(py_err)?;
        let inner = py
            .allow_threads(|| {
                let corpus = Corpus::from_texts(texts, None)?;
                p.fit(&corpus, &mut aekit::train::Silent)
            })
            .map_err(py_err)?;
        Ok(DocModel { inner })
    }

    /// Reads a document autoencoder's model file.
    #[staticmethod]
    #[pyo3(signature = (path, device=None))]
    fn load(py: Python<'_>, path: PathBuf, device: Option<&str>) -> PyResult<DocModel> {
        let device = crate::device(device)?;
        let inner = py
            .allow_threads(|| {
                let mut m = DocAutoencoder::load(&path)?;
                m.set_device(device).map(|()| m)
            })
            .map_err(py_err)?;
        Ok(DocModel { inner })
    }

    /// A document autoencoder from the bytes of a model file.
    #[staticmethod]
    #[pyo3(signature = (bytes, device=None))]
    fn from_bytes(bytes: &[u8], device: Option<&str>) -> PyResult<DocModel> {
        let mut inner = DocAutoencoder::from_bytes(bytes).map_err(py_err)?;
        inner.set_device(crate::device(device)?).map_err(py_err)?;
        Ok(DocModel { inner })
    }

    /// The bytes of the model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.allow_threads(|| self.inner.save(&path)).map_err(py_err)
    }

    /// The codes (document embeddings) of `texts`.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let codes = py.allow_threads(|| self.inner.encode(&texts));
        matrix_out(py, codes)
    }

    /// The `k` rows of `codes` nearest to `query` by cosine similarity,
    /// most similar first: (row, similarity).
    fn nearest(
        &self,
        py: Python<'_>,
        codes: PyReadonlyArray2<'_, f32>,
        query: &str,
        k: usize,
    ) -> PyResult<Vec<(usize, f32)>> {
        let view = codes.as_array();
        let codes = aekit::data::Matrix::new(view.iter().copied().collect(), view.ncols());
        py.allow_threads(|| self.inner.nearest(&codes, query, k))
            .map_err(py_err)
    }

    /// Width of the codes.
    fn code_width(&self) -> usize {
        self.inner.code_width()
    }

    /// Per-epoch (loss, val_loss) pairs.
    fn history(&self) -> Vec<(f64, Option<f64>)> {
        epochs(&self.inner.meta().history)
    }

    /// The Keras-style summary text.
    fn summary(&self) -> String {
        self.inner.meta().summary().to_string()
    }
}

/// The kind of the model file at `path` (dense, conv, vae, ensemble,
/// text_classifier, doc_autoencoder), read as the loaders read it.
#[pyfunction]
pub(crate) fn model_kind(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.allow_threads(|| {
        if aekit::text::model_file::is_text_model(&path) {
            aekit::text::model_file::load(&path).map(|(meta, _)| meta.model.kind().to_string())
        } else {
            aekit::Autoencoder::load(&path).map(|m| m.kind().to_string())
        }
    })
    .map_err(py_err)
}
