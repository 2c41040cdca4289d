//! Reading tables a chunk of rows at a time, whatever their format:
//! [`open_chunks`] picks the [`RowChunks`] reader for a path, CSV
//! ([`CsvChunks`]), Parquet ([`ParquetChunks`]) or an image folder
//! ([`ImageFolderChunks`]); [`ReadAhead`] reads them on a thread of its own.

use std::io::Read;
use std::path::Path;

use super::csv::{CsvChunks, CsvOptions};
use super::format::{TableFormat, is_stdio};
use super::image::folder::{ImageFolderChunks, ImageFolderOptions};
use super::input::display_path;
use super::parquet::read::ParquetChunks;
use super::table::{RowChunks, Table, data_error};
use crate::error::{AekitError, Result};

/// How to read a table file: its format, and the options of each format
/// (each defined beside its reader).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The file format; `None` takes it from the extension
    /// ([`TableFormat::of_path`]); a directory is an image folder.
    pub format: Option<TableFormat>,
    /// CSV files (plain, gzip or standard input).
    pub csv: CsvOptions,
    /// Image folders.
    pub images: ImageFolderOptions,
}

impl Table {
    /// Reads `path` (CSV, gzip CSV, `-` for standard input, or Parquet; see
    /// [`ReadOptions::format`]), checking that it has a header, at least one
    /// data row and no ragged rows.
    pub fn read(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table> {
        let path = path.as_ref();
        let mut chunks = open_chunks(path, options)?;
        chunks.next_chunk(usize::MAX)?.ok_or_else(|| {
            data_error(
                &display_path(path),
                None,
                "has a header but no data rows".to_string(),
            )
        })
    }
}

/// Reads a table's chunks on a thread of its own, one chunk ahead of the
/// caller, so that parsing the next chunk overlaps whatever the caller
/// does with this one (scoring it); memory holds one chunk more (the
/// reader waits with it until the caller takes it).
pub struct ReadAhead {
    headers: Vec<String>,
    chunks: std::sync::mpsc::Receiver<Result<Option<Table>>>,
    done: bool,
}

impl ReadAhead {
    /// Starts reading `chunks` `rows` rows at a time.
    pub fn start(mut chunks: Box<dyn RowChunks + Send>, rows: usize) -> ReadAhead {
        let headers = chunks.headers().to_vec();
        let (sender, receiver) = std::sync::mpsc::sync_channel(0);
        std::thread::spawn(move || {
            loop {
                let chunk = chunks.next_chunk(rows);
                let last = !matches!(chunk, Ok(Some(_)));
                // A receiver gone (the caller stopped early) ends the reading.
                if sender.send(chunk).is_err() || last {
                    break;
                }
            }
        });
        ReadAhead {
            headers,
            chunks: receiver,
            done: false,
        }
    }

    /// Column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The next chunk, or `None` at the end (and after an error).
    pub fn next_chunk(&mut self) -> Result<Option<Table>> {
        if self.done {
            return Ok(None);
        }
        let chunk = self.chunks.recv().unwrap_or(Ok(None));
        self.done = !matches!(chunk, Ok(Some(_)));
        chunk
    }
}

/// Opens `path` for reading in chunks: a directory is an image folder
/// (see [`ImageFolderChunks`]; `options.images.resize` applies), a file is in the
/// format `options` forces or its name says (see [`TableFormat::of_path`]);
/// `-` is standard input.
pub fn open_chunks(path: &Path, options: &ReadOptions) -> Result<Box<dyn RowChunks + Send>> {
    if options.format.is_none() && !is_stdio(path) && path.is_dir() {
        return Ok(Box::new(ImageFolderChunks::open(
            path,
            options.images.resize,
        )?));
    }
    match TableFormat::resolve(path, options.format) {
        TableFormat::Csv => Ok(Box::new(CsvChunks::open(path, &options.csv)?)),
        TableFormat::Parquet => {
            if is_stdio(path) {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| AekitError::io(display_path(path), e))?;
                Ok(Box::new(ParquetChunks::from_bytes(
                    &display_path(path),
                    bytes,
                )?))
            } else {
                Ok(Box::new(ParquetChunks::open(path)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_csv_reads_as_plain_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv.gz");
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(b"a,b\n1,2\n3,4\n").unwrap();
        gz.finish().unwrap();
        let t = Table::read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(t.headers(), &["a", "b"]);
        assert_eq!(t.numeric_matrix(&[0, 1]).unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn corrupt_gzip_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv.gz");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        let e = Table::read(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv.gz"), "{e}");
    }

    #[test]
    fn a_directory_is_an_image_folder_unless_a_format_is_forced() {
        let dir = tempfile::tempdir().unwrap();
        let e = Table::read(dir.path(), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no PNG or JPEG images"), "{e}");
        let csv = ReadOptions {
            format: Some(TableFormat::Csv),
            ..ReadOptions::default()
        };
        let e = Table::read(dir.path(), &csv).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
    }
}
