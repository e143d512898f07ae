//! cargo-fuzz target: see `smartpush_fuzz::qr_image` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smartpush_fuzz::qr_image(data));
