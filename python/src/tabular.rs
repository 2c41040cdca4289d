//! The tabular kinds: autoencoders (dense, conv, VAE; plain, denoising or
//! paired) and anomaly detectors.

use std::path::PathBuf;

use aekit::apply::{self, CleanReference};
use aekit::data::ImageShape;
use aekit::train::Noise;
use aekit::{Autoencoder, Detector, FitOptions};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{Rows, epochs, matrix_out, py_err, with_rows};

/// A fitted autoencoder (the library's `Autoencoder`).
#[pyclass(module = "aekit._aekit", name = "Model", frozen)]
pub(crate) struct Model {
    pub(crate) inner: Autoencoder,
}

/// A fitted anomaly detector (the library's `Detector`).
#[pyclass(module = "aekit._aekit", name = "Detector", frozen)]
pub(crate) struct PyDetector {
    inner: Detector,
}

fn f32_out<'py>(py: Python<'py>, a: ndarray::Array2<f32>) -> Bound<'py, PyArray2<f32>> {
    a.into_pyarray(py)
}

#[pymethods]
impl Model {
    /// Fits an autoencoder on the rows of `x`: `params` is a JSON mapping
    /// of parameter names to values (`kind` dense, conv or vae); `y`, when
    /// given, the target rows of a paired model; `image_shape` (C, H, W)
    /// when the rows are images.
    #[staticmethod]
    #[pyo3(signature = (params, x, columns=None, y=None, y_columns=None, image_shape=None))]
    fn fit(
        py: Python<'_>,
        params: &str,
        x: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
        y: Option<&Bound<'_, PyAny>>,
        y_columns: Option<Vec<String>>,
        image_shape: Option<Vec<usize>>,
    ) -> PyResult<Model> {
        let mut p = aekit::options::autoencoder(params).map_err(py_err)?;
        if let Some(dims) = image_shape {
            let shape = ImageShape::from_dims(&dims).ok_or_else(|| {
                PyValueError::new_err(format!("an image shape is (C, H, W), got {dims:?}"))
            })?;
            p = p.image_shape(shape);
        }
        let x = Rows::extract(x)?;
        let x = x.dataset(columns)?;
        let inner = match y {
            None => py.allow_threads(|| p.fit(x)),
            Some(y) => {
                let y = Rows::extract(y)?;
                let y = y.dataset(y_columns)?;
                py.allow_threads(|| p.fit_paired(x, y, FitOptions::new()))
            }
        }
        .map_err(py_err)?;
        Ok(Model { inner })
    }

    /// Reads a model file the CLI or `save` wrote, onto `device`.
    #[staticmethod]
    #[pyo3(signature = (path, device=None))]
    fn load(py: Python<'_>, path: PathBuf, device: Option<&str>) -> PyResult<Model> {
        let device = crate::device(device)?;
        let inner = py
            .allow_threads(|| {
                let mut a = Autoencoder::load(&path)?;
                a.set_device(device).map(|()| a)
            })
            .map_err(py_err)?;
        Ok(Model { inner })
    }

    /// A model from the bytes of a model file, onto `device`.
    #[staticmethod]
    #[pyo3(signature = (bytes, device=None))]
    fn from_bytes(bytes: &[u8], device: Option<&str>) -> PyResult<Model> {
        let mut inner = Autoencoder::from_bytes(bytes).map_err(py_err)?;
        inner.set_device(crate::device(device)?).map_err(py_err)?;
        Ok(Model { inner })
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

    /// The codes of the rows of `x`.
    #[pyo3(signature = (x, columns=None))]
    fn transform<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let out = with_rows(py, x, columns, |d| self.inner.transform(d))?;
        Ok(f32_out(py, out))
    }

    /// Rows decoded from codes (float32).
    fn inverse_transform<'py>(
        &self,
        py: Python<'py>,
        codes: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let view = codes.as_array();
        let out = py
            .allow_threads(|| self.inner.inverse_transform(view))
            .map_err(py_err)?;
        Ok(f32_out(py, out))
    }

    /// The model's output for the rows of `x`, in their own units: the
    /// reconstruction (a denoiser's clean rows), a paired model's targets.
    #[pyo3(signature = (x, columns=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let out = with_rows(py, x, columns, |d| self.inner.predict(d))?;
        Ok(f32_out(py, out))
    }

    /// Each row's reconstruction error (higher: less like the training data).
    #[pyo3(signature = (x, columns=None))]
    fn score_samples<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let out = with_rows(py, x, columns, |d| self.inner.score_samples(d))?;
        Ok(out.into_pyarray(py))
    }

    /// A paired model's (mse, identity_mse) against target rows `y`, in the
    /// targets' scaled space (`aekit predict --target`'s figures).
    #[pyo3(signature = (x, y, columns=None, y_columns=None))]
    fn score_predictions(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
        y_columns: Option<Vec<String>>,
    ) -> PyResult<(f64, Option<f64>)> {
        let (x, y) = (Rows::extract(x)?, Rows::extract(y)?);
        let (x, y) = (x.dataset(columns)?, y.dataset(y_columns)?);
        let s = py
            .allow_threads(|| apply::score_predictions(&self.inner, x, y))
            .map_err(py_err)?;
        Ok((s.mse, s.identity_mse))
    }

    /// Denoises the rows of `x` measured against `clean` rows, or after
    /// corrupting them with `add_noise` (from `seed`): (noisy_mse,
    /// denoised_mse) in the scaled space (`aekit denoise`'s figures).
    #[pyo3(signature = (x, columns=None, clean=None, add_noise=None, seed=0))]
    fn denoise_errors(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
        clean: Option<&Bound<'_, PyAny>>,
        add_noise: Option<&str>,
        seed: u64,
    ) -> PyResult<(f64, f64)> {
        let x = Rows::extract(x)?;
        let clean_rows = clean.map(Rows::extract).transpose()?;
        let reference = match (&clean_rows, add_noise) {
            (Some(c), None) => CleanReference::Clean(c.dataset(columns.clone())?),
            (None, Some(spec)) => {
                let noise = spec.parse::<Noise>().map_err(|e| {
                    PyValueError::new_err(format!("invalid parameter add_noise: {e}"))
                })?;
                CleanReference::AddNoise(noise, seed)
            }
            _ => {
                return Err(PyValueError::new_err(
                    "give the clean rows or the noise to add, one of them",
                ));
            }
        };
        let x = x.dataset(columns)?;
        let report = py
            .allow_threads(|| apply::denoise(&self.inner, x, reference))
            .map_err(py_err)?;
        match (report.noisy_mse, report.denoised_mse) {
            (Some(noisy), Some(denoised)) => Ok((noisy, denoised)),
            _ => Err(PyValueError::new_err("no clean rows to measure against")),
        }
    }

    /// `n` rows decoded from codes drawn from the prior with `seed`, in
    /// the output columns' units (`aekit sample`'s rows).
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: u64,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (_, values) = py
            .allow_threads(|| apply::sample(&self.inner, n, seed))
            .map_err(py_err)?;
        matrix_out(py, values)
    }

    /// Per-epoch (loss, val_loss) pairs; val_loss is None without validation.
    fn history(&self) -> Vec<(f64, Option<f64>)> {
        epochs(self.inner.history())
    }

    /// The Keras-style summary text.
    fn summary(&self) -> String {
        self.inner.summary().to_string()
    }

    /// The feature columns the model reads, in order.
    fn feature_names(&self) -> Vec<String> {
        self.inner.schema().features.clone()
    }

    /// Width of the codes.
    fn bottleneck(&self) -> usize {
        self.inner.bottleneck()
    }

    /// Width of the output rows (the input's, or a paired model's target's).
    fn output_width(&self) -> usize {
        self.inner.output_width()
    }

    /// Whether the model maps inputs to separate targets.
    fn is_paired(&self) -> bool {
        self.inner.is_paired()
    }

    /// The rows' image shape (C, H, W), when they are images.
    fn image_shape(&self) -> Option<(usize, usize, usize)> {
        self.inner
            .image_shape()
            .map(|s| (s.channels, s.height, s.width))
    }

    /// The model kind.
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

#[pymethods]
impl PyDetector {
    /// Fits an anomaly detector on the rows of `x`; `params` is a JSON
    /// mapping of parameter names to values.
    #[staticmethod]
    #[pyo3(signature = (params, x, columns=None))]
    fn fit(
        py: Python<'_>,
        params: &str,
        x: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<PyDetector> {
        let p = aekit::options::detector(params).map_err(py_err)?;
        let inner = with_rows(py, x, columns, |d| p.fit(d))?;
        Ok(PyDetector { inner })
    }

    /// Reads a model file with an anomaly threshold (`aekit detect`'s).
    #[staticmethod]
    #[pyo3(signature = (path, device=None))]
    fn load(py: Python<'_>, path: PathBuf, device: Option<&str>) -> PyResult<PyDetector> {
        let device = crate::device(device)?;
        let inner = py
            .allow_threads(|| {
                let mut a = Autoencoder::load(&path)?;
                a.set_device(device)?;
                Detector::from_autoencoder(a, &path)
            })
            .map_err(py_err)?;
        Ok(PyDetector { inner })
    }

    /// A detector from the bytes of a model file, onto `device`.
    #[staticmethod]
    #[pyo3(signature = (bytes, device=None))]
    fn from_bytes(bytes: &[u8], device: Option<&str>) -> PyResult<PyDetector> {
        let mut inner = Detector::from_bytes(bytes).map_err(py_err)?;
        let device = crate::device(device)?;
        inner.autoencoder.set_device(device).map_err(py_err)?;
        Ok(PyDetector { inner })
    }

    /// The bytes of the model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.allow_threads(|| self.inner.autoencoder.save(&path))
            .map_err(py_err)
    }

    /// Each row's anomaly score (PyOD's decision_function: higher is more anomalous).
    #[pyo3(signature = (x, columns=None))]
    fn scores<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let out = with_rows(py, x, columns, |d| self.inner.decision_function(d))?;
        Ok(out.into_pyarray(py))
    }

    /// Per row, the `top` (feature, share of the row's error) pairs.
    #[pyo3(signature = (x, top, columns=None))]
    fn explain(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        top: usize,
        columns: Option<Vec<String>>,
    ) -> PyResult<Vec<Vec<(String, f64)>>> {
        let out = with_rows(py, x, columns, |d| self.inner.explain(d, top))?;
        Ok(out.into_iter().map(|e| e.top).collect())
    }

    /// The fitted threshold on the anomaly score.
    fn threshold(&self) -> f64 {
        self.inner.threshold_()
    }

    /// The training rows' scores (`None` for a loaded detector).
    fn decision_scores<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner
            .decision_scores_()
            .map(|s| PyArray1::from_slice(py, s))
    }

    /// Per-epoch (loss, val_loss) pairs of the model kept last.
    fn history(&self) -> Vec<(f64, Option<f64>)> {
        epochs(self.inner.autoencoder.history())
    }

    /// The feature columns the model reads, in order.
    fn feature_names(&self) -> Vec<String> {
        self.inner.autoencoder.schema().features.clone()
    }

    /// The Keras-style summary text.
    fn summary(&self) -> String {
        self.inner.autoencoder.summary().to_string()
    }
}

/// Whether a model file holds an anomaly threshold (a detector).
#[pyfunction]
pub(crate) fn is_detector(model: &Bound<'_, Model>) -> bool {
    model.get().inner.anomaly_threshold().is_some()
}
