#![no_main]
//! Fuzz target `scenario`: see `rehearse_fuzz::entries::scenario`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::scenario(data));
