//! `aekit._aekit`: the native half of the Python package. Conversions and
//! error mapping only; every decision lives in the `aekit` library, and the
//! scikit-learn contract lives in `python/aekit/` (pure Python).
//!
//! Hyper-parameters cross as one JSON mapping of names to values, read by
//! the library ([`aekit::options`]): this binding holds no per-parameter
//! code, and a new parameter needs no change here.

mod incremental;
mod tabular;
mod text;

use aekit::AekitError;
use aekit::data::{Dataset, Matrix};
use aekit::train::History;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;

/// As in the CLI: mimalloc keeps freed blocks for reuse, where the system
/// allocator hands every large batch buffer back to the kernel and takes it
/// again as page faults (S1 from Python ran at 0.6 of the CLI's rate).
/// Only Rust's own allocations go through it; Python's are untouched.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The one place a library error becomes a Python exception: file errors
/// are `OSError`, everything else a user can cause is `ValueError`; the
/// message is the library's.
pub(crate) fn py_err(e: AekitError) -> PyErr {
    match e {
        AekitError::Io { .. } => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// The device a loaded model moves to (`None`: it stays on the CPU), by
/// the names the library parses; a GPU not built in is the library's error.
pub(crate) fn device(name: Option<&str>) -> PyResult<aekit::DeviceChoice> {
    name.map_or(Ok(aekit::DeviceChoice::Cpu), |n| {
        n.parse()
            .map_err(|e: String| PyValueError::new_err(format!("device: {e}")))
    })
}

/// A 2-D float array (float32 or float64, any strides), held so that its
/// rows can be viewed without a copy; or a DataFrame with text, boolean or
/// missing cells, as rows of cells the library reads as it reads a file's.
pub(crate) enum Rows<'py> {
    F32(PyReadonlyArray2<'py, f32>),
    F64(PyReadonlyArray2<'py, f64>),
    Cells(Vec<Vec<String>>),
}

impl<'py> Rows<'py> {
    pub(crate) fn extract(x: &Bound<'py, PyAny>) -> PyResult<Rows<'py>> {
        if let Ok(a) = x.extract::<PyReadonlyArray2<'py, f32>>() {
            Ok(Rows::F32(a))
        } else if let Ok(a) = x.extract::<PyReadonlyArray2<'py, f64>>() {
            Ok(Rows::F64(a))
        } else if let Ok(rows) = x.extract::<Vec<Vec<String>>>() {
            Ok(Rows::Cells(rows))
        } else {
            Err(PyTypeError::new_err(
                "expected a 2-D numpy array of float32 or float64, or a DataFrame",
            ))
        }
    }

    /// The rows as a dataset, with column names when given.
    pub(crate) fn dataset(&self, columns: Option<Vec<String>>) -> PyResult<Dataset<'_>> {
        let d = match self {
            Rows::F32(a) => Dataset::from(a.as_array()),
            Rows::F64(a) => Dataset::from(a.as_array()),
            Rows::Cells(rows) => {
                let names = columns
                    .ok_or_else(|| PyTypeError::new_err("rows of cells need their column names"))?;
                let table = aekit::data::Table::from_cells("<DataFrame>", names, rows.clone())
                    .map_err(py_err)?;
                return Ok(Dataset::from(table));
            }
        };
        match columns {
            Some(names) => d.with_column_names(names).map_err(py_err),
            None => Ok(d),
        }
    }
}

/// Rows viewed from `x` (with `columns`), handed to `work` with the GIL released.
pub(crate) fn with_rows<R: Send>(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    columns: Option<Vec<String>>,
    work: impl for<'d> FnOnce(Dataset<'d>) -> aekit::Result<R> + Send,
) -> PyResult<R> {
    let rows = Rows::extract(x)?;
    let d = rows.dataset(columns)?;
    py.allow_threads(|| work(d)).map_err(py_err)
}

/// A row-major matrix as a float32 array.
pub(crate) fn matrix_out(py: Python<'_>, m: Matrix) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let shape = (m.n_rows(), m.n_cols);
    let a = ndarray::Array2::from_shape_vec(shape, m.values)
        .map_err(|e| PyValueError::new_err(format!("a {shape:?} result: {e}")))?;
    Ok(a.into_pyarray(py))
}

/// Per-epoch (loss, val_loss) pairs; val_loss is None without validation.
pub(crate) fn epochs(history: &History) -> Vec<(f64, Option<f64>)> {
    history
        .epochs
        .iter()
        .map(|e| (e.loss, e.val_loss))
        .collect()
}

#[pymodule]
fn _aekit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<tabular::Model>()?;
    m.add_class::<tabular::PyDetector>()?;
    m.add_class::<incremental::Incremental>()?;
    m.add_function(wrap_pyfunction!(incremental::average_parameters, m)?)?;
    m.add_class::<text::TextModel>()?;
    m.add_class::<text::DocModel>()?;
    m.add_function(wrap_pyfunction!(tabular::is_detector, m)?)?;
    m.add_function(wrap_pyfunction!(text::model_kind, m)?)?;
    m.add("__version__", aekit::VERSION)?;
    Ok(())
}
