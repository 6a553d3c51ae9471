#![no_main]
//! Fuzz target `value`: see `rehearse_fuzz::entries::value`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::value(data));
