#![no_main]
//! Fuzz target `krakend`: see `rehearse_fuzz::entries::krakend`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::krakend(data));
