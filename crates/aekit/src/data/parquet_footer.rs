//! A look at a Parquet file's footer before the parquet crate decodes it.
//!
//! The footer is a `FileMetaData` struct in Thrift's compact encoding.
//! parquet 60.1 skips fields it does not know with one loop turn per
//! declared element of a list, set or map, and takes boolean elements to
//! occupy no bytes, so a footer of a few hundred bytes that declares a map
//! of 181 million boolean pairs in an unknown field holds the decoder for
//! seconds before it errors (a fuzz finding, kept as
//! `tests/fixtures/fuzz-slow-footer.parquet`). On the wire every element of
//! a collection takes at least one byte, booleans included, so a
//! collection that declares more elements than bytes remain cannot be
//! valid: [`check_footer`] walks the encoding by its wire types and refuses
//! one, in time linear in the footer's length.
//!
//! The walk follows wire types, not the Parquet schema, so it judges only
//! what it can see: it refuses oversized collections and nothing else.
//! Anything else that is malformed (an unknown type, a truncated field,
//! nesting deeper than the decoder's own limit) ends the walk without a
//! verdict and is left to the parquet crate, which refuses it itself. A
//! valid footer always passes.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::table::data_error;
use crate::error::{AekitError, Result};

/// The magic bytes a plain (unencrypted-footer) Parquet file ends with.
const MAGIC: &[u8; 4] = b"PAR1";

/// Nesting the walk follows; deeper is left to the decoder (whose own
/// skipping stops at 64 levels).
const MAX_DEPTH: usize = 64;

/// Checks the footer of the Parquet file `file` of `length` bytes, named
/// `path` in errors. A file that is not framed as Parquet passes: the
/// decoder says what is wrong with it.
pub(super) fn check_file(path: &Path, file: &mut std::fs::File, length: u64) -> Result<()> {
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
    let mut metadata = vec![0u8; len];
    file.seek(SeekFrom::End(-8 - len as i64)).map_err(io)?;
    file.read_exact(&mut metadata).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    check_footer(path, &metadata)
}

/// Checks the footer of a Parquet file held in memory.
pub(super) fn check_bytes(path: &Path, data: &[u8]) -> Result<()> {
    let Some(tail) = data.last_chunk::<8>() else {
        return Ok(());
    };
    match metadata_len(tail, data.len() as u64) {
        Some(len) => check_footer(path, &data[data.len() - 8 - len..data.len() - 8]),
        None => Ok(()),
    }
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
    let mut walk = Walk {
        bytes: metadata,
        at: 0,
    };
    match walk.value(STRUCT, 0) {
        Ok(()) | Err(Stop::Unsure) => Ok(()),
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

/// Why a walk ended early.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// A collection of `declared` elements with fewer bytes left than that
    /// (after its header, which ends at `at`).
    Oversized { at: usize, declared: u64 },
    /// Malformed in another way: the decoder judges.
    Unsure,
}

// Compact-protocol type codes.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

/// A position in the footer's bytes.
struct Walk<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Walk<'_> {
    fn byte(&mut self) -> std::result::Result<u8, Stop> {
        let b = *self.bytes.get(self.at).ok_or(Stop::Unsure)?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> std::result::Result<(), Stop> {
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err(Stop::Unsure);
        }
        self.at += n as usize;
        Ok(())
    }

    fn varint(&mut self) -> std::result::Result<u64, Stop> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Stop::Unsure)
    }

    /// Refuses `declared` elements when fewer bytes remain.
    fn fits(&self, declared: u64) -> std::result::Result<(), Stop> {
        if declared > (self.bytes.len() - self.at) as u64 {
            return Err(Stop::Oversized {
                at: self.at,
                declared,
            });
        }
        Ok(())
    }

    /// Walks one value of compact type `kind` as an element of a
    /// collection or a struct (`depth` levels down). A boolean field
    /// carries its value in the field header (no bytes); a boolean element
    /// takes one byte.
    fn value(&mut self, kind: u8, depth: usize) -> std::result::Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::Unsure);
        }
        match kind {
            BOOL_TRUE | BOOL_FALSE | BYTE => self.skip(1),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.skip(8),
            BINARY => {
                let len = self.varint()?;
                self.skip(len)
            }
            UUID => self.skip(16),
            LIST | SET => {
                let header = self.byte()?;
                let element = header & 0x0f;
                let declared = match header >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                self.fits(declared)?;
                for _ in 0..declared {
                    self.value(element, depth + 1)?;
                }
                Ok(())
            }
            MAP => {
                let declared = self.varint()?;
                if declared == 0 {
                    return Ok(());
                }
                let types = self.byte()?;
                self.fits(declared)?;
                for _ in 0..declared {
                    self.value(types >> 4, depth + 1)?;
                    self.value(types & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => loop {
                let header = self.byte()?;
                if header == 0 {
                    return Ok(());
                }
                if header >> 4 == 0 {
                    // A field id that does not fit the delta: a zigzag varint.
                    self.varint()?;
                }
                match header & 0x0f {
                    BOOL_TRUE | BOOL_FALSE => {}
                    field => self.value(field, depth + 1)?,
                }
            },
            _ => Err(Stop::Unsure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(bytes: &[u8]) -> std::result::Result<(), Stop> {
        Walk { bytes, at: 0 }.value(STRUCT, 0)
    }

    #[test]
    fn collections_fit_their_bytes() {
        // field 1: list of 3 i32 (1, 2, 3); field 2: bool true field; stop.
        assert_eq!(walk(&[0x19, 0x35, 2, 4, 6, 0x11, 0]), Ok(()));
        // field 1: list of 3 booleans, one byte each.
        assert_eq!(walk(&[0x19, 0x31, 1, 2, 1, 0]), Ok(()));
        // field 1: a list declaring 2^28 booleans in 1 byte.
        assert_eq!(
            walk(&[0x19, 0xF1, 0x80, 0x80, 0x80, 0x80, 0x01, 0]),
            Err(Stop::Oversized {
                at: 7,
                declared: 1 << 28
            })
        );
        // field 1: a map of 300 bool -> bool pairs in 1 byte.
        assert!(matches!(
            walk(&[0x1B, 0xAC, 0x02, 0x21, 0]),
            Err(Stop::Oversized { declared: 300, .. })
        ));
        // Truncated, or of an unknown type: left to the decoder.
        assert_eq!(walk(&[0x15]), Err(Stop::Unsure));
        assert_eq!(walk(&[0x1E, 0]), Err(Stop::Unsure));
    }

    #[test]
    fn nesting_is_bounded() {
        // 100 nested structs (field 1 of each a struct), then their stops.
        let mut bytes = vec![0x1C; 100];
        bytes.extend([0u8; 101]);
        assert_eq!(walk(&bytes), Err(Stop::Unsure));
    }
}
