#![no_main]
//! Fuzz target `cloudify`: see `rehearse_fuzz::entries::cloudify`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| rehearse_fuzz::entries::cloudify(data));
