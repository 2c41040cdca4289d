//! A look at every page header of a Parquet file before the parquet crate
//! decodes its pages.
//!
//! Two fuzz findings lie in the page headers, past the footer check
//! ([`super::footer`]):
//!
//! - an unknown page-header field declaring a huge collection near the end
//!   of the file: parquet 60.1 skips it one declared element at a time, and
//!   reading from a file it does not stop at the end of the file, so each
//!   element costs a `read` that returns nothing (a 6 kB file held
//!   `aekit encode` for 3 min 57 s; `tests/fixtures/fuzz-slow-page-header.parquet`);
//! - a dictionary page header declaring ~367 million values: parquet 60.1
//!   sizes the dictionary from the declared count before decoding it, a
//!   2.9 GB request for a 3 kB file
//!   (`tests/fixtures/fuzz-dictionary-num-values.parquet`);
//! - a page header declaring 1.7 GB after decompression in a chunk that
//!   declares 38 bytes: parquet 60.1's gzip decoder reserves the declared
//!   size first (`tests/fixtures/fuzz-page-uncompressed-size.parquet`).
//!   A page's size is refused when it exceeds its chunk's declared total.
//!
//! [`check_pages`] walks each column chunk's pages from the chunk's start
//! (from the footer, already checked to lie inside the file), reading only
//! the page headers: each is walked by [`super::thrift_compact`] within the
//! bytes left in the chunk, which refuses a collection declaring more
//! elements than those bytes, and a header that runs past the chunk's end
//! (the decoder refuses one too, but only after reading it). A dictionary
//! page must hold its declared values: a value takes at least one bit for
//! booleans, its width for fixed-width types (a byte for a zero width),
//! and 4 bytes (its length) for byte arrays, in the page's bytes after
//! decompression (the page's own bytes when the chunk is uncompressed, as
//! the decoder then reads them as they are). Anything else malformed (an
//! unknown type, a missing or negative size) ends the chunk's walk without
//! a verdict: the decoder refuses it itself. A valid file always passes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use parquet::basic::{Compression, Type as PhysicalType};
use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};

use super::thrift_compact::{I32, STRUCT, Stop, Walk, Walked};
use crate::error::{AekitError, Result};

/// `PageType::DICTIONARY_PAGE` in a page header.
const DICTIONARY_PAGE: i32 = 2;

/// The bytes first read for a page header; doubled (up to the chunk's end)
/// while the header is longer.
const FIRST_WINDOW: u64 = 4096;

/// Where the pages are read from: the file, or the file's bytes in memory.
pub(crate) enum Source<'a> {
    File(&'a mut File),
    Bytes(&'a [u8]),
}

impl Source<'_> {
    /// `len` bytes at `offset`, which lie inside the file.
    fn read<'b>(
        &'b mut self,
        buf: &'b mut Vec<u8>,
        offset: u64,
        len: usize,
    ) -> std::io::Result<&'b [u8]> {
        match self {
            Source::Bytes(bytes) => {
                let start = usize::try_from(offset).map_err(std::io::Error::other)?;
                bytes
                    .get(start..start.saturating_add(len))
                    .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
            }
            Source::File(file) => {
                file.seek(SeekFrom::Start(offset))?;
                buf.resize(len, 0);
                file.read_exact(buf)?;
                Ok(buf)
            }
        }
    }
}

/// Checks the page headers of every column chunk in `metadata`, whose
/// chunks lie inside the file (`check_layout`).
pub(crate) fn check_pages(
    path: &Path,
    mut source: Source<'_>,
    metadata: &ParquetMetaData,
) -> Result<()> {
    let mut buf = Vec::new();
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for column in group.columns() {
            check_chunk(path, &mut source, &mut buf, g, column)?;
        }
    }
    Ok(())
}

/// What a page header says that the check needs.
#[derive(Debug, Default, PartialEq, Eq)]
struct Header {
    kind: Option<i32>,
    uncompressed: Option<i32>,
    compressed: Option<i32>,
    dictionary_values: Option<i32>,
    /// Its length in bytes.
    len: usize,
}

/// Walks one `PageHeader` struct.
fn page_header(walk: &mut Walk<'_>) -> Walked<Header> {
    let mut header = Header::default();
    let mut last = 0;
    while let Some((id, kind)) = walk.field(&mut last)? {
        match (id, kind) {
            (1, I32) => header.kind = Some(walk.i32()?),
            (2, I32) => header.uncompressed = Some(walk.i32()?),
            (3, I32) => header.compressed = Some(walk.i32()?),
            (7, STRUCT) => {
                // DictionaryPageHeader: field 1 is num_values.
                let mut last = 0;
                while let Some((id, kind)) = walk.field(&mut last)? {
                    if (id, kind) == (1, I32) {
                        header.dictionary_values = Some(walk.i32()?);
                    } else {
                        walk.field_value(kind, 2)?;
                    }
                }
            }
            (_, kind) => walk.field_value(kind, 1)?,
        }
    }
    header.len = walk.at;
    Ok(header)
}

fn check_chunk(
    path: &Path,
    source: &mut Source<'_>,
    buf: &mut Vec<u8>,
    group: usize,
    column: &ColumnChunkMetaData,
) -> Result<()> {
    let name = column.column_path().string();
    let bad = |message: String| AekitError::Data {
        path: path.to_path_buf(),
        row: None,
        column: Some(name.clone()),
        message: format!("corrupt Parquet file: row group {group}: {message}"),
    };
    let (start, len) = column.byte_range();
    let end = start.saturating_add(len);
    let mut offset = start;
    while offset < end {
        let left = end - offset;
        let mut window = left.min(FIRST_WINDOW);
        let header = loop {
            let bytes = source
                .read(buf, offset, window as usize)
                .map_err(|e| AekitError::io(path, e))?;
            match page_header(&mut Walk::new(bytes)) {
                Ok(header) => break header,
                Err(Stop::Truncated) if window < left => window = (window * 2).min(left),
                Err(Stop::Truncated) => {
                    return Err(bad(format!(
                        "the page header at byte {offset} runs past the column chunk's end \
                         (byte {end})"
                    )));
                }
                Err(Stop::Oversized { at, declared }) => {
                    return Err(bad(format!(
                        "the page header at byte {offset} declares {declared} entries at byte \
                         {}, where only {} bytes of the column chunk remain",
                        offset + at as u64,
                        left - at as u64
                    )));
                }
                Err(Stop::Unsure) => return Ok(()),
            }
        };
        let (Some(kind), Some(uncompressed), Some(compressed)) =
            (header.kind, header.uncompressed, header.compressed)
        else {
            return Ok(());
        };
        let (Ok(uncompressed), Ok(compressed)) =
            (u64::try_from(uncompressed), u64::try_from(compressed))
        else {
            return Ok(());
        };
        // The decoder reserves a page's declared size before decompressing
        // it; a valid chunk's declared total counts every page's size.
        let chunk_uncompressed = u64::try_from(column.uncompressed_size()).unwrap_or(0);
        if uncompressed > chunk_uncompressed {
            return Err(bad(format!(
                "the page at byte {offset} declares {uncompressed} bytes after \
                 decompression, more than its whole column chunk ({chunk_uncompressed} bytes)"
            )));
        }
        if kind == DICTIONARY_PAGE
            && let Some(values) = header.dictionary_values.and_then(|n| u64::try_from(n).ok())
        {
            let bytes = if column.compression() == Compression::UNCOMPRESSED {
                compressed
            } else {
                uncompressed
            };
            let (fits, least) = match column.column_type() {
                PhysicalType::BOOLEAN => (values.div_ceil(8) <= bytes, "1 bit".to_string()),
                other => {
                    let width = match other {
                        PhysicalType::INT32 | PhysicalType::FLOAT | PhysicalType::BYTE_ARRAY => 4,
                        PhysicalType::INT64 | PhysicalType::DOUBLE => 8,
                        PhysicalType::INT96 => 12,
                        _ => u64::try_from(column.column_descr().type_length())
                            .unwrap_or(1)
                            .max(1),
                    };
                    (values * width <= bytes, format!("{width} bytes"))
                }
            };
            if !fits {
                return Err(bad(format!(
                    "its dictionary page at byte {offset} declares {values} values in {bytes} \
                     bytes, where a {} value takes at least {least}",
                    column.column_type()
                )));
            }
        }
        offset = offset
            .saturating_add(header.len as u64)
            .saturating_add(compressed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_headers_decode_and_oversized_fields_are_refused() {
        // type 2 (dictionary), uncompressed 40, compressed 40, field 7:
        // { num_values 10, encoding 0 }, stop.
        let bytes = [0x15, 4, 0x15, 80, 0x15, 80, 0x4C, 0x15, 20, 0x15, 0, 0, 0];
        let header = page_header(&mut Walk::new(&bytes)).unwrap();
        assert_eq!(
            header,
            Header {
                kind: Some(2),
                uncompressed: Some(40),
                compressed: Some(40),
                dictionary_values: Some(10),
                len: bytes.len(),
            }
        );
        // An unknown field 9: a list declaring 2^28 booleans.
        let bytes = [0x15, 4, 0x69, 0xF1, 0x80, 0x80, 0x80, 0x80, 0x01, 0];
        assert!(matches!(
            page_header(&mut Walk::new(&bytes)),
            Err(Stop::Oversized {
                declared: 268_435_456,
                ..
            })
        ));
        assert_eq!(
            page_header(&mut Walk::new(&bytes[..2])),
            Err(Stop::Truncated)
        );
    }
}
