//! The rows a model reads, wherever they live: a file read into a
//! [`Table`], or `ndarray` arrays in memory (f32 or f64, with or without
//! column names). Every entry point that reads rows takes a [`Dataset`]
//! (or anything that converts into one); arrays are borrowed, not copied.

use std::borrow::Cow;
use std::path::Path;

use ndarray::{Array2, ArrayBase, ArrayView2, CowArray, Data, Ix2};

use super::output::format_value;
use super::source::ReadOptions;
use super::table::{Table, preview};
use crate::error::{AekitError, Result};

/// Rows with named columns: a file's table or arrays in memory.
///
/// Arrays are borrowed where they can be (views and references to arrays
/// are not copied); their values are read, converted to the model's `f32`
/// and scaled in one pass when a model needs them. An array without
/// column names gets `x0`, `x1`, ...; given to a fitted model, an unnamed
/// array as wide as the model's inputs is taken as those inputs in order.
///
/// ```
/// use aekit::data::Dataset;
/// use ndarray::array;
///
/// let x = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// let unnamed = Dataset::from(&x);                       // borrowed, not copied
/// assert_eq!(unnamed.column_names(), ["x0", "x1"]);
/// let named = Dataset::from(x.view()).with_column_names(["height", "width"])?;
/// assert_eq!(named.n_rows(), 3);
/// assert_eq!(named.cell(2, 1), "6");
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dataset<'a> {
    source: Source<'a>,
}

#[derive(Debug, Clone)]
enum Source<'a> {
    /// Columns read from a file.
    Table(Cow<'a, Table>),
    /// Numbers in memory.
    Array {
        values: Values<'a>,
        names: Cow<'a, [String]>,
        /// Whether the names were given (not generated).
        named: bool,
    },
}

#[derive(Debug, Clone)]
enum Values<'a> {
    F32(CowArray<'a, f32, Ix2>),
    F64(CowArray<'a, f64, Ix2>),
}

impl Values<'_> {
    fn dim(&self) -> (usize, usize) {
        match self {
            Values::F32(a) => a.dim(),
            Values::F64(a) => a.dim(),
        }
    }

    fn get(&self, row: usize, column: usize) -> f64 {
        match self {
            Values::F32(a) => f64::from(a[[row, column]]),
            Values::F64(a) => a[[row, column]],
        }
    }

    fn view(&self) -> Values<'_> {
        match self {
            Values::F32(a) => Values::F32(CowArray::from(a.view())),
            Values::F64(a) => Values::F64(CowArray::from(a.view())),
        }
    }
}

/// The element types a [`Dataset`] can borrow: `f32` (the models' own)
/// and `f64` (converted as rows are read). Sealed.
pub trait Element: sealed::Sealed + Copy + Send + Sync + 'static {
    /// Wraps an array of this type.
    #[doc(hidden)]
    fn dataset(values: CowArray<'_, Self, Ix2>) -> Dataset<'_>;
    /// A model's `f32` value as this type.
    #[doc(hidden)]
    fn from_f32(value: f32) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

impl Element for f32 {
    fn dataset(values: CowArray<'_, f32, Ix2>) -> Dataset<'_> {
        Dataset::array(Values::F32(values))
    }

    fn from_f32(value: f32) -> f32 {
        value
    }
}

impl Element for f64 {
    fn dataset(values: CowArray<'_, f64, Ix2>) -> Dataset<'_> {
        Dataset::array(Values::F64(values))
    }

    fn from_f32(value: f32) -> f64 {
        f64::from(value)
    }
}

/// `x0`, `x1`, ...: the names of an unnamed array's columns.
pub(crate) fn default_column_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("x{i}")).collect()
}

impl Dataset<'static> {
    /// Reads a CSV file (see [`Table::read`]).
    pub fn read(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Dataset<'static>> {
        Ok(Dataset::from(Table::read(path, options)?))
    }
}

impl<'a> Dataset<'a> {
    fn array(values: Values<'a>) -> Dataset<'a> {
        let names = default_column_names(values.dim().1);
        Dataset {
            source: Source::Array {
                values,
                names: Cow::Owned(names),
                named: false,
            },
        }
    }

    /// Names the columns of an in-memory dataset: one distinct, non-empty
    /// name per column. A file's columns are named by its header.
    pub fn with_column_names<I, S>(mut self, names: I) -> Result<Dataset<'a>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        let Source::Array {
            values,
            names: slot,
            named,
        } = &mut self.source
        else {
            return Err(AekitError::param(
                "column_names",
                "a file's columns are named by its header",
            ));
        };
        let bad = |message: String| AekitError::InMemory {
            row: None,
            column: None,
            message,
        };
        if names.len() != values.dim().1 {
            return Err(bad(format!(
                "{} column names given for {} columns",
                names.len(),
                values.dim().1
            )));
        }
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(bad(format!("the name of column {i} is empty")));
            }
            if !seen.insert(name.as_str()) {
                return Err(bad(format!("column name '{name}' is given twice")));
            }
        }
        *slot = Cow::Owned(names);
        *named = true;
        Ok(self)
    }

    /// The file the rows were read from; `None` for arrays.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::Table(t) => Some(t.path()),
            Source::Array { .. } => None,
        }
    }

    /// The table, when the rows were read from a file.
    pub fn as_table(&self) -> Option<&Table> {
        match &self.source {
            Source::Table(t) => Some(t),
            Source::Array { .. } => None,
        }
    }

    /// The shape of the rows when they were read from an image folder.
    pub fn image_shape(&self) -> Option<super::image::shape::ImageShape> {
        self.as_table().and_then(Table::image_shape)
    }

    /// Whether the columns have names of their own (a file's header, or
    /// names given to an array) rather than `x0`, `x1`, ...
    pub fn is_named(&self) -> bool {
        match &self.source {
            Source::Table(_) => true,
            Source::Array { named, .. } => *named,
        }
    }

    /// Column names, in order.
    pub fn column_names(&self) -> &[String] {
        match &self.source {
            Source::Table(t) => t.headers(),
            Source::Array { names, .. } => names,
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        match &self.source {
            Source::Table(t) => t.n_rows(),
            Source::Array { values, .. } => values.dim().0,
        }
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.column_names().len()
    }

    /// Index of the column called `name`, if any.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.column_names().iter().position(|h| h == name)
    }

    /// Index of the column called `name`, or an error saying `why` it was wanted.
    pub fn require_column(&self, name: &str, why: &str) -> Result<usize> {
        match &self.source {
            Source::Table(t) => t.require_column(name, why),
            Source::Array { names, .. } => {
                self.column_index(name).ok_or_else(|| AekitError::InMemory {
                    row: None,
                    column: Some(name.to_string()),
                    message: format!(
                        "{why} is not among the columns (they are: {})",
                        preview(names)
                    ),
                })
            }
        }
    }

    /// One cell as text: a file's cell as written, a number as the
    /// shortest text that reads back to it.
    pub fn cell(&self, row: usize, column: usize) -> Cow<'_, str> {
        match &self.source {
            Source::Table(t) => t.cell(row, column),
            Source::Array { values, .. } => Cow::Owned(match values {
                Values::F32(a) => format_value(a[[row, column]]),
                Values::F64(a) => a[[row, column]].to_string(),
            }),
        }
    }

    /// One column as an Arrow array, for copying into an output: a file's
    /// column as it is (shared, not copied), an array's as its cells' text.
    pub(crate) fn column_array(&self, column: usize) -> arrow_array::ArrayRef {
        match &self.source {
            Source::Table(t) => t.column(column).clone(),
            Source::Array { .. } => std::sync::Arc::new(
                (0..self.n_rows())
                    .map(|r| Some(self.cell(r, column)))
                    .collect::<arrow_array::StringArray>(),
            ),
        }
    }

    /// Whether a column holds numbers (always, for arrays; see
    /// [`Table::is_numeric`] for files).
    pub fn is_numeric(&self, column: usize) -> bool {
        match &self.source {
            Source::Table(t) => t.is_numeric(column),
            Source::Array { .. } => true,
        }
    }

    /// Whether every cell of a column is empty (never, for arrays).
    pub fn is_all_empty(&self, column: usize) -> bool {
        match &self.source {
            Source::Table(t) => t.is_all_empty(column),
            Source::Array { .. } => false,
        }
    }

    /// Appends row `row`'s values in `columns` to `out`; a cell that is
    /// not a number, and with `finite` one that is not finite, is an error
    /// naming its row and column.
    pub(crate) fn push_numbers(
        &self,
        row: usize,
        columns: &[usize],
        finite: bool,
        out: &mut Vec<f32>,
    ) -> Result<()> {
        match &self.source {
            Source::Table(t) => {
                for &c in columns {
                    out.push(t.value(row, c)?);
                }
            }
            Source::Array { values, .. } => {
                let start = out.len();
                match values {
                    Values::F32(a) => push_row(a.row(row), columns, out, |v| v),
                    Values::F64(a) => push_row(a.row(row), columns, out, |v| v as f32),
                }
                if finite && let Some(k) = first_not_finite(&out[start..]) {
                    return Err(self.not_finite(values, row, columns[k]));
                }
            }
        }
        Ok(())
    }

    /// Every column of every row, row-major: an array's values copied in
    /// one pass (a copy per row was a tenth of scoring's time), a file's
    /// columns read a block of rows at a time ([`Table::numeric_matrix`]).
    pub(crate) fn all_numbers(&self, finite: bool) -> Result<Vec<f32>> {
        let (rows, cols) = (self.n_rows(), self.n_columns());
        match &self.source {
            Source::Array { values, .. } => {
                let out: Vec<f32> = match values {
                    Values::F32(a) => match a.as_slice() {
                        Some(s) => s.to_vec(),
                        None => a.iter().copied().collect(),
                    },
                    Values::F64(a) => match a.as_slice() {
                        Some(s) => s.iter().map(|&v| v as f32).collect(),
                        None => a.iter().map(|&v| v as f32).collect(),
                    },
                };
                if finite && let Some(k) = first_not_finite(&out) {
                    return Err(self.not_finite(values, k / cols, k % cols));
                }
                Ok(out)
            }
            Source::Table(t) => {
                let all: Vec<usize> = (0..cols).collect();
                debug_assert_eq!(t.n_rows(), rows);
                t.numeric_matrix(&all)
            }
        }
    }

    /// A float32 array's values where they lie, row-major, when its layout
    /// allows (C-contiguous), so scoring reads them without a copy; with
    /// `finite`, a value that is not finite is an error naming its cell.
    pub(crate) fn f32_in_place(&self, finite: bool) -> Result<Option<&[f32]>> {
        let Source::Array {
            values: Values::F32(a),
            ..
        } = &self.source
        else {
            return Ok(None);
        };
        let Some(values) = a.as_slice() else {
            return Ok(None);
        };
        if finite && let Some(k) = first_not_finite(values) {
            let cols = self.n_columns().max(1);
            return Err(self.not_finite(&Values::F32(a.view().into()), k / cols, k % cols));
        }
        Ok(Some(values))
    }

    /// The error for an array value that is not finite as a 32-bit float.
    fn not_finite(&self, values: &Values<'_>, row: usize, column: usize) -> AekitError {
        let v = values.get(row, column);
        let message = if v.is_finite() {
            format!("value {v} is too large for 32-bit floats")
        } else {
            format!("value {v} is not finite (NaN or infinity)")
        };
        self.cell_error(row, column, message)
    }

    /// The given columns of every row as a matrix, failing on the first
    /// cell that is not a finite number.
    pub(crate) fn numbers(&self, columns: &[usize]) -> Result<super::matrix::Matrix> {
        if let Source::Table(t) = &self.source {
            return Ok(super::matrix::Matrix {
                values: t.numeric_matrix(columns)?,
                n_cols: columns.len(),
            });
        }
        let mut values = Vec::with_capacity(self.n_rows() * columns.len());
        for r in 0..self.n_rows() {
            self.push_numbers(r, columns, true, &mut values)?;
        }
        Ok(super::matrix::Matrix {
            values,
            n_cols: columns.len(),
        })
    }

    /// An error about one cell.
    pub(crate) fn cell_error(&self, row: usize, column: usize, message: String) -> AekitError {
        let name = self.column_names().get(column).cloned();
        match &self.source {
            Source::Table(t) => t.cell_error(row, column, message),
            Source::Array { .. } => AekitError::InMemory {
                row: Some(row),
                column: name,
                message,
            },
        }
    }

    /// An error about the whole dataset.
    pub(crate) fn error(&self, message: impl Into<String>) -> AekitError {
        let message = message.into();
        match &self.source {
            Source::Table(t) => AekitError::Data {
                path: t.path().to_path_buf(),
                row: None,
                column: None,
                message,
            },
            Source::Array { .. } => AekitError::InMemory {
                row: None,
                column: None,
                message,
            },
        }
    }

    /// What the rows are, for messages: the file's path or "in-memory data".
    pub(crate) fn describe(&self) -> String {
        match self.path() {
            Some(p) => p.display().to_string(),
            None => "the in-memory data".to_string(),
        }
    }
}

/// Appends `columns` of one array row to `out` as `f32`: a plain copy when
/// they are the whole row, in order, and the row is contiguous.
/// Where the first value that is not finite is; blocks are checked without
/// branching per value, so the check keeps pace with the copy.
fn first_not_finite(values: &[f32]) -> Option<usize> {
    const BLOCK: usize = 256;
    values
        .chunks(BLOCK)
        .position(|b| !b.iter().fold(true, |ok, v| ok & v.is_finite()))
        .and_then(|i| {
            let start = i * BLOCK;
            values[start..]
                .iter()
                .position(|v| !v.is_finite())
                .map(|k| start + k)
        })
}

fn push_row<A: Copy>(
    row: ndarray::ArrayView1<'_, A>,
    columns: &[usize],
    out: &mut Vec<f32>,
    convert: impl Fn(A) -> f32,
) {
    let whole = columns.len() == row.len() && columns.iter().enumerate().all(|(i, &c)| i == c);
    match row.as_slice() {
        Some(slice) if whole => out.extend(slice.iter().map(|&v| convert(v))),
        _ => out.extend(columns.iter().map(|&c| convert(row[c]))),
    }
}

impl<'a> From<Table> for Dataset<'a> {
    fn from(table: Table) -> Self {
        Dataset {
            source: Source::Table(Cow::Owned(table)),
        }
    }
}

impl<'a> From<&'a Table> for Dataset<'a> {
    fn from(table: &'a Table) -> Self {
        Dataset {
            source: Source::Table(Cow::Borrowed(table)),
        }
    }
}

/// Borrows another dataset's rows.
impl<'a, 'b> From<&'a Dataset<'b>> for Dataset<'a> {
    fn from(data: &'a Dataset<'b>) -> Self {
        let source = match &data.source {
            Source::Table(t) => Source::Table(Cow::Borrowed(t.as_ref())),
            Source::Array {
                values,
                names,
                named,
            } => Source::Array {
                values: values.view(),
                names: Cow::Borrowed(names.as_ref()),
                named: *named,
            },
        };
        Dataset { source }
    }
}

/// Borrows an array (owned, view, shared: any storage), without copying.
impl<'a, A: Element, S: Data<Elem = A>> From<&'a ArrayBase<S, Ix2>> for Dataset<'a> {
    fn from(array: &'a ArrayBase<S, Ix2>) -> Self {
        A::dataset(CowArray::from(array.view()))
    }
}

/// Borrows the array the view looks at, without copying.
impl<'a, A: Element> From<ArrayView2<'a, A>> for Dataset<'a> {
    fn from(view: ArrayView2<'a, A>) -> Self {
        A::dataset(CowArray::from(view))
    }
}

/// Takes the array over, without copying.
impl<A: Element> From<Array2<A>> for Dataset<'static> {
    fn from(array: Array2<A>) -> Self {
        A::dataset(CowArray::from(array))
    }
}

/// Borrows a linfa dataset's records, with its feature names when it has
/// them (its targets are not read).
impl<'a, A: Element, S: Data<Elem = A>, T> From<&'a linfa::DatasetBase<ArrayBase<S, Ix2>, T>>
    for Dataset<'a>
{
    fn from(dataset: &'a linfa::DatasetBase<ArrayBase<S, Ix2>, T>) -> Self {
        let data = Dataset::from(&dataset.records);
        let names = dataset.feature_names();
        if names.is_empty() {
            return data;
        }
        // Names that do not fit the records are ignored, as unnamed columns.
        data.clone()
            .with_column_names(names.iter().cloned())
            .unwrap_or(data)
    }
}

#[cfg(test)]
mod tests;
