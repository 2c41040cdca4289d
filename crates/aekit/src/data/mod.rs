//! Data in and out: CSV and Parquet tables, column roles, scaling and
//! atomic output.

pub mod encoding;
pub mod format;
pub mod image_shape;
pub mod matrix;
pub mod output;
pub mod parquet;
pub mod scaler;
pub mod schema;
pub mod sink;
pub mod source;
pub mod table;

pub use encoding::LabelEncoder;
pub use format::TableFormat;
pub use image_shape::ImageShape;
pub use matrix::Matrix;
pub use parquet::ParquetChunks;
pub use scaler::{ScaleKind, Scaler};
pub use schema::{ColumnRoles, ResolvedColumns, Schema};
pub use sink::{ColumnKind, TableWriter};
pub use source::{RowChunks, open_chunks};
pub use table::{CsvChunks, CsvOptions, Table};
