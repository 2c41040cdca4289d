//! A look at a Parquet file's footer before the parquet crate decodes it.
//!
//! The footer is a `FileMetaData` struct in Thrift's compact encoding.
//! A footer of a few hundred bytes that declares a map of 181 million
//! boolean pairs in an unknown field held parquet 60.1's decoder for
//! seconds before it erred (a fuzz finding, kept as
//! `tests/fixtures/fuzz-slow-footer.parquet`): [`check_footer`] walks the
//! encoding first ([`super::thrift_compact`]) and refuses a collection
//! declaring more elements than bytes remain, and nothing else. Anything
//! else that is malformed (an unknown type, a truncated field, nesting
//! deeper than the decoder's own limit) ends the walk without a verdict
//! and is left to the parquet crate, which refuses it itself. A valid
//! footer always passes.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::thrift_compact::{STRUCT, Stop, Walk};
use crate::data::table::data_error;
use crate::error::{AekitError, Result};

/// The magic bytes a plain (unencrypted-footer) Parquet file ends with.
const MAGIC: &[u8; 4] = b"PAR1";

/// Checks the footer of the Parquet file `file` of `length` bytes, named
/// `path` in errors. A file that is not framed as Parquet passes: the
/// decoder says what is wrong with it.
pub(crate) fn check_file(path: &Path, file: &mut std::fs::File, length: u64) -> Result<()> {
    if length < 12 {
        return Ok(());
    }
    let io = |e| AekitError::io(path, e);
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8)).map_err(io)?;
    file.read_exact(&mut tail).map_err(io)?;
    let Some(len) = metadata_len(&tail, length) else {
        return Ok(());
    };
    let mut head = [0u8; 4];
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.read_exact(&mut head).map_err(io)?;
    check_head(path, &head)?;
    let mut metadata = vec![0u8; len];
    file.seek(SeekFrom::End(-8 - len as i64)).map_err(io)?;
    file.read_exact(&mut metadata).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    check_footer(path, &metadata)
}

/// Checks the footer of a Parquet file held in memory.
pub(crate) fn check_bytes(path: &Path, data: &[u8]) -> Result<()> {
    let Some(tail) = data.last_chunk::<8>() else {
        return Ok(());
    };
    match metadata_len(tail, data.len() as u64) {
        Some(len) => {
            check_head(path, &data[..4])?;
            check_footer(path, &data[data.len() - 8 - len..data.len() - 8])
        }
        None => Ok(()),
    }
}

/// Refuses a file that ends as Parquet but does not begin with its magic:
/// the decoder reads only the footer and would take it.
fn check_head(path: &Path, head: &[u8]) -> Result<()> {
    if head == MAGIC {
        return Ok(());
    }
    Err(data_error(
        path,
        None,
        format!(
            "corrupt Parquet file: it ends with the Parquet magic PAR1 but begins with {head:?}, not PAR1"
        ),
    ))
}

/// The length of the metadata before the last 8 bytes `tail` of a file of
/// `length` bytes, when the file ends as Parquet and the length fits
/// between the leading and trailing magic.
fn metadata_len(tail: &[u8; 8], length: u64) -> Option<usize> {
    if &tail[4..] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    (u64::from(len) + 12 <= length).then_some(len as usize)
}

/// Refuses a footer `metadata` (Thrift compact `FileMetaData`) that
/// declares a collection larger than the bytes after it.
pub(super) fn check_footer(path: &Path, metadata: &[u8]) -> Result<()> {
    match Walk::new(metadata).value(STRUCT, 0) {
        Ok(()) | Err(Stop::Unsure | Stop::Truncated) => Ok(()),
        Err(Stop::Oversized { at, declared }) => Err(data_error(
            path,
            None,
            format!(
                "corrupt Parquet file: its footer declares {declared} entries at byte {at} of \
                 {}, where only {} bytes remain",
                metadata.len(),
                metadata.len().saturating_sub(at)
            ),
        )),
    }
}
