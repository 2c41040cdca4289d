//! A linear walk of Thrift's compact encoding, the encoding of a Parquet
//! file's footer and page headers, by wire types alone.
//!
//! parquet 60.1 skips fields it does not know with one loop turn per
//! declared element of a list, set or map, and takes boolean elements to
//! occupy no bytes; reading from a file, it does not even stop at the end
//! of the file. So a few bytes declaring a collection of hundreds of
//! millions of elements in an unknown field hold its decoder for seconds
//! (a footer) or minutes (a page header read from a file) before it
//! errors: fuzz findings, kept as `tests/fixtures/fuzz-slow-footer.parquet`
//! and `tests/fixtures/fuzz-slow-page-header.parquet`. On the wire every
//! element of a collection takes at least one byte, booleans included, so
//! a collection that declares more elements than bytes remain cannot be
//! valid: [`Walk`] refuses one ([`Stop::Oversized`]), in time linear in the
//! bytes walked.
//!
//! The walk follows wire types, not the Parquet schema, so it judges only
//! what it can see. Anything else malformed (an unknown type, nesting
//! deeper than the decoder's own limit) ends the walk with
//! [`Stop::Unsure`], and running out of bytes with [`Stop::Truncated`]; the
//! callers decide what those mean. A valid encoding always passes.

/// Why a walk ended early.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// A collection of `declared` elements with fewer bytes left than that
    /// (after its header, which ends at `at`).
    Oversized { at: usize, declared: u64 },
    /// The bytes ended inside a value.
    Truncated,
    /// Malformed in another way: the decoder judges.
    Unsure,
}

pub(super) type Walked<T> = std::result::Result<T, Stop>;

/// Nesting the walk follows; deeper is left to the decoder (whose own
/// skipping stops at 64 levels).
const MAX_DEPTH: usize = 64;

// Compact-protocol type codes.
pub(super) const BOOL_TRUE: u8 = 1;
pub(super) const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
pub(super) const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
pub(super) const STRUCT: u8 = 12;
const UUID: u8 = 13;

/// A position in a run of compact-encoded bytes.
pub(super) struct Walk<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Walk<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Walk<'a> {
        Walk { bytes, at: 0 }
    }

    fn byte(&mut self) -> Walked<u8> {
        let b = *self.bytes.get(self.at).ok_or(Stop::Truncated)?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> Walked<()> {
        let left = (self.bytes.len() - self.at) as u64;
        if n > left {
            return Err(Stop::Truncated);
        }
        self.at += n as usize;
        Ok(())
    }

    fn varint(&mut self) -> Walked<u64> {
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

    /// A zigzag-encoded i32 (an `i32` field or element), read as parquet's
    /// decoder reads it: zigzag over the whole varint, then truncated to 32
    /// bits. Refusing a varint wider than 32 bits instead would end the walk
    /// on a header the decoder goes on to trust (a fuzz finding: a page
    /// whose size varint of 41 bits reads as 1.7 GB).
    pub(super) fn i32(&mut self) -> Walked<i32> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64 ^ -((v & 1) as i64)) as i32)
    }

    /// The next field header of a struct whose previous field id was
    /// `last` (0 at the start): its id and compact type, or `None` at the
    /// struct's stop byte. A boolean field's value is its type (no bytes
    /// follow).
    pub(super) fn field(&mut self, last: &mut i16) -> Walked<Option<(i16, u8)>> {
        let header = self.byte()?;
        if header == 0 {
            return Ok(None);
        }
        let id = match header >> 4 {
            // A field id that does not fit the delta: a zigzag varint.
            0 => {
                let v = self.varint()?;
                let v = u16::try_from(v).map_err(|_| Stop::Unsure)?;
                (v >> 1) as i16 ^ -((v & 1) as i16)
            }
            delta => last.wrapping_add(i16::from(delta)),
        };
        *last = id;
        Ok(Some((id, header & 0x0f)))
    }

    /// Refuses `declared` elements when fewer bytes remain.
    fn fits(&self, declared: u64) -> Walked<()> {
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
    /// carries its value in the field header (no bytes: use
    /// [`Walk::field_value`]); a boolean element takes one byte.
    pub(super) fn value(&mut self, kind: u8, depth: usize) -> Walked<()> {
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
            STRUCT => {
                let mut last = 0;
                while let Some((_, kind)) = self.field(&mut last)? {
                    self.field_value(kind, depth + 1)?;
                }
                Ok(())
            }
            _ => Err(Stop::Unsure),
        }
    }

    /// Walks the value of a struct field of compact type `kind`, whose
    /// header has just been read.
    pub(super) fn field_value(&mut self, kind: u8, depth: usize) -> Walked<()> {
        match kind {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            kind => self.value(kind, depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(bytes: &[u8]) -> Walked<()> {
        Walk::new(bytes).value(STRUCT, 0)
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
        // Truncated, or of an unknown type.
        assert_eq!(walk(&[0x15]), Err(Stop::Truncated));
        assert_eq!(walk(&[0x1E, 0]), Err(Stop::Unsure));
    }

    #[test]
    fn nesting_is_bounded() {
        // 100 nested structs (field 1 of each a struct), then their stops.
        let mut bytes = vec![0x1C; 100];
        bytes.extend([0u8; 101]);
        assert_eq!(walk(&bytes), Err(Stop::Unsure));
    }

    #[test]
    fn fields_and_i32_values_decode() {
        // field 1: i32 -3 (zigzag 5); field 3 (delta 2): i32 300 (zigzag
        // 600); field 20 by a long header (zigzag 40): i32 0; stop.
        let bytes = [0x15, 5, 0x25, 0xD8, 0x04, 0x05, 40, 0, 0];
        let mut w = Walk::new(&bytes);
        let mut last = 0;
        let mut seen = Vec::new();
        while let Some((id, kind)) = w.field(&mut last).unwrap() {
            assert_eq!(kind, I32);
            seen.push((id, w.i32().unwrap()));
        }
        assert_eq!(seen, vec![(1, -3), (3, 300), (20, 0)]);
        assert_eq!(w.at, bytes.len());
    }
}
