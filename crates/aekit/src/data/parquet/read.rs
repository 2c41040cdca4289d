//! Reading Parquet through arrow (writing is [`super::write`]).
//! The decoded arrays become a [`Table`]'s columns as they are: integers,
//! floats of any width, booleans and strings (plain, large or view) stay
//! typed, so numbers reach the models without text ([`crate::data::column`]
//! shows them as text the shortest way that reads back to the same value,
//! so a Parquet file and its CSV copy give the same cells and matrices);
//! dictionary-encoded columns become their text. A null is a missing
//! value, as an empty CSV cell is (imputed, or refused with the file, row
//! and column: see [`MissingPolicy`](crate::data::MissingPolicy)). Rows are numbered from 1, the first data row. Reading goes
//! a batch at a time, row group by row group.
//!
//! The parquet crate can panic on some corrupt files (fuzzing found a data
//! page that claims dictionary encoding without a dictionary page, in
//! parquet 60.1): every call into its decoder goes through [`guarded`],
//! which turns such a panic into an error naming the file. Its footer
//! decoding can also spin for seconds on a small lying footer, and its page
//! decoding for minutes on a lying page header, or allocate gigabytes for
//! a lying dictionary page: the footer is checked first
//! ([`super::guard::footer`]), then every page header
//! ([`super::guard::pages`]), before any page is decoded.

use std::cell::Cell;
use std::fs::File;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema as ArrowSchema};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::ParquetMetaData;

use super::guard::footer;
use super::guard::pages::{Source, check_pages};
use crate::data::column;
use crate::data::table::{Lines, RowChunks, Table, check_header_names, data_error};
use crate::error::{AekitError, Result};

/// Rows decoded per arrow batch.
const BATCH_ROWS: usize = 8192;

/// Reads a Parquet file a chunk of rows at a time; each chunk is a
/// [`Table`] sharing the file's header.
pub struct ParquetChunks {
    path: PathBuf,
    headers: Vec<String>,
    reader: ParquetRecordBatchReader,
    pending: Option<RecordBatch>,
    rows_read: usize,
    /// Set once the decoder has failed: it is not called again.
    failed: bool,
}

impl std::fmt::Debug for ParquetChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetChunks")
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("rows_read", &self.rows_read)
            .finish_non_exhaustive()
    }
}

impl ParquetChunks {
    /// Opens `path` and checks its footer and schema.
    pub fn open(path: impl AsRef<Path>) -> Result<ParquetChunks> {
        let path = path.as_ref();
        let mut file = File::open(path).map_err(|e| AekitError::io(path, e))?;
        let length = file.metadata().map_err(|e| AekitError::io(path, e))?;
        if length.is_dir() {
            return Err(AekitError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            ));
        }
        footer::check_file(path, &mut file, length.len())?;
        let mut pages = file.try_clone().map_err(|e| AekitError::io(path, e))?;
        let builder = guarded(path, || ParquetRecordBatchReaderBuilder::try_new(file))?
            .map_err(|e| not_parquet(path, &e))?;
        let metadata = builder.metadata().clone();
        let schema = builder.schema().clone();
        Self::start(
            path,
            length.len(),
            &metadata,
            &schema,
            builder,
            Source::File(&mut pages),
        )
    }

    /// Reads Parquet held in memory (standard input, tests), naming it
    /// `path` in errors.
    pub fn from_bytes(path: &Path, data: Vec<u8>) -> Result<ParquetChunks> {
        let length = data.len() as u64;
        footer::check_bytes(path, &data)?;
        let data = bytes::Bytes::from(data);
        let builder = guarded(path, || {
            ParquetRecordBatchReaderBuilder::try_new(data.clone())
        })?
        .map_err(|e| not_parquet(path, &e))?;
        let metadata = builder.metadata().clone();
        let schema = builder.schema().clone();
        Self::start(
            path,
            length,
            &metadata,
            &schema,
            builder,
            Source::Bytes(&data),
        )
    }

    fn start<T: parquet::file::reader::ChunkReader + 'static>(
        path: &Path,
        length: u64,
        metadata: &ParquetMetaData,
        schema: &ArrowSchema,
        builder: ParquetRecordBatchReaderBuilder<T>,
        pages: Source<'_>,
    ) -> Result<ParquetChunks> {
        check_layout(path, length, metadata)?;
        if schema.fields().is_empty() {
            return Err(data_error(path, None, "the file has no columns".into()));
        }
        let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        check_header_names(path, &headers)?;
        for field in schema.fields() {
            if !readable(field.data_type()) {
                return Err(AekitError::Data {
                    path: path.to_path_buf(),
                    row: None,
                    column: Some(field.name().clone()),
                    message: format!(
                        "has type {}, which aekit cannot read (it reads integers, floats, \
                         booleans and strings)",
                        field.data_type()
                    ),
                });
            }
        }
        check_pages(path, pages, metadata)?;
        let reader = guarded(path, || builder.with_batch_size(BATCH_ROWS).build())?
            .map_err(|e| not_parquet(path, &e))?;
        Ok(ParquetChunks {
            path: path.to_path_buf(),
            headers,
            reader,
            pending: None,
            rows_read: 0,
            failed: false,
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

    /// The next up to `max_rows` rows, or `None` at the end of the file:
    /// the decoded arrays as they are (joined when the rows span batches),
    /// dictionary columns turned into their text.
    pub fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>> {
        let max_rows = max_rows.max(1);
        let mut pieces: Vec<RecordBatch> = Vec::new();
        let mut rows = 0usize;
        while rows < max_rows {
            if self.failed {
                break;
            }
            let batch = match self.pending.take() {
                Some(b) => b,
                None => match guarded(&self.path, || self.reader.next()).inspect_err(|_| {
                    self.failed = true;
                })? {
                    None => break,
                    Some(Ok(b)) => b,
                    Some(Err(e)) => {
                        self.failed = true;
                        return Err(data_error(
                            &self.path,
                            None,
                            format!("unreadable Parquet data after row {}: {e}", self.rows_read),
                        ));
                    }
                },
            };
            let want = max_rows - rows;
            let batch = if batch.num_rows() > want {
                self.pending = Some(batch.slice(want, batch.num_rows() - want));
                batch.slice(0, want)
            } else {
                batch
            };
            if batch.num_columns() != self.headers.len() {
                return Err(data_error(
                    &self.path,
                    None,
                    "a row group's columns do not match the schema".into(),
                ));
            }
            if batch.num_rows() == 0 {
                continue;
            }
            rows += batch.num_rows();
            self.rows_read += batch.num_rows();
            pieces.push(batch);
        }
        if pieces.is_empty() {
            return Ok(None);
        }
        let columns = (0..self.headers.len())
            .map(|c| {
                let parts: Vec<ArrayRef> = pieces
                    .iter()
                    .map(|b| table_array(b.column(c)))
                    .collect::<std::result::Result<_, String>>()
                    .map_err(|message| self.column_error(c, message))?;
                if parts.len() == 1 {
                    return Ok(parts[0].clone());
                }
                let parts: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
                arrow_select::concat::concat(&parts)
                    .map_err(|e| self.column_error(c, e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Table::from_columns(
            self.path.clone(),
            self.headers.clone(),
            columns,
            Lines::From(self.rows_read - rows + 1),
        )))
    }

    fn column_error(&self, column: usize, message: String) -> AekitError {
        AekitError::Data {
            path: self.path.clone(),
            row: None,
            column: Some(self.headers[column].clone()),
            message,
        }
    }
}

/// A decoded column as a table holds it: as it is, or a dictionary
/// column's text (labels and ids are what dictionaries hold).
fn table_array(array: &ArrayRef) -> std::result::Result<ArrayRef, String> {
    if column::is_table_type(array.data_type()) {
        return Ok(array.clone());
    }
    let cells = cells(array.as_ref())?;
    Ok(Arc::new(arrow_array::StringArray::from(cells)))
}

impl RowChunks for ParquetChunks {
    fn headers(&self) -> &[String] {
        ParquetChunks::headers(self)
    }

    fn rows_read(&self) -> usize {
        ParquetChunks::rows_read(self)
    }

    fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>> {
        ParquetChunks::next_chunk(self, max_rows)
    }
}

thread_local! {
    /// Whether this thread is inside [`guarded`]: its panics are caught
    /// and reported as errors, so the panic hook stays quiet.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs one call into the parquet crate, turning a panic in it into a
/// corrupt-file error. The first call wraps the process's panic hook so
/// that panics caught here print nothing; every other panic goes to the
/// previous hook as before.
fn guarded<T>(path: &Path, call: impl FnOnce() -> T) -> Result<T> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(call));
    GUARDED.with(|g| g.set(outer));
    result.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        data_error(
            path,
            None,
            format!("corrupt Parquet file (the Parquet decoder failed: {what})"),
        )
    })
}

fn not_parquet(path: &Path, e: &parquet::errors::ParquetError) -> AekitError {
    data_error(path, None, format!("not a readable Parquet file: {e}"))
}

/// Refuses metadata that points outside the file or declares more than a
/// file of this size could hold, before any column is decoded, so a lying
/// footer cannot make the decoder allocate for data that is not there.
fn check_layout(path: &Path, length: u64, metadata: &ParquetMetaData) -> Result<()> {
    let bad = |message: String| data_error(path, None, format!("corrupt Parquet file: {message}"));
    for (g, group) in metadata.row_groups().iter().enumerate() {
        if group.num_rows() < 0 {
            return Err(bad(format!("row group {g} has a negative row count")));
        }
        for column in group.columns() {
            // `byte_range` asserts these are not negative.
            let start = column
                .dictionary_page_offset()
                .unwrap_or_else(|| column.data_page_offset());
            if start < 0 || column.compressed_size() < 0 {
                return Err(bad(format!(
                    "row group {g}, column '{}' has a negative offset or size",
                    column.column_path()
                )));
            }
            let (start, len) = column.byte_range();
            if start.checked_add(len).is_none_or(|end| end > length) {
                return Err(bad(format!(
                    "row group {g}, column '{}' lies outside the file",
                    column.column_path()
                )));
            }
        }
    }
    if metadata.file_metadata().num_rows() < 0 {
        return Err(bad("negative row count".into()));
    }
    Ok(())
}

/// Whether a column of this type can become table cells: a table type,
/// or a dictionary of one (read as its values).
fn readable(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(_, values) => readable(values),
        other => column::is_table_type(other),
    }
}

/// One column's cells as text; a null is an empty cell. A table type's
/// cells read as the table reads them ([`column::cell_text`]); a
/// dictionary's keys pick among its values' texts.
fn cells(array: &dyn Array) -> std::result::Result<Vec<String>, String> {
    if column::is_table_type(array.data_type()) {
        return Ok((0..array.len())
            .map(|row| column::cell_text(array, row).into_owned())
            .collect());
    }
    Ok(match array.data_type() {
        DataType::Dictionary(_, _) => {
            let dict = array
                .as_any_dictionary_opt()
                .ok_or_else(|| format!("unreadable dictionary column ({})", array.data_type()))?;
            let values = cells(dict.values().as_ref())?;
            if values.is_empty() {
                // Every key must then be null.
                if array.null_count() == array.len() {
                    return Ok(vec![String::new(); array.len()]);
                }
                return Err("dictionary keys point into an empty dictionary".into());
            }
            let keys = dict.normalized_keys();
            let nulls = array.logical_nulls();
            keys.iter()
                .enumerate()
                .map(|(i, &k)| {
                    if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                        Ok(String::new())
                    } else {
                        values
                            .get(k)
                            .cloned()
                            .ok_or_else(|| "dictionary key out of range".to_string())
                    }
                })
                .collect::<std::result::Result<_, String>>()?
        }
        other => return Err(format!("has type {other}, which aekit cannot read")),
    })
}

#[cfg(test)]
mod tests;
