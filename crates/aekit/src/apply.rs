//! Using a fitted model on tables: encode rows to codes, decode codes to
//! rows, reconstruct rows with their errors, denoise rows, predict a paired
//! model's targets. Outputs keep the input's row order and carry the
//! model's label and id columns where the input has them.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::Autoencoder;
use crate::data::column::cell_text;
use crate::data::{ColumnKind, Dataset, Matrix, Schema, TableWriter};
use crate::error::{AekitError, Result};
use crate::model::row_errors;
use crate::train::Noise;
use crate::train::burn_engine::INFERENCE_CHUNK;

/// A result table ready to be written: typed columns, so numbers reach a
/// Parquet file as numbers and a CSV file as
/// [`format_value`](crate::data::output::format_value) writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputTable {
    /// Column names.
    pub header: Vec<String>,
    /// One array per column, all of one length: `Float32` numbers, `Int64`
    /// flags, columns copied from the input as the input holds them.
    pub columns: Vec<ArrayRef>,
    /// What each column holds (numbers or text), for typed formats.
    pub kinds: Vec<ColumnKind>,
    /// The leading block as numbers, row by row: the codes, or rows in
    /// the model's (or target's) input layout in original units, one-hot
    /// blocks still encoded. What image rows are written from
    /// ([`crate::data::image_files`]).
    pub values: Matrix,
}

impl OutputTable {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }

    /// One cell as the CSV output writes it.
    pub fn cell(&self, row: usize, column: usize) -> Cow<'_, str> {
        cell_text(self.columns[column].as_ref(), row)
    }

    /// Writes the table atomically in the format `path` asks for: Parquet
    /// for `.parquet` / `.pq`, gzip CSV for `.gz`, CSV on standard output
    /// for `-`, CSV otherwise.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut writer = TableWriter::create(path, &self.header, &self.kinds)?;
        writer.write_columns(&self.columns)?;
        writer.finish()
    }
}

/// Names of the code columns for a bottleneck of width `k`: `z0..z{k-1}`.
pub fn code_columns(k: usize) -> Vec<String> {
    (0..k).map(|i| format!("z{i}")).collect()
}

/// How the leading block of values becomes cells.
enum Leading<'a> {
    /// Each value as a number.
    Numbers(Vec<String>),
    /// Rows in the model's feature layout, one-hot blocks decoded.
    Features(&'a Schema),
}

/// Column kinds of rows in a schema's layout: numbers, then one text
/// column per one-hot block.
fn feature_kinds(schema: &Schema) -> Vec<ColumnKind> {
    let mut kinds = vec![ColumnKind::Float32; schema.numeric_features().len()];
    kinds.extend(schema.one_hot.iter().map(|_| ColumnKind::Utf8));
    kinds
}

/// Builds rows from a block of values followed by copied columns.
fn assemble(
    table: &Dataset<'_>,
    leading: Leading<'_>,
    values: &Matrix,
    copied: &[(String, usize)],
    trailing: Option<(&str, &[f32])>,
) -> OutputTable {
    let (mut header, mut kinds) = match &leading {
        Leading::Numbers(names) => (names.clone(), vec![ColumnKind::Float32; names.len()]),
        Leading::Features(schema) => (schema.output_columns(), feature_kinds(schema)),
    };
    header.extend(copied.iter().map(|(n, _)| n.clone()));
    kinds.extend(copied.iter().map(|_| ColumnKind::Utf8));
    if let Some((name, _)) = trailing {
        header.push(name.to_string());
        kinds.push(ColumnKind::Float32);
    }
    let mut columns: Vec<ArrayRef> = match &leading {
        Leading::Numbers(names) => (0..names.len()).map(|j| values.column_array(j)).collect(),
        Leading::Features(schema) => schema.output_arrays(values),
    };
    columns.extend(copied.iter().map(|&(_, c)| table.column_array(c)));
    if let Some((_, extra)) = trailing {
        columns.push(Arc::new(Float32Array::from(extra.to_vec())));
    }
    OutputTable {
        header,
        columns,
        kinds,
        values: values.clone(),
    }
}

/// Codes `z0..` for every row, then the label and id columns.
pub fn encode<'d>(model: &Autoencoder, table: impl Into<Dataset<'d>>) -> Result<OutputTable> {
    encode_with(model, &table.into(), None)
}

/// [`encode`], with each row's code drawn from a variational model's
/// distribution over its codes with `seed` instead of its mean.
pub fn encode_sampled<'d>(
    model: &Autoencoder,
    table: impl Into<Dataset<'d>>,
    seed: u64,
) -> Result<OutputTable> {
    encode_with(model, &table.into(), Some(seed))
}

fn encode_with(model: &Autoencoder, table: &Dataset<'_>, seed: Option<u64>) -> Result<OutputTable> {
    let scaled = model.scaled_features(table)?;
    let codes = match seed {
        Some(seed) => model.encode_sampled(&scaled, seed)?,
        None => model.encode(&scaled)?,
    };
    let copied = model.schema().passthrough(table);
    Ok(assemble(
        table,
        Leading::Numbers(code_columns(model.bottleneck())),
        &codes,
        &copied,
        None,
    ))
}

/// Rows in the original units of the model's output columns from the `z*`
/// columns; every other column is copied.
pub fn decode<'d>(model: &Autoencoder, table: impl Into<Dataset<'d>>) -> Result<OutputTable> {
    let table = table.into();
    let table = &table;
    let names = code_columns(model.bottleneck());
    let idx = Schema::locate(table, &names, "is a code column the decoder needs but")?;
    let codes = table.numbers(&idx)?;
    let mut rows = model.decode(&codes)?;
    model.unscale_outputs(&mut rows);
    let copied: Vec<(String, usize)> = table
        .column_names()
        .iter()
        .enumerate()
        .filter(|(_, h)| !names.contains(h))
        .map(|(i, h)| (h.clone(), i))
        .collect();
    Ok(assemble(
        table,
        Leading::Features(model.output_schema()),
        &rows,
        &copied,
        None,
    ))
}

/// Reconstructed rows in original units, the label and id columns, and
/// `reconstruction_error` (per-row MSE in the scaled space).
pub fn reconstruct<'d>(model: &Autoencoder, table: impl Into<Dataset<'d>>) -> Result<OutputTable> {
    let table = table.into();
    let table = &table;
    let scaled = model.scaled_features(table)?;
    let mut rows = model.reconstruct(&scaled)?;
    let errors = row_errors(&scaled, &rows);
    model.unscale(&mut rows);
    let copied = model.schema().passthrough(table);
    Ok(assemble(
        table,
        Leading::Features(model.schema()),
        &rows,
        &copied,
        Some(("reconstruction_error", &errors)),
    ))
}

/// A paired model's predicted target rows in the target's units, then the
/// input's label and id columns.
pub fn predict<'d>(model: &Autoencoder, table: impl Into<Dataset<'d>>) -> Result<OutputTable> {
    let table = table.into();
    let table = &table;
    if !model.is_paired() {
        return Err(AekitError::Unsupported {
            operation: "predict",
            needs: "a paired (input -> target) model".into(),
            has: "rebuilds its own input: use reconstruct, or denoise".into(),
        });
    }
    let mut rows = model.predict_scaled(&model.scaled_features(table)?)?;
    model.unscale_outputs(&mut rows);
    let copied = model.schema().passthrough(table);
    Ok(assemble(
        table,
        Leading::Features(model.output_schema()),
        &rows,
        &copied,
        None,
    ))
}

/// `n` rows drawn from a generative model's prior (seeded), decoded, in
/// the original units of its output columns; also returned as a matrix.
pub fn sample(model: &Autoencoder, n: usize, seed: u64) -> Result<(OutputTable, Matrix)> {
    let table = sample_part(model, &mut StdRng::seed_from_u64(seed), n)?;
    let values = table.values.clone();
    Ok((table, values))
}

/// Rows of a sample drawn and written at a time by [`write_sample`]: an
/// even number of the decoder's batches, so the parts are the rows
/// [`sample`] draws at once (see the model's `Sample::sample_from`).
const SAMPLE_PART_ROWS: usize = 2 * INFERENCE_CHUNK;

/// The rows [`sample`] gives, written to `path` as
/// [`OutputTable::write`] writes them, a part of
/// `SAMPLE_PART_ROWS` (8 192) rows at a time: memory stays bounded
/// however large `n` is (3 M rows of 64 columns held 9.9 GB at once).
pub fn write_sample(model: &Autoencoder, n: usize, seed: u64, path: &Path) -> Result<()> {
    // Refused before the output is created, as sample() refuses it.
    if n == 0 {
        return Err(AekitError::param("n", "must be at least 1"));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let first = sample_part(model, &mut rng, n.min(SAMPLE_PART_ROWS))?;
    let mut writer = TableWriter::create(path, &first.header, &first.kinds)?;
    writer.write_columns(&first.columns)?;
    let mut left = n - first.n_rows();
    while left > 0 {
        let part = sample_part(model, &mut rng, left.min(SAMPLE_PART_ROWS))?;
        writer.write_columns(&part.columns)?;
        left -= part.n_rows();
    }
    writer.finish()
}

/// The next `n` rows of a sample drawn from `rng`, in original units.
fn sample_part(model: &Autoencoder, rng: &mut StdRng, n: usize) -> Result<OutputTable> {
    let mut values = model.sample_from(rng, n)?;
    model.unscale_outputs(&mut values);
    let schema = model.output_schema();
    Ok(OutputTable {
        header: schema.output_columns(),
        columns: schema.output_arrays(&values),
        kinds: feature_kinds(schema),
        values,
    })
}

/// How far a paired model's predictions are from known targets, in the
/// targets' scaled space.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionScore {
    /// Mean squared error of the predictions against the targets.
    pub mse: f64,
    /// Mean squared error of the inputs themselves against the targets
    /// (the do-nothing baseline), when inputs and targets have the same
    /// columns.
    pub identity_mse: Option<f64>,
}

/// Scores a paired model's predictions for `inputs` against `targets`.
pub fn score_predictions<'d, 't>(
    model: &Autoencoder,
    inputs: impl Into<Dataset<'d>>,
    targets: impl Into<Dataset<'t>>,
) -> Result<PredictionScore> {
    let (inputs, targets) = (inputs.into(), targets.into());
    let x = model.scaled_features(&inputs)?;
    let y = model.scaled_targets(&targets)?;
    same_rows(&inputs, x.n_rows(), &targets, y.n_rows())?;
    let mse = mean(&model.prediction_errors(&x, &y)?);
    let identity_mse = if model.schema().features == model.output_schema().features {
        // The inputs in the targets' scaling, so both figures are in the same units.
        let mut m = model.meta().input.schema.input_matrix(&inputs)?;
        model.meta().output().scaler.transform(&mut m.values);
        Some(mean(&row_errors(&m, &y)))
    } else {
        None
    };
    Ok(PredictionScore { mse, identity_mse })
}

/// What denoising did to a table.
#[derive(Debug, Clone)]
pub struct Denoised {
    /// The denoised rows in original units, label and id columns after them.
    pub output: OutputTable,
    /// The rows the model saw (after any added noise), scaled.
    pub noisy: Matrix,
    /// The model's output, scaled.
    pub denoised: Matrix,
    /// The clean rows, scaled, when known.
    pub clean: Option<Matrix>,
    /// Mean squared error of the noisy rows to the clean ones (scaled).
    pub noisy_mse: Option<f64>,
    /// Mean squared error of the denoised rows to the clean ones (scaled).
    pub denoised_mse: Option<f64>,
}

/// Where the clean rows come from when measuring a denoiser.
#[derive(Debug, Clone)]
pub enum CleanReference<'a> {
    /// Not known: just denoise.
    Unknown,
    /// Another dataset holds the clean version of each row.
    Clean(Dataset<'a>),
    /// The table is clean: corrupt it with this noise (from this seed) first.
    AddNoise(Noise, u64),
}

/// The model's output for each (noisy) row of `table`, in original units,
/// with the model's feature columns and the label and id columns; measured
/// against the clean rows when `clean` says where they are.
pub fn denoise<'d>(
    model: &Autoencoder,
    table: impl Into<Dataset<'d>>,
    clean: CleanReference<'_>,
) -> Result<Denoised> {
    let table = table.into();
    let table = &table;
    let scaled = model.scaled_features(table)?;
    let (noisy, clean) = match clean {
        CleanReference::Unknown => (scaled, None),
        CleanReference::Clean(c) => {
            let clean = model.scaled_features(&c)?;
            same_rows(table, scaled.n_rows(), &c, clean.n_rows())?;
            (scaled, Some(clean))
        }
        CleanReference::AddNoise(noise, seed) => {
            noise.validate()?;
            let clip = (model.meta().model.output_activation()
                == crate::model::Activation::Sigmoid)
                .then_some((0.0, 1.0));
            let noisy = model.run(|| Ok(noise.corrupt(&scaled, seed, 0, clip)))?;
            (noisy, Some(scaled))
        }
    };
    let denoised = model.reconstruct(&noisy)?;
    let mut rows = denoised.clone();
    model.unscale(&mut rows);
    let copied = model.schema().passthrough(table);
    let output = assemble(
        table,
        Leading::Features(model.schema()),
        &rows,
        &copied,
        None,
    );
    let (noisy_mse, denoised_mse) = match &clean {
        Some(c) => (
            Some(mean(&row_errors(&noisy, c))),
            Some(mean(&row_errors(&denoised, c))),
        ),
        None => (None, None),
    };
    Ok(Denoised {
        output,
        noisy,
        denoised,
        clean,
        noisy_mse,
        denoised_mse,
    })
}

fn same_rows(a: &Dataset<'_>, a_rows: usize, b: &Dataset<'_>, b_rows: usize) -> Result<()> {
    if a_rows == b_rows {
        return Ok(());
    }
    Err(b.error(format!(
        "has {b_rows} rows, but {} has {a_rows}: rows pair up one to one",
        a.describe()
    )))
}

/// The mean of `values` in f64 (0 for none).
pub(crate) fn mean(values: &[f32]) -> f64 {
    values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::data::Table;
    use crate::model::VaeConfig;
    use crate::{AutoencoderParams, TrainingSetters};

    #[test]
    fn a_sample_written_in_parts_is_the_sample_drawn_at_once() {
        let headers = ["a", "b", "c"].map(String::from).to_vec();
        let rows = (0..40)
            .map(|i| (0..3).map(|j| ((i * 7 + j * 3) % 11).to_string()).collect())
            .collect();
        let t = Table::from_cells("t", headers, rows).unwrap();
        // An odd bottleneck: a part of an odd number of code values would
        // shift the pairs of normal draws after it.
        let vae = VaeConfig {
            hidden: vec![4],
            bottleneck: 3,
            ..Default::default()
        };
        let model = AutoencoderParams::new()
            .model(crate::model::ModelConfig::from(vae))
            .epochs(1)
            .seed(1)
            .fit(&t)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let n = 2 * SAMPLE_PART_ROWS + 5;
        let (parts, at_once) = (dir.path().join("p.csv"), dir.path().join("o.csv"));
        write_sample(&model, n, 7, &parts).unwrap();
        let (table, values) = sample(&model, n, 7).unwrap();
        assert_eq!(values.n_rows(), n);
        table.write(&at_once).unwrap();
        assert_eq!(
            std::fs::read(&parts).unwrap(),
            std::fs::read(&at_once).unwrap()
        );
        assert!(write_sample(&model, 0, 7, &dir.path().join("z.csv")).is_err());
        assert!(!dir.path().join("z.csv").exists());
    }
}
