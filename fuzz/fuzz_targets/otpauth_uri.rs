//! cargo-fuzz target: see `smartpush_fuzz::otpauth_uri` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smartpush_fuzz::otpauth_uri(data));
