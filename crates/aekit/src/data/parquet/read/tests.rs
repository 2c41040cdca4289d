//! Unit tests of `read`.

use super::*;
use crate::data::ColumnKind;
use crate::data::ReadOptions;
use crate::data::parquet::write::ParquetSink;
use parquet::arrow::ArrowWriter;

/// `t.parquet` in a fresh folder (kept while the guard lives), holding
/// one batch of `columns`.
fn parquet_file(columns: Vec<(&str, ArrayRef)>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut w = ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    (dir, path)
}

/// A column of 64-bit floats (`None` cells are nulls).
fn f64s(values: impl Into<arrow_array::Float64Array>) -> ArrayRef {
    Arc::new(values.into())
}

/// The file at `path` read with the default options.
fn read(path: &Path) -> Result<Table> {
    Table::read(path, &ReadOptions::default())
}

#[test]
fn numbers_of_every_width_and_text_read_as_the_csv_would() {
    let (_dir, path) = parquet_file(vec![
        ("i8", Arc::new(arrow_array::Int8Array::from(vec![-3i8, 4]))),
        (
            "u64",
            Arc::new(arrow_array::UInt64Array::from(vec![7u64, 8])),
        ),
        (
            "f32",
            Arc::new(arrow_array::Float32Array::from(vec![5.1f32, 0.1])),
        ),
        ("f64", f64s(vec![5.1f64, 1e-7])),
        (
            "b",
            Arc::new(arrow_array::BooleanArray::from(vec![true, false])),
        ),
        (
            "s",
            Arc::new(arrow_array::StringArray::from(vec!["x, y", "z"])),
        ),
    ]);
    let t = read(&path).unwrap();
    assert_eq!(t.headers(), &["i8", "u64", "f32", "f64", "b", "s"]);
    assert_eq!(t.n_rows(), 2);
    assert_eq!(t.cell(0, 5), "x, y");
    assert!(t.is_numeric(0) && t.is_numeric(3) && !t.is_numeric(5));
    let m = t.numeric_matrix(&[0, 1, 2, 3, 4]).unwrap();
    assert_eq!(m, vec![-3.0, 7.0, 5.1, 5.1, 1.0, 4.0, 8.0, 0.1, 1e-7, 0.0]);
}

#[test]
fn float_columns_reach_the_matrix_as_numbers() {
    let (_dir, path) = parquet_file(vec![
        ("a", f64s(vec![0.1, 2.5e-8, -3.0])),
        (
            "b",
            Arc::new(arrow_array::Float32Array::from(vec![
                1.5f32,
                f32::MIN_POSITIVE,
                7.0,
            ])),
        ),
        (
            "s",
            Arc::new(arrow_array::StringArray::from(vec!["x", "y", "z"])),
        ),
    ]);
    let t = read(&path).unwrap();
    // The decoded arrays are kept as they are: no text column in between.
    assert_eq!(t.column(0).data_type(), &DataType::Float64);
    assert_eq!(t.column(1).data_type(), &DataType::Float32);
    assert_eq!(t.column(2).data_type(), &DataType::Utf8);
    let m = t.numeric_matrix(&[1, 0]).unwrap();
    assert_eq!(m, vec![1.5, 0.1, f32::MIN_POSITIVE, 2.5e-8, 7.0, -3.0]);
    // Cells still read as the text a CSV copy would hold.
    assert_eq!([t.cell(1, 0), t.cell(2, 1)], ["0.000000025", "7"]);
}

#[test]
fn nan_infinity_and_huge_values_are_errors_naming_row_and_column() {
    let (_dir, path) = parquet_file(vec![
        ("ok", f64s(vec![1.0; 4])),
        ("v", f64s(vec![1.0, f64::NAN, f64::NEG_INFINITY, 1e300])),
    ]);
    let t = read(&path).unwrap();
    let e = t.numeric_matrix(&[0, 1]).unwrap_err().to_string();
    assert!(
        e.contains("row 2") && e.contains("column 'v'") && e.contains("'NaN' is not finite"),
        "{e}"
    );
    let tail = t.numeric_matrix(&[1]).map(drop);
    assert!(tail.is_err());
    let rows = |from: usize| {
        let mut chunks = ParquetChunks::open(&path).unwrap();
        chunks.next_chunk(from).unwrap().unwrap();
        chunks.next_chunk(1).unwrap().unwrap()
    };
    let e = rows(2).numeric_matrix(&[1]).unwrap_err().to_string();
    assert!(
        e.contains("row 3") && e.contains("'-inf' is not finite"),
        "{e}"
    );
    let e = rows(3).numeric_matrix(&[1]).unwrap_err().to_string();
    assert!(
        e.contains("row 4") && e.contains("too large for 32-bit floats"),
        "{e}"
    );
}

#[test]
fn the_first_bad_cell_in_row_order_is_named() {
    let mut a = vec![Some(1.0); 600];
    let mut b = vec![Some(1.0); 600];
    a[400] = None;
    b[300] = Some(f64::INFINITY);
    let (_dir, path) = parquet_file(vec![("a", f64s(a)), ("b", f64s(b))]);
    let t = read(&path).unwrap();
    let e = t.numeric_matrix(&[0, 1]).unwrap_err().to_string();
    assert!(e.contains("row 301") && e.contains("column 'b'"), "{e}");
}

#[test]
fn dictionary_strings_read_as_text() {
    let dict: arrow_array::DictionaryArray<arrow_array::types::Int32Type> =
        vec!["a", "b", "a"].into_iter().collect();
    let (_dir, path) = parquet_file(vec![
        ("c", Arc::new(dict) as ArrayRef),
        ("x", Arc::new(arrow_array::Int32Array::from(vec![1, 2, 3]))),
    ]);
    let t = read(&path).unwrap();
    assert_eq!([t.cell(0, 0), t.cell(1, 0), t.cell(2, 0)], ["a", "b", "a"]);
}

#[test]
fn a_null_is_a_missing_value_naming_row_and_column() {
    let (_dir, path) = parquet_file(vec![
        ("a", f64s(vec![Some(1.0), None])),
        ("b", f64s(vec![1.0, 2.0])),
    ]);
    let t = read(&path).unwrap();
    let e = t.numeric_matrix(&[0, 1]).unwrap_err().to_string();
    assert!(
        e.contains("t.parquet") && e.contains("row 2") && e.contains("column 'a'"),
        "{e}"
    );
    assert!(e.contains("missing value"), "{e}");
}

#[test]
fn unsupported_types_and_garbage_are_clear_errors() {
    let (_dir, path) = parquet_file(vec![(
        "when",
        Arc::new(arrow_array::Date32Array::from(vec![1, 2])) as ArrayRef,
    )]);
    let e = read(&path).unwrap_err().to_string();
    assert!(e.contains("column 'when'") && e.contains("Date32"), "{e}");
    std::fs::write(&path, b"a,b\n1,2\n").unwrap();
    let e = read(&path).unwrap_err().to_string();
    assert!(e.contains("not a readable Parquet file"), "{e}");
}

#[test]
fn chunks_split_batches_and_count_rows() {
    let values: Vec<f64> = (0..10).map(f64::from).collect();
    let (_dir, path) = parquet_file(vec![("v", f64s(values))]);
    let mut chunks = ParquetChunks::open(&path).unwrap();
    let mut sizes = Vec::new();
    while let Some(t) = chunks.next_chunk(4).unwrap() {
        sizes.push(t.n_rows());
        assert_eq!(t.line_of(0), chunks.rows_read() - t.n_rows() + 1);
    }
    assert_eq!(sizes, vec![4, 4, 2]);
}

#[test]
fn sink_writes_typed_columns_that_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.parquet");
    let header: Vec<String> = ["z", "flag", "id"].map(String::from).to_vec();
    let mut sink = ParquetSink::new(
        File::create(&path).unwrap(),
        &header,
        &[ColumnKind::Float32, ColumnKind::Int64, ColumnKind::Utf8],
    )
    .unwrap();
    sink.push(&["0.25", "1", "007"]).unwrap();
    sink.push(&["-1e-3", "0", ""]).unwrap();
    sink.finish().unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
    let types: Vec<DataType> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        vec![DataType::Float32, DataType::Int64, DataType::Utf8]
    );
    let t = read(&path).unwrap();
    assert_eq!(t.cell(0, 0), "0.25");
    assert_eq!(t.cell(1, 0), "-0.001");
    assert_eq!(t.cell(0, 2), "007");
}
