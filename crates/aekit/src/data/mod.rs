//! Data in and out: datasets (CSV, gzip and Parquet tables, folders of
//! PNG and JPEG images, or arrays in memory), column roles, scaling, and
//! atomic output (tables, and PNG files of image rows).

pub(crate) mod column;
mod csv;
mod dataset;
mod encoding;
pub(crate) mod format;
mod image;
mod input;
mod matrix;
mod mixed;
pub mod output;
mod parquet;
mod scaler;
mod schema;
mod sink;
mod source;
mod table;

// The image modules' paths from before data/ was laid out by format.
pub use image::{files as image_files, folder as image_folder};

pub use column::ColumnKind;
pub use csv::CsvChunks;
pub use csv::CsvOptions;
pub use dataset::{Dataset, Element};
pub use encoding::LabelEncoder;
pub use format::TableFormat;
pub use image::folder::ImageFolderChunks;
pub use image::folder::ImageFolderOptions;
pub use image::shape::{ImageShape, ImageSize};
pub use input::display_path;
pub use matrix::Matrix;
pub use mixed::{
    CategoryPolicy, DEFAULT_MAX_CATEGORIES, MISSING_SUFFIX, MissingPolicy, MixedInputs,
    OneHotColumn,
};
pub use parquet::ParquetChunks;
pub use scaler::{ScaleKind, Scaler};
pub use schema::{ColumnRoles, ResolvedColumns, Schema};
pub use sink::TableWriter;
pub use source::{ReadAhead, ReadOptions, open_chunks};
pub use table::RowChunks;
pub use table::Table;
