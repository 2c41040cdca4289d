//! Reading tables a chunk of rows at a time, whatever their format:
//! [`RowChunks`] is what CSV ([`CsvChunks`]), Parquet ([`ParquetChunks`])
//! and image folder ([`ImageFolderChunks`]) readers offer, and
//! [`open_chunks`] picks one for a path. Also the byte sources under them: files, gzip files, standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::csv_chunks::CsvChunks;
use super::format::{TableFormat, is_gzip, is_stdio};
use super::image_folder::ImageFolderChunks;
use super::parquet::ParquetChunks;
use super::table::{CsvOptions, Table};
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
/// (see [`ImageFolderChunks`]; `options.resize` applies), a file is in the
/// format `options` forces or its name says (see [`TableFormat::of_path`]);
/// `-` is standard input.
pub fn open_chunks(path: &Path, options: &CsvOptions) -> Result<Box<dyn RowChunks + Send>> {
    if options.format.is_none() && !is_stdio(path) && path.is_dir() {
        return Ok(Box::new(ImageFolderChunks::open(path, options.resize)?));
    }
    match TableFormat::resolve(path, options.format) {
        TableFormat::Csv => Ok(Box::new(CsvChunks::open(path, options)?)),
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

/// How errors name a path: `-` is `<stdin>`.
pub fn display_path(path: &Path) -> PathBuf {
    if is_stdio(path) {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    }
}

/// The bytes of a text table: standard input for `-`, the decompressed
/// stream for `.gz` files, the file otherwise; buffered.
pub fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    const BUFFER: usize = 1 << 20;
    if is_stdio(path) {
        return Ok(Box::new(LineBound::new(
            std::io::BufReader::with_capacity(BUFFER, std::io::stdin()),
            MAX_LINE_BYTES,
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| AekitError::io(path, e))?;
    if path.is_dir() {
        return Err(AekitError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
        ));
    }
    let buffered = std::io::BufReader::with_capacity(BUFFER, file);
    if is_gzip(path) {
        // Multi-member: `cat a.gz b.gz` is one valid stream, as gzip reads it.
        let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
        Ok(Box::new(std::io::BufReader::with_capacity(
            BUFFER,
            LineBound::new(decoder, MAX_LINE_BYTES),
        )))
    } else {
        Ok(Box::new(LineBound::new(buffered, MAX_LINE_BYTES)))
    }
}

/// The longest line a text table may have: 2^28 bytes (256 MiB), the
/// bound on a model's weights as bytes. A row is held whole while it is
/// parsed, a few times its size; a megabyte of gzip can hold a gigabyte
/// line, which took 2.65 GB.
pub const MAX_LINE_BYTES: usize = 1 << 28;

/// A reader that fails once more than `limit` bytes pass without a line end.
struct LineBound<R> {
    inner: R,
    limit: usize,
    since_newline: usize,
}

impl<R> LineBound<R> {
    fn new(inner: R, limit: usize) -> LineBound<R> {
        LineBound {
            inner,
            limit,
            since_newline: 0,
        }
    }
}

impl<R: Read> Read for LineBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // From the end: in ordinary rows a line end is a few bytes back.
        match buf[..n].iter().rposition(|&b| b == b'\n') {
            Some(at) => self.since_newline = n - at - 1,
            None => self.since_newline += n,
        }
        if self.since_newline > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line longer than {} bytes (2^28, 256 MiB): not a table of rows",
                    self.limit
                ),
            ));
        }
        Ok(n)
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
        let t = Table::read(&path, &CsvOptions::default()).unwrap();
        assert_eq!(t.headers(), &["a", "b"]);
        assert_eq!(t.numeric_matrix(&[0, 1]).unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    }

    /// Hands out its bytes three at a time.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_line_longer_than_the_bound_is_an_error() {
        let text = b"a,b\n1,2\n333333,4\n5,6\n";
        let mut bounded = LineBound::new(Trickle(text), 8);
        let mut out = Vec::new();
        bounded.read_to_end(&mut out).unwrap();
        assert_eq!(out, text);
        let long = b"a,b\n1,2\n3333333333,4\n";
        let mut bounded = LineBound::new(Trickle(long), 8);
        let e = bounded.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("a line longer than 8 bytes"), "{e}");
    }

    #[test]
    fn corrupt_gzip_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv.gz");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        let e = Table::read(&path, &CsvOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv.gz"), "{e}");
    }

    #[test]
    fn a_directory_is_an_image_folder_unless_a_format_is_forced() {
        let dir = tempfile::tempdir().unwrap();
        let e = Table::read(dir.path(), &CsvOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no PNG or JPEG images"), "{e}");
        let csv = CsvOptions {
            format: Some(TableFormat::Csv),
            ..CsvOptions::default()
        };
        let e = Table::read(dir.path(), &csv).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
    }
}
