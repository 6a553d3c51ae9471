#![no_main]
//! Fuzz target `units`: see `rehearse_fuzz::entries::units`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::units(data));
