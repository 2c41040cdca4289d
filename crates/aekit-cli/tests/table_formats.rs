//! Tables in and out in every format: Parquet and gzip CSV files, standard
//! input and output; each gives the same values as the plain CSV path, and
//! bad Parquet gets the same one-line errors as bad CSV.

#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aekit::data::{ReadOptions, Table};
use arrow_array::{ArrayRef, RecordBatch};
use util::{aekit, aekit_stdin, arg, data, gzip, iris_recipe, with};

/// A column to write in a Parquet copy: every cell's text.
enum Column {
    Float64(Vec<Option<f64>>),
    Int64(Vec<Option<i64>>),
    Utf8(Vec<Option<String>>),
}

/// A Parquet copy of a CSV file: whole-number columns as Int64, other
/// numeric columns as Float64, the rest as Utf8; `edit` may change cells
/// (None is a null) before the types are chosen.
fn parquet_copy(
    csv: &Path,
    out: &Path,
    edit: impl Fn(usize, &str, &str) -> Option<Option<String>>,
    force_text: &[&str],
) -> PathBuf {
    let t = Table::read(csv, &ReadOptions::default()).unwrap();
    let mut fields: Vec<(String, ArrayRef)> = Vec::new();
    for (c, name) in t.headers().iter().enumerate() {
        let cells: Vec<Option<String>> = (0..t.n_rows())
            .map(|r| edit(r, name, &t.cell(r, c)).unwrap_or_else(|| Some(t.cell(r, c).into())))
            .collect();
        let all = |f: &dyn Fn(&str) -> bool| cells.iter().flatten().all(|s| f(s));
        let column = if force_text.contains(&name.as_str()) {
            Column::Utf8(cells)
        } else if all(&|s| s.parse::<i64>().is_ok()) {
            Column::Int64(
                cells
                    .iter()
                    .map(|c| c.as_ref().map(|s| s.parse().unwrap()))
                    .collect(),
            )
        } else if all(&|s| s.parse::<f64>().is_ok()) {
            Column::Float64(
                cells
                    .iter()
                    .map(|c| c.as_ref().map(|s| s.parse().unwrap()))
                    .collect(),
            )
        } else {
            Column::Utf8(cells)
        };
        let array: ArrayRef = match column {
            Column::Float64(v) => Arc::new(arrow_array::Float64Array::from(v)),
            Column::Int64(v) => Arc::new(arrow_array::Int64Array::from(v)),
            Column::Utf8(v) => Arc::new(arrow_array::StringArray::from(v)),
        };
        fields.push((name.clone(), array));
    }
    let batch = RecordBatch::try_from_iter(fields).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(40))
        .build();
    let file = std::fs::File::create(out).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out.to_path_buf()
}

fn plain_copy(csv: &Path, out: &Path) -> PathBuf {
    parquet_copy(csv, out, |_, _, _| None, &[])
}

/// Every cell of a table file in any format, as text, with its header.
fn cells(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let t = Table::read(path, &ReadOptions::default()).unwrap();
    let rows = (0..t.n_rows())
        .map(|r| {
            (0..t.headers().len())
                .map(|c| t.cell(r, c).to_string())
                .collect()
        })
        .collect();
    (t.headers().to_vec(), rows)
}

/// Asserts two tables hold the same values: equal text, or equal numbers
/// (Parquet stores the CSV's "0.3150" as the float 0.315).
fn assert_same_values(a: &(Vec<String>, Vec<Vec<String>>), b: &(Vec<String>, Vec<Vec<String>>)) {
    assert_eq!(a.0, b.0);
    assert_eq!(a.1.len(), b.1.len());
    for (r, (x, y)) in a.1.iter().zip(&b.1).enumerate() {
        for (c, (u, v)) in x.iter().zip(y).enumerate() {
            let same =
                u == v || matches!((u.parse::<f64>(), v.parse::<f64>()), (Ok(p), Ok(q)) if p == q);
            assert!(same, "row {r}, column {}: {u} vs {v}", a.0[c]);
        }
    }
}

/// Runs `aekit` with `stdin` as standard input.
fn train_iris(input: &Path, out: &Path, extra: &[&str]) {
    let mut args = with(
        iris_recipe(&arg(input)),
        ["--epochs", "15", "--seed", "7", "--threads", "1", "--quiet"],
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--out".into(), arg(out)]);
    aekit(&args).ok();
}

/// The name and Arrow type of each column of the Parquet file at `path`.
fn parquet_fields(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    reader
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().to_string(), f.data_type().to_string()))
        .collect()
}

#[test]
fn parquet_gzip_and_pipes_give_the_csv_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = data("iris.csv");
    let pq = plain_copy(&csv, &d.join("iris.parquet"));
    let gz = gzip(&csv, &d.join("iris.csv.gz"));

    // Training on the Parquet copy gives the model training on the CSV gives.
    let (m_csv, m_pq) = (d.join("csv.aekit"), d.join("pq.aekit"));
    train_iris(&csv, &m_csv, &[]);
    train_iris(&pq, &m_pq, &[]);
    let encode = |model: &Path, input: &Path, out: &Path| {
        aekit(["encode", &arg(model), &arg(input), "--out", &arg(out)]).ok();
    };
    let reference = d.join("codes.csv");
    encode(&m_csv, &csv, &reference);
    encode(&m_pq, &csv, &d.join("codes_pq_model.csv"));
    assert_eq!(
        std::fs::read(&reference).unwrap(),
        std::fs::read(d.join("codes_pq_model.csv")).unwrap()
    );
    let expected = cells(&reference);
    assert_eq!(expected.0, ["z0", "z1", "species", "split"]);

    // Every input format and every output format: the same cells.
    for (input, out) in [
        (&pq, "a.parquet"),
        (&pq, "b.pq"),
        (&gz, "c.csv.gz"),
        (&pq, "d.csv"),
        (&gz, "e.parquet"),
    ] {
        let out = d.join(out);
        encode(&m_csv, input, &out);
        assert_eq!(
            cells(&out),
            expected,
            "{} -> {}",
            input.display(),
            out.display()
        );
    }
    let bytes = std::fs::read(d.join("a.parquet")).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    let bytes = std::fs::read(d.join("c.csv.gz")).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);

    // Codes are Float32 columns, copied text columns Utf8.
    let types: Vec<String> = parquet_fields(&d.join("a.parquet"))
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(types, ["Float32", "Float32", "Utf8", "Utf8"]);

    // Standard input to standard output: CSV, then Parquet with --format.
    let encode_stdin = |flags: &[&str], input: &Path| {
        let mut args = vec!["encode".to_string(), arg(&m_csv), "-".into()];
        args.extend(flags.iter().map(|f| f.to_string()));
        args.extend(["--out".into(), "-".into()]);
        aekit_stdin(&args, &std::fs::read(input).unwrap()).ok()
    };
    let run = encode_stdin(&[], &csv);
    assert_eq!(run.output.stdout, std::fs::read(&reference).unwrap());
    assert!(!d.join("-").exists() && !Path::new("-").exists());
    let run = encode_stdin(&["--format", "parquet"], &pq);
    assert_eq!(run.output.stdout, std::fs::read(&reference).unwrap());

    // --format forces the format whatever the name says.
    let odd = d.join("iris.data");
    std::fs::copy(&pq, &odd).unwrap();
    encode_with_format(&m_csv, &odd, "parquet", &d.join("f.csv"));
    assert_eq!(cells(&d.join("f.csv")), expected);

    // Decode and reconstruct write Parquet too, with the CSV path's values.
    for command in ["decode", "reconstruct"] {
        let input = if command == "decode" {
            d.join("a.parquet")
        } else {
            pq.clone()
        };
        let (from_csv, from_pq) = (
            d.join(format!("{command}.csv")),
            d.join(format!("{command}.parquet")),
        );
        let csv_input = if command == "decode" {
            reference.clone()
        } else {
            csv.clone()
        };
        aekit([
            command,
            &arg(&m_csv),
            &arg(&csv_input),
            "--out",
            &arg(&from_csv),
        ])
        .ok();
        aekit([command, &arg(&m_csv), &arg(&input), "--out", &arg(&from_pq)]).ok();
        assert_eq!(cells(&from_pq), cells(&from_csv), "{command}");
    }
}

fn encode_with_format(model: &Path, input: &Path, format: &str, out: &Path) {
    aekit([
        "encode",
        &arg(model),
        &arg(input),
        "--format",
        format,
        "--out",
        &arg(out),
    ])
    .ok();
}

#[test]
fn score_streams_parquet_with_the_csv_scores() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = data("wine_anomalies.csv");
    let pq = plain_copy(&csv, &d.join("wine.parquet"));
    let model = d.join("wine.aekit");
    aekit([
        "detect",
        &arg(&csv),
        "--id",
        "id",
        "--drop",
        "is_outlier",
        "--epochs",
        "20",
        "--seed",
        "2",
        "--threads",
        "1",
        "--quiet",
        "--out",
        &arg(&model),
    ])
    .ok();
    let score = |input: &Path, out: &Path| {
        aekit([
            "score",
            &arg(&model),
            &arg(input),
            "--label",
            "is_outlier",
            "--explain",
            "2",
            "--chunk-rows",
            "7",
            "--json",
            "--quiet",
            "--out",
            &arg(out),
        ])
        .ok()
        .stdout()
    };
    let report_csv = score(&csv, &d.join("scores.csv"));
    let report_pq = score(&pq, &d.join("scores.parquet"));
    assert_eq!(report_csv, report_pq);
    assert!(report_pq.contains("\"rows\": 129"), "{report_pq}");
    assert_same_values(
        &cells(&d.join("scores.parquet")),
        &cells(&d.join("scores.csv")),
    );
    let types: Vec<String> = parquet_fields(&d.join("scores.parquet"))
        .into_iter()
        .map(|(name, t)| format!("{name}:{t}"))
        .collect();
    assert_eq!(
        types,
        [
            "id:Utf8",
            "is_outlier:Utf8",
            "score:Float32",
            "is_anomaly:Int64",
            "top1_feature:Utf8",
            "top1_share:Float32",
            "top2_feature:Utf8",
            "top2_share:Float32"
        ]
    );
    // Parquet in, gzip CSV out.
    score(&pq, &d.join("scores.csv.gz"));
    assert_eq!(
        cells(&d.join("scores.csv.gz")),
        cells(&d.join("scores.csv"))
    );
}

#[test]
fn bad_parquet_is_a_one_line_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = data("iris.csv");
    let model = util::iris_model(d);
    let good = plain_copy(&csv, &d.join("good.parquet"));
    let bytes = std::fs::read(&good).unwrap();

    let truncated = d.join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let nulls = parquet_copy(
        &csv,
        &d.join("nulls.parquet"),
        |r, c, _| (r == 2 && c == "sepal_width").then_some(None),
        &[],
    );
    let text = parquet_copy(
        &csv,
        &d.join("text.parquet"),
        |r, c, _| (r == 4 && c == "petal_length").then(|| Some("oops".to_string())),
        &[],
    );
    // A null is a missing value: imputed, or refused with --missing error.
    aekit(with(
        iris_recipe(&arg(&nulls)),
        [
            "--epochs",
            "1",
            "--quiet",
            "--out",
            &arg(&d.join("nulls.aekit")),
        ],
    ))
    .ok();
    aekit(with(
        iris_recipe(&arg(&nulls)),
        [
            "--epochs",
            "1",
            "--missing",
            "error",
            "--out",
            &arg(&d.join("nulls.aekit")),
        ],
    ))
    .fails_with(&[
        "nulls.parquet",
        "row 3",
        "column 'sepal_width'",
        "missing value",
    ]);
    let not_parquet = d.join("iris.parquet");
    std::fs::copy(&csv, &not_parquet).unwrap();
    let cases: [(&Path, &[&str]); 3] = [
        (&truncated, &["truncated.parquet", "Parquet"]),
        (
            &text,
            &[
                "text.parquet",
                "row 5",
                "column 'petal_length'",
                "not a number",
            ],
        ),
        (
            &not_parquet,
            &["iris.parquet", "not a readable Parquet file"],
        ),
    ];
    for (input, needles) in cases {
        for (command, out) in [("encode", "out.parquet"), ("reconstruct", "out.csv")] {
            let out = d.join(out);
            aekit([command, &arg(&model), &arg(input), "--out", &arg(&out)]).fails_with(needles);
            assert!(!out.exists(), "{} left {}", input.display(), out.display());
        }
        let out = d.join("m.aekit");
        aekit(with(
            iris_recipe(&arg(input)),
            ["--epochs", "1", "--quiet", "--out", &arg(&out)],
        ))
        .fails_with(needles);
        assert!(!out.exists());
    }
    // Nothing but the model and the inputs in the directory: no temp files.
    let names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_corrupt_gzip_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = util::iris_model(dir.path());
    let bad = dir.path().join("bad.csv.gz");
    let gz = gzip(&data("iris.csv"), &bad);
    let bytes = std::fs::read(&gz).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.path().join("codes.csv");
    aekit(["encode", &arg(&model), &arg(&bad), "--out", &arg(&out)]).fails_with(&["bad.csv.gz"]);
    assert!(!out.exists());
}

#[test]
fn a_parquet_file_that_panics_the_decoder_is_a_one_line_error() {
    // Found by fuzz/: parquet 60.1 panics on it; aekit reports it, quietly.
    let dir = tempfile::tempdir().unwrap();
    let model = util::iris_model(dir.path());
    let bad = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../aekit/tests/fixtures/fuzz-dict-page-missing.parquet");
    let out = dir.path().join("codes.parquet");
    aekit(["encode", &arg(&model), &arg(&bad), "--out", &arg(&out)])
        .fails_with(&["fuzz-dict-page-missing.parquet", "corrupt Parquet file"]);
    assert!(!out.exists());
}
