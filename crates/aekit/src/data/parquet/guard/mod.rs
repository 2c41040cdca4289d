//! The Parquet guard: checks a file passes before the parquet crate
//! decodes it, each for a fuzz finding kept in `tests/fixtures/`. The
//! footer ([`footer`]) and every page header ([`pages`]) are walked by
//! wire types alone ([`thrift_compact`]), refusing collections that
//! declare more elements than bytes remain and dictionary pages that
//! declare more values than their bytes can hold.
//!
//! Why: parquet 60.1's Thrift decoder trusts declared sizes (it skips an
//! unknown field one declared element at a time, past the end of the
//! file, and sizes a dictionary from its declared count). Upstream,
//! apache/arrow-rs#9874 tracks hardening that decoder (#9868 fixed
//! negative list sizes only). The guard can go when the parquet version
//! aekit builds with bounds every declared size by the bytes left, and
//! the `fuzz-*.parquet` tests of `crates/aekit/tests/hostile_input.rs` pass in the
//! same time and memory without it.

pub(crate) mod footer;
pub(crate) mod pages;
mod thrift_compact;
