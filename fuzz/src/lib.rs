//! Entry functions of the fuzz targets, shared with the main crate's regression replay
//! (`tests/fuzz_regressions.rs` includes `entries.rs` by path).
pub mod entries;
