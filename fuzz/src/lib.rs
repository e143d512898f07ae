//! The bodies of the fuzz targets, one function per target, over arbitrary bytes. They panic
//! only on a finding (a panic inside the core, or a broken invariant asserted here).
//!
//! Used by the cargo-fuzz targets in `fuzz_targets/` (coverage-guided, libFuzzer) and, through
//! `#[path]`, by the core's `examples/fuzz_smoke.rs` (a mutation fuzzer without coverage that
//! runs on the stable toolchain with the ordinary debug build).

use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use smartpush_core::transfer::{self, Format};
use smartpush_core::uri;
use smartpush_core::uri::migration::{self, BatchSet};
use smartpush_core::vault::{KdfParams, test_support};
use smartpush_core::{RecoveryCode, SecretString, qr, recovery};
use zeroize::Zeroizing;

/// A target's body: it must not panic on any input.
pub type Target = fn(&[u8]);

/// The targets, by name, as `make fuzz` runs them.
pub const TARGETS: [(&str, Target); 6] = [
    ("vault_open", vault_open),
    ("otpauth_uri", otpauth_uri),
    ("migration_uri", migration_uri),
    ("import", import),
    ("recovery_text", recovery_text),
    ("qr_image", qr_image),
];

/// The password of the vault seed (core's known-answer fixture `tests/fixtures/vault-v1.spavault`).
const VAULT_PASSWORD: &str = "correct horse battery staple";

/// The fixture's salt (0x10, 0x11, …); its key for (password, salt, MINIMUM) is computed once.
const SEED_SALT: [u8; 32] = {
    let mut salt = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        salt[i] = 0x10 + i as u8;
        i += 1;
    }
    salt
};

fn seed_key() -> &'static Zeroizing<[u8; 32]> {
    static KEY: OnceLock<Zeroizing<[u8; 32]>> = OnceLock::new();
    KEY.get_or_init(|| {
        test_support::derive_key(VAULT_PASSWORD.as_bytes(), &SEED_SALT, KdfParams::MINIMUM).expect("the seed's KDF")
    })
}

/// Opening a vault file from arbitrary bytes with a fixed password: the parser, the slot cap,
/// the password-slot unwrapping, the payload decryption and the content decoding, as
/// `Vault::open` runs them. The first byte picks a mode: 0 — the bytes as a file; 1 — the bytes
/// with their trailing checksum recomputed, so mutations reach the header and slot parsing
/// behind it; 2 — the bytes as decrypted content (the JSON payload). Argon2id (at least 19 MiB
/// a call) is swapped for a cheap stand-in that validates the settings first, except for the
/// seed fixture's own salt and settings, whose real key is computed once: the seed opens
/// completely and its mutations exercise every check behind the key derivation.
pub fn vault_open(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let password = SecretString::new(VAULT_PASSWORD);
    let mut derive = |pw: &[u8], salt: &[u8; 32], params: KdfParams| {
        params.validate()?;
        if *salt == SEED_SALT && params == KdfParams::MINIMUM && pw == VAULT_PASSWORD.as_bytes() {
            return Ok(seed_key().clone());
        }
        let mut h = Sha256::new();
        h.update(pw);
        h.update(salt);
        h.update(params.memory_kib.to_le_bytes());
        h.update(params.iterations.to_le_bytes());
        h.update(params.parallelism.to_le_bytes());
        Ok(Zeroizing::new(h.finalize().into()))
    };
    match mode % 3 {
        0 => {
            let _ = test_support::parse(rest);
            let _ = test_support::unlock_with_kdf(rest, &password, &mut derive).map_err(|e| e.to_string());
        }
        1 => {
            let mut bytes = rest.to_vec();
            test_support::fix_checksum(&mut bytes);
            let _ = test_support::unlock_with_kdf(&bytes, &password, &mut derive).map_err(|e| e.to_string());
        }
        _ => {
            if let Ok(data) = test_support::decode_content(rest) {
                let _ = format!("{data:?}");
            }
        }
    }
}

/// `otpauth://` parsing (and `uri::parse`, which also dispatches migration URIs). A URI that
/// parses must format back into one that parses to the same OTP settings; codes compute.
pub fn otpauth_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = uri::parse(text);
    if let Ok(draft) = uri::parse_otpauth(text) {
        let _ = format!("{draft:?}");
        if let Some(otp) = &draft.otp {
            let formatted = uri::to_otpauth(&draft.issuer, &draft.name, otp);
            let again =
                uri::parse_otpauth(&formatted).unwrap_or_else(|e| panic!("a formatted URI does not parse back: {e}"));
            assert_eq!(
                again.otp.as_ref(),
                Some(otp),
                "the OTP settings changed in a round trip"
            );
            let _ = smartpush_core::otp::generate(otp, 1_700_000_000);
        }
    }
}

/// Google Authenticator `otpauth-migration://` payloads (one per line): the URI and base64
/// layers, the protobuf, the batch bookkeeping, and the scanner's classification of payloads.
pub fn migration_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut set = BatchSet::new();
    for line in text.lines() {
        if let Ok(batch) = migration::decode(line) {
            let _ = format!("{batch:?}");
            set.add(batch);
        }
    }
    let _ = set.accounts();
    let _ = set.missing();
    let _ = set.conflicts();
    let _ = set.is_complete();
    let lines: Vec<&str> = text.lines().collect();
    let _ = qr::scan_accounts(&lines);
}

/// Every importer of `transfer`. The first byte picks the format (`Format::ALL[b % 11]`, 10:
/// detection from the content); the rest is the file. The fixed password is given when the
/// selector is below 16 (as in the seeds) or in fuzzing builds, so that encrypted Aegis and 2FAS
/// files run their KDF-setting checks and key derivation (in fuzzing builds the scrypt memory
/// cap is 1 MiB, core `transfer/crypto.rs`; 2FAS uses PBKDF2 with a fixed 10,000 rounds); the
/// second import, without it, must stop before any derivation.
pub fn import(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let formats = Format::ALL;
    let format = formats.get(usize::from(selector) % (formats.len() + 1)).copied();
    let password = SecretString::new("fuzz-password");
    let with_password = selector < 16 || cfg!(fuzzing);
    let result = transfer::import(input, format, with_password.then_some(&password));
    match &result {
        Ok(outcome) => {
            let _ = format!("{outcome:?}");
            for draft in &outcome.accounts {
                if let Some(otp) = &draft.otp {
                    let _ = smartpush_core::otp::generate(otp, 1_700_000_000);
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = transfer::import(input, format, None);
}

/// Recovery-code text files (`recovery::parse_codes_text`): every code read must be found
/// again when typed back.
pub fn recovery_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let codes = recovery::parse_codes_text(&text);
    let mut stored: Vec<RecoveryCode> = codes
        .iter()
        .map(|c| RecoveryCode {
            code: SecretString::new(c.as_str()),
            used_at: None,
            note: String::new(),
        })
        .collect();
    for code in &codes {
        assert!(
            recovery::find_code(&mut stored, code).is_some(),
            "a parsed code is not found again"
        );
    }
    let _ = recovery::normalize(&text);
    let _ = recovery::find_code(&mut stored, &text);
}

/// Pixels above which [`qr_image`] skips the detection pipeline (its cost grows with the pixel
/// count; big images still go through the loader and its limits).
pub const PIPELINE_MAX_PIXELS: u64 = 256 * 256;

/// The QR scanner over untrusted image bytes: format sniffing and decoding under the size and
/// memory limits (`qr::load_image`), then the whole detection pipeline for small images.
pub fn qr_image(data: &[u8]) {
    let Ok(image) = qr::load_image(data) else { return };
    if u64::from(image.width()) * u64::from(image.height()) <= PIPELINE_MAX_PIXELS {
        let payloads = qr::decode_image(&image);
        let _ = qr::scan_accounts(&payloads);
    }
}
