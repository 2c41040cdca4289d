//! Data in and out: datasets (CSV tables or arrays in memory), column
//! roles, scaling and atomic output.

mod dataset;
mod encoding;
mod matrix;
pub mod output;
mod scaler;
mod schema;
mod table;

pub use dataset::{Dataset, Element};
pub use encoding::LabelEncoder;
pub use matrix::Matrix;
pub use scaler::{ScaleKind, Scaler};
pub use schema::{ColumnRoles, OneHotColumn, ResolvedColumns, Schema};
pub use table::{CsvChunks, CsvOptions, Table};
