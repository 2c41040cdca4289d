//! One column of a [`Table`](super::Table) as an Arrow array, and the two
//! ways aekit reads it: as text (labels, ids, categories, copied columns)
//! and as the models' `f32` numbers. A numeric array gives its numbers
//! without text in between; its text is the shortest that reads back to
//! the same value (so a Parquet file and its CSV copy give the same cells
//! and matrices), booleans are 1 and 0, and a null is an empty cell: a
//! missing value (see [`MissingPolicy`](super::MissingPolicy)).
//!
//! A table's columns are of the types [`is_table_type`] accepts; readers
//! turn anything else (dictionaries) into text first.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::DataType;

/// Whether a table column may hold this type: integers and floats of any
/// width, booleans, strings (plain, large or view) and all-null columns.
pub(crate) fn is_table_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Boolean
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Null
    )
}

/// Whether the array holds text (its numbers, if any, are parsed).
pub(crate) fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// The text of one cell: a string as it is, a number the shortest way
/// that reads back to it, a boolean as 1 or 0, a null as an empty cell.
pub(crate) fn cell_text(array: &dyn Array, row: usize) -> Cow<'_, str> {
    macro_rules! number {
        ($t:ty) => {
            Cow::Owned(array.as_primitive::<$t>().value(row).to_string())
        };
    }
    if array.data_type() == &DataType::Null || array.is_null(row) {
        return Cow::Borrowed("");
    }
    match array.data_type() {
        DataType::Utf8 => Cow::Borrowed(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Cow::Borrowed(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Cow::Borrowed(array.as_string_view().value(row)),
        DataType::Int8 => number!(Int8Type),
        DataType::Int16 => number!(Int16Type),
        DataType::Int32 => number!(Int32Type),
        DataType::Int64 => number!(Int64Type),
        DataType::UInt8 => number!(UInt8Type),
        DataType::UInt16 => number!(UInt16Type),
        DataType::UInt32 => number!(UInt32Type),
        DataType::UInt64 => number!(UInt64Type),
        DataType::Float16 => Cow::Owned(
            array
                .as_primitive::<Float16Type>()
                .value(row)
                .to_f32()
                .to_string(),
        ),
        DataType::Float32 => number!(Float32Type),
        DataType::Float64 => number!(Float64Type),
        DataType::Boolean => Cow::Borrowed(if array.as_boolean().value(row) {
            "1"
        } else {
            "0"
        }),
        // Readers keep other types out of tables (is_table_type).
        _ => Cow::Borrowed(""),
    }
}

/// Whether a column holds numbers: a numeric or boolean array with at
/// least one value; a text array where at least as many non-empty cells
/// parse as numbers as do not (a numeric column's stray text cell is then
/// an error to report, not a reason to drop the column silently).
pub(crate) fn is_numeric(array: &dyn Array) -> bool {
    let data_type = array.data_type();
    if data_type == &DataType::Null {
        return false;
    }
    if !is_text(data_type) {
        return array.null_count() < array.len();
    }
    let (mut numeric, mut text) = (0usize, 0usize);
    for row in 0..array.len() {
        let cell = cell_text(array, row);
        if cell.is_empty() {
            continue;
        }
        if cell.parse::<f64>().is_ok() {
            numeric += 1;
        } else {
            text += 1;
        }
    }
    numeric > 0 && numeric >= text
}

/// Parses one numeric cell, explaining a refusal: empty (missing), not a
/// number, not finite, or too large for 32-bit floats.
pub(crate) fn parse_cell(cell: &str) -> std::result::Result<f64, String> {
    if cell.is_empty() {
        return Err("empty cell (missing value)".to_string());
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => {
            if v.abs() > f32::MAX as f64 {
                Err(format!("value '{cell}' is too large for 32-bit floats"))
            } else {
                Ok(v)
            }
        }
        Ok(_) => Err(format!("value '{cell}' is not finite (NaN or infinity)")),
        Err(_) => Err(format!("value '{cell}' is not a number")),
    }
}

/// Why cell `row` is not a model input (null, NaN, infinite, too large
/// or not a number), in the words [`parse_cell`] uses for its text.
pub(crate) fn refusal(array: &dyn Array, row: usize) -> String {
    match parse_cell(&cell_text(array, row)) {
        Err(message) => message,
        Ok(_) => "value is not a finite 32-bit number".to_string(),
    }
}

/// Writes the values of rows `start..start + n` of `array` as `f32` into
/// `out[k * stride]` for the k-th of them (`out` must reach that far); numbers are read as numbers, text
/// is parsed. On a cell that is not a finite 32-bit number (or is
/// missing) returns the row of the first such cell, without naming why
/// ([`refusal`] does).
pub(crate) fn fill_f32(
    array: &dyn Array,
    start: usize,
    n: usize,
    out: &mut [f32],
    stride: usize,
) -> std::result::Result<(), usize> {
    macro_rules! numbers {
        ($t:ty, $convert:expr) => {
            fill_primitive(array.as_primitive::<$t>(), start, n, out, stride, $convert)
        };
    }
    match array.data_type() {
        // Integers go through f64 as their text did (parsed as f64, then
        // narrowed), so huge values round as before.
        DataType::Int8 => numbers!(Int8Type, |v| Some(f32::from(v))),
        DataType::Int16 => numbers!(Int16Type, |v| Some(f32::from(v))),
        DataType::Int32 => numbers!(Int32Type, |v| Some(f64::from(v) as f32)),
        DataType::Int64 => numbers!(Int64Type, |v| Some(v as f64 as f32)),
        DataType::UInt8 => numbers!(UInt8Type, |v| Some(f32::from(v))),
        DataType::UInt16 => numbers!(UInt16Type, |v| Some(f32::from(v))),
        DataType::UInt32 => numbers!(UInt32Type, |v| Some(f64::from(v) as f32)),
        DataType::UInt64 => numbers!(UInt64Type, |v| Some(v as f64 as f32)),
        DataType::Float16 => numbers!(Float16Type, |v| {
            let v = v.to_f32();
            v.is_finite().then_some(v)
        }),
        DataType::Float32 => numbers!(Float32Type, |v: f32| v.is_finite().then_some(v)),
        DataType::Float64 => numbers!(Float64Type, |v: f64| {
            (v.is_finite() && v.abs() <= f32::MAX as f64).then_some(v as f32)
        }),
        DataType::Boolean => {
            let a = array.as_boolean();
            for k in 0..n {
                let row = start + k;
                if a.is_null(row) {
                    return Err(row);
                }
                out[k * stride] = if a.value(row) { 1.0 } else { 0.0 };
            }
            Ok(())
        }
        DataType::Utf8 => {
            // The common text column (CSV): downcast once, not per cell.
            let a = array.as_string::<i32>();
            for k in 0..n {
                let row = start + k;
                if a.is_null(row) {
                    return Err(row);
                }
                match parse_cell(a.value(row)) {
                    Ok(v) => out[k * stride] = v as f32,
                    Err(_) => return Err(row),
                }
            }
            Ok(())
        }
        _ => {
            for k in 0..n {
                let row = start + k;
                match parse_cell(&cell_text(array, row)) {
                    Ok(v) => out[k * stride] = v as f32,
                    Err(_) => return Err(row),
                }
            }
            Ok(())
        }
    }
}

/// [`fill_f32`] for one primitive array: `convert` gives `None` for a
/// value that is not a model input.
fn fill_primitive<T: ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    start: usize,
    n: usize,
    out: &mut [f32],
    stride: usize,
    convert: impl Fn(T::Native) -> Option<f32>,
) -> std::result::Result<(), usize> {
    let values = &array.values()[start..start + n];
    let nulls = array.nulls().filter(|n| n.null_count() > 0);
    for (k, &v) in values.iter().enumerate() {
        if nulls.is_some_and(|b| b.is_null(start + k)) {
            return Err(start + k);
        }
        match convert(v) {
            Some(x) => out[k * stride] = x,
            None => return Err(start + k),
        }
    }
    Ok(())
}

/// The value of one cell as the models' `f32`, or why it is not one.
pub(crate) fn value_f32(array: &dyn Array, row: usize) -> std::result::Result<f32, String> {
    let mut out = [0.0f32];
    fill_f32(array, row, 1, &mut out, 1).map_err(|_| refusal(array, row))?;
    Ok(out[0])
}

/// What a column of a result table holds; Parquet stores each as its own
/// type, CSV writes every kind as text (numbers as
/// [`format_value`](crate::data::output::format_value) writes them).
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

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{BooleanArray, Float32Array, Float64Array, Int64Array, StringArray};

    #[test]
    fn numbers_read_as_their_text_would() {
        let f64s = Float64Array::from(vec![
            Some(5.1),
            None,
            Some(f64::NAN),
            Some(1e300),
            Some(-0.0),
        ]);
        assert_eq!(cell_text(&f64s, 0), "5.1");
        assert_eq!(cell_text(&f64s, 1), "");
        assert_eq!(value_f32(&f64s, 0), Ok(5.1f32));
        assert_eq!(
            value_f32(&f64s, 1).unwrap_err(),
            "empty cell (missing value)"
        );
        assert!(
            value_f32(&f64s, 2)
                .unwrap_err()
                .contains("'NaN' is not finite")
        );
        assert!(value_f32(&f64s, 3).unwrap_err().contains("too large"));
        assert_eq!(
            value_f32(&f64s, 4).map(f32::to_bits),
            Ok((-0.0f32).to_bits())
        );
        let ints = Int64Array::from(vec![i64::MAX, -3]);
        let via_text = |a: &dyn Array, r| parse_cell(&cell_text(a, r)).unwrap() as f32;
        assert_eq!(value_f32(&ints, 0), Ok(via_text(&ints, 0)));
        assert_eq!(value_f32(&ints, 1), Ok(-3.0));
        let b = BooleanArray::from(vec![true, false]);
        assert_eq!((cell_text(&b, 0), value_f32(&b, 1)), ("1".into(), Ok(0.0)));
        let s = StringArray::from(vec!["2.5", "x", ""]);
        assert_eq!(value_f32(&s, 0), Ok(2.5));
        assert!(
            value_f32(&s, 1)
                .unwrap_err()
                .contains("'x' is not a number")
        );
        assert!(is_numeric(&f64s) && is_numeric(&ints) && !is_numeric(&s.slice(1, 2)));
    }

    #[test]
    fn float32_values_are_those_their_text_gave() {
        // Spread over every exponent: the value read directly must equal
        // the old path's text parsed as f64 and narrowed.
        let mut bits = 0x0000_0001u32;
        let mut values = Vec::new();
        while values.len() < 200_000 {
            bits = bits.wrapping_mul(2_654_435_761).wrapping_add(12_345);
            let v = f32::from_bits(bits);
            if v.is_finite() {
                values.push(v);
            }
        }
        values.extend((0..=255u8).map(|v| f32::from(v) / 255.0));
        let a = Float32Array::from(values.clone());
        let mut out = vec![0.0; values.len()];
        fill_f32(&a, 0, values.len(), &mut out, 1).unwrap();
        for (r, (&direct, &v)) in out.iter().zip(&values).enumerate() {
            let text = cell_text(&a, r);
            assert_eq!(
                direct.to_bits(),
                (text.parse::<f64>().unwrap() as f32).to_bits(),
                "{v}"
            );
        }
    }
}
