#![no_main]
//! Fuzz target `expr`: see `rehearse_fuzz::entries::expr`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::expr(data));
