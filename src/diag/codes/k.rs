//! Codes of the `K` family (see `codes/mod.rs`).

declare_codes! {}
