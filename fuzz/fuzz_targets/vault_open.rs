//! cargo-fuzz target: see `smartpush_fuzz::vault_open` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smartpush_fuzz::vault_open(data));
