//! Codes of the `S` family (see `codes/mod.rs`).

declare_codes! {}
