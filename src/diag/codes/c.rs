//! Codes of the `C` family (see `codes/mod.rs`).

declare_codes! {}
