//! A table in memory: its header, one Arrow array per column, and typed
//! access to them with errors that name the file, line and column (the CSV
//! reader that makes one a chunk of rows at a time is in csv.rs).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, StringArray};

use super::column;
use super::image::shape::ImageShape;
use crate::error::{AekitError, Result};

/// A table read a chunk of rows at a time, so files larger than memory can
/// be processed; each chunk is a [`Table`] sharing the file's header.
pub trait RowChunks {
    /// Column names, in file order.
    fn headers(&self) -> &[String];

    /// Data rows read so far.
    fn rows_read(&self) -> usize;

    /// The next up to `max_rows` rows (at least one), or `None` at the end.
    fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>>;
}

/// A whole table file (CSV, Parquet, an image folder) or a chunk of one:
/// its header and one Arrow array per column, each row remembering its
/// line, so errors name the file, line and column. CSV columns hold the
/// text as read; Parquet columns the file's own types (numbers stay
/// numbers); image folders' pixels are `Float32`. A [`Dataset`] of it is
/// what models read.
///
/// [`Dataset`]: crate::data::Dataset
///
/// ```
/// use aekit::data::{ReadOptions, Table};
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
/// let iris = Table::read(path, &ReadOptions::default())?;
/// assert_eq!(iris.n_rows(), 150);
/// let species = iris.require_column("species", "is the label")?;
/// assert_eq!(iris.cell(0, species), "setosa");
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    /// One array per column, each `n_rows` long, of the types
    /// [`column::is_table_type`] accepts.
    columns: Vec<ArrayRef>,
    n_rows: usize,
    lines: Lines,
    /// The shape of the rows, when they were read from an image folder.
    image_shape: Option<ImageShape>,
}

/// The line (or row number) errors name for each data row.
#[derive(Debug, Clone)]
pub(crate) enum Lines {
    /// Rows numbered on from this one (Parquet, image folders, bodies).
    From(usize),
    /// Each row's own line (CSV, where quoted fields span lines).
    Each(Vec<usize>),
}

pub(crate) fn data_error(path: &Path, row: Option<usize>, message: String) -> AekitError {
    AekitError::Data {
        path: path.to_path_buf(),
        row,
        column: None,
        message,
    }
}

impl Table {
    /// A table of arrays already read (each as long as the first, of the
    /// types [`column::is_table_type`] accepts): `lines` numbers the rows
    /// for errors.
    pub(crate) fn from_columns(
        path: PathBuf,
        headers: Vec<String>,
        columns: Vec<ArrayRef>,
        lines: Lines,
    ) -> Table {
        debug_assert_eq!(headers.len(), columns.len());
        let n_rows = columns.first().map_or(0, |c| c.len());
        debug_assert!(columns.iter().all(|c| c.len() == n_rows));
        debug_assert!(columns.iter().all(|c| column::is_table_type(c.data_type())));
        Table {
            path,
            headers,
            columns,
            n_rows,
            lines,
            image_shape: None,
        }
    }

    /// This table, marked as rows of images of `shape` (an image folder's).
    pub(crate) fn with_image_shape(mut self, shape: ImageShape) -> Table {
        self.image_shape = Some(shape);
        self
    }

    /// The shape of the rows when they were read from an image folder
    /// (which implies it); `None` for CSV and Parquet files.
    pub fn image_shape(&self) -> Option<ImageShape> {
        self.image_shape
    }

    /// A table from text cells already in memory (a request body, another
    /// reader's rows): `name` stands for the file in errors, which number
    /// data rows from 1. Checks the header as a file's (no empty or repeated
    /// names) and that every row is as wide as the header.
    ///
    /// ```
    /// use aekit::data::Table;
    ///
    /// let headers = vec!["a".to_string(), "colour".to_string()];
    /// let rows = vec![vec!["1.5".to_string(), "red".to_string()]];
    /// let table = Table::from_cells("request", headers, rows)?;
    /// assert_eq!((table.n_rows(), table.cell(0, 1).as_ref()), (1, "red"));
    /// # Ok::<(), aekit::AekitError>(())
    /// ```
    pub fn from_cells(
        name: impl Into<PathBuf>,
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    ) -> Result<Table> {
        let path = name.into();
        check_given_table(&path, &headers, rows.len())?;
        for (r, row) in rows.iter().enumerate() {
            if row.len() != headers.len() {
                return Err(data_error(
                    &path,
                    Some(r + 1),
                    format!("has {} cells, the header {}", row.len(), headers.len()),
                ));
            }
        }
        let columns = (0..headers.len())
            .map(|c| {
                Arc::new(
                    rows.iter()
                        .map(|row| Some(row[c].as_str()))
                        .collect::<StringArray>(),
                ) as ArrayRef
            })
            .collect();
        Ok(Table::from_columns(path, headers, columns, Lines::From(1)))
    }

    /// A table of text cells given column by column (each as long as the
    /// first), checked as [`Table::from_cells`] checks rows: what a reader
    /// that already holds columns (the server's JSON bodies) builds
    /// without first cutting them into rows.
    ///
    /// ```
    /// use aekit::data::Table;
    ///
    /// let headers = vec!["a".to_string(), "colour".to_string()];
    /// let columns = vec![vec!["1.5", "2"], vec!["red", "blue"]];
    /// let table = Table::from_text_columns("request", headers, columns)?;
    /// assert_eq!((table.n_rows(), table.cell(1, 1).as_ref()), (2, "blue"));
    /// # Ok::<(), aekit::AekitError>(())
    /// ```
    pub fn from_text_columns<S: AsRef<str>>(
        name: impl Into<PathBuf>,
        headers: Vec<String>,
        columns: Vec<Vec<S>>,
    ) -> Result<Table> {
        let path = name.into();
        let n_rows = columns.first().map_or(0, Vec::len);
        check_given_table(&path, &headers, n_rows)?;
        if columns.len() != headers.len() || columns.iter().any(|c| c.len() != n_rows) {
            return Err(data_error(
                &path,
                None,
                format!(
                    "has {} columns of unequal lengths for {} header names",
                    columns.len(),
                    headers.len()
                ),
            ));
        }
        let columns = columns
            .iter()
            .map(|cells| {
                Arc::new(
                    cells
                        .iter()
                        .map(|c| Some(c.as_ref()))
                        .collect::<StringArray>(),
                ) as ArrayRef
            })
            .collect();
        Ok(Table::from_columns(path, headers, columns, Lines::From(1)))
    }

    /// The file this table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Index of the column called `name`, if any.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Index of the column called `name`, or an error saying `why` it was wanted.
    pub fn require_column(&self, name: &str, why: &str) -> Result<usize> {
        self.column_index(name).ok_or_else(|| AekitError::Column {
            path: self.path.clone(),
            column: name.to_string(),
            reason: format!(
                "{why} is not in the file (it has: {})",
                preview(&self.headers)
            ),
        })
    }

    /// One column's values: text for CSV files and request bodies, the
    /// file's own type for Parquet (integers, floats, booleans, strings),
    /// `Float32` pixels for image folders; a null is a missing value.
    pub fn column(&self, column: usize) -> &ArrayRef {
        &self.columns[column]
    }

    /// The text of one cell: as written for text columns; for numbers the
    /// shortest text that reads back to the same value, booleans as 1 and
    /// 0; a missing value (null) is empty.
    pub fn cell(&self, row: usize, column: usize) -> Cow<'_, str> {
        column::cell_text(self.columns[column].as_ref(), row)
    }

    /// The line in the file holding data row `row` (the header is line 1;
    /// Parquet files, image folders and bodies number data rows from 1).
    pub fn line_of(&self, row: usize) -> usize {
        match &self.lines {
            Lines::From(first) => first + row,
            Lines::Each(lines) => lines[row],
        }
    }

    /// Whether a column holds numbers: a numeric column with a value; a
    /// text column where at least as many of its non-empty cells parse as
    /// numbers as do not. A numeric column's stray text cell is then an
    /// error to report, not a reason to drop the column silently.
    pub fn is_numeric(&self, column: usize) -> bool {
        column::is_numeric(self.columns[column].as_ref())
    }

    /// Whether every cell of a column is empty (or null).
    pub fn is_all_empty(&self, column: usize) -> bool {
        let array = self.columns[column].as_ref();
        array.null_count() == array.len()
            || (0..array.len()).all(|r| array.is_null(r) || column::cell_text(array, r).is_empty())
    }

    /// The given columns as a row-major `f32` matrix, failing on the first
    /// (in row order) empty, non-numeric or non-finite cell. Numeric
    /// columns are read as numbers, text columns parsed.
    pub fn numeric_matrix(&self, columns: &[usize]) -> Result<Vec<f32>> {
        let mut out = vec![0.0; self.n_rows * columns.len()];
        self.fill_numbers(columns, columns.len(), &mut out)?;
        Ok(out)
    }

    /// Writes the given columns into the first `columns.len()` places of
    /// each `width`-wide row of `out` (row-major, `n_rows` rows), in blocks
    /// of rows small enough that the writes stay in cache. Called on a
    /// rayon pool's thread (a model's, [`crate::Autoencoder`] runs it
    /// there), the blocks are spread over that pool, so text is parsed in
    /// parallel; elsewhere they are read in turn, never taking over a
    /// host's global pool. The error names the first bad cell in row
    /// order, as a row-by-row read would.
    pub(crate) fn fill_numbers(
        &self,
        columns: &[usize],
        width: usize,
        out: &mut [f32],
    ) -> Result<()> {
        use rayon::prelude::*;
        const BLOCK: usize = 256;
        debug_assert!(columns.len() <= width && out.len() == self.n_rows * width);
        if width == 0 || columns.is_empty() {
            return Ok(());
        }
        // A block's first bad cell in row order: (row, place, column).
        let fill_block = |(b, block): (usize, &mut [f32])| {
            let (start, n) = (b * BLOCK, block.len() / width);
            let mut first: Option<(usize, usize, usize)> = None;
            for (j, &c) in columns.iter().enumerate() {
                let array = self.columns[c].as_ref();
                if let Err(row) = column::fill_f32(array, start, n, &mut block[j..], width)
                    && first.is_none_or(|(r, _, _)| row < r)
                {
                    first = Some((row, j, c));
                }
            }
            first
        };
        let first_bad = if rayon::current_thread_index().is_some() {
            out.par_chunks_mut(BLOCK * width)
                .enumerate()
                .filter_map(fill_block)
                .min_by_key(|&(row, j, _)| (row, j))
        } else {
            out.chunks_mut(BLOCK * width)
                .enumerate()
                .find_map(fill_block)
        };
        match first_bad {
            Some((row, _, c)) => {
                Err(self.cell_error(row, c, column::refusal(self.columns[c].as_ref(), row)))
            }
            None => Ok(()),
        }
    }

    /// The value of one cell as the models' `f32`, or an error naming it.
    pub(crate) fn value(&self, row: usize, column: usize) -> Result<f32> {
        column::value_f32(self.columns[column].as_ref(), row)
            .map_err(|message| self.cell_error(row, column, message))
    }

    /// An error about one cell: the file, its line and the column's name.
    pub(crate) fn cell_error(&self, row: usize, column: usize, message: String) -> AekitError {
        AekitError::Data {
            path: self.path.clone(),
            row: Some(self.line_of(row)),
            column: self.headers.get(column).cloned(),
            message,
        }
    }
}

/// An error unless a table given in memory as `path` has columns, valid
/// header names and rows (`n_rows`), in that order of checks.
fn check_given_table(path: &Path, headers: &[String], n_rows: usize) -> Result<()> {
    if headers.is_empty() {
        return Err(data_error(path, None, "has no columns".into()));
    }
    check_header_names(path, headers)?;
    if n_rows == 0 {
        return Err(data_error(path, None, "has no data rows".into()));
    }
    Ok(())
}

/// The first few names of a list, for error messages.
pub(super) fn preview(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!(
            "{}, ... {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}

pub(crate) fn check_header_names(path: &Path, headers: &[String]) -> Result<()> {
    // A set, not a scan of the names before each: 80 000 columns took 13 s.
    let mut seen = std::collections::HashSet::with_capacity(headers.len());
    for (i, name) in headers.iter().enumerate() {
        if name.is_empty() {
            return Err(AekitError::Data {
                path: path.to_path_buf(),
                row: Some(1),
                column: None,
                message: format!("header field {} is empty", i + 1),
            });
        }
        if !seen.insert(name.as_str()) {
            return Err(AekitError::Data {
                path: path.to_path_buf(),
                row: Some(1),
                column: Some(name.clone()),
                message: "column name appears twice in the header".to_string(),
            });
        }
    }
    Ok(())
}

pub(super) fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_string(),
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::ReadOptions;
    use std::io::Write;

    fn write(text: &str, ext: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn cells_in_memory_are_checked_as_a_file_is() {
        let h = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let t = Table::from_cells("body", h(&["a", "b"]), vec![h(&["1", "x"]), h(&["2", "y"])])
            .unwrap();
        assert_eq!(
            (t.n_rows(), t.cell(1, 1).as_ref(), t.line_of(1)),
            (2, "y", 2)
        );
        let ragged = Table::from_cells("body", h(&["a", "b"]), vec![h(&["1", "x"]), h(&["2"])]);
        assert!(ragged.unwrap_err().to_string().contains("body, row 2"));
        let twice = Table::from_cells("body", h(&["a", "a"]), vec![h(&["1", "2"])]);
        assert!(twice.unwrap_err().to_string().contains("appears twice"));
        assert!(Table::from_cells("body", h(&["a"]), vec![]).is_err());
        assert!(Table::from_cells("body", vec![], vec![vec![]]).is_err());
    }

    #[test]
    fn reads_quoted_fields_and_tsv() {
        let f = write("a,\"b,c\"\n1,\"x, y\"\n", ".csv");
        let t = Table::read(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(t.headers(), &["a", "b,c"]);
        assert_eq!(t.cell(0, 1), "x, y");
        let f = write("a\tb\n1\t2\n", ".tsv");
        let t = Table::read(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(t.numeric_matrix(&[0, 1]).unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn fields_are_trimmed_and_blank_lines_skipped() {
        let f = write(" a , b\n 1 ,\u{a0}x\t\n   \n\" 2 \",y\n", ".csv");
        let t = Table::read(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(t.headers(), &["a", "b"]);
        assert_eq!([t.cell(0, 0), t.cell(0, 1), t.cell(1, 0)], ["1", "x", "2"]);
        assert_eq!((t.n_rows(), t.line_of(1)), (2, 4));
        assert_eq!(t.numeric_matrix(&[0]).unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn reports_line_and_column_of_bad_cells() {
        let f = write("a,b\n1,2\n3,oops\n", ".csv");
        let t = Table::read(f.path(), &ReadOptions::default()).unwrap();
        let e = t.numeric_matrix(&[0, 1]).unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("column 'b'"), "{e}");
        let f = write("a,b\n1,NaN\n", ".csv");
        let t = Table::read(f.path(), &ReadOptions::default()).unwrap();
        let e = t.numeric_matrix(&[1]).unwrap_err().to_string();
        assert!(e.contains("not finite"), "{e}");
    }

    #[test]
    fn rejects_empty_header_only_and_ragged() {
        let e = Table::read(write("", ".csv").path(), &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = Table::read(write("a,b\n", ".csv").path(), &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
        let e = Table::read(
            write("a,b\n1,2\n3\n", ".csv").path(),
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("row 3"), "{e}");
    }

    #[test]
    fn numeric_detection_uses_the_majority_of_cells() {
        let f = write("a,b\nx,1\ny,oops\nz,3\n", ".csv");
        let t = Table::read(f.path(), &ReadOptions::default()).unwrap();
        assert!(!t.is_numeric(0));
        assert!(t.is_numeric(1));
    }
}
