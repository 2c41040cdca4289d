//! Which columns of a file are features, label, ids or ignored, and the
//! stored description of them that travels with a model.

use serde::{Deserialize, Serialize};

use super::table::Table;
use crate::error::{AekitError, Result};

/// The columns the user names; everything numeric and unnamed is a feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnRoles {
    /// The label column (kept out of the features, copied to outputs).
    pub label: Option<String>,
    /// Identifier columns (kept out of the features, copied to outputs).
    pub ids: Vec<String>,
    /// Columns to leave out entirely.
    pub drop: Vec<String>,
}

/// The resolved layout of a training file, stored in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Feature columns, in the order the model sees them.
    pub features: Vec<String>,
    /// The label column, if any.
    pub label: Option<String>,
    /// Identifier columns.
    pub ids: Vec<String>,
}

/// A schema plus what was left out of it, for the user to see.
#[derive(Debug, Clone)]
pub struct ResolvedColumns {
    /// The schema to train on.
    pub schema: Schema,
    /// Text columns that were not named and so were skipped.
    pub skipped_text: Vec<String>,
}

impl ColumnRoles {
    /// Checks every named column exists and picks the numeric features.
    pub fn resolve(&self, table: &Table) -> Result<ResolvedColumns> {
        if let Some(label) = &self.label {
            table.require_column(label, "named by --label")?;
        }
        for id in &self.ids {
            table.require_column(id, "named by --id")?;
        }
        for drop in &self.drop {
            table.require_column(drop, "named by --drop")?;
        }
        let named = |h: &String| {
            self.label.as_ref() == Some(h) || self.ids.contains(h) || self.drop.contains(h)
        };
        let mut features = Vec::new();
        let mut skipped_text = Vec::new();
        for (i, header) in table.headers().iter().enumerate() {
            if named(header) {
                continue;
            }
            if table.is_numeric(i) {
                features.push(header.clone());
            } else {
                skipped_text.push(header.clone());
            }
        }
        if features.is_empty() {
            return Err(AekitError::Data {
                path: table.path().to_path_buf(),
                row: None,
                column: None,
                message: "no numeric feature columns are left to train on".into(),
            });
        }
        Ok(ResolvedColumns {
            schema: Schema {
                features,
                label: self.label.clone(),
                ids: self.ids.clone(),
            },
            skipped_text,
        })
    }
}

impl Schema {
    /// Indices in `table` of the model's columns called `names`; every one must be there.
    pub fn locate(table: &Table, names: &[String], why: &str) -> Result<Vec<usize>> {
        names.iter().map(|n| table.require_column(n, why)).collect()
    }

    /// The label and id columns that `table` has, as (name, index) pairs,
    /// label first: these are copied to outputs.
    pub fn passthrough(&self, table: &Table) -> Vec<(String, usize)> {
        self.label
            .iter()
            .chain(self.ids.iter())
            .filter_map(|name| table.column_index(name).map(|i| (name.clone(), i)))
            .collect()
    }
}
