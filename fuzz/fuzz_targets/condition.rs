#![no_main]
//! Fuzz target `condition`: see `rehearse_fuzz::entries::condition`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::condition(data));
