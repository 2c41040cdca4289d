//! Writing result tables row by row in the format the output path asks
//! for: Parquet for `.parquet` / `.pq`, gzip CSV for `.gz`, CSV on standard
//! output for `-`, CSV otherwise. Files are written to a temporary file
//! beside the target and renamed into place by [`TableWriter::finish`], so a
//! failure (or a writer dropped unfinished) leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::format::{TableFormat, is_gzip, is_stdio};
use super::output::PendingOutput;
use super::parquet::ParquetSink;
use crate::error::{AekitError, Result};

/// What a column of a result table holds; Parquet stores each as its own
/// type, CSV writes every kind as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// Numbers (codes, reconstructions, scores): Parquet `Float32`.
    Float32,
    /// Whole numbers such as 0/1 flags: Parquet `Int64`.
    Int64,
    /// Text copied from the input (labels, ids, categories): Parquet `Utf8`.
    Utf8,
}

const BUFFER: usize = 1 << 20;

/// A result table being written; rows go in with [`write_row`](Self::write_row),
/// and [`finish`](Self::finish) makes the file appear.
pub struct TableWriter {
    path: PathBuf,
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

/// The operating system's error inside a CSV writer's, kept as it is (a
/// closed pipe stays `BrokenPipe`), or the CSV error itself.
/// A CSV writer's error as the I/O error under it, so its kind (a broken
/// pipe) survives.
pub(crate) fn csv_io_error(error: csv::Error) -> std::io::Error {
    if !error.is_io_error() {
        return std::io::Error::other(error);
    }
    match error.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
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
    use crate::data::{CsvOptions, Table};

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
            let t = Table::read(&path, &CsvOptions::default()).unwrap();
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
    fn a_bad_number_for_parquet_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.parquet");
        let mut w = TableWriter::create(&path, &header(), &KINDS).unwrap();
        assert!(w.write_row(&["x", "1", "a"]).is_err());
    }
}
