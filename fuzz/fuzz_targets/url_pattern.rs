#![no_main]
//! Fuzz target `url_pattern`: see `rehearse_fuzz::entries::url_pattern`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::url_pattern(data));
