//! Data in and out: datasets (CSV, gzip and Parquet tables, folders of
//! PNG and JPEG images, or arrays in memory), column roles, scaling, and
//! atomic output (tables, and PNG files of image rows).

pub(crate) mod column;
mod csv_chunks;
mod dataset;
mod encoding;
mod format;
pub mod image_files;
pub mod image_folder;
mod image_shape;
mod matrix;
mod mixed;
pub mod output;
mod parquet;
mod parquet_footer;
mod parquet_pages;
mod parquet_write;
mod scaler;
mod schema;
mod sink;
mod source;
mod table;
mod thrift_compact;

pub use csv_chunks::CsvChunks;
pub use dataset::{Dataset, Element};
pub use encoding::LabelEncoder;
pub use format::TableFormat;
pub use image_folder::{ImageFolderChunks, ImageSize};
pub use image_shape::ImageShape;
pub use matrix::Matrix;
pub use mixed::{
    CategoryPolicy, DEFAULT_MAX_CATEGORIES, MISSING_SUFFIX, MissingPolicy, MixedInputs,
};
pub use parquet::ParquetChunks;
pub use scaler::{ScaleKind, Scaler};
pub use schema::{ColumnRoles, OneHotColumn, ResolvedColumns, Schema};
pub use sink::{ColumnKind, TableWriter};
pub use source::{ReadAhead, RowChunks, display_path, open_chunks};
pub use table::{CsvOptions, Table};
