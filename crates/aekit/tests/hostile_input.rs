//! The table readers on hostile bytes: random input and mutations of small
//! valid CSV, gzip CSV and Parquet files must give a table or a clean
//! `AekitError`, never a panic. (`fuzz/` runs the same readers for longer.)

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use aekit::data::{
    ColumnKind, CsvChunks, ParquetChunks, ReadOptions, RowChunks, Table, TableWriter,
};
use arrow_array::{ArrayRef, RecordBatch};
use proptest::prelude::*;

/// Reads every chunk and touches every cell the way the model code does.
fn drain(mut chunks: Box<dyn RowChunks>) -> aekit::Result<usize> {
    let mut rows = 0;
    while let Some(t) = chunks.next_chunk(7)? {
        exercise(&t);
        rows += t.n_rows();
    }
    Ok(rows)
}

fn exercise(t: &Table) {
    let all: Vec<usize> = (0..t.headers().len()).collect();
    for &c in &all {
        let _ = t.is_numeric(c);
        let _ = t.cell(t.n_rows() - 1, c);
    }
    let _ = t.numeric_matrix(&all);
}

fn read_csv(bytes: &[u8]) -> aekit::Result<usize> {
    let chunks = CsvChunks::from_reader(
        Path::new("fuzz.csv"),
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        b',',
    )?;
    drain(Box::new(chunks))
}

fn read_parquet(bytes: &[u8]) -> aekit::Result<usize> {
    let chunks = ParquetChunks::from_bytes(Path::new("fuzz.parquet"), bytes.to_vec())?;
    drain(Box::new(chunks))
}

fn read_gzip(bytes: &[u8]) -> aekit::Result<usize> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.csv.gz");
    std::fs::write(&path, bytes).unwrap();
    Table::read(&path, &ReadOptions::default()).map(|t| {
        exercise(&t);
        t.n_rows()
    })
}

const CSV_SEED: &[u8] = b"id,a,b,\"c,d\"\nx1,1.5,-2,\"q \"\"r\"\"\"\nx2,3e4,NaN,s\nx3,,7,t\n";

fn gzip_seed() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(CSV_SEED).unwrap();
    gz.finish().unwrap()
}

/// A small Parquet file with numbers, text, a null and a dictionary column,
/// written with `compression`.
fn parquet_seed(compression: parquet::basic::Compression) -> Vec<u8> {
    let dict: arrow_array::DictionaryArray<arrow_array::types::Int32Type> =
        vec!["u", "v", "u"].into_iter().collect();
    let batch = RecordBatch::try_from_iter(vec![
        (
            "a",
            Arc::new(arrow_array::Float64Array::from(vec![
                Some(1.5),
                None,
                Some(-3.0),
            ])) as ArrayRef,
        ),
        (
            "b",
            Arc::new(arrow_array::Int32Array::from(vec![1, 2, 3])) as ArrayRef,
        ),
        (
            "s",
            Arc::new(arrow_array::StringArray::from(vec!["x", "y", "z"])) as ArrayRef,
        ),
        ("d", Arc::new(dict) as ArrayRef),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(2))
        .build();
    let mut out = Vec::new();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// A Parquet file as aekit's own writer makes it (Float32, Int64, Utf8).
fn aekit_parquet_seed() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.parquet");
    let header: Vec<String> = ["z0", "flag", "id"].map(String::from).to_vec();
    let mut w = TableWriter::create(
        &path,
        &header,
        &[ColumnKind::Float32, ColumnKind::Int64, ColumnKind::Utf8],
    )
    .unwrap();
    for r in 0..5 {
        w.write_row(&[format!("{r}.25"), (r % 2).to_string(), format!("r{r}")])
            .unwrap();
    }
    w.finish().unwrap();
    std::fs::read(&path).unwrap()
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    /// A little-endian 32-bit value at a position: lengths and offsets.
    Word(usize, u32),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0x7fff_ffff),
        Just(0xffff_ffff),
        Just(0x8000_0000),
        any::<u32>()
    ];
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Mutation::Flip(p, 1 << b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, v)| Mutation::Set(p, v)),
        (any::<usize>(), interesting).prop_map(|(p, v)| Mutation::Word(p, v)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(p, v)| Mutation::Insert(p, v)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for m in mutations {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % len };
        match m {
            Mutation::Flip(p, mask) if !b.is_empty() => {
                let i = at(*p, b.len());
                b[i] ^= mask;
            }
            Mutation::Set(p, v) if !b.is_empty() => {
                let i = at(*p, b.len());
                b[i] = *v;
            }
            Mutation::Word(p, v) if b.len() >= 4 => {
                let i = at(*p, b.len() - 3);
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            Mutation::Insert(p, v) => {
                let i = at(*p, b.len() + 1);
                b.splice(i..i, v.iter().copied());
            }
            Mutation::Delete(p, n) if !b.is_empty() => {
                let i = at(*p, b.len());
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Mutation::Truncate(p) => {
                let n = at(*p, b.len() + 1);
                b.truncate(n);
            }
            _ => {}
        }
    }
    b
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(mutation(), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn csv_reader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_csv(&bytes);
    }

    #[test]
    fn csv_reader_survives_csv_like_text(text in "[a-c0-9.,\"\\n\\r eE+-]{0,200}") {
        let _ = read_csv(text.as_bytes());
    }

    #[test]
    fn csv_reader_survives_mutated_csv(m in mutations()) {
        let _ = read_csv(&apply(CSV_SEED, &m));
    }

    #[test]
    fn gzip_reader_survives_mutated_gzip(m in mutations()) {
        let _ = read_gzip(&apply(&gzip_seed(), &m));
    }

    #[test]
    fn parquet_reader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_parquet(&bytes);
    }

    #[test]
    fn parquet_reader_survives_random_bytes_in_a_parquet_frame(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        footer in any::<u32>(),
    ) {
        let mut b = b"PAR1".to_vec();
        b.extend(&body);
        b.extend(footer.to_le_bytes());
        b.extend(b"PAR1");
        let _ = read_parquet(&b);
    }

    #[test]
    fn parquet_reader_survives_mutated_parquet(
        which in 0usize..4,
        m in mutations(),
    ) {
        let seed = match which {
            0 => parquet_seed(parquet::basic::Compression::UNCOMPRESSED),
            1 => parquet_seed(parquet::basic::Compression::SNAPPY),
            2 => parquet_seed(parquet::basic::Compression::ZSTD(Default::default())),
            _ => aekit_parquet_seed(),
        };
        let _ = read_parquet(&apply(&seed, &m));
    }
}

#[test]
fn the_seeds_are_valid() {
    assert_eq!(read_csv(CSV_SEED).unwrap(), 3);
    assert_eq!(read_gzip(&gzip_seed()).unwrap(), 3);
    for c in [
        parquet::basic::Compression::UNCOMPRESSED,
        parquet::basic::Compression::SNAPPY,
        parquet::basic::Compression::ZSTD(Default::default()),
        parquet::basic::Compression::LZ4_RAW,
    ] {
        assert_eq!(read_parquet(&parquet_seed(c)).unwrap(), 3);
    }
    assert_eq!(read_parquet(&aekit_parquet_seed()).unwrap(), 5);
}

#[test]
fn truncated_parquet_is_an_error_at_every_length() {
    let seed = parquet_seed(parquet::basic::Compression::SNAPPY);
    for n in 0..seed.len() {
        let e = read_parquet(&seed[..n]).unwrap_err().to_string();
        assert!(e.starts_with("fuzz.parquet"), "{n}: {e}");
    }
}

/// Inputs the fuzzer (fuzz/) found panicking inside parquet 60.1: a data
/// page claiming dictionary encoding with no dictionary page, and a column
/// chunk with a negative offset (`ColumnChunkMetaData::byte_range` asserts);
/// and one it found slow: a 1 261-byte file whose footer declares a map of
/// 181 842 721 boolean pairs in an unknown field, which parquet 60.1 spent
/// ~2 s skipping (refused by the footer check in milliseconds). And two in
/// the page headers: a dictionary page declaring 366 700 212 values in 8
/// bytes (parquet 60.1 sized a 2.9 GB dictionary before decoding it), and a
/// page header running past its column chunk into a huge unknown
/// collection near the end of the file (3 min 57 s through `aekit encode`),
/// both refused by the page-header check in milliseconds.
#[test]
fn fuzz_findings_are_clean_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (name, needle) in [
        ("fuzz-dict-page-missing.parquet", "corrupt Parquet file"),
        ("fuzz-negative-offset.parquet", "negative offset"),
        ("fuzz-slow-footer.parquet", "declares 181842721 entries"),
        (
            "fuzz-dictionary-num-values.parquet",
            "declares 366700212 values in 8 bytes",
        ),
        (
            "fuzz-slow-page-header.parquet",
            "runs past the column chunk's end",
        ),
        (
            "fuzz-page-uncompressed-size.parquet",
            "more than its whole column chunk",
        ),
    ] {
        let path = dir.join(name);
        let e = Table::read(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(name) && e.contains(needle), "{e}");
        // The same from memory (standard input, the fuzzer).
        let e = read_parquet(&std::fs::read(&path).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{name} in memory: {e}");
    }
}

/// A dictionary page whose value count does not fit its bytes is refused,
/// naming the column, in every codec; the valid file around it is not.
#[test]
fn a_dictionary_page_larger_than_its_bytes_is_refused() {
    for c in [
        parquet::basic::Compression::UNCOMPRESSED,
        parquet::basic::Compression::SNAPPY,
        parquet::basic::Compression::ZSTD(Default::default()),
    ] {
        let seed = parquet_seed(c);
        // Column 'd' (dictionary strings u, v): its dictionary page header
        // holds field 7 { 1: num_values 2 } as 0x4C 0x15 0x04.
        let at = seed
            .windows(3)
            .position(|w| w == [0x4C, 0x15, 0x04])
            .unwrap();
        let mut bad = seed.clone();
        bad[at + 2] = 0x7E; // 63 values in a page of 2 short strings.
        let e = read_parquet(&bad).unwrap_err().to_string();
        assert!(
            e.contains("dictionary page")
                && e.contains("declares 63 values")
                && e.contains("column '"),
            "{c:?}: {e}"
        );
        assert_eq!(read_parquet(&seed).unwrap(), 3);
    }
}
