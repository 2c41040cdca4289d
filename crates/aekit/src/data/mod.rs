//! Data in and out: datasets (CSV tables or arrays in memory), column
//! roles, scaling and atomic output.

pub mod dataset;
pub mod encoding;
pub mod matrix;
pub mod output;
pub mod scaler;
pub mod schema;
pub mod table;

pub use dataset::{Dataset, Element};
pub use encoding::LabelEncoder;
pub use matrix::Matrix;
pub use scaler::{ScaleKind, Scaler};
pub use schema::{ColumnRoles, ResolvedColumns, Schema};
pub use table::{CsvChunks, CsvOptions, Table};
