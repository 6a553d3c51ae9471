#![no_main]
//! Fuzz target `iso8601`: see `rehearse_fuzz::entries::iso8601`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::iso8601(data));
