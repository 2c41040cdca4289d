//! `aekit._aekit`: the native half of the Python package. Conversions and
//! error mapping only; every decision lives in the `aekit` library, and the
//! scikit-learn contract lives in `python/aekit/` (pure Python).

use aekit::data::{Dataset, ScaleKind};
use aekit::model::Activation;
use aekit::train::{LossKind, Noise, OptimizerKind};
use aekit::{AekitError, Autoencoder, Detector, TrainingSetters};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// As in the CLI: mimalloc keeps freed blocks for reuse, where the system
/// allocator hands every large batch buffer back to the kernel and takes it
/// again as page faults (S1 from Python ran at 0.6 of the CLI's rate).
/// Only Rust's own allocations go through it; Python's are untouched.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The one place a library error becomes a Python exception: file errors
/// are `OSError`, everything else a user can cause is `ValueError`; the
/// message is the library's.
fn py_err(e: AekitError) -> PyErr {
    match e {
        AekitError::Io { .. } => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

fn value_err(name: &str, value: &str, expected: &str) -> PyErr {
    PyValueError::new_err(format!(
        "invalid parameter {name}: '{value}' (expected {expected})"
    ))
}

fn parse_activation(s: &str) -> PyResult<Activation> {
    s.parse()
        .map_err(|e: String| PyValueError::new_err(format!("invalid parameter activation: {e}")))
}

fn parse_optimizer(s: &str) -> PyResult<OptimizerKind> {
    match s {
        "adam" => Ok(OptimizerKind::Adam),
        "rmsprop" => Ok(OptimizerKind::RmsProp),
        "sgd" => Ok(OptimizerKind::Sgd),
        "adamw" => Ok(OptimizerKind::AdamW),
        _ => Err(value_err("optimizer", s, "adam, adamw, rmsprop or sgd")),
    }
}

fn parse_loss(s: &str) -> PyResult<LossKind> {
    match s {
        "mse" => Ok(LossKind::Mse),
        "bce" => Ok(LossKind::Bce),
        "mae" => Ok(LossKind::Mae),
        _ => Err(value_err("loss", s, "mse, bce or mae")),
    }
}

fn parse_scale(s: &str) -> PyResult<ScaleKind> {
    match s {
        "minmax" => Ok(ScaleKind::MinMax),
        "standard" => Ok(ScaleKind::Standard),
        "robust" => Ok(ScaleKind::Robust),
        "none" => Ok(ScaleKind::None),
        _ => Err(value_err("scale", s, "minmax, standard, robust or none")),
    }
}

/// A 2-D float array (float32 or float64, any strides) viewed without a
/// copy, with optional column names, handed to `work` with the GIL released.
fn with_dataset<R: Send>(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    columns: Option<Vec<String>>,
    work: impl for<'d> FnOnce(Dataset<'d>) -> aekit::Result<R> + Send,
) -> PyResult<R> {
    fn named(d: Dataset<'_>, columns: Option<Vec<String>>) -> aekit::Result<Dataset<'_>> {
        match columns {
            Some(names) => d.with_column_names(names),
            None => Ok(d),
        }
    }
    if let Ok(a) = x.extract::<PyReadonlyArray2<'_, f32>>() {
        let view = a.as_array();
        py.allow_threads(|| work(named(Dataset::from(view), columns)?))
            .map_err(py_err)
    } else if let Ok(a) = x.extract::<PyReadonlyArray2<'_, f64>>() {
        let view = a.as_array();
        py.allow_threads(|| work(named(Dataset::from(view), columns)?))
            .map_err(py_err)
    } else if let Ok(rows) = x.extract::<Vec<Vec<String>>>() {
        // A DataFrame with text, boolean or missing cells, as rows of
        // cells: the library reads them as it reads a file's.
        let names =
            columns.ok_or_else(|| PyTypeError::new_err("rows of cells need their column names"))?;
        py.allow_threads(|| {
            let table = aekit::data::Table::from_cells("<DataFrame>", names, rows)?;
            work(Dataset::from(table))
        })
        .map_err(py_err)
    } else {
        Err(PyTypeError::new_err(
            "expected a 2-D numpy array of float32 or float64, or a DataFrame",
        ))
    }
}

/// A fitted autoencoder (the library's `Autoencoder`).
#[pyclass(module = "aekit._aekit", name = "Model", frozen)]
struct Model {
    inner: Autoencoder,
}

/// A fitted anomaly detector (the library's `Detector`).
#[pyclass(module = "aekit._aekit", name = "Detector", frozen)]
struct PyDetector {
    inner: Detector,
}

/// Fits an autoencoder; parameters are the CLI's flags (`None`: the
/// library's default).
#[pyfunction]
#[pyo3(signature = (x, columns, hidden=None, bottleneck=None, activation=None, batch_norm=None,
    dropout=None, optimizer=None, lr=None, loss=None, epochs=None, batch_size=None,
    patience=None, validation_split=None, scale=None, random_state=None, threads=None, noise=None,
    decoder_hidden=None, bottleneck_activation=None, output_activation=None, momentum=None,
    shuffle=None, min_delta=None, weight_decay=None))]
#[allow(clippy::too_many_arguments)]
fn fit_autoencoder(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    columns: Option<Vec<String>>,
    hidden: Option<Vec<usize>>,
    bottleneck: Option<usize>,
    activation: Option<&str>,
    batch_norm: Option<bool>,
    dropout: Option<f64>,
    optimizer: Option<&str>,
    lr: Option<f64>,
    loss: Option<&str>,
    epochs: Option<usize>,
    batch_size: Option<usize>,
    patience: Option<usize>,
    validation_split: Option<f64>,
    scale: Option<&str>,
    random_state: Option<u64>,
    threads: Option<usize>,
    noise: Option<&str>,
    decoder_hidden: Option<Vec<usize>>,
    bottleneck_activation: Option<&str>,
    output_activation: Option<&str>,
    momentum: Option<f64>,
    shuffle: Option<bool>,
    min_delta: Option<f64>,
    weight_decay: Option<f64>,
) -> PyResult<Model> {
    let mut p = Autoencoder::params().weight_decay(weight_decay);
    if let Some(v) = decoder_hidden {
        p = p.decoder_hidden(v);
    }
    if let Some(v) = bottleneck_activation {
        p = p.bottleneck_activation(parse_activation(v)?);
    }
    if let Some(v) = output_activation {
        p = p.output_activation(parse_activation(v)?);
    }
    if let Some(v) = momentum {
        p = p.momentum(v);
    }
    if let Some(v) = shuffle {
        p = p.shuffle(v);
    }
    if let Some(v) = min_delta {
        p = p.min_delta(v);
    }
    if let Some(v) = hidden {
        p = p.hidden(v);
    }
    if let Some(v) = bottleneck {
        p = p.bottleneck(v);
    }
    if let Some(v) = activation {
        p = p.activation(parse_activation(v)?);
    }
    if let Some(v) = batch_norm {
        p = p.batch_norm(v);
    }
    if let Some(v) = dropout {
        p = p.dropout(v);
    }
    if let Some(v) = optimizer {
        p = p.optimizer(parse_optimizer(v)?);
    }
    if let Some(v) = loss {
        p = p.loss(parse_loss(v)?);
    }
    if let Some(v) = epochs {
        p = p.epochs(v);
    }
    if let Some(v) = batch_size {
        p = p.batch_size(v);
    }
    if let Some(v) = scale {
        p = p.scale(parse_scale(v)?);
    }
    if let Some(v) = random_state {
        p = p.seed(v);
    }
    if let Some(v) = noise {
        let noise = v
            .parse::<Noise>()
            .map_err(|e| PyValueError::new_err(format!("invalid parameter noise: {e}")))?;
        p = p.noise(noise);
    }
    let p = p
        .learning_rate(lr)
        .patience(patience)
        .validation_split(validation_split)
        .threads(threads);
    let inner = with_dataset(py, x, columns, |d| p.fit(d))?;
    Ok(Model { inner })
}

/// Fits an anomaly detector: the library's ensemble by default, or one
/// autoencoder of `hidden`/`bottleneck`.
#[pyfunction]
#[pyo3(signature = (x, columns, contamination=None, hidden=None, bottleneck=None, activation=None,
    optimizer=None, lr=None, loss=None, epochs=None, batch_size=None, patience=None,
    validation_split=None, scale=None, random_state=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn fit_detector(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    columns: Option<Vec<String>>,
    contamination: Option<f64>,
    hidden: Option<Vec<usize>>,
    bottleneck: Option<usize>,
    activation: Option<&str>,
    optimizer: Option<&str>,
    lr: Option<f64>,
    loss: Option<&str>,
    epochs: Option<usize>,
    batch_size: Option<usize>,
    patience: Option<usize>,
    validation_split: Option<f64>,
    scale: Option<&str>,
    random_state: Option<u64>,
    threads: Option<usize>,
) -> PyResult<PyDetector> {
    let mut p = Detector::params();
    if let Some(v) = contamination {
        p = p.contamination(v);
    }
    if let Some(v) = hidden {
        p = p.hidden(v);
    }
    if let Some(v) = bottleneck {
        p = p.bottleneck(v);
    }
    if let Some(v) = activation {
        p = p.activation(parse_activation(v)?);
    }
    if let Some(v) = optimizer {
        p = p.optimizer(parse_optimizer(v)?);
    }
    if let Some(v) = loss {
        p = p.loss(parse_loss(v)?);
    }
    if let Some(v) = epochs {
        p = p.epochs(v);
    }
    if let Some(v) = batch_size {
        p = p.batch_size(v);
    }
    if let Some(v) = scale {
        p = p.scale(parse_scale(v)?);
    }
    if let Some(v) = random_state {
        p = p.seed(v);
    }
    let p = p
        .learning_rate(lr)
        .patience(patience)
        .validation_split(validation_split)
        .threads(threads);
    let inner = with_dataset(py, x, columns, |d| p.fit(d))?;
    Ok(PyDetector { inner })
}

fn f32_out<'py>(py: Python<'py>, a: ndarray::Array2<f32>) -> Bound<'py, PyArray2<f32>> {
    a.into_pyarray(py)
}

#[pymethods]
impl Model {
    /// Reads a model file the CLI or `save` wrote.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Model> {
        let inner = py
            .allow_threads(|| Autoencoder::load(&path))
            .map_err(py_err)?;
        Ok(Model { inner })
    }

    /// A model from the bytes of a model file.
    #[staticmethod]
    fn from_bytes(bytes: &[u8]) -> PyResult<Model> {
        Ok(Model {
            inner: Autoencoder::from_bytes(bytes).map_err(py_err)?,
        })
    }

    /// The bytes of the model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
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
        let out = with_dataset(py, x, columns, |d| self.inner.transform(d))?;
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

    /// The reconstruction of the rows of `x`, in their own units.
    #[pyo3(signature = (x, columns=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let out = with_dataset(py, x, columns, |d| self.inner.predict(d))?;
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
        let out = with_dataset(py, x, columns, |d| self.inner.score_samples(d))?;
        Ok(out.into_pyarray(py))
    }

    /// Per-epoch (loss, val_loss) pairs; val_loss is None without validation.
    fn history(&self) -> Vec<(f64, Option<f64>)> {
        self.inner
            .history()
            .epochs
            .iter()
            .map(|e| (e.loss, e.val_loss))
            .collect()
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

    /// The model kind.
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

#[pymethods]
impl PyDetector {
    /// Reads a model file with an anomaly threshold (`aekit detect`'s).
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyDetector> {
        let inner = py
            .allow_threads(|| {
                Autoencoder::load(&path).and_then(|a| Detector::from_autoencoder(a, &path))
            })
            .map_err(py_err)?;
        Ok(PyDetector { inner })
    }

    /// A detector from the bytes of a model file.
    #[staticmethod]
    fn from_bytes(bytes: &[u8]) -> PyResult<PyDetector> {
        Ok(PyDetector {
            inner: Detector::from_bytes(bytes).map_err(py_err)?,
        })
    }

    /// The bytes of the model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
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
        let out = with_dataset(py, x, columns, |d| self.inner.decision_function(d))?;
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
        let out = with_dataset(py, x, columns, |d| self.inner.explain(d, top))?;
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
fn is_detector(model: &Bound<'_, Model>) -> bool {
    model.get().inner.anomaly_threshold().is_some()
}

#[pymodule]
fn _aekit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_class::<PyDetector>()?;
    m.add_function(wrap_pyfunction!(fit_autoencoder, m)?)?;
    m.add_function(wrap_pyfunction!(fit_detector, m)?)?;
    m.add_function(wrap_pyfunction!(is_detector, m)?)?;
    m.add("__version__", aekit::VERSION)?;
    Ok(())
}
