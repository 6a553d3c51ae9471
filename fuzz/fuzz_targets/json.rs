#![no_main]
//! Fuzz target `json`: see `rehearse_fuzz::entries::json`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::json(data));
