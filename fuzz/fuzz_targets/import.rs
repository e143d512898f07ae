//! cargo-fuzz target: see `smartpush_fuzz::import` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smartpush_fuzz::import(data));
