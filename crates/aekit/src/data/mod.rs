//! Data in and out: CSV tables, column roles, scaling and atomic output.

pub mod encoding;
pub mod image_shape;
pub mod matrix;
pub mod output;
pub mod scaler;
pub mod schema;
pub mod table;

pub use encoding::LabelEncoder;
pub use image_shape::ImageShape;
pub use matrix::Matrix;
pub use scaler::{ScaleKind, Scaler};
pub use schema::{ColumnRoles, ResolvedColumns, Schema};
pub use table::{CsvChunks, CsvOptions, Table};
