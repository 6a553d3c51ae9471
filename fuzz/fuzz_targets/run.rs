#![no_main]
//! Fuzz target `run`: see `rehearse_fuzz::entries::run`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::run(data));
