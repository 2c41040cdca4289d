//! Parquet tables: [`read`] (record batches in, typed columns kept),
//! [`write`] (typed columns out) and [`guard`], the checks a file passes
//! before the parquet crate decodes it.

pub(crate) mod guard;
pub(crate) mod read;
pub(crate) mod write;

pub use read::ParquetChunks;
