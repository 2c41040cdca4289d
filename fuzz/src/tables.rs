//! The table readers' targets: CSV, gzip CSV and Parquet bytes read
//! through the readers `aekit` uses, every cell touched as the model code
//! touches it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use aekit::data::{ColumnKind, CsvChunks, ParquetChunks, RowChunks, Table, TableWriter};
use arrow_array::{ArrayRef, RecordBatch};

fn drain(mut chunks: Box<dyn RowChunks>) -> aekit::Result<usize> {
    let mut rows = 0;
    while let Some(t) = chunks.next_chunk(5)? {
        exercise(&t);
        rows += t.n_rows();
    }
    Ok(rows)
}

pub fn exercise(t: &Table) {
    let all: Vec<usize> = (0..t.headers().len()).collect();
    for &c in &all {
        let _ = t.is_numeric(c);
    }
    let _ = t.numeric_matrix(&all);
}

/// CSV bytes through the chunked reader.
pub fn read_csv(bytes: &[u8]) -> aekit::Result<usize> {
    drain(Box::new(CsvChunks::from_reader(
        Path::new("fuzz.csv"),
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        b',',
    )?))
}

/// Gzip bytes through the decoder `aekit` reads `.gz` files with.
pub fn read_gzip(bytes: &[u8]) -> aekit::Result<usize> {
    drain(Box::new(CsvChunks::from_reader(
        Path::new("fuzz.csv.gz"),
        Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
            std::io::Cursor::new(bytes.to_vec()),
        ))),
        b',',
    )?))
}

/// Parquet bytes through the guard and the reader.
pub fn read_parquet(bytes: &[u8]) -> aekit::Result<usize> {
    drain(Box::new(ParquetChunks::from_bytes(
        Path::new("fuzz.parquet"),
        bytes.to_vec(),
    )?))
}

const CSV_SEEDS: &[&[u8]] = &[
    b"id,a,b,\"c,d\"\nx1,1.5,-2,\"q \"\"r\"\"\"\nx2,3e4,NaN,s\nx3,,7,t\n",
    b"a,b\n1,2\n\n3,4\n",
    b"a\tb\r\n1\t2\r\n",
    b"\xef\xbb\xbfa,b\n1,inf\n-0,1e39\n",
];

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(bytes);
    gz.finish().unwrap_or_default()
}

fn parquet_seed(compression: parquet::basic::Compression, group_rows: usize) -> Vec<u8> {
    let dict: arrow_array::DictionaryArray<arrow_array::types::Int32Type> =
        vec!["u", "v", "u", "w"].into_iter().collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "a",
            Arc::new(arrow_array::Float64Array::from(vec![
                Some(1.5),
                None,
                Some(-3.0),
                Some(f64::NAN),
            ])),
        ),
        (
            "b",
            Arc::new(arrow_array::Int32Array::from(vec![1, 2, 3, 4])),
        ),
        (
            "c",
            Arc::new(arrow_array::UInt8Array::from(vec![1, 2, 3, 255])),
        ),
        (
            "f",
            Arc::new(arrow_array::Float32Array::from(vec![0.1, 0.2, 0.3, 0.4])),
        ),
        (
            "t",
            Arc::new(arrow_array::BooleanArray::from(vec![
                true, false, true, false,
            ])),
        ),
        (
            "s",
            Arc::new(arrow_array::StringArray::from(vec![
                Some("x"),
                Some("yy"),
                None,
                Some(""),
            ])),
        ),
        ("d", Arc::new(dict)),
    ];
    let Ok(batch) = RecordBatch::try_from_iter(columns) else {
        return Vec::new();
    };
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    let mut out = Vec::new();
    let Ok(mut w) = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props))
    else {
        return Vec::new();
    };
    if w.write(&batch).is_err() || w.close().is_err() {
        return Vec::new();
    }
    out
}

fn aekit_parquet_seed() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("aekit-fuzz-seed-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("seed.parquet");
    let header: Vec<String> = ["z0", "flag", "id"].map(String::from).to_vec();
    let kinds = [ColumnKind::Float32, ColumnKind::Int64, ColumnKind::Utf8];
    let mut bytes = Vec::new();
    if let Ok(mut w) = TableWriter::create(&path, &header, &kinds) {
        for r in 0..6 {
            let _ = w.write_row(&[format!("{r}.5"), (r % 2).to_string(), format!("r{r}")]);
        }
        if w.finish().is_ok()
            && let Ok(mut f) = std::fs::File::open(&path)
        {
            let _ = f.read_to_end(&mut bytes);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// Small valid CSV files.
pub fn csv_seeds() -> Vec<Vec<u8>> {
    CSV_SEEDS.iter().map(|s| s.to_vec()).collect()
}

/// The CSV seeds, gzipped.
pub fn gzip_seeds() -> Vec<Vec<u8>> {
    CSV_SEEDS.iter().map(|s| gzip(s)).collect()
}

/// Parquet in every codec aekit reads, and a file from aekit's writer.
pub fn parquet_seeds() -> Vec<Vec<u8>> {
    use parquet::basic::Compression as C;
    let mut v: Vec<Vec<u8>> = [
        (C::UNCOMPRESSED, 4),
        (C::SNAPPY, 2),
        (C::ZSTD(Default::default()), 3),
        (C::LZ4_RAW, 4),
        (C::GZIP(Default::default()), 1),
    ]
    .into_iter()
    .map(|(c, g)| parquet_seed(c, g))
    .collect();
    v.push(aekit_parquet_seed());
    v.retain(|s| !s.is_empty());
    v
}
