//! A CSV file read into memory: its header, its records, and typed access to
//! columns with errors that name the file, line and column.

use std::path::{Path, PathBuf};

use super::format::TableFormat;
use super::image_folder::ImageSize;
use super::image_shape::ImageShape;
use super::source::{self, RowChunks};
use crate::error::{AekitError, Result};

/// How to read a table file: CSV (plain, gzip or stdin) or Parquet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter; `None` picks tab for `.tsv` (and `.tsv.gz`) files
    /// and comma otherwise.
    pub delimiter: Option<u8>,
    /// The file format; `None` takes it from the extension
    /// ([`TableFormat::of_path`]).
    pub format: Option<TableFormat>,
    /// For an image folder: resize every image to this size (bilinear)
    /// instead of requiring them all to have the first one's size.
    pub resize: Option<ImageSize>,
}

impl CsvOptions {
    fn delimiter_for(&self, path: &Path) -> u8 {
        self.delimiter.unwrap_or_else(|| {
            let name = path.to_string_lossy().to_ascii_lowercase();
            if name.ends_with(".tsv") || name.ends_with(".tsv.gz") {
                b'\t'
            } else {
                b','
            }
        })
    }
}

/// A whole CSV file: header plus records, each record remembering its
/// line, so errors name the file, line and column. A [`Dataset`] of it is
/// what models read.
///
/// [`Dataset`]: crate::data::Dataset
///
/// ```
/// use aekit::data::{CsvOptions, Table};
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
/// let iris = Table::read(path, &CsvOptions::default())?;
/// assert_eq!(iris.n_rows(), 150);
/// let species = iris.require_column("species", "is the label")?;
/// assert_eq!(iris.cell(0, species), "setosa");
/// # Ok::<(), aekit::AekitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    records: Vec<csv::StringRecord>,
    lines: Vec<usize>,
    /// The shape of the rows, when they were read from an image folder.
    image_shape: Option<ImageShape>,
}

/// Reads a CSV file a chunk of rows at a time, so files larger than memory
/// can be processed; each chunk is a [`Table`] sharing the file's header.
pub struct CsvChunks {
    path: PathBuf,
    headers: Vec<String>,
    reader: csv::Reader<Box<dyn std::io::Read>>,
    record: csv::StringRecord,
    rows_read: usize,
}

impl CsvChunks {
    /// Opens `path` as CSV (`-` is standard input, `.gz` is gzip) and checks
    /// its header.
    pub fn open(path: impl AsRef<Path>, options: &CsvOptions) -> Result<CsvChunks> {
        let path = path.as_ref();
        let input = source::open_input(path)?;
        CsvChunks::from_reader(
            &source::display_path(path),
            input,
            options.delimiter_for(path),
        )
    }

    /// Reads CSV from `input`, naming it `path` in errors, and checks its header.
    pub fn from_reader(
        path: &Path,
        input: Box<dyn std::io::Read>,
        delimiter: u8,
    ) -> Result<CsvChunks> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let header_record = reader
            .headers()
            .map_err(|e| data_error(path, Some(1), csv_message(&e)))?
            .clone();
        if header_record.is_empty() || (header_record.len() == 1 && header_record[0].is_empty()) {
            return Err(data_error(
                path,
                None,
                "the file is empty (no header row)".into(),
            ));
        }
        let headers: Vec<String> = header_record.iter().map(str::to_string).collect();
        check_header_names(path, &headers)?;
        Ok(CsvChunks {
            path: path.to_path_buf(),
            headers,
            reader,
            record: csv::StringRecord::new(),
            rows_read: 0,
        })
    }

    /// Column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Data rows read so far.
    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    /// The next up to `max_rows` rows, or `None` at the end of the file.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>> {
        let mut records = Vec::new();
        let mut lines = Vec::new();
        while records.len() < max_rows {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line() as usize);
                    // Bytes that are not UTF-8 lie in one field: name its column.
                    let column = match e.kind() {
                        csv::ErrorKind::Utf8 { err, .. } => self.headers.get(err.field()).cloned(),
                        _ => None,
                    };
                    return Err(AekitError::Data {
                        path: self.path.clone(),
                        row: line,
                        column,
                        message: csv_message(&e),
                    });
                }
            }
            let line = self
                .record
                .position()
                .map(|p| p.line() as usize)
                .unwrap_or(self.rows_read + 2);
            // A blank line reads as one empty field: skip it as pandas does.
            if self.record.len() == 1 && self.record[0].is_empty() && self.headers.len() > 1 {
                continue;
            }
            if self.record.len() != self.headers.len() {
                return Err(data_error(
                    &self.path,
                    Some(line),
                    format!(
                        "has {} fields but the header has {}",
                        self.record.len(),
                        self.headers.len()
                    ),
                ));
            }
            records.push(self.record.clone());
            lines.push(line);
            self.rows_read += 1;
        }
        if records.is_empty() {
            return Ok(None);
        }
        Ok(Some(Table::from_parts(
            self.path.clone(),
            self.headers.clone(),
            records,
            lines,
        )))
    }
}

impl RowChunks for CsvChunks {
    fn headers(&self) -> &[String] {
        CsvChunks::headers(self)
    }

    fn rows_read(&self) -> usize {
        CsvChunks::rows_read(self)
    }

    fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>> {
        CsvChunks::next_chunk(self, max_rows)
    }
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
    /// Reads `path` (CSV, gzip CSV, `-` for standard input, or Parquet; see
    /// [`CsvOptions::format`]), checking that it has a header, at least one
    /// data row and no ragged rows.
    pub fn read(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Table> {
        let path = path.as_ref();
        let mut chunks = source::open_chunks(path, options)?;
        chunks.next_chunk(usize::MAX)?.ok_or_else(|| {
            data_error(
                &source::display_path(path),
                None,
                "has a header but no data rows".to_string(),
            )
        })
    }

    /// A table from cells already read: `lines[r]` is the row number that
    /// errors name for data row `r`.
    pub(crate) fn from_parts(
        path: PathBuf,
        headers: Vec<String>,
        records: Vec<csv::StringRecord>,
        lines: Vec<usize>,
    ) -> Table {
        Table {
            path,
            headers,
            records,
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
    /// assert_eq!((table.n_rows(), table.cell(0, 1)), (1, "red"));
    /// # Ok::<(), aekit::AekitError>(())
    /// ```
    pub fn from_cells(
        name: impl Into<PathBuf>,
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    ) -> Result<Table> {
        let path = name.into();
        if headers.is_empty() {
            return Err(data_error(&path, None, "has no columns".into()));
        }
        check_header_names(&path, &headers)?;
        if rows.is_empty() {
            return Err(data_error(&path, None, "has no data rows".into()));
        }
        let mut records = Vec::with_capacity(rows.len());
        for (r, row) in rows.into_iter().enumerate() {
            if row.len() != headers.len() {
                return Err(data_error(
                    &path,
                    Some(r + 1),
                    format!("has {} cells, the header {}", row.len(), headers.len()),
                ));
            }
            records.push(csv::StringRecord::from(row));
        }
        let lines = (1..=records.len()).collect();
        Ok(Table::from_parts(path, headers, records, lines))
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
        self.records.len()
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

    /// The raw text of one cell.
    pub fn cell(&self, row: usize, column: usize) -> &str {
        &self.records[row][column]
    }

    /// The line in the file holding data row `row` (the header is line 1).
    pub fn line_of(&self, row: usize) -> usize {
        self.lines[row]
    }

    /// Whether a column holds numbers: at least as many of its non-empty cells
    /// parse as numbers as do not. A numeric column's stray text cell is then
    /// an error to report, not a reason to drop the column silently.
    pub fn is_numeric(&self, column: usize) -> bool {
        let (mut numeric, mut text) = (0usize, 0usize);
        for record in &self.records {
            let cell = &record[column];
            if cell.is_empty() {
                continue;
            }
            if cell.parse::<f64>().is_ok() {
                numeric += 1;
            } else {
                text += 1;
            }
        }
        numeric > 0 && numeric >= text
    }

    /// Parses the given columns into a row-major `f32` matrix, failing on the
    /// first empty, non-numeric or non-finite cell.
    pub fn numeric_matrix(&self, columns: &[usize]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(self.records.len() * columns.len());
        for (row, record) in self.records.iter().enumerate() {
            for &column in columns {
                out.push(
                    parse_cell(&record[column]).map_err(|message| AekitError::Data {
                        path: self.path.clone(),
                        row: Some(self.lines[row]),
                        column: Some(self.headers[column].clone()),
                        message,
                    })? as f32,
                );
            }
        }
        Ok(out)
    }
}

/// The first few names of a list, for error messages.
fn preview(names: &[String]) -> String {
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

/// Parses one numeric cell, explaining a refusal.
pub(crate) fn parse_cell(cell: &str) -> std::result::Result<f64, String> {
    if cell.is_empty() {
        return Err("empty cell (missing value)".to_string());
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => {
            if v.abs() > f32::MAX as f64 {
                Err(format!("value '{cell}' is too large for 32-bit floats"))
            } else {
                Ok(v)
            }
        }
        Ok(_) => Err(format!("value '{cell}' is not finite (NaN or infinity)")),
        Err(_) => Err(format!("value '{cell}' is not a number")),
    }
}

pub(crate) fn check_header_names(path: &Path, headers: &[String]) -> Result<()> {
    for (i, name) in headers.iter().enumerate() {
        if name.is_empty() {
            return Err(AekitError::Data {
                path: path.to_path_buf(),
                row: Some(1),
                column: None,
                message: format!("header field {} is empty", i + 1),
            });
        }
        if headers[..i].contains(name) {
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

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_string(),
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!((t.n_rows(), t.cell(1, 1), t.line_of(1)), (2, "y", 2));
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
        let t = Table::read(f.path(), &CsvOptions::default()).unwrap();
        assert_eq!(t.headers(), &["a", "b,c"]);
        assert_eq!(t.cell(0, 1), "x, y");
        let f = write("a\tb\n1\t2\n", ".tsv");
        let t = Table::read(f.path(), &CsvOptions::default()).unwrap();
        assert_eq!(t.numeric_matrix(&[0, 1]).unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn reports_line_and_column_of_bad_cells() {
        let f = write("a,b\n1,2\n3,oops\n", ".csv");
        let t = Table::read(f.path(), &CsvOptions::default()).unwrap();
        let e = t.numeric_matrix(&[0, 1]).unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("column 'b'"), "{e}");
        let f = write("a,b\n1,NaN\n", ".csv");
        let t = Table::read(f.path(), &CsvOptions::default()).unwrap();
        let e = t.numeric_matrix(&[1]).unwrap_err().to_string();
        assert!(e.contains("not finite"), "{e}");
    }

    #[test]
    fn rejects_empty_header_only_and_ragged() {
        let e = Table::read(write("", ".csv").path(), &CsvOptions::default()).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = Table::read(write("a,b\n", ".csv").path(), &CsvOptions::default()).unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
        let e = Table::read(
            write("a,b\n1,2\n3\n", ".csv").path(),
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("row 3"), "{e}");
    }

    #[test]
    fn numeric_detection_uses_the_majority_of_cells() {
        let f = write("a,b\nx,1\ny,oops\nz,3\n", ".csv");
        let t = Table::read(f.path(), &CsvOptions::default()).unwrap();
        assert!(!t.is_numeric(0));
        assert!(t.is_numeric(1));
    }
}
