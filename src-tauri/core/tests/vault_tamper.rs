//! Damage and tampering: every byte flipped, every truncation, arbitrary bytes. Each must give a
//! clear error, never a panic and never `Ok` with other data.

use proptest::prelude::*;
use smartpush_core::vault::test_support::{
    FixedInputs, KeyCache, decode_with_cache, encode_with_fixed_inputs, fix_checksum, parse,
};
use smartpush_core::vault::{KdfParams, VaultData, VaultError};
use smartpush_core::{AccountDraft, OtpConfig, Secret, SecretString};

fn password() -> SecretString {
    SecretString::new("tamper test")
}

/// A small vault (one account) and its content.
fn small_vault() -> (Vec<u8>, VaultData) {
    let mut data = VaultData::default();
    data.add(
        AccountDraft {
            issuer: "Acme".into(),
            name: "x".into(),
            otp: Some(OtpConfig::totp(Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap())),
            ..Default::default()
        },
        1,
    );
    let inputs = FixedInputs {
        master_key: [7; 32],
        salt: [8; 32],
        slot_nonce: [9; 12],
        payload_nonce: [10; 12],
    };
    let bytes = encode_with_fixed_inputs(&data, &password(), KdfParams::MINIMUM, &inputs).unwrap();
    (bytes, data)
}

fn kind(e: &VaultError) -> &'static str {
    match e {
        VaultError::NotAVault => "not a vault",
        VaultError::Damaged { .. } => "damaged",
        VaultError::NewerVersion { .. } => "newer",
        VaultError::KdfOutOfRange { .. } => "kdf out of range",
        VaultError::WrongPassword => "wrong password",
        VaultError::NoPasswordSlot => "no password slot",
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn the_small_vault_opens() {
    let (bytes, data) = small_vault();
    assert_eq!(
        decode_with_cache(&bytes, &password(), &mut KeyCache::default()).unwrap(),
        data
    );
}

/// Accidental damage: the checksum catches every flip before any key is derived.
#[test]
fn every_flipped_byte_is_reported() {
    let (bytes, _) = small_vault();
    let mut cache = KeyCache::default();
    for at in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xFF] {
            let mut damaged = bytes.clone();
            damaged[at] ^= mask;
            let err = decode_with_cache(&damaged, &password(), &mut cache).expect_err("a flipped byte must not open");
            let want = if at < 8 { "not a vault" } else { "damaged" };
            assert_eq!(kind(&err), want, "byte {at} ^ {mask:#04x}: {err}");
        }
    }
}

#[test]
fn every_truncation_is_reported() {
    let (bytes, _) = small_vault();
    let mut cache = KeyCache::default();
    for len in 0..bytes.len() {
        let err =
            decode_with_cache(&bytes[..len], &password(), &mut cache).expect_err("a truncated file must not open");
        let want = if len == 0 { "not a vault" } else { "damaged" };
        assert_eq!(kind(&err), want, "length {len}: {err}");
    }
    // Appended bytes break the checksum too.
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        kind(&decode_with_cache(&longer, &password(), &mut KeyCache::default()).unwrap_err()),
        "damaged"
    );
}

/// Deliberate tampering: the checksum is recomputed, so the AEADs must catch what it no longer
/// can. Keys are cached: only flips in the KDF settings or the salt derive a new one.
#[test]
fn every_flipped_byte_with_a_recomputed_checksum_is_refused() {
    let (bytes, _) = small_vault();
    let mut cache = KeyCache::default();
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    let body = bytes.len() - 32;
    for at in 0..body {
        for mask in [0x01, 0xFF] {
            let mut tampered = bytes.clone();
            tampered[at] ^= mask;
            fix_checksum(&mut tampered);
            let err = decode_with_cache(&tampered, &password(), &mut cache).expect_err("tampering must not open");
            *seen.entry(kind(&err)).or_default() += 1;
            match at {
                0..8 => assert_eq!(kind(&err), "not a vault", "byte {at}"),
                8 | 9 => assert!(["damaged", "newer"].contains(&kind(&err)), "byte {at}: {err}"),
                // Layout: header length 10..14, slot count 14, kind 15, slot length 16..18,
                // m 18..22, t 22..26, p 26..30, then salt, slot nonce and wrapped key: when
                // those change the password slot no longer opens.
                30..122 => assert_eq!(kind(&err), "wrong password", "byte {at}: {err}"),
                // Payload nonce, ciphertext and tag: the content no longer authenticates.
                122.. => assert_eq!(kind(&err), "damaged", "byte {at}: {err}"),
                _ => {}
            }
        }
    }
    for k in [
        "not a vault",
        "damaged",
        "newer",
        "kdf out of range",
        "wrong password",
        "no password slot",
    ] {
        assert!(seen.contains_key(k), "no flip gave {k}: {seen:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_parser_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse(&bytes);
    }

    /// Past the magic and the checksum, so the header parser sees arbitrary bytes.
    #[test]
    fn the_header_parser_never_panics(version in 0u16..3, rest in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bytes = b"SPAVAULT".to_vec();
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&rest);
        bytes.extend_from_slice(&[0; 32]);
        fix_checksum(&mut bytes);
        match parse(&bytes) {
            Ok(()) | Err(VaultError::Damaged { .. } | VaultError::KdfOutOfRange { .. } | VaultError::NewerVersion { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Several random edits anywhere (checksum recomputed or not) never open to other data. (Edits
    /// that cancel out, or touch only the checksum before it is recomputed, give the original.)
    #[test]
    fn random_edits_never_open(edits in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4), fix in any::<bool>()) {
        let (bytes, data) = small_vault();
        let mut tampered = bytes.clone();
        for (index, mask) in edits {
            let at = index.index(tampered.len());
            tampered[at] ^= mask;
        }
        if fix {
            fix_checksum(&mut tampered);
        }
        static CACHE: std::sync::LazyLock<std::sync::Mutex<KeyCache>> = std::sync::LazyLock::new(Default::default);
        let mut cache = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match decode_with_cache(&tampered, &password(), &mut cache) {
            Ok(opened) => prop_assert!(tampered == bytes && opened == data, "an edited vault opened"),
            Err(e) => { kind(&e); }
        }
    }
}
