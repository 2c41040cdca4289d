//! Scoring a file in stages: check the options, lay out the output
//! columns, score chunk by chunk while tallying flags and labels, then
//! report.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, Int64Array, StringArray};

use super::explain::explain_errors;
use super::report::{DetectionMetrics, ScoreOptions, ScoreReport};
use crate::Autoencoder;
use crate::data::{
    ColumnKind, Matrix, ReadAhead, ReadOptions, Schema, Table, TableWriter, open_chunks,
};
use crate::error::{AekitError, Result};
use crate::tasks::metrics::Confusion;
use crate::tasks::ranking_sketch::RankingSketch;

/// Scores `input` (CSV or Parquet, see [`Table::read`]) chunk by chunk into
/// `output` (written atomically, in the format its name asks for): the
/// model's id and label columns where present, `score`, `is_anomaly`, and
/// with `explain` the top features and their shares. `progress` hears the
/// running row count.
pub fn score_file(
    model: &Autoencoder,
    input: &Path,
    csv: &ReadOptions,
    output: &Path,
    options: &ScoreOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<ScoreReport> {
    let threshold = resolve_threshold(model, options)?;
    let schema = model.schema();
    let explained = schema.explained_features();
    check_explain(options, explained.len())?;
    let chunks = open_chunks(input, csv)?;
    let unseen_before = model.unseen_categories();
    let layout = OutputLayout::new(schema, chunks.headers(), input, options)?;
    crate::data::output::check_writable(output)?;
    let mut tally = Tally::new(options.exact_rows);
    let mut writer = TableWriter::create(output, &layout.header, &layout.kinds)?;
    // The next chunk is parsed while this one is scored.
    let mut chunks = ReadAhead::start(chunks, options.chunk_rows.max(1));
    while let Some(chunk) = chunks.next_chunk()? {
        let columns = score_chunk(model, &chunk, &layout, &explained, threshold, &mut tally)?;
        writer.write_columns(&columns)?;
        tally.rows += chunk.n_rows();
        progress(tally.rows);
    }
    if tally.rows == 0 {
        return Err(AekitError::Data {
            path: crate::data::display_path(input),
            row: None,
            column: None,
            message: "has a header but no data rows".into(),
        });
    }
    writer.finish()?;
    let unseen = model.unseen_categories() - unseen_before;
    Ok(tally.report(threshold, layout.label_column.is_some(), unseen))
}

/// The threshold to flag at: the given one (finite), else the model's.
fn resolve_threshold(model: &Autoencoder, options: &ScoreOptions) -> Result<f64> {
    match (options.threshold, model.anomaly_threshold()) {
        (Some(t), _) if t.is_finite() => Ok(t),
        (Some(t), _) => Err(AekitError::param(
            "threshold",
            format!("must be a finite number, got {t}"),
        )),
        (None, Some(a)) => Ok(a.threshold),
        (None, None) => Err(AekitError::param(
            "threshold",
            "the model has no stored threshold (fit it as a detector) and none was given",
        )),
    }
}

/// Refuses asking for more top features than the model explains.
fn check_explain(options: &ScoreOptions, n_features: usize) -> Result<()> {
    if options.explain > n_features {
        return Err(AekitError::param(
            "explain",
            format!(
                "asks for {} features, but the model has {n_features}",
                options.explain
            ),
        ));
    }
    Ok(())
}

/// The output's columns: those copied from the input, then the ones
/// scoring produces, and where the metric label is read.
struct OutputLayout {
    /// (name, input column) of the model's label and ids and the metric label.
    copied: Vec<(String, usize)>,
    /// The input column of the metric label.
    label_column: Option<usize>,
    header: Vec<String>,
    kinds: Vec<ColumnKind>,
    explain: usize,
}

impl OutputLayout {
    fn new(
        schema: &Schema,
        headers: &[String],
        input: &Path,
        options: &ScoreOptions,
    ) -> Result<OutputLayout> {
        // Columns copied to the output: the model's label and ids, and the metric label.
        let mut copied: Vec<(String, usize)> = Vec::new();
        for name in schema
            .label
            .iter()
            .chain(&schema.ids)
            .chain(options.label.iter())
        {
            if let Some(i) = headers.iter().position(|h| h == name)
                && !copied.iter().any(|(n, _)| n == name)
            {
                copied.push((name.clone(), i));
            }
        }
        let label_column = match &options.label {
            Some(l) => {
                Some(
                    headers
                        .iter()
                        .position(|h| h == l)
                        .ok_or_else(|| AekitError::Column {
                            path: input.to_path_buf(),
                            column: l.clone(),
                            reason: "named as the label is not in the file".into(),
                        })?,
                )
            }
            None => None,
        };

        let mut produced = vec!["score".to_string(), "is_anomaly".to_string()];
        for k in 1..=options.explain {
            produced.push(format!("top{k}_feature"));
            produced.push(format!("top{k}_share"));
        }
        // A copied column never shadows one this command produces.
        let mut header: Vec<String> = copied
            .iter()
            .map(|(n, _)| {
                if produced.contains(n) {
                    format!("{n}_input")
                } else {
                    n.clone()
                }
            })
            .collect();
        let mut kinds = vec![ColumnKind::Utf8; header.len()];
        kinds.extend([ColumnKind::Float32, ColumnKind::Int64]);
        for _ in 0..options.explain {
            kinds.extend([ColumnKind::Utf8, ColumnKind::Float32]);
        }
        header.extend(produced);
        Ok(OutputLayout {
            copied,
            label_column,
            header,
            kinds,
            explain: options.explain,
        })
    }
}

/// What scoring has counted so far: rows, flags, and against the label
/// the ranking and the confusion matrix.
struct Tally {
    ranking: RankingSketch,
    confusion: Confusion,
    rows: usize,
    anomalies: usize,
}

impl Tally {
    fn new(exact_rows: usize) -> Tally {
        Tally {
            ranking: RankingSketch::new(exact_rows),
            confusion: Confusion::default(),
            rows: 0,
            anomalies: 0,
        }
    }

    /// The report, with metrics when a label was read.
    fn report(self, threshold: f64, labelled: bool, unseen_categories: usize) -> ScoreReport {
        let Tally {
            ranking,
            confusion,
            rows,
            anomalies,
        } = self;
        let metrics = labelled.then(|| {
            let ranked = ranking.metrics();
            DetectionMetrics {
                roc_auc: ranked.roc_auc,
                average_precision: ranked.average_precision,
                exact: ranked.exact,
                roc_auc_error_bound: ranked.roc_auc_error_bound,
                precision: confusion.precision(),
                recall: confusion.recall(),
                f1: confusion.f1(),
                confusion,
            }
        });
        ScoreReport {
            rows,
            anomalies,
            threshold,
            metrics,
            unseen_categories,
        }
    }
}

/// Scores one chunk: its output columns, with its flags (and labels)
/// counted in `tally`.
fn score_chunk(
    model: &Autoencoder,
    chunk: &Table,
    layout: &OutputLayout,
    explained: &[String],
    threshold: f64,
    tally: &mut Tally,
) -> Result<Vec<ArrayRef>> {
    let scaled = model.scaled_features(chunk)?;
    let scores = model.anomaly_scores(&scaled)?;
    let feature_errors = if layout.explain > 0 {
        Some(model.feature_errors(&scaled)?)
    } else {
        None
    };
    let n = chunk.n_rows();
    let mut flags = Vec::with_capacity(n);
    for (r, &score) in scores.iter().enumerate() {
        let flag = score > threshold;
        if let Some(c) = layout.label_column {
            let truth = parse_binary_label(chunk, r, c)?;
            tally.ranking.push(score, truth);
            tally.confusion.add(truth, flag);
        }
        flags.push(i64::from(flag));
        tally.anomalies += usize::from(flag);
    }
    let mut columns: Vec<ArrayRef> = layout
        .copied
        .iter()
        .map(|&(_, c)| chunk.column(c).clone())
        .collect();
    columns.push(Arc::new(Float32Array::from_iter_values(
        scores.iter().map(|&s| s as f32),
    )));
    columns.push(Arc::new(Int64Array::from(flags)));
    if let Some(errors) = &feature_errors {
        columns.extend(explanation_columns(
            model.schema(),
            explained,
            errors,
            layout.explain,
        ));
    }
    Ok(columns)
}

/// The `top{k}_feature` and `top{k}_share` columns of a chunk's rows: a
/// name and its share of the row's error (4 decimals, as text the Parquet
/// writer parses), both empty past the row's last feature.
fn explanation_columns(
    schema: &Schema,
    features: &[String],
    errors: &Matrix,
    explain: usize,
) -> Vec<ArrayRef> {
    let mut columns: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            Vec::with_capacity(errors.n_rows()),
            Vec::with_capacity(errors.n_rows())
        );
        explain
    ];
    for r in 0..errors.n_rows() {
        let e = explain_errors(features, &schema.group_errors(errors.row(r)), explain);
        for (k, (names, shares)) in columns.iter_mut().enumerate() {
            match e.top.get(k) {
                Some((name, share)) => {
                    names.push(name.clone());
                    shares.push(format!("{share:.4}"));
                }
                None => {
                    names.push(String::new());
                    shares.push(String::new());
                }
            }
        }
    }
    columns
        .into_iter()
        .flat_map(|(names, shares)| {
            [
                Arc::new(StringArray::from(names)) as ArrayRef,
                Arc::new(StringArray::from(shares)) as ArrayRef,
            ]
        })
        .collect()
}

fn parse_binary_label(table: &Table, row: usize, column: usize) -> Result<bool> {
    match table.cell(row, column).as_ref() {
        "1" | "1.0" => Ok(true),
        "0" | "0.0" => Ok(false),
        other => Err(AekitError::Data {
            path: table.path().to_path_buf(),
            row: Some(table.line_of(row)),
            column: Some(table.headers()[column].clone()),
            message: format!("label '{other}' is not 0 or 1 (1 marks an anomaly)"),
        }),
    }
}
