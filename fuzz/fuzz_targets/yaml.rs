#![no_main]
//! Fuzz target `yaml`: see `rehearse_fuzz::entries::yaml`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::yaml(data));
