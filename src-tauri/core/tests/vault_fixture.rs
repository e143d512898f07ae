//! Known-answer test: the committed `fixtures/vault-v1.spavault` must open, in this and every
//! future version, with exactly the content built by `expected()`.
//!
//! The fixture was written once by `encode_with_fixed_inputs` (the hidden test-only encoder that
//! takes the salt, nonces and master key instead of drawing them). To write it again after a
//! deliberate format change — which must also bump `FORMAT_VERSION` and add a new fixture, never
//! replace the old one — run
//! `SPA_WRITE_FIXTURES=1 cargo test -p smartpush-core --test vault_fixture`.

use std::path::PathBuf;

use smartpush_core::vault::test_support::{FixedInputs, encode_with_fixed_inputs};
use smartpush_core::vault::{KdfParams, Vault, VaultData, VaultError};
use smartpush_core::{Account, AccountId, Algorithm, OtpConfig, OtpKind, RecoveryCode, Secret, SecretString};

const PASSWORD: &str = "correct horse battery staple";

/// The fixture's path; with `SPA_WRITE_FIXTURES` set, (re)writes it first, once.
fn fixture_path() -> PathBuf {
    static WRITE: std::sync::Once = std::sync::Once::new();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault-v1.spavault");
    if std::env::var_os("SPA_WRITE_FIXTURES").is_some() {
        WRITE.call_once(|| std::fs::write(&path, encode_expected()).expect("writing the fixture"));
    }
    path
}

fn inputs() -> FixedInputs {
    FixedInputs {
        master_key: std::array::from_fn(|i| 0xA0 ^ i as u8),
        salt: std::array::from_fn(|i| 0x10 + i as u8),
        slot_nonce: std::array::from_fn(|i| 0x50 + i as u8),
        payload_nonce: std::array::from_fn(|i| 0x70 + i as u8),
    }
}

fn secret(b32: &str) -> Secret {
    Secret::from_base32(b32).expect("valid base32")
}

fn account(id: &str, issuer: &str, name: &str, otp: Option<OtpConfig>, created: i64) -> Account {
    Account {
        id: AccountId(id.into()),
        issuer: issuer.into(),
        name: name.into(),
        otp,
        note: String::new(),
        tags: Vec::new(),
        recovery_codes: Vec::new(),
        // The fixture predates the field: it has none, and must read as not favourite.
        favourite: false,
        created_at: created,
        updated_at: created,
    }
}

/// The fixture's content: a TOTP, an HOTP, a Steam and a recovery-codes-only account.
fn expected() -> VaultData {
    let mut totp = account(
        "0a1b2c3d",
        "SmartPush",
        "alice@example.com",
        Some(OtpConfig {
            kind: OtpKind::Totp,
            secret: secret("JBSWY3DPEHPK3PXP"),
            algorithm: Algorithm::Sha256,
            digits: 8,
            period: 60,
            counter: 0,
        }),
        1_700_000_000,
    );
    totp.tags = vec!["work".into(), "prod".into()];
    totp.note = "Émilie's phone — ünïcödé".into();
    totp.recovery_codes = vec![
        RecoveryCode {
            code: SecretString::new("ABCD-EFGH-2345"),
            used_at: None,
            note: String::new(),
        },
        RecoveryCode {
            code: SecretString::new("WXYZ-2345-KLMN"),
            used_at: Some(1_700_000_500),
            note: "used".into(),
        },
    ];
    let hotp = account(
        "1f2e3d4c",
        "Example Bank",
        "bob",
        Some(OtpConfig {
            kind: OtpKind::Hotp,
            secret: secret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            counter: 42,
        }),
        1_700_000_100,
    );
    let steam = account(
        "deadbeef",
        "Steam",
        "gamer",
        Some(OtpConfig {
            kind: OtpKind::Steam,
            secret: secret("KRUGS4ZANFZSAYJAORSXG5A"),
            algorithm: Algorithm::Sha1,
            digits: 5,
            period: 30,
            counter: 0,
        }),
        1_700_000_200,
    );
    let mut codes_only = account("00000001", "Old Forum", "carol@example.org", None, 1_700_000_300);
    codes_only.recovery_codes = (1..=10)
        .map(|i| RecoveryCode {
            code: SecretString::new(format!("R{i:02}Q-7XK2-PL9M")),
            used_at: (i == 3).then_some(1_700_001_000),
            note: String::new(),
        })
        .collect();
    let mut data = VaultData::default();
    data.accounts = vec![totp, hotp, steam, codes_only];
    data.settings.insert("theme".into(), "dark".into());
    data
}

fn encode_expected() -> Vec<u8> {
    encode_with_fixed_inputs(&expected(), &SecretString::new(PASSWORD), KdfParams::MINIMUM, &inputs())
        .expect("encoding with valid inputs")
}

#[test]
fn the_committed_fixture_opens_with_exactly_its_content() {
    let vault = Vault::open(&fixture_path(), &SecretString::new(PASSWORD)).expect("the v1 fixture must open");
    assert_eq!(vault.data(), &expected());
    assert_eq!(vault.kdf(), KdfParams::MINIMUM);
    let bytes = std::fs::read(fixture_path()).expect("fixture");
    assert_eq!(&bytes[..8], b"SPAVAULT");
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 1, "the fixture is format 1");
}

#[test]
fn the_fixture_refuses_a_wrong_password() {
    let err = Vault::open(&fixture_path(), &SecretString::new("correct horse battery stapler")).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassword), "{err:?}");
}

/// Holds only while `FORMAT_VERSION` is 1: once the writer moves on, the v1 fixture stays and
/// this test moves to the new version's fixture.
#[test]
fn encoding_the_same_inputs_reproduces_the_fixture_byte_for_byte() {
    let committed = std::fs::read(fixture_path()).expect("fixture");
    let encoded = encode_expected();
    assert_eq!(encoded.len(), committed.len());
    let first_difference = encoded.iter().zip(&committed).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "the encoder no longer reproduces the fixture");
}
