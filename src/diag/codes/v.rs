//! Codes of the `V` family (see `codes/mod.rs`).

declare_codes! {}
