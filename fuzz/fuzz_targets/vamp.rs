#![no_main]
//! Fuzz target `vamp`: see `rehearse_fuzz::entries::vamp`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::vamp(data));
