//! Which columns of a file are features, label, ids or ignored, and the
//! stored description of them that travels with a model: how to turn a
//! table into the model's input matrix (numbers as they are, categories
//! one-hot) and the model's output back into columns.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::dataset::Dataset;
use super::encoding::LabelEncoder;
use super::matrix::Matrix;
use super::mixed::{
    self, CategoryPolicy, ColumnType, DEFAULT_MAX_CATEGORIES, Layout, MISSING_SUFFIX,
    MissingPolicy, MixedInputs, OneHotColumn,
};
use super::output::format_value;
use super::table::Table;
use crate::error::{AekitError, Result};

/// The columns the user names, and how unnamed ones become features:
/// numbers and booleans as they are, text with few distinct values
/// one-hot, missing numeric cells imputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRoles {
    /// The label column (kept out of the features, copied to outputs).
    pub label: Option<String>,
    /// Identifier columns (kept out of the features, copied to outputs).
    pub ids: Vec<String>,
    /// Columns to leave out entirely.
    pub drop: Vec<String>,
    /// Categorical columns to one-hot encode into features, whatever
    /// their number of categories.
    pub one_hot: Vec<String>,
    /// Unnamed text columns with at most this many distinct values are
    /// one-hot encoded; wider ones are left out. Default
    /// [`DEFAULT_MAX_CATEGORIES`](DEFAULT_MAX_CATEGORIES) (20).
    pub max_categories: usize,
    /// Missing numeric cells: imputed (the default) or refused.
    pub missing: MissingPolicy,
}

impl Default for ColumnRoles {
    fn default() -> Self {
        ColumnRoles {
            label: None,
            ids: Vec::new(),
            drop: Vec::new(),
            one_hot: Vec::new(),
            max_categories: DEFAULT_MAX_CATEGORIES,
            missing: MissingPolicy::Impute,
        }
    }
}

/// The resolved layout of a training file, stored in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Model inputs, in order: numeric columns, then one `column=category`
    /// input per category of each one-hot column.
    pub features: Vec<String>,
    /// One-hot encoded columns, in the order their inputs follow the numeric ones.
    #[serde(default)]
    pub one_hot: Vec<OneHotColumn>,
    /// The label column, if any.
    pub label: Option<String>,
    /// The training file's label classes, sorted (scikit-learn's LabelEncoder).
    #[serde(default)]
    pub label_classes: Vec<String>,
    /// Identifier columns.
    pub ids: Vec<String>,
    /// Booleans, categories found by their cells and missing cells'
    /// fill, for models written since mixed tables; `None` (older files)
    /// reads inputs as before: every cell a number, categories refused
    /// when unseen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixed: Option<MixedInputs>,
    /// The training columns had no names of their own (an unnamed array's
    /// `x0`, `x1`, ...): a table as wide as the inputs, whose columns are
    /// not these names, is read by position, named or not. Written only
    /// when true, so files of named data are as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub positional: bool,
}

/// A schema plus what was left out of it, for the user to see.
#[derive(Debug, Clone)]
pub struct ResolvedColumns {
    /// The schema to train on.
    pub schema: Schema,
    /// Text columns that were not named and had more distinct values
    /// than `max_categories`, so were skipped.
    pub skipped_text: Vec<String>,
    /// Columns whose every cell is empty, skipped.
    pub skipped_empty: Vec<String>,
}

impl ColumnRoles {
    /// These roles restricted to the columns `table` has: for a second
    /// table (a paired model's targets) that need not repeat every column.
    pub fn present_in(&self, table: &Dataset<'_>) -> ColumnRoles {
        let keep = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .filter(|n| table.column_index(n).is_some())
                .cloned()
                .collect()
        };
        ColumnRoles {
            label: self
                .label
                .clone()
                .filter(|l| table.column_index(l).is_some()),
            ids: keep(&self.ids),
            drop: keep(&self.drop),
            one_hot: keep(&self.one_hot),
            ..self.clone()
        }
    }

    /// Checks every named column exists, picks the numeric and boolean
    /// features and learns the categories of one-hot columns (named, or
    /// text with at most `max_categories` values). The missing cells'
    /// fill is fitted after, on the training rows
    /// ([`Schema::fit_missing`]).
    pub fn resolve(&self, table: &Dataset<'_>) -> Result<ResolvedColumns> {
        if let Some(label) = &self.label {
            table.require_column(label, "named as the label")?;
        }
        for (names, flag) in [
            (&self.ids, "named as an id"),
            (&self.drop, "named to drop"),
            (&self.one_hot, "named to one-hot encode"),
        ] {
            for name in names {
                table.require_column(name, flag)?;
            }
        }
        for name in &self.one_hot {
            if self.label.as_ref() == Some(name)
                || self.ids.contains(name)
                || self.drop.contains(name)
            {
                return Err(AekitError::param(
                    "one_hot",
                    format!("column '{name}' is also named as label, id or dropped"),
                ));
            }
        }
        let named = |h: &String| {
            self.label.as_ref() == Some(h)
                || self.ids.contains(h)
                || self.drop.contains(h)
                || self.one_hot.contains(h)
        };
        let mut features = Vec::new();
        let mut skipped_text = Vec::new();
        let mut found = Vec::new();
        let mut skipped_empty = Vec::new();
        // An image folder's path and label (numeric when the sub-folders
        // are digits) describe the images and are never pixels.
        let images = table.image_shape().is_some();
        for (i, header) in table.column_names().iter().enumerate() {
            if named(header) || (images && super::image::folder::is_descriptive_column(header)) {
                continue;
            }
            match mixed::classify(table, i, self.max_categories) {
                ColumnType::Numeric => features.push(header.clone()),
                ColumnType::Categorical(categories) => found.push(OneHotColumn {
                    column: header.clone(),
                    categories,
                }),
                ColumnType::TooManyCategories => skipped_text.push(header.clone()),
                ColumnType::Empty => skipped_empty.push(header.clone()),
            }
        }
        let mut one_hot = Vec::new();
        for name in &self.one_hot {
            let col = table.require_column(name, "named to one-hot encode")?;
            let categories = mixed::categories(table, col);
            if categories.is_empty() {
                return Err(table.error(format!("column '{name}' has no value to one-hot encode")));
            }
            one_hot.push(OneHotColumn {
                column: name.clone(),
                categories,
            });
        }
        // Found columns follow the named ones, in the file's order.
        one_hot.extend(found);
        for spec in &one_hot {
            let name = &spec.column;
            features.extend(spec.categories.iter().map(|c| format!("{name}={c}")));
        }
        if features.is_empty() {
            return Err(table.error("no numeric feature columns are left to train on"));
        }
        let label_classes = match &self.label {
            Some(label) => {
                let col = table.require_column(label, "named as the label")?;
                let cells: Vec<_> = (0..table.n_rows()).map(|r| table.cell(r, col)).collect();
                LabelEncoder::fit(&cells).classes
            }
            None => Vec::new(),
        };
        Ok(ResolvedColumns {
            schema: Schema {
                features,
                one_hot,
                label: self.label.clone(),
                label_classes,
                ids: self.ids.clone(),
                mixed: Some(MixedInputs {
                    missing: self.missing,
                    medians: Vec::new(),
                    indicators: Vec::new(),
                }),
                positional: !table.is_named(),
            },
            skipped_text,
            skipped_empty,
        })
    }
}

impl Schema {
    /// Indices in `table` of the columns called `names`; every one must be there.
    /// One pass over the names, not a scan of the columns per name (a
    /// 784-column array cost 600 000 string comparisons per call).
    pub fn locate(table: &Dataset<'_>, names: &[String], why: &str) -> Result<Vec<usize>> {
        let columns = table.column_names();
        if columns.len() >= names.len() && columns.iter().zip(names).all(|(c, n)| c == n) {
            return Ok((0..names.len()).collect());
        }
        let index = column_positions(columns);
        names
            .iter()
            .map(|n| match index.get(n.as_str()) {
                Some(&i) => Ok(i),
                None => table.require_column(n, why),
            })
            .collect()
    }

    /// The numeric feature columns (the inputs before the one-hot blocks).
    pub fn numeric_features(&self) -> &[String] {
        let encoded: usize = self.one_hot.iter().map(|c| c.categories.len()).sum();
        let indicators = self.mixed.as_ref().map_or(0, |m| m.indicators.len());
        &self.features[..self.features.len().saturating_sub(encoded + indicators)]
    }

    /// Fits the fill of missing numeric cells on the training rows
    /// `table`: medians, and a `COL__missing` input for each column that
    /// had a missing cell.
    pub fn fit_missing(&mut self, table: &Dataset<'_>) -> Result<()> {
        let Some(mixed) = self.mixed.clone() else {
            return Ok(());
        };
        if mixed.missing == MissingPolicy::Error {
            return Ok(());
        }
        let (numeric, categorical) = self.locate_inputs(table)?;
        let fitted = mixed::fit_fill(&self.layout(), &mixed, table, &numeric, &categorical)?;
        self.features.extend(
            fitted
                .indicators
                .iter()
                .map(|n| format!("{n}{MISSING_SUFFIX}")),
        );
        self.mixed = Some(fitted);
        Ok(())
    }

    /// The inputs' layout as the mixed reader needs it.
    fn layout(&self) -> Layout<'_> {
        Layout {
            features: &self.features,
            numeric: self.numeric_features(),
            one_hot: &self.one_hot,
        }
    }

    /// The columns an explanation names: each numeric feature, then each
    /// one-hot column (its block's and indicator's errors summed into
    /// their source column). A model written before mixed tables names
    /// its inputs as it did.
    pub fn explained_features(&self) -> Vec<String> {
        if self.mixed.is_none() {
            return self.features.clone();
        }
        self.output_columns()
    }

    /// One row's per-input errors summed into
    /// [`explained_features`](Self::explained_features).
    pub fn group_errors(&self, errors: &[f32]) -> Vec<f32> {
        let Some(mixed) = &self.mixed else {
            return errors.to_vec();
        };
        let numeric = self.numeric_features();
        let mut out = errors[..numeric.len()].to_vec();
        let mut start = numeric.len();
        for spec in &self.one_hot {
            let end = start + spec.categories.len();
            out.push(errors[start..end].iter().sum());
            start = end;
        }
        for (k, name) in mixed.indicators.iter().enumerate() {
            if let Some(j) = numeric.iter().position(|n| n == name) {
                out[j] += errors[start + k];
            }
        }
        out
    }

    /// The table's columns of the numeric features and of the one-hot columns.
    pub(crate) fn locate_inputs(&self, table: &Dataset<'_>) -> Result<(Vec<usize>, Vec<usize>)> {
        let numeric = if self.reads_positionally(table) {
            (0..self.numeric_features().len()).collect()
        } else {
            Self::locate(
                table,
                self.numeric_features(),
                "is a feature of the model but",
            )?
        };
        let categorical = self.locate_one_hot(table)?;
        Ok((numeric, categorical))
    }

    /// The table's columns of the one-hot columns.
    fn locate_one_hot(&self, table: &Dataset<'_>) -> Result<Vec<usize>> {
        let names: Vec<String> = self.one_hot.iter().map(|c| c.column.clone()).collect();
        Self::locate(table, &names, "is a one-hot feature of the model but")
    }

    /// The columns a decoded row has: numeric features, then each one-hot column.
    pub fn output_columns(&self) -> Vec<String> {
        let mut names = self.numeric_features().to_vec();
        names.extend(self.one_hot.iter().map(|c| c.column.clone()));
        names
    }

    /// The model's input matrix for `table`, unscaled: numeric columns
    /// parsed, categorical columns one-hot encoded, missing cells filled
    /// (a mixed schema). A category unseen in training is an all-zero
    /// block (an error naming its row and column for a model written
    /// before mixed tables). An unnamed array
    /// as wide as the model's inputs, whose columns are not the model's by
    /// name, is taken as the inputs in order.
    pub fn input_matrix(&self, table: &Dataset<'_>) -> Result<Matrix> {
        self.read_inputs_with(table, true, CategoryPolicy::LENIENT)
    }

    /// Whether a table as wide as the inputs, whose names are not the
    /// model's columns, is read as the inputs in order: an unnamed array,
    /// or any table for a model fitted on unnamed columns
    /// ([`positional`](Self::positional)).
    pub fn reads_positionally(&self, table: &Dataset<'_>) -> bool {
        let width = match &self.mixed {
            // An array has no text: as wide as the numeric inputs.
            Some(_) if self.one_hot.is_empty() => self.numeric_features().len(),
            Some(_) => return false,
            None => self.features.len(),
        };
        if (table.is_named() && !self.positional) || table.n_columns() != width {
            return false;
        }
        let index = column_positions(table.column_names());
        !self
            .numeric_features()
            .iter()
            .chain(self.one_hot.iter().map(|c| &c.column))
            .all(|n| index.contains_key(n.as_str()))
    }

    /// Whether `table`'s columns are exactly the model's inputs, in order,
    /// with no one-hot block: then its values can be used where they lie.
    pub(crate) fn is_exactly_the_inputs(&self, table: &Dataset<'_>) -> bool {
        // A missing cell of a mixed model's inputs is filled: never in place.
        let fills = self
            .mixed
            .as_ref()
            .is_some_and(|m| m.missing == MissingPolicy::Impute);
        if fills || !self.one_hot.is_empty() || table.n_columns() != self.features.len() {
            return false;
        }
        self.reads_positionally(table)
            || Self::locate(table, &self.features, "")
                .is_ok_and(|at| at.iter().enumerate().all(|(i, &c)| i == c))
    }

    /// [`input_matrix`](Self::input_matrix); with `finite` false, values
    /// of arrays that are not finite are read as they are (a mixed model
    /// fills NaN as missing); `categories` says what an unseen category
    /// does to a mixed model (an older one refuses it).
    pub(crate) fn read_inputs_with(
        &self,
        table: &Dataset<'_>,
        finite: bool,
        categories: CategoryPolicy<'_>,
    ) -> Result<Matrix> {
        if let Some(m) = &self.mixed {
            let (numeric, categorical) = self.locate_inputs(table)?;
            return mixed::read(
                &self.layout(),
                m,
                table,
                &numeric,
                &categorical,
                finite,
                categories,
            );
        }
        let width = self.features.len();
        if self.reads_positionally(table) {
            return Ok(Matrix::new(table.all_numbers(finite)?, width));
        }
        let numeric = Self::locate(
            table,
            self.numeric_features(),
            "is a feature of the model but",
        )?;
        let categorical = self.locate_one_hot(table)?;
        let in_order =
            numeric.len() == table.n_columns() && numeric.iter().enumerate().all(|(i, &c)| i == c);
        if in_order && self.one_hot.is_empty() {
            return Ok(Matrix::new(table.all_numbers(finite)?, width));
        }
        if let Some(t) = table.as_table()
            && let Ok(m) = self.read_table_inputs(t, &numeric, &categorical)
        {
            return Ok(m);
        }
        // Arrays, and tables with a bad cell: read row by row, so the error
        // names the first bad cell in row order.
        let mut values = Vec::with_capacity(table.n_rows() * width);
        for r in 0..table.n_rows() {
            table.push_numbers(r, &numeric, finite, &mut values)?;
            for (spec, &c) in self.one_hot.iter().zip(&categorical) {
                let cell = table.cell(r, c);
                let hit = spec
                    .categories
                    .iter()
                    .position(|k| *k == cell)
                    .ok_or_else(|| {
                        table.cell_error(
                            r,
                            c,
                            format!("category '{cell}' was not seen in training"),
                        )
                    })?;
                values.extend((0..spec.categories.len()).map(|k| if k == hit { 1.0 } else { 0.0 }));
            }
        }
        Ok(Matrix::new(values, width))
    }

    /// A table's inputs a column at a time: numeric columns read into
    /// place, then each one-hot block set row by row. Any bad cell is an
    /// error (the caller rereads row by row to name the first).
    fn read_table_inputs(
        &self,
        table: &Table,
        numeric: &[usize],
        categorical: &[usize],
    ) -> Result<Matrix> {
        let width = self.features.len();
        let mut values = vec![0.0; table.n_rows() * width];
        table.fill_numbers(numeric, width, &mut values)?;
        let mut start = numeric.len();
        for (spec, &c) in self.one_hot.iter().zip(categorical) {
            for r in 0..table.n_rows() {
                let cell = table.cell(r, c);
                let hit = spec
                    .categories
                    .iter()
                    .position(|k| *k == cell)
                    .ok_or_else(|| table.cell_error(r, c, String::new()))?;
                values[r * width + start + hit] = 1.0;
            }
            start += spec.categories.len();
        }
        Ok(Matrix::new(values, width))
    }

    /// Formats model outputs (in original units) as cells of
    /// [`output_columns`](Self::output_columns): numbers as they are, each
    /// one-hot block as its most likely category.
    pub fn output_cells(&self, m: &Matrix, row: usize) -> Vec<String> {
        let values = m.row(row);
        let n_numeric = self.numeric_features().len();
        let mut cells: Vec<String> = values[..n_numeric]
            .iter()
            .map(|&v| format_value(v))
            .collect();
        let mut start = n_numeric;
        for spec in &self.one_hot {
            let block = &values[start..start + spec.categories.len()];
            let best = block
                .iter()
                .enumerate()
                .fold(0, |best, (k, &v)| if v > block[best] { k } else { best });
            cells.push(spec.categories[best].clone());
            start += spec.categories.len();
        }
        cells
    }

    /// Model outputs (in original units) as columns of
    /// [`output_columns`](Self::output_columns): each number column as
    /// `Float32`, each one-hot block as the text of its most likely category.
    pub fn output_arrays(&self, m: &Matrix) -> Vec<arrow_array::ArrayRef> {
        let n_numeric = self.numeric_features().len();
        let mut columns: Vec<arrow_array::ArrayRef> =
            (0..n_numeric).map(|j| m.column_array(j)).collect();
        let mut start = n_numeric;
        for spec in &self.one_hot {
            let width = spec.categories.len();
            let names: arrow_array::StringArray = (0..m.n_rows())
                .map(|r| {
                    let block = &m.row(r)[start..start + width];
                    let best = block
                        .iter()
                        .enumerate()
                        .fold(0, |best, (k, &v)| if v > block[best] { k } else { best });
                    Some(spec.categories[best].as_str())
                })
                .collect();
            columns.push(std::sync::Arc::new(names));
            start += width;
        }
        columns
    }

    /// The label and id columns that `table` has, as (name, index) pairs,
    /// label first: these are copied to outputs.
    pub fn passthrough(&self, table: &Dataset<'_>) -> Vec<(String, usize)> {
        self.label
            .iter()
            .chain(self.ids.iter())
            .filter_map(|name| table.column_index(name).map(|i| (name.clone(), i)))
            .collect()
    }
}
/// Each column name's position; the first of repeated names wins, as in
/// [`Dataset::column_index`].
fn column_positions(columns: &[String]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        index.entry(c.as_str()).or_insert(i);
    }
    index
}
