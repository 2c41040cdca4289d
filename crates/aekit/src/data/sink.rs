//! Writing result tables row by row in the format the output path asks
//! for: Parquet for `.parquet` / `.pq`, gzip CSV for `.gz`, CSV on standard
//! output for `-`, CSV otherwise. Files are written to a temporary file
//! beside the target and renamed into place by [`TableWriter::finish`], so a
//! failure (or a writer dropped unfinished) leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow_array::ArrayRef;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int64Type};
use arrow_schema::DataType;

use super::column::{ColumnKind, cell_text};
use super::format::{TableFormat, is_gzip, is_stdio};
use super::output::{PendingOutput, csv_io_error};
use super::parquet::write::{ParquetSink, check_columns};
use crate::error::{AekitError, Result};

const BUFFER: usize = 1 << 20;

/// A result table being written; rows go in as typed columns with
/// [`write_columns`](Self::write_columns) (numbers never pass through text
/// on the way to Parquet) or as text cells with
/// [`write_row`](Self::write_row), and [`finish`](Self::finish) makes the
/// file appear.
pub struct TableWriter {
    path: PathBuf,
    /// Columns in the header.
    width: usize,
    out: Sink,
    tmp: Option<PendingOutput>,
}

enum Sink {
    Csv(Box<csv::Writer<TextOut>>),
    Parquet(Box<ParquetSink<BufWriter<File>>>),
}

/// Where CSV bytes go.
enum TextOut {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Stdout(BufWriter<std::io::Stdout>),
}

impl Write for TextOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            TextOut::Plain(w) => w.write(buf),
            TextOut::Gzip(w) => w.write(buf),
            TextOut::Stdout(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            TextOut::Plain(w) => w.flush(),
            TextOut::Gzip(w) => w.flush(),
            TextOut::Stdout(w) => w.flush(),
        }
    }
}

impl TextOut {
    /// Writes what is buffered (and gzip's trailer).
    fn finish(self) -> std::io::Result<()> {
        match self {
            TextOut::Plain(mut w) => w.flush(),
            TextOut::Gzip(w) => w.finish()?.flush(),
            TextOut::Stdout(mut w) => w.flush(),
        }
    }
}

impl TableWriter {
    /// Starts writing `path` (see the module docs for how the path picks
    /// the format) with these column names and kinds.
    pub fn create(path: &Path, header: &[String], kinds: &[ColumnKind]) -> Result<TableWriter> {
        if header.len() != kinds.len() {
            return Err(AekitError::io(
                path,
                std::io::Error::other("internal: column kinds do not match the header"),
            ));
        }
        if is_stdio(path) {
            super::output::check_stdout_open()?;
            let out = TextOut::Stdout(BufWriter::with_capacity(BUFFER, std::io::stdout()));
            let mut writer = TableWriter {
                path: PathBuf::from("<stdout>"),
                width: header.len(),
                out: Sink::Csv(Box::new(csv::Writer::from_writer(out))),
                tmp: None,
            };
            writer.write_header(header)?;
            return Ok(writer);
        }
        let io = |e| AekitError::io(path, e);
        let output = PendingOutput::create(path)?;
        let file = BufWriter::with_capacity(BUFFER, output.file()?);
        let out = match TableFormat::of_path(path) {
            TableFormat::Parquet => {
                Sink::Parquet(Box::new(ParquetSink::new(file, header, kinds).map_err(io)?))
            }
            TableFormat::Csv if is_gzip(path) => {
                Sink::Csv(Box::new(csv::Writer::from_writer(TextOut::Gzip(
                    flate2::write::GzEncoder::new(file, flate2::Compression::default()),
                ))))
            }
            TableFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(TextOut::Plain(file)))),
        };
        let mut writer = TableWriter {
            path: path.to_path_buf(),
            width: header.len(),
            out,
            tmp: Some(output),
        };
        writer.write_header(header)?;
        Ok(writer)
    }

    fn write_header(&mut self, header: &[String]) -> Result<()> {
        if let Sink::Csv(w) = &mut self.out {
            w.write_record(header)
                .map_err(|e| AekitError::io(&self.path, csv_io_error(e)))?;
        }
        Ok(())
    }

    /// Adds one row of cells, as many as the header has columns.
    pub fn write_row<S: AsRef<str>>(&mut self, row: &[S]) -> Result<()> {
        let result = match &mut self.out {
            Sink::Csv(w) => w
                .write_record(row.iter().map(|c| c.as_ref().as_bytes()))
                .map_err(csv_io_error),
            Sink::Parquet(p) => p.push(row),
        };
        result.map_err(|e| AekitError::io(&self.path, e))
    }

    /// Adds rows given as one Arrow array per column of the header, all of
    /// one length: a [`ColumnKind::Float32`] column as `Float32` values, an
    /// [`ColumnKind::Int64`] column as `Int64` values (either may also come
    /// as text cells, parsed for Parquet), a [`ColumnKind::Utf8`] column as
    /// any column a [`Table`](super::Table) holds (numbers written as its
    /// cells show them). A null is an empty cell.
    pub fn write_columns(&mut self, columns: &[ArrayRef]) -> Result<()> {
        let result = match &mut self.out {
            Sink::Csv(w) => write_csv_columns(w, columns, self.width),
            Sink::Parquet(p) => p.push_columns(columns),
        };
        result.map_err(|e| AekitError::io(&self.path, e))
    }

    /// Writes everything out and renames the file into place.
    pub fn finish(self) -> Result<()> {
        let io = |e| AekitError::io(&self.path, e);
        match self.out {
            Sink::Csv(w) => {
                let inner = w.into_inner().map_err(|e| io(e.into_error()))?;
                inner.finish().map_err(io)?;
            }
            Sink::Parquet(p) => {
                p.finish().map_err(io)?.flush().map_err(io)?;
            }
        }
        match self.tmp {
            Some(output) => output.commit(),
            None => Ok(()),
        }
    }
}

/// Writes the rows of `columns` as CSV records, numbers formatted into
/// one reused buffer rather than a string per cell.
fn write_csv_columns(
    w: &mut csv::Writer<TextOut>,
    columns: &[ArrayRef],
    width: usize,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let rows = check_columns(columns, width)?;
    let mut text = String::new();
    for r in 0..rows {
        for array in columns {
            let array = array.as_ref();
            if array.is_null(r) {
                w.write_field(b"").map_err(csv_io_error)?;
                continue;
            }
            match array.data_type() {
                DataType::Float32 => {
                    text.clear();
                    let _ = write!(text, "{}", array.as_primitive::<Float32Type>().value(r));
                    w.write_field(&text)
                }
                DataType::Int64 => {
                    text.clear();
                    let _ = write!(text, "{}", array.as_primitive::<Int64Type>().value(r));
                    w.write_field(&text)
                }
                _ => w.write_field(cell_text(array, r).as_bytes()),
            }
            .map_err(csv_io_error)?;
        }
        w.write_record(None::<&[u8]>).map_err(csv_io_error)?;
    }
    Ok(())
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ReadOptions, Table};

    fn header() -> Vec<String> {
        ["z0", "flag", "id"].map(String::from).to_vec()
    }

    const KINDS: [ColumnKind; 3] = [ColumnKind::Float32, ColumnKind::Int64, ColumnKind::Utf8];

    fn write(path: &Path) {
        let mut w = TableWriter::create(path, &header(), &KINDS).unwrap();
        w.write_row(&["0.5", "1", "a"]).unwrap();
        w.write_row(&["-2", "0", "b,c"]).unwrap();
        w.finish().unwrap();
    }

    #[test]
    fn every_format_reads_back_the_same_cells() {
        let dir = tempfile::tempdir().unwrap();
        let mut tables = Vec::new();
        for name in ["o.csv", "o.csv.gz", "o.parquet", "o.pq"] {
            let path = dir.path().join(name);
            write(&path);
            let t = Table::read(&path, &ReadOptions::default()).unwrap();
            let cells: Vec<Vec<String>> = (0..t.n_rows())
                .map(|r| (0..3).map(|c| t.cell(r, c).to_string()).collect())
                .collect();
            tables.push((t.headers().to_vec(), cells));
        }
        assert!(tables.windows(2).all(|w| w[0] == w[1]), "{tables:?}");
        let gz = std::fs::read(dir.path().join("o.csv.gz")).unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b]);
        let pq = std::fs::read(dir.path().join("o.parquet")).unwrap();
        assert_eq!(&pq[..4], b"PAR1");
    }

    #[test]
    fn an_unfinished_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["o.csv", "o.parquet"] {
            let path = dir.path().join(name);
            let mut w = TableWriter::create(&path, &header(), &KINDS).unwrap();
            w.write_row(&["0.5", "1", "a"]).unwrap();
            drop(w);
            assert!(!path.exists());
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn typed_columns_are_written_typed_and_as_csv_text() {
        use arrow_array::Array;
        use arrow_array::{Float32Array, Float64Array, Int64Array, StringArray};
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Float32Array::from(vec![Some(0.1f32), None, Some(1e-7)])),
            Arc::new(Int64Array::from(vec![1, 0, 1])),
            // A numeric input column copied as text, as its cells read.
            Arc::new(Float64Array::from(vec![0.5, 2.0, 1e-7])),
        ];
        let pq = dir.path().join("o.parquet");
        let mut w = TableWriter::create(&pq, &header(), &KINDS).unwrap();
        w.write_columns(&columns).unwrap();
        w.finish().unwrap();
        let t = Table::read(&pq, &ReadOptions::default()).unwrap();
        let types: Vec<&DataType> = (0..3).map(|c| t.column(c).data_type()).collect();
        assert_eq!(
            types,
            [&DataType::Float32, &DataType::Int64, &DataType::Utf8]
        );
        assert_eq!(t.column(0).as_primitive::<Float32Type>().value(2), 1e-7);
        assert!(t.column(0).is_null(1));
        let csv = dir.path().join("o.csv");
        let mut w = TableWriter::create(&csv, &header(), &KINDS).unwrap();
        w.write_columns(&columns).unwrap();
        w.write_columns(&[
            Arc::new(StringArray::from(vec!["2.5"])) as ArrayRef,
            Arc::new(Int64Array::from(vec![0])),
            Arc::new(StringArray::from(vec!["a,b"])),
        ])
        .unwrap();
        assert!(w.write_columns(&columns[..2]).is_err());
        w.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&csv).unwrap(),
            "z0,flag,id\n0.1,1,0.5\n,0,2\n0.0000001,1,0.0000001\n2.5,0,\"a,b\"\n"
        );
    }

    #[test]
    fn a_bad_number_for_parquet_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.parquet");
        let mut w = TableWriter::create(&path, &header(), &KINDS).unwrap();
        assert!(w.write_row(&["x", "1", "a"]).is_err());
    }
}
