//! Using a fitted model on files: encode rows to codes, decode codes to
//! rows, reconstruct rows with their errors. Outputs keep the input's row
//! order and carry the model's label and id columns where the input has them.

use std::path::Path;

use crate::Autoencoder;
use crate::data::output::format_value;
use crate::data::{ColumnKind, Matrix, Schema, Table, TableWriter};
use crate::error::Result;

/// A result table ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputTable {
    /// Column names.
    pub header: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
    /// What each column holds (numbers or text), for typed formats.
    pub kinds: Vec<ColumnKind>,
}

impl OutputTable {
    /// Writes the table atomically in the format `path` asks for: Parquet
    /// for `.parquet` / `.pq`, gzip CSV for `.gz`, CSV on standard output
    /// for `-`, CSV otherwise.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut writer = TableWriter::create(path, &self.header, &self.kinds)?;
        for row in &self.rows {
            writer.write_row(row)?;
        }
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

/// Builds rows from a block of values followed by copied columns.
fn assemble(
    table: &Table,
    leading: Leading<'_>,
    values: &Matrix,
    copied: &[(String, usize)],
    trailing: Option<(&str, &[f32])>,
) -> OutputTable {
    let (mut header, mut kinds) = match &leading {
        Leading::Numbers(names) => (names.clone(), vec![ColumnKind::Float32; names.len()]),
        Leading::Features(schema) => {
            let mut kinds = vec![ColumnKind::Float32; schema.numeric_features().len()];
            kinds.extend(schema.one_hot.iter().map(|_| ColumnKind::Utf8));
            (schema.output_columns(), kinds)
        }
    };
    header.extend(copied.iter().map(|(n, _)| n.clone()));
    kinds.extend(copied.iter().map(|_| ColumnKind::Utf8));
    if let Some((name, _)) = trailing {
        header.push(name.to_string());
        kinds.push(ColumnKind::Float32);
    }
    let rows = (0..table.n_rows())
        .map(|r| {
            let mut row: Vec<String> = match &leading {
                Leading::Numbers(_) => values.row(r).iter().map(|&v| format_value(v)).collect(),
                Leading::Features(schema) => schema.output_cells(values, r),
            };
            row.extend(copied.iter().map(|&(_, c)| table.cell(r, c).to_string()));
            if let Some((_, extra)) = trailing {
                row.push(format_value(extra[r]));
            }
            row
        })
        .collect();
    OutputTable {
        header,
        rows,
        kinds,
    }
}

/// Codes `z0..` for every row, then the label and id columns.
pub fn encode(model: &Autoencoder, table: &Table) -> Result<OutputTable> {
    let codes = model.encode(&model.scaled_features(table)?);
    let copied = model.schema().passthrough(table);
    Ok(assemble(
        table,
        Leading::Numbers(code_columns(model.bottleneck())),
        &codes,
        &copied,
        None,
    ))
}

/// Rows in original units from the `z*` columns; every other column is copied.
pub fn decode(model: &Autoencoder, table: &Table) -> Result<OutputTable> {
    let names = code_columns(model.bottleneck());
    let idx = Schema::locate(table, &names, "is a code column the decoder needs but")?;
    let codes = Matrix::new(table.numeric_matrix(&idx)?, idx.len());
    let mut rows = model.decode(&codes);
    model.unscale(&mut rows);
    let copied: Vec<(String, usize)> = table
        .headers()
        .iter()
        .enumerate()
        .filter(|(_, h)| !names.contains(h))
        .map(|(i, h)| (h.clone(), i))
        .collect();
    Ok(assemble(
        table,
        Leading::Features(model.schema()),
        &rows,
        &copied,
        None,
    ))
}

/// Reconstructed rows in original units, the label and id columns, and
/// `reconstruction_error` (per-row MSE in the scaled space).
pub fn reconstruct(model: &Autoencoder, table: &Table) -> Result<OutputTable> {
    let scaled = model.scaled_features(table)?;
    let mut rows = model.reconstruct(&scaled);
    let errors = Autoencoder::row_errors(&scaled, &rows);
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
