//! Incremental fitting (the library's `IncrementalFit`): scikit-learn's
//! `partial_fit`, and the steps, parameters and scaler statistics that
//! the Spark and Ray trainers exchange between workers. Parameters cross
//! as little-endian f32 bytes.

use aekit::IncrementalFit;
use aekit::incremental::{self, ScalerStats};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::tabular::Model;
use crate::{py_err, with_rows};

/// An autoencoder being fitted chunk by chunk.
#[pyclass(module = "aekit._aekit", name = "Incremental")]
pub(crate) struct Incremental {
    inner: IncrementalFit,
}

fn floats(bytes: &[u8]) -> PyResult<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(PyValueError::new_err(format!(
            "parameters are f32 values: {} bytes is not a multiple of 4",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

fn bytes_of(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[pymethods]
impl Incremental {
    /// Starts an incremental fit; `params` is the JSON mapping of parameter
    /// names to values (a dense model).
    #[new]
    fn new(params: &str) -> PyResult<Incremental> {
        let p = aekit::options::autoencoder(params).map_err(py_err)?;
        Ok(Incremental {
            inner: p.incremental().map_err(py_err)?,
        })
    }

    /// One pass over the rows of `x` (the first call fixes columns and
    /// scaler); returns its mean loss.
    #[pyo3(signature = (x, columns=None))]
    fn partial_fit(
        &mut self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<f64> {
        let inner = &mut self.inner;
        with_rows(py, x, columns, |d| inner.partial_fit(d))
    }

    /// The JSON statistics of `x`'s columns for the scaler.
    #[pyo3(signature = (x, columns=None))]
    fn scaler_stats(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<String> {
        let inner = &self.inner;
        with_rows(py, x, columns, |d| inner.scaler_stats(&d)).map(|s| s.to_json())
    }

    /// Fixes the scaler to the one fitted by the statistics `stats`
    /// (JSON, merged in the order given).
    fn set_scaler_stats(&mut self, stats: Vec<String>) -> PyResult<()> {
        let mut merged: Option<ScalerStats> = None;
        for text in &stats {
            let s = ScalerStats::from_json(text).map_err(py_err)?;
            match &mut merged {
                Some(m) => m.merge(&s).map_err(py_err)?,
                None => merged = Some(s),
            }
        }
        let merged = merged.ok_or_else(|| PyValueError::new_err("no statistics given"))?;
        self.inner.set_scaler(merged.scaler()).map_err(py_err)
    }

    /// Makes the rows of `x` the ones `run_steps` draws batches from.
    #[pyo3(signature = (x, columns=None))]
    fn load(
        &mut self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        columns: Option<Vec<String>>,
    ) -> PyResult<()> {
        let inner = &mut self.inner;
        with_rows(py, x, columns, |d| inner.load(&d))
    }

    /// `n` optimiser steps on the loaded rows; their mean loss.
    fn run_steps(&mut self, py: Python<'_>, n: usize) -> PyResult<f64> {
        let inner = &mut self.inner;
        py.allow_threads(|| inner.run_steps(n)).map_err(py_err)
    }

    /// Rows per batch (the `batch_size` parameter).
    fn batch_size(&self) -> usize {
        self.inner.params().training().batch_size
    }

    /// Batches in one pass over the loaded rows.
    fn steps_per_pass(&self) -> usize {
        self.inner.steps_per_pass()
    }

    /// Records an epoch's mean loss in the history.
    fn record_epoch(&mut self, loss: f64) {
        self.inner.record_epoch(loss)
    }

    /// Whether a chunk has fixed the columns and scaler.
    fn is_started(&self) -> bool {
        self.inner.is_started()
    }

    /// The network's parameters, flat, as little-endian f32 bytes.
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let values = self.inner.parameters().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes_of(&values)))
    }

    /// Replaces the network's parameters (bytes as `parameters` gives).
    fn set_parameters(&mut self, values: &[u8]) -> PyResult<()> {
        self.inner.set_parameters(&floats(values)?).map_err(py_err)
    }

    /// A copy that continues on its own (Python's `copy` and `deepcopy`).
    fn __copy__(&self) -> Incremental {
        Incremental {
            inner: self.inner.clone(),
        }
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Incremental {
        self.__copy__()
    }

    /// The fitted model so far.
    fn model(&self, py: Python<'_>) -> PyResult<Model> {
        let inner = &self.inner;
        let model = py.allow_threads(|| inner.model()).map_err(py_err)?;
        Ok(Model { inner: model })
    }
}

/// The element-wise mean of parameter vectors (bytes), summed in the order given.
#[pyfunction]
pub(crate) fn average_parameters<'py>(
    py: Python<'py>,
    vectors: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let values = vectors
        .iter()
        .map(|v| floats(v))
        .collect::<PyResult<Vec<_>>>()?;
    let views: Vec<&[f32]> = values.iter().map(Vec::as_slice).collect();
    let mean = incremental::average(&views).map_err(py_err)?;
    Ok(PyBytes::new(py, &bytes_of(&mean)))
}
