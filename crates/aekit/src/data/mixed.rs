//! Mixed-type tables: which text columns are categories (one-hot) or
//! booleans (0/1), and missing numeric cells imputed by the training
//! median with a 0/1 missing-indicator input. The fitted choices travel
//! in the model's [`Schema`](crate::data::Schema) as [`MixedInputs`]; a model
//! file without them (written before mixed tables) reads its inputs as it
//! always did.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::column;
use super::dataset::Dataset;
use super::matrix::Matrix;
use crate::error::Result;

/// String columns with at most this many distinct values are one-hot
/// encoded by default; wider ones are left out with a note.
pub const DEFAULT_MAX_CATEGORIES: usize = 20;

/// Suffix of a missing-indicator input's name: `COL__missing`.
pub const MISSING_SUFFIX: &str = "__missing";

/// What to do with a missing numeric cell (empty, `NA`, `NaN`, `nan`,
/// `null`, a Parquet null or a float NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    /// Filled with the training median of its column; a column with
    /// missing cells in training also gets a 0/1 input `COL__missing`.
    #[default]
    Impute,
    /// Refused: the first missing cell is an error naming it.
    Error,
}

impl std::str::FromStr for MissingPolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "impute" => Ok(MissingPolicy::Impute),
            "error" => Ok(MissingPolicy::Error),
            other => Err(format!("'{other}' is not impute or error")),
        }
    }
}

/// A categorical column and its categories, sorted; each becomes one 0/1 input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneHotColumn {
    /// The column's name.
    pub column: String,
    /// Its categories, sorted; the input for category `c` is named `column=c`.
    pub categories: Vec<String>,
}

/// Where a mixed model's inputs sit in its input row, from its schema:
/// every input's name, the numeric features (first), the one-hot blocks
/// (next; missing-value indicators last).
pub(crate) struct Layout<'a> {
    pub features: &'a [String],
    pub numeric: &'a [String],
    pub one_hot: &'a [OneHotColumn],
}

/// How a model written since mixed tables reads its inputs, stored in its
/// schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedInputs {
    /// The missing-value policy it was trained with.
    pub missing: MissingPolicy,
    /// The training median of each numeric feature (in
    /// [`Schema::numeric_features`] order) that fills its missing cells;
    /// empty when missing cells are refused. A column that had no missing
    /// cell in training is filled too, with no indicator.
    #[serde(default)]
    pub medians: Vec<f32>,
    /// The numeric features that had missing cells in training, in order:
    /// each has a 0/1 input `COL__missing`, after the one-hot blocks.
    #[serde(default)]
    pub indicators: Vec<String>,
}

/// How to treat a category that training did not see, and where to count it.
#[derive(Debug, Clone, Copy)]
pub struct CategoryPolicy<'a> {
    /// Refuse it (an error naming the cell) instead of an all-zero block.
    pub strict: bool,
    /// Counts the unseen cells read (all-zero blocks).
    pub unseen: Option<&'a AtomicUsize>,
}

impl CategoryPolicy<'_> {
    /// Unseen categories become all-zero blocks, uncounted.
    pub const LENIENT: CategoryPolicy<'static> = CategoryPolicy {
        strict: false,
        unseen: None,
    };
}

/// Whether a cell's text marks a missing value.
pub fn is_missing(cell: &str) -> bool {
    matches!(cell, "" | "NA" | "NaN" | "nan" | "null")
}

/// A boolean cell's value: true/True/TRUE as 1, false/False/FALSE as 0.
pub fn boolean(cell: &str) -> Option<f32> {
    match cell {
        "true" | "True" | "TRUE" => Some(1.0),
        "false" | "False" | "FALSE" => Some(0.0),
        _ => None,
    }
}

/// What a column of a training table is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColumnType {
    /// Numbers or booleans (possibly with missing cells): one input.
    Numeric,
    /// Text with this few distinct values (sorted): one-hot.
    Categorical(Vec<String>),
    /// Text with more distinct values than allowed: left out.
    TooManyCategories,
    /// No value at all: left out.
    Empty,
}

/// Classifies column `c` of `table`: numbers (a numeric or boolean array,
/// or text whose non-missing cells are mostly numbers) or booleans are
/// numeric; other text is categorical up to `max_categories` distinct
/// non-missing values.
pub(crate) fn classify(table: &Dataset<'_>, c: usize, max_categories: usize) -> ColumnType {
    let Some(t) = table.as_table() else {
        return ColumnType::Numeric;
    };
    let array = t.column(c).as_ref();
    if !column::is_text(array.data_type()) {
        return if column::is_numeric(array) {
            ColumnType::Numeric
        } else {
            ColumnType::Empty
        };
    }
    let (mut numbers, mut booleans, mut text) = (0usize, 0usize, 0usize);
    let mut distinct = BTreeSet::new();
    for r in 0..t.n_rows() {
        let cell = t.cell(r, c);
        if is_missing(&cell) {
            continue;
        }
        if cell.parse::<f64>().is_ok() {
            numbers += 1;
            continue;
        } else if boolean(&cell).is_some() {
            booleans += 1;
        } else {
            text += 1;
        }
        // Text values only, and only until there are too many: a numeric
        // column costs no set.
        if distinct.len() <= max_categories && !distinct.contains(cell.as_ref()) {
            distinct.insert(cell.into_owned());
        }
    }
    if (numbers > 0 && numbers >= text + booleans) || (numbers == 0 && booleans > 0 && text == 0) {
        return ColumnType::Numeric;
    }
    if distinct.len() > max_categories {
        return ColumnType::TooManyCategories;
    }
    let all = categories(table, c);
    if all.is_empty() {
        ColumnType::Empty
    } else if all.len() > max_categories {
        ColumnType::TooManyCategories
    } else {
        ColumnType::Categorical(all)
    }
}

/// The distinct non-missing values of column `c`, sorted.
pub(crate) fn categories(table: &Dataset<'_>, c: usize) -> Vec<String> {
    let set: BTreeSet<String> = (0..table.n_rows())
        .map(|r| table.cell(r, c))
        .filter(|cell| !is_missing(cell))
        .map(|cell| cell.into_owned())
        .collect();
    set.into_iter().collect()
}

/// How a missing numeric cell is read.
#[derive(Clone, Copy)]
enum Fill<'a> {
    /// The training medians, with indicators set.
    Medians(&'a [f32]),
    /// NaN (to fit the medians from).
    Nan,
    /// An error naming the cell.
    Refuse,
}

/// The first bad cell met, kept so the error names the first in row order.
struct FirstBad(Option<(usize, usize, usize, String)>);

impl FirstBad {
    fn offer(&mut self, row: usize, place: usize, column: usize, message: String) {
        if self
            .0
            .as_ref()
            .is_none_or(|&(r, p, _, _)| (row, place) < (r, p))
        {
            self.0 = Some((row, place, column, message));
        }
    }
}

/// The model's input matrix of `table` under a mixed schema: `numeric` and
/// `categorical` are the table's columns of the numeric features and the
/// one-hot columns.
pub(crate) fn read(
    layout: &Layout<'_>,
    mixed: &MixedInputs,
    table: &Dataset<'_>,
    numeric: &[usize],
    categorical: &[usize],
    finite: bool,
    policy: CategoryPolicy<'_>,
) -> Result<Matrix> {
    let fill = if !mixed.medians.is_empty() {
        Fill::Medians(&mixed.medians)
    } else if mixed.missing == MissingPolicy::Impute {
        Fill::Nan
    } else {
        Fill::Refuse
    };
    read_with(
        layout,
        mixed,
        table,
        numeric,
        categorical,
        finite,
        policy,
        fill,
    )
}

#[allow(clippy::too_many_arguments)]
fn read_with(
    layout: &Layout<'_>,
    mixed: &MixedInputs,
    table: &Dataset<'_>,
    numeric: &[usize],
    categorical: &[usize],
    finite: bool,
    policy: CategoryPolicy<'_>,
    fill: Fill<'_>,
) -> Result<Matrix> {
    let width = layout.features.len();
    let n = table.n_rows();
    let mut values = vec![0.0f32; n * width];
    let n_numeric = numeric.len();
    let blocks: usize = layout.one_hot.iter().map(|c| c.categories.len()).sum();
    let indicator_of: Vec<Option<usize>> = layout
        .numeric
        .iter()
        .map(|name| {
            mixed
                .indicators
                .iter()
                .position(|i| i == name)
                .map(|k| n_numeric + blocks + k)
        })
        .collect();
    let mut bad = FirstBad(None);
    // A missing cell at (row, j): filled, or an error.
    let missing = |values: &mut [f32], bad: &mut FirstBad, r: usize, j: usize, c: usize| match fill
    {
        Fill::Medians(m) => {
            values[r * width + j] = m[j];
            if let Some(k) = indicator_of[j] {
                values[r * width + k] = 1.0;
            }
        }
        Fill::Nan => values[r * width + j] = f32::NAN,
        Fill::Refuse => bad.offer(
            r,
            c,
            c,
            "missing value (the missing parameter is error)".into(),
        ),
    };
    match table.as_table() {
        // Every numeric cell a number (the common case): read in parallel.
        Some(t) if t.fill_numbers(numeric, width, &mut values).is_ok() => {}
        Some(t) => {
            for (j, &c) in numeric.iter().enumerate() {
                let array = t.column(c).as_ref();
                let mut from = 0;
                while from < n {
                    let out = &mut values[from * width + j..];
                    let Err(r) = column::fill_f32(array, from, n - from, out, width) else {
                        break;
                    };
                    let cell = t.cell(r, c);
                    if let Some(b) = boolean(&cell) {
                        values[r * width + j] = b;
                    } else if is_missing(&cell) {
                        missing(&mut values, &mut bad, r, j, c);
                    } else {
                        bad.offer(r, c, c, column::refusal(array, r));
                        break;
                    }
                    from = r + 1;
                }
            }
        }
        None => {
            // An array: its values in one copy, then placed (NaN is missing).
            let cols = table.n_columns();
            let all = table.all_numbers(false)?;
            for r in 0..n {
                for (j, &c) in numeric.iter().enumerate() {
                    let v = all[r * cols + c];
                    if v.is_nan() {
                        missing(&mut values, &mut bad, r, j, c);
                    } else if finite && !v.is_finite() {
                        bad.offer(r, c, c, format!("value {v} is not finite"));
                    } else {
                        values[r * width + j] = v;
                    }
                }
            }
        }
    }
    let mut start = n_numeric;
    for (spec, &c) in layout.one_hot.iter().zip(categorical) {
        for r in 0..n {
            let cell = table.cell(r, c);
            if is_missing(&cell) {
                if matches!(fill, Fill::Refuse) {
                    bad.offer(
                        r,
                        c,
                        c,
                        "missing value (the missing parameter is error)".into(),
                    );
                }
                continue;
            }
            match spec
                .categories
                .binary_search_by(|k| k.as_str().cmp(cell.as_ref()))
            {
                Ok(hit) => values[r * width + start + hit] = 1.0,
                Err(_) if policy.strict => bad.offer(
                    r,
                    c,
                    c,
                    format!(
                        "category '{cell}' was not seen in training (strict_categories is set)"
                    ),
                ),
                Err(_) => {
                    if let Some(count) = policy.unseen {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        start += spec.categories.len();
    }
    if let Some((r, _, c, message)) = bad.0 {
        return Err(table.cell_error(r, c, message));
    }
    Ok(Matrix::new(values, width))
}

/// Fits the missing-value fill of a resolved schema on its training
/// rows: each numeric feature's median of its present values (0 for a
/// column with none), and an indicator input for each feature that had a
/// missing cell ([`Schema::fit_missing`](crate::data::Schema::fit_missing)
/// adds their names to the schema).
pub(crate) fn fit_fill(
    layout: &Layout<'_>,
    mixed: &MixedInputs,
    table: &Dataset<'_>,
    numeric: &[usize],
    categorical: &[usize],
) -> Result<MixedInputs> {
    let raw = read_with(
        layout,
        mixed,
        table,
        numeric,
        categorical,
        true,
        CategoryPolicy::LENIENT,
        Fill::Nan,
    )?;
    let mut medians = Vec::with_capacity(layout.numeric.len());
    let mut indicators = Vec::new();
    for (j, name) in layout.numeric.iter().enumerate() {
        let mut present: Vec<f32> = (0..raw.n_rows())
            .map(|r| raw.values[r * raw.n_cols + j])
            .filter(|v| !v.is_nan())
            .collect();
        if present.len() < raw.n_rows() {
            indicators.push(name.clone());
        }
        medians.push(median(&mut present));
    }
    Ok(MixedInputs {
        missing: mixed.missing,
        medians,
        indicators,
    })
}

/// The median (mean of the middle two for an even count); 0 when empty.
fn median(values: &mut [f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f32::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ColumnRoles, Table};
    use crate::error::AekitError;

    fn table(text: &str) -> (tempfile::TempDir, Table) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let t = Table::read(&path, &Default::default()).unwrap();
        (dir, t)
    }

    /// Roles that leave `name` (5 values) out and keep `colour` (3).
    fn few_categories() -> ColumnRoles {
        ColumnRoles {
            max_categories: 4,
            ..ColumnRoles::default()
        }
    }

    const MIXED: &str = "x,colour,flag,name\n1,red,true,a\n,blue,False,b\n3,red,TRUE,c\nNA,green,false,d\n5,blue,true,e\n";

    #[test]
    fn columns_are_classified_by_their_cells() {
        let (_d, t) = table(MIXED);
        let d = Dataset::from(&t);
        assert_eq!(classify(&d, 0, 20), ColumnType::Numeric);
        assert_eq!(
            classify(&d, 1, 20),
            ColumnType::Categorical(vec!["blue".into(), "green".into(), "red".into()])
        );
        assert_eq!(classify(&d, 2, 20), ColumnType::Numeric);
        assert_eq!(classify(&d, 3, 4), ColumnType::TooManyCategories);
        assert!(is_missing("NaN") && is_missing("") && !is_missing("0"));
        assert_eq!((boolean("TRUE"), boolean("no")), (Some(1.0), None));
    }

    #[test]
    fn missing_cells_take_the_median_and_an_indicator() {
        let (_d, t) = table(MIXED);
        let d = Dataset::from(&t);
        let resolved = few_categories().resolve(&d).unwrap();
        assert_eq!(resolved.skipped_text, ["name"]);
        let mut schema = resolved.schema;
        schema.fit_missing(&d).unwrap();
        assert_eq!(
            schema.features,
            [
                "x",
                "flag",
                "colour=blue",
                "colour=green",
                "colour=red",
                "x__missing"
            ]
        );
        assert_eq!(schema.mixed.as_ref().unwrap().medians, [3.0, 1.0]);
        let m = schema.input_matrix(&d).unwrap();
        assert_eq!(m.row(1), [3.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
        assert_eq!(m.row(2), [3.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(schema.explained_features(), ["x", "flag", "colour"]);
        assert_eq!(
            schema.group_errors(&[1.0, 2.0, 0.5, 0.25, 0.25, 3.0]),
            [4.0, 2.0, 1.0]
        );
    }

    #[test]
    fn unseen_categories_are_zero_blocks_or_errors() {
        let (_d, t) = table(MIXED);
        let d = Dataset::from(&t);
        let mut schema = few_categories().resolve(&d).unwrap().schema;
        schema.fit_missing(&d).unwrap();
        let (_d2, t2) = table("x,colour,flag\n2,purple,true\n,red,false\n");
        let d2 = Dataset::from(&t2);
        let count = AtomicUsize::new(0);
        let lenient = CategoryPolicy {
            strict: false,
            unseen: Some(&count),
        };
        let m = schema.read_inputs_with(&d2, true, lenient).unwrap();
        assert_eq!(m.row(0), [2.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(m.row(1), [3.0, 0.0, 0.0, 0.0, 1.0, 1.0]);
        assert_eq!(count.load(Ordering::Relaxed), 1);
        let strict = CategoryPolicy {
            strict: true,
            unseen: None,
        };
        let e = schema.read_inputs_with(&d2, true, strict).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("purple") && text.contains("colour"), "{text}");
    }

    #[test]
    fn refused_missing_cells_name_the_first() {
        let (_d, t) = table(MIXED);
        let d = Dataset::from(&t);
        let roles = ColumnRoles {
            missing: MissingPolicy::Error,
            ..ColumnRoles::default()
        };
        let mut schema = roles.resolve(&d).unwrap().schema;
        schema.fit_missing(&d).unwrap();
        let e = schema.input_matrix(&d).unwrap_err();
        match e {
            AekitError::Data { row, column, .. } => {
                assert_eq!((row, column.as_deref()), (Some(3), Some("x")));
            }
            other => panic!("{other}"),
        }
    }
}
