#![no_main]
//! Fuzz target `render`: see `rehearse_fuzz::entries::render`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::render(data));
