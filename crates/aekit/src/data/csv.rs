//! The CSV reader that makes a [`Table`] a chunk of rows at a time, so
//! files larger than memory can be processed.

use std::path::{Path, PathBuf};

use arrow_array::ArrayRef;
use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;

use super::input;
use super::table::{Lines, RowChunks, Table, check_header_names, csv_message, data_error};
use crate::error::{AekitError, Result};
use std::sync::Arc;

/// Options of the CSV reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter; `None` picks tab for `.tsv` (and `.tsv.gz`) files
    /// and comma otherwise.
    pub delimiter: Option<u8>,
}

impl CsvOptions {
    /// The delimiter for `path`: the one given, else by its extension.
    pub(super) fn delimiter_for(&self, path: &Path) -> u8 {
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

/// Data rows parsed between reads of the column builders' capacity.
const CSV_CAPACITY_ROWS: usize = 8192;

/// Reads a CSV file a chunk of rows at a time, so files larger than memory
/// can be processed; each chunk is a [`Table`] sharing the file's header.
pub struct CsvChunks {
    path: PathBuf,
    headers: Vec<String>,
    reader: csv::Reader<Box<dyn std::io::Read + Send>>,
    record: csv::StringRecord,
    rows_read: usize,
    /// Each column's text bytes in the last chunk: the next chunk's
    /// arrays are sized from it rather than grown by doubling.
    column_bytes: Vec<usize>,
}

impl CsvChunks {
    /// Opens `path` as CSV (`-` is standard input, `.gz` is gzip) and checks
    /// its header.
    pub fn open(path: impl AsRef<Path>, options: &CsvOptions) -> Result<CsvChunks> {
        let path = path.as_ref();
        let input = input::open_input(path)?;
        CsvChunks::from_reader(
            &input::display_path(path),
            input,
            options.delimiter_for(path),
        )
    }

    /// Reads CSV from `input`, naming it `path` in errors, and checks its header.
    pub fn from_reader(
        path: &Path,
        input: Box<dyn std::io::Read + Send>,
        delimiter: u8,
    ) -> Result<CsvChunks> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            // Fields are trimmed as they are stored (see next_chunk): the
            // reader's own trimming rebuilt every record (a fifth of S2's
            // CSV time).
            .trim(csv::Trim::Headers)
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
            column_bytes: Vec::new(),
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
    /// Each field goes straight into its column's text array (no copy of
    /// the record per row).
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>> {
        let rows_hint = max_rows.min(CSV_CAPACITY_ROWS);
        let mut builders: Vec<StringBuilder> = (0..self.headers.len())
            .map(|c| {
                let bytes = self.column_bytes.get(c).copied();
                StringBuilder::with_capacity(rows_hint, bytes.unwrap_or(rows_hint * 8))
            })
            .collect();
        let mut lines = Vec::new();
        while lines.len() < max_rows {
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
            if self.record.len() == 1 && self.record[0].trim().is_empty() && self.headers.len() > 1
            {
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
            // Trimmed of Unicode whitespace as csv's `Trim::All` trims.
            for (builder, field) in builders.iter_mut().zip(self.record.iter()) {
                builder.append_value(field.trim());
            }
            lines.push(line);
            self.rows_read += 1;
        }
        if lines.is_empty() {
            return Ok(None);
        }
        let columns: Vec<ArrayRef> = builders
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        if lines.len() == rows_hint {
            self.column_bytes = columns
                .iter()
                // An eighth more, so a slightly longer chunk does not double it.
                .map(|c| c.as_string::<i32>().values().len() * 9 / 8)
                .collect();
        }
        Ok(Some(Table::from_columns(
            self.path.clone(),
            self.headers.clone(),
            columns,
            Lines::Each(lines),
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
