//! The bytes under text tables: files, gzip files and standard input,
//! with a bound on line length; and how errors name a path.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::format::{is_gzip, is_stdio};
use crate::error::{AekitError, Result};

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
}
