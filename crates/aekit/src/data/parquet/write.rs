//! Writing result tables as Parquet through arrow: typed columns
//! (`Float32`, `Int64`, `Utf8`, as [`ColumnKind`] says), snappy, row groups
//! of [`ROW_GROUP_ROWS`] rows.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use parquet::arrow::ArrowWriter;

use crate::data::column::{ColumnKind, cell_text};

/// Rows per record batch handed to the writer. The writer cuts pages
/// within a batch, so the bytes of a file depend on it: written as 8192
/// rows since Parquet output began, keep it.
const BATCH_ROWS: usize = 8192;

/// Buffers rows and writes them as Parquet record batches of
/// [`BATCH_ROWS`] rows: [`ColumnKind::Float32`] and [`ColumnKind::Int64`]
/// columns as those types (from typed arrays as they are, from text cells
/// parsed; an empty cell is a null), [`ColumnKind::Utf8`] columns as text
/// (numbers as a table's cells show them, a null as an empty string).
pub(crate) struct ParquetSink<W: std::io::Write + Send> {
    writer: ArrowWriter<W>,
    schema: Arc<ArrowSchema>,
    columns: Vec<ColumnBuffer>,
    buffered: usize,
}

enum ColumnBuffer {
    Float32(Vec<Option<f32>>),
    Int64(Vec<Option<i64>>),
    Utf8(Vec<Option<String>>),
}

impl ColumnBuffer {
    /// Appends rows `start..end` of `array`.
    fn extend(&mut self, array: &dyn Array, start: usize, end: usize) -> std::io::Result<()> {
        let valid = |i: usize| !array.is_null(i);
        match (self, array.data_type()) {
            (ColumnBuffer::Float32(v), DataType::Float32) => {
                let a = array.as_primitive::<Float32Type>();
                // A NaN as its text would have read back: the one quiet NaN.
                let plain = |x: f32| if x.is_nan() { f32::NAN } else { x };
                v.extend((start..end).map(|i| valid(i).then(|| plain(a.value(i)))));
            }
            (ColumnBuffer::Int64(v), DataType::Int64) => {
                let a = array.as_primitive::<Int64Type>();
                v.extend((start..end).map(|i| valid(i).then(|| a.value(i))));
            }
            (ColumnBuffer::Utf8(v), _) => {
                v.extend((start..end).map(|i| Some(cell_text(array, i).into_owned())));
            }
            (column, _) => {
                for i in start..end {
                    column.push_text(&cell_text(array, i))?;
                }
            }
        }
        Ok(())
    }

    /// Appends one text cell, parsed for a numeric column.
    fn push_text(&mut self, cell: &str) -> std::io::Result<()> {
        let bad = || std::io::Error::other(format!("cell '{cell}' is not a number"));
        match self {
            ColumnBuffer::Float32(v) => v.push(if cell.is_empty() {
                None
            } else {
                Some(cell.parse().map_err(|_| bad())?)
            }),
            ColumnBuffer::Int64(v) => v.push(if cell.is_empty() {
                None
            } else {
                Some(cell.parse().map_err(|_| bad())?)
            }),
            ColumnBuffer::Utf8(v) => v.push(Some(cell.to_string())),
        }
        Ok(())
    }
}

impl<W: std::io::Write + Send> ParquetSink<W> {
    /// Starts a file with these columns.
    pub(crate) fn new(
        out: W,
        header: &[String],
        kinds: &[ColumnKind],
    ) -> std::io::Result<ParquetSink<W>> {
        let fields: Vec<Field> = header
            .iter()
            .zip(kinds)
            .map(|(name, kind)| {
                let t = match kind {
                    ColumnKind::Float32 => DataType::Float32,
                    ColumnKind::Int64 => DataType::Int64,
                    ColumnKind::Utf8 => DataType::Utf8,
                };
                Field::new(name, t, true)
            })
            .collect();
        let schema = Arc::new(ArrowSchema::new(fields));
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(io_error)?;
        let columns = kinds
            .iter()
            .map(|k| match k {
                ColumnKind::Float32 => ColumnBuffer::Float32(Vec::new()),
                ColumnKind::Int64 => ColumnBuffer::Int64(Vec::new()),
                ColumnKind::Utf8 => ColumnBuffer::Utf8(Vec::new()),
            })
            .collect();
        Ok(ParquetSink {
            writer,
            schema,
            columns,
            buffered: 0,
        })
    }

    /// Adds one row of text cells; they match the header.
    pub(crate) fn push<S: AsRef<str>>(&mut self, row: &[S]) -> std::io::Result<()> {
        if row.len() != self.columns.len() {
            return Err(std::io::Error::other(format!(
                "a row of {} cells for {} columns",
                row.len(),
                self.columns.len()
            )));
        }
        for (column, cell) in self.columns.iter_mut().zip(row) {
            column.push_text(cell.as_ref())?;
        }
        self.buffered += 1;
        if self.buffered >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Adds the rows of `columns`, one array per column of the header, all
    /// of one length; batches are cut at the same rows as row by row.
    pub(crate) fn push_columns(&mut self, columns: &[ArrayRef]) -> std::io::Result<()> {
        let rows = check_columns(columns, self.columns.len())?;
        let mut start = 0;
        while start < rows {
            let end = rows.min(start + BATCH_ROWS - self.buffered);
            for (buffer, array) in self.columns.iter_mut().zip(columns) {
                buffer.extend(array.as_ref(), start, end)?;
            }
            self.buffered += end - start;
            start = end;
            if self.buffered >= BATCH_ROWS {
                self.flush_batch()?;
            }
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> std::io::Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    ColumnBuffer::Float32(v) => {
                        Arc::new(arrow_array::Float32Array::from(std::mem::take(v)))
                    }
                    ColumnBuffer::Int64(v) => {
                        Arc::new(arrow_array::Int64Array::from(std::mem::take(v)))
                    }
                    ColumnBuffer::Utf8(v) => {
                        Arc::new(arrow_array::StringArray::from(std::mem::take(v)))
                    }
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.buffered = 0;
        self.writer.write(&batch).map_err(io_error)
    }

    /// Writes the buffered rows and the footer; returns the output.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        self.flush_batch()?;
        self.writer.into_inner().map_err(io_error)
    }
}

/// The rows in `columns`, checking there is one array per column and
/// that they are all that long.
pub(crate) fn check_columns(columns: &[ArrayRef], width: usize) -> std::io::Result<usize> {
    if columns.len() != width {
        return Err(std::io::Error::other(format!(
            "{} columns of values for {width} columns",
            columns.len()
        )));
    }
    let rows = columns.first().map_or(0, |c| c.len());
    if columns.iter().any(|c| c.len() != rows) {
        return Err(std::io::Error::other("columns of values differ in length"));
    }
    Ok(rows)
}

/// Rows per written row group: small enough that the writer's buffer stays
/// a few megabytes, large enough for readers to decode efficiently.
const ROW_GROUP_ROWS: usize = 65_536;

fn io_error(e: parquet::errors::ParquetError) -> std::io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => *io,
                Err(other) => std::io::Error::other(other.to_string()),
            }
        }
        other => std::io::Error::other(other.to_string()),
    }
}
