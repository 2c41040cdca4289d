//! The server's request-body target: MLflow JSON (`dataframe_split`,
//! `dataframe_records`) and CSV bodies parsed as `aekit serve` parses them.

use aekit_serve::{BodyFormat, table_of};

use crate::tables::exercise;

/// Columns a body may have: a model's 32 inputs and the server's extras.
const MAX_COLUMNS: usize = 64;

const JSON_SEEDS: &[&[u8]] = &[
    br#"{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2.5, "x"], [-3e4, null, "y"]]}}"#,
    br#"{"dataframe_split": {"index": [0, 1], "columns": ["a"], "data": [[1], [true]]}}"#,
    br#"{"dataframe_records": [{"a": 1, "b": "u"}, {"a": 2.5, "b": false}, {"b": "w"}]}"#,
    br#"{"dataframe_records": []}"#,
];

const CSV_SEEDS: &[&[u8]] = &[b"a,b,c\n1,2.5,x\n-3e4,,\"y,z\"\n", b"id,a\nr1,NaN\n"];

/// JSON bodies.
pub fn json_seeds() -> Vec<Vec<u8>> {
    JSON_SEEDS.iter().map(|s| s.to_vec()).collect()
}

/// CSV bodies.
pub fn csv_seeds() -> Vec<Vec<u8>> {
    CSV_SEEDS.iter().map(|s| s.to_vec()).collect()
}

/// Parses a body and touches every cell.
pub fn read_body(body: &[u8], format: BodyFormat) -> Result<usize, String> {
    let table = table_of(body, format, MAX_COLUMNS).map_err(|r| r.message)?;
    exercise(&table);
    Ok(table.n_rows())
}
