//! Request bodies to tables: MLflow's `dataframe_split` and
//! `dataframe_records` JSON, or CSV. Cells stay text, as a file's do, so
//! the library parses numbers, reads categories and names bad cells.

use std::io::Cursor;
use std::path::Path;

use std::borrow::Cow;
use std::collections::HashSet;

use aekit::data::{CsvChunks, Table};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::MAX_EXTRA_COLUMNS;
use crate::reply::Rejection;
use axum::http::StatusCode;

/// What request bodies are called in errors.
const BODY: &str = "request body";

/// How a body is written, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json` (or no content type): MLflow's dataframe forms.
    Json,
    /// `text/csv`: a header row, then data rows.
    Csv,
}

impl BodyFormat {
    /// The format a `Content-Type` names; `None` for one the server does not read.
    pub fn of_content_type(content_type: Option<&str>) -> Option<BodyFormat> {
        let Some(value) = content_type else {
            return Some(BodyFormat::Json);
        };
        let media = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/json" | "" => Some(BodyFormat::Json),
            "text/csv" => Some(BodyFormat::Csv),
            _ => None,
        }
    }
}

/// The rows of a request body of at most `max_columns` columns; a wider
/// one is refused (413) before any of its cells is read.
pub fn table_of(body: &[u8], format: BodyFormat, max_columns: usize) -> Result<Table, Rejection> {
    match format {
        BodyFormat::Json => json_table(body, max_columns),
        BodyFormat::Csv => csv_table(body, max_columns),
    }
}

/// `Err` for a request of more than `max` columns.
fn check_width(columns: usize, max: usize) -> Result<(), Rejection> {
    if columns <= max {
        return Ok(());
    }
    Err(Rejection::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "{BODY}: has {columns} columns, more than the {max} this server reads \
             (the model's columns and up to {MAX_EXTRA_COLUMNS} others)"
        ),
    ))
}

fn csv_table(body: &[u8], max_columns: usize) -> Result<Table, Rejection> {
    let input = Box::new(Cursor::new(body.to_vec()));
    let mut chunks = CsvChunks::from_reader(Path::new(BODY), input, b',')?;
    check_width(chunks.headers().len(), max_columns)?;
    chunks
        .next_chunk(usize::MAX)?
        .ok_or_else(|| Rejection::bad_request(format!("{BODY}: has a header but no data rows")))
}

fn json_table(body: &[u8], max_columns: usize) -> Result<Table, Rejection> {
    if let Some(table) = well_formed_split(body, max_columns) {
        return table;
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Rejection::bad_request(format!("{BODY}: malformed JSON: {e}")))?;
    let Value::Object(mut top) = value else {
        return Err(Rejection::bad_request(format!(
            "{BODY}: expected a JSON object with \"dataframe_split\" or \"dataframe_records\""
        )));
    };
    let forms = [
        "dataframe_split",
        "dataframe_records",
        "instances",
        "inputs",
    ];
    let given: Vec<&str> = forms.into_iter().filter(|k| top.contains_key(*k)).collect();
    match given.as_slice() {
        ["dataframe_split"] => split_table(
            top.remove("dataframe_split").unwrap_or(Value::Null),
            max_columns,
        ),
        ["dataframe_records"] => records_table(
            top.remove("dataframe_records").unwrap_or(Value::Null),
            max_columns,
        ),
        [one] => Err(Rejection::bad_request(format!(
            "{BODY}: \"{one}\" (tensor input) is not served; send \"dataframe_split\", \"dataframe_records\" or text/csv"
        ))),
        [] => Err(Rejection::bad_request(format!(
            "{BODY}: expected \"dataframe_split\" or \"dataframe_records\" (keys given: {})",
            keys(&top)
        ))),
        _ => Err(Rejection::bad_request(format!(
            "{BODY}: give one of {} only",
            given.join(", ")
        ))),
    }
}

/// A `dataframe_split` body read straight into columns of cell text: each
/// number keeps the text it was sent as (parsed once, by the library, as a
/// file's cells are), each cell is borrowed from the body where it can be.
/// Skips building a JSON tree and formatting every number back to text,
/// which took most of a 1 000-row request's time. `None` for any body that
/// is not a plain, well-formed split (another form beside it, a ragged
/// row, a nested cell, ...): the general path below reads it and words the
/// rejection.
fn well_formed_split(body: &[u8], max_columns: usize) -> Option<Result<Table, Rejection>> {
    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(borrow)]
        dataframe_split: Split<'a>,
        dataframe_records: Option<&'a RawValue>,
        instances: Option<&'a RawValue>,
        inputs: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Split<'a> {
        columns: Vec<String>,
        #[serde(borrow)]
        data: Vec<Vec<&'a RawValue>>,
    }
    let parsed: Body<'_> = serde_json::from_slice(body).ok()?;
    if parsed.dataframe_records.is_some() || parsed.instances.is_some() || parsed.inputs.is_some() {
        return None;
    }
    let Split { columns, data } = parsed.dataframe_split;
    if let Err(wide) = check_width(columns.len(), max_columns) {
        return Some(Err(wide));
    }
    let mut cells: Vec<Vec<Cow<'_, str>>> = (0..columns.len())
        .map(|_| Vec::with_capacity(data.len()))
        .collect();
    for row in &data {
        if row.len() != columns.len() {
            return None;
        }
        for (column, raw) in cells.iter_mut().zip(row) {
            column.push(raw_cell_text(raw.get())?);
        }
    }
    Some(Table::from_text_columns(BODY, columns, cells).map_err(Rejection::from))
}

/// The text a CSV file would hold for one JSON cell given as written: a
/// number as it was sent, a string unescaped, `null` empty; `None` for
/// anything else (the general path rejects it with its row and column).
fn raw_cell_text(raw: &str) -> Option<Cow<'_, str>> {
    match raw.as_bytes().first()? {
        b'-' | b'0'..=b'9' => Some(Cow::Borrowed(raw)),
        b'"' => serde_json::from_str::<Cow<'_, str>>(raw).ok(),
        b'n' => Some(Cow::Borrowed("")),
        _ => None,
    }
}

fn keys(object: &Map<String, Value>) -> String {
    if object.is_empty() {
        return "none".into();
    }
    object
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `{"columns": [...], "data": [[...], ...]}` (pandas' `orient="split"`;
/// `index` is ignored).
fn split_table(split: Value, max_columns: usize) -> Result<Table, Rejection> {
    let Value::Object(mut split) = split else {
        return Err(Rejection::bad_request(format!(
            "{BODY}: \"dataframe_split\" must be an object with \"columns\" and \"data\""
        )));
    };
    let columns = match split.remove("columns") {
        Some(Value::Array(names)) => names
            .into_iter()
            .map(|n| match n {
                Value::String(s) => Ok(s),
                other => Err(Rejection::bad_request(format!(
                    "{BODY}: \"columns\" must hold column names (strings), got {other}"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(Rejection::bad_request(format!(
                "{BODY}: \"dataframe_split\" needs \"columns\", an array of column names"
            )));
        }
    };
    check_width(columns.len(), max_columns)?;
    let Some(Value::Array(data)) = split.remove("data") else {
        return Err(Rejection::bad_request(format!(
            "{BODY}: \"dataframe_split\" needs \"data\", an array of rows"
        )));
    };
    let mut rows = Vec::with_capacity(data.len());
    for (r, row) in data.into_iter().enumerate() {
        let Value::Array(cells) = row else {
            return Err(Rejection::bad_request(format!(
                "{BODY}, row {}: a row of \"data\" must be an array of cells",
                r + 1
            )));
        };
        let row = cells
            .into_iter()
            .enumerate()
            .map(|(c, v)| cell_text(v, r, columns.get(c).map_or("?", String::as_str)))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(row);
    }
    Ok(Table::from_cells(BODY, columns, rows)?)
}

/// `[{"column": value, ...}, ...]` (pandas' `orient="records"`): the
/// columns are the keys in order of first appearance; a key missing from
/// a row is an empty cell there.
fn records_table(records: Value, max_columns: usize) -> Result<Table, Rejection> {
    let Value::Array(records) = records else {
        return Err(Rejection::bad_request(format!(
            "{BODY}: \"dataframe_records\" must be an array of row objects"
        )));
    };
    if records.is_empty() {
        return Err(Rejection::bad_request(format!(
            "{BODY}: \"dataframe_records\" holds no rows"
        )));
    }
    let mut columns: Vec<String> = Vec::new();
    // A set beside the list: a scan of the list for each key was quadratic.
    let mut known: HashSet<String> = HashSet::new();
    let mut objects = Vec::with_capacity(records.len());
    for (r, record) in records.into_iter().enumerate() {
        let Value::Object(object) = record else {
            return Err(Rejection::bad_request(format!(
                "{BODY}, row {}: a record must be an object of column: value",
                r + 1
            )));
        };
        check_width(object.len(), max_columns)?;
        for key in object.keys() {
            if known.insert(key.clone()) {
                columns.push(key.clone());
            }
        }
        check_width(columns.len(), max_columns)?;
        objects.push(object);
    }
    let mut rows = Vec::with_capacity(objects.len());
    for (r, mut object) in objects.into_iter().enumerate() {
        let row = columns
            .iter()
            .map(|c| cell_text(object.remove(c).unwrap_or(Value::Null), r, c))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(row);
    }
    Ok(Table::from_cells(BODY, columns, rows)?)
}

/// A JSON cell as the text a CSV file would hold: numbers as written,
/// strings as they are, `null` as an empty (missing) cell.
fn cell_text(value: Value, row: usize, column: &str) -> Result<String, Rejection> {
    match value {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s),
        Value::Null => Ok(String::new()),
        other => Err(Rejection::bad_request(format!(
            "{BODY}, row {}, column '{column}': a cell must be a number, a string or null, got {other}",
            row + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn split_records_and_csv_give_the_same_cells() {
        let split =
            br#"{"dataframe_split": {"columns": ["a", "b"], "data": [[1.5, "x"], [2, null]]}}"#;
        let records = br#"{"dataframe_records": [{"a": 1.5, "b": "x"}, {"a": 2}]}"#;
        let csv = b"a,b\n1.5,x\n2,\n";
        for table in [
            table_of(split, BodyFormat::Json, 64).unwrap(),
            table_of(records, BodyFormat::Json, 64).unwrap(),
            table_of(csv, BodyFormat::Csv, 64).unwrap(),
        ] {
            assert_eq!(table.headers(), ["a", "b"]);
            assert_eq!(
                [
                    table.cell(0, 0),
                    table.cell(0, 1),
                    table.cell(1, 0),
                    table.cell(1, 1)
                ],
                ["1.5", "x", "2", ""]
            );
        }
    }

    #[test]
    fn the_split_fast_path_reads_numbers_and_strings_as_the_general_path_does() {
        // dataframe_records always takes the general path (a JSON tree).
        let split = br#"{"dataframe_split": {"index": [0, 1, 2, 3], "columns": ["n", "s"],
            "data": [[0.1, "a\"b\u00e9"], [1e3, "x"], [-2.5e-7, null], [123456789012, "y"]]}}"#;
        let records =
            br#"{"dataframe_records": [{"n": 0.1, "s": "a\"b\u00e9"}, {"n": 1e3, "s": "x"},
            {"n": -2.5e-7, "s": null}, {"n": 123456789012, "s": "y"}]}"#;
        let fast = table_of(split, BodyFormat::Json, 64).unwrap();
        let general = table_of(records, BodyFormat::Json, 64).unwrap();
        assert!(well_formed_split(split, 64).is_some());
        assert!(well_formed_split(records, 64).is_none());
        assert_eq!(
            fast.numeric_matrix(&[0]).unwrap(),
            general.numeric_matrix(&[0]).unwrap()
        );
        for row in 0..4 {
            assert_eq!(fast.cell(row, 1), general.cell(row, 1));
        }
        assert_eq!(fast.cell(0, 1), "a\"b\u{e9}");
    }

    #[test]
    fn odd_split_bodies_leave_the_fast_path_for_the_general_one() {
        for body in [
            &br#"{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}"#[..],
            br#"{"dataframe_split": {"columns": ["a"], "data": [[[1]]]}}"#,
            br#"{"dataframe_split": {"columns": ["a"], "data": [[true]]}}"#,
            br#"{"dataframe_split": {"columns": ["a"], "data": [[1]]}, "inputs": [1]}"#,
        ] {
            assert!(well_formed_split(body, 64).is_none());
            assert!(table_of(body, BodyFormat::Json, 64).is_err());
        }
    }

    #[test]
    fn bad_bodies_are_rejected_with_a_reason() {
        let cases: [(&[u8], &str); 6] = [
            (b"{not json", "malformed JSON"),
            (b"[1, 2]", "expected a JSON object"),
            (br#"{"instances": [[1]]}"#, "is not served"),
            (
                br#"{"dataframe_split": {"data": [[1]]}}"#,
                "needs \"columns\"",
            ),
            (
                br#"{"dataframe_split": {"columns": ["a"], "data": [[[1]]]}}"#,
                "row 1, column 'a'",
            ),
            (
                br#"{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}"#,
                "row 1",
            ),
        ];
        for (body, reason) in cases {
            let message = table_of(body, BodyFormat::Json, 64).unwrap_err().message;
            assert!(message.contains(reason), "{message:?} lacks {reason:?}");
        }
        assert_eq!(
            BodyFormat::of_content_type(Some("text/csv; charset=utf-8")),
            Some(BodyFormat::Csv)
        );
        assert_eq!(BodyFormat::of_content_type(Some("image/png")), None);
    }

    #[test]
    fn a_request_wider_than_the_limit_is_refused_in_every_form() {
        let bodies: [(&[u8], BodyFormat); 4] = [
            (
                br#"{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, 3]]}}"#,
                BodyFormat::Json,
            ),
            (
                br#"{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, [3]]]}}"#,
                BodyFormat::Json,
            ),
            (
                br#"{"dataframe_records": [{"a": 1, "b": 2}, {"c": 3}]}"#,
                BodyFormat::Json,
            ),
            (b"a,b,c\n1,2,3\n", BodyFormat::Csv),
        ];
        for (body, format) in bodies {
            let wide = table_of(body, format, 2).unwrap_err();
            assert_eq!(
                wide.status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{}",
                wide.message
            );
            assert!(
                wide.message.contains("has 3 columns, more than the 2"),
                "{}",
                wide.message
            );
        }
        assert!(table_of(bodies[0].0, BodyFormat::Json, 3).is_ok());
        assert!(table_of(bodies[3].0, BodyFormat::Csv, 3).is_ok());
    }
}
