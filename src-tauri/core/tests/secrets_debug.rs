//! Leak check over `Debug` (and `Display` for errors): every public type that holds a secret —
//! the secret holders, OTP settings, accounts and drafts, recovery codes, the vault and its
//! content, importer and scanner results, exports — is formatted with one known secret, one
//! password and one recovery code inside, and none of their forms may appear.

use smartpush_core::transfer::{self, ExportFormat, Format};
use smartpush_core::uri::{self, migration};
use smartpush_core::vault::{KdfParams, Vault, VaultData};
use smartpush_core::{
    Account, AccountDraft, AccountId, Algorithm, OtpConfig, OtpKind, RecoveryCode, Secret, SecretString, qr,
};

const SECRET_B32: &str = "KRSXG5CTMVRXEZLUJNSXSMJSGM2DKNRX";
const PASSWORD: &str = "Debug-Leak-Pass-1f9c";
const RECOVERY: &str = "Q7KD-M2XP-9VTA";

fn secret() -> Secret {
    Secret::from_base32(SECRET_B32).expect("base32")
}

/// Every form of the secrets that must never be shown.
fn forbidden() -> Vec<String> {
    let raw = secret();
    let hex: String = raw.expose().iter().map(|b| format!("{b:02x}")).collect();
    // The byte array as `Debug` of a `Vec<u8>` would print it.
    let bytes = format!("{:?}", raw.expose());
    let bytes = bytes.trim_start_matches('[').trim_end_matches(']').to_owned();
    vec![
        SECRET_B32.to_owned(),
        SECRET_B32.to_lowercase(),
        SECRET_B32[..12].to_owned(),
        hex.clone(),
        hex.to_uppercase(),
        bytes,
        PASSWORD.to_owned(),
        RECOVERY.to_owned(),
        RECOVERY.replace('-', ""),
    ]
}

fn check(what: &str, shown: &str) {
    for bad in forbidden() {
        assert!(
            !shown.contains(&bad),
            "{what} shows a secret ({} chars): {shown}",
            bad.len()
        );
    }
}

fn otp() -> OtpConfig {
    OtpConfig {
        kind: OtpKind::Totp,
        secret: secret(),
        algorithm: Algorithm::Sha256,
        digits: 8,
        period: 30,
        counter: 0,
    }
}

fn recovery() -> RecoveryCode {
    RecoveryCode {
        code: SecretString::new(RECOVERY),
        used_at: None,
        note: String::new(),
    }
}

fn draft() -> AccountDraft {
    AccountDraft {
        issuer: "Issuer".into(),
        name: "ada@example.com".into(),
        otp: Some(otp()),
        note: "a note".into(),
        tags: vec!["t".into()],
        recovery_codes: vec![recovery()],
        favourite: false,
    }
}

fn account() -> Account {
    Account {
        id: AccountId("0a1b2c3d".into()),
        issuer: "Issuer".into(),
        name: "ada@example.com".into(),
        otp: Some(otp()),
        note: String::new(),
        tags: Vec::new(),
        recovery_codes: vec![recovery()],
        created_at: 1_700_000_000,
        updated_at: 1_700_000_000,
        favourite: true,
    }
}

fn uri() -> String {
    format!("otpauth://totp/Issuer:ada%40example.com?secret={SECRET_B32}&issuer=Issuer&algorithm=SHA256&digits=8")
}

#[test]
fn the_check_catches_every_form_of_a_leak() {
    let raw = secret();
    for leak in [
        SECRET_B32.to_lowercase(),
        raw.expose().iter().map(|b| format!("{b:02X}")).collect(),
        format!("{:?}", raw.expose()),
        format!("Foo {{ code: \"{}\" }}", RECOVERY.replace('-', "")),
    ] {
        assert!(
            std::panic::catch_unwind(|| check("self-test", &leak)).is_err(),
            "{leak} not caught"
        );
    }
}

#[test]
fn the_data_model_never_shows_a_secret() {
    check("Secret", &format!("{:?}", secret()));
    check("SecretString", &format!("{:?}", SecretString::new(PASSWORD)));
    check("OtpConfig", &format!("{:?}", otp()));
    check("RecoveryCode", &format!("{:?}", recovery()));
    check("AccountDraft", &format!("{:?}", draft()));
    check("Account", &format!("{:?}", account()));
    let mut data = VaultData::default();
    data.accounts.push(account());
    check("VaultData", &format!("{data:?}"));
}

#[test]
fn the_vault_never_shows_its_content_or_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v.spv");
    let password = SecretString::new(PASSWORD);
    let mut vault = Vault::create(&path, &password, KdfParams::MINIMUM).expect("create");
    vault.data_mut().add(draft(), 1_700_000_000);
    vault.save().expect("save");
    check("Vault", &format!("{vault:?}"));
    drop(vault);
    let vault = Vault::open(&path, &password).expect("open");
    check("Vault (opened)", &format!("{vault:?} {:?}", vault.data()));
    let err = Vault::open(&path, &SecretString::new(format!("{PASSWORD}!"))).expect_err("wrong password");
    check("VaultError", &format!("{err:?} {err}"));
}

#[test]
fn uri_and_scanner_results_never_show_a_secret() {
    let drafts = uri::parse(&uri()).expect("parse");
    check("parsed drafts", &format!("{drafts:?}"));
    let batch_uris = migration::encode(&drafts, 10, 7);
    let batch = migration::decode(&batch_uris[0]).expect("decode");
    check("MigrationBatch", &format!("{batch:?}"));
    let mut set = migration::BatchSet::new();
    set.add(batch);
    check("BatchSet", &format!("{set:?} {:?}", set.accounts()));
    // Bad URIs carrying the secret: the error does not quote it.
    for bad in [
        format!("otpauth://totp/X?secret={SECRET_B32}&digits=99"),
        format!("otpauth://totp/X?secret={SECRET_B32}!"),
        format!("otpauth://{SECRET_B32}/X?secret={SECRET_B32}"),
        format!("otpauth://totp/X?secret={SECRET_B32}&algorithm={SECRET_B32}"),
    ] {
        let err = uri::parse(&bad).expect_err("a bad URI");
        check("UriError", &format!("{err:?} {err}"));
    }
    let report = qr::scan_accounts(&[
        uri(),
        batch_uris[0].to_string(),
        format!("otpauth://totp/X?secret={SECRET_B32}!"),
    ]);
    check("ScanReport", &format!("{report:?}"));
}

#[test]
fn import_and_export_results_never_show_a_secret() {
    let password = SecretString::new(PASSWORD);
    let list = format!("{}\notpauth://totp/Broken?secret={SECRET_B32}!\n", uri());
    let outcome = transfer::import(list.as_bytes(), Some(Format::Uris), None).expect("import");
    assert_eq!(outcome.failed.len(), 1);
    check("ImportOutcome", &format!("{outcome:?}"));
    for f in &outcome.failed {
        check("EntryError", &format!("{f:?} {}", f.error));
    }
    let accounts = [account()];
    for format in [
        ExportFormat::AegisEncrypted,
        ExportFormat::AegisPlain,
        ExportFormat::Uris,
    ] {
        let exported = transfer::export(&accounts, format, Some(&password)).expect("export");
        check("Exported", &format!("{exported:?}"));
        let back = transfer::import(&exported.bytes, None, Some(&password)).expect("import back");
        check("ImportOutcome (round trip)", &format!("{back:?}"));
        if format == ExportFormat::AegisEncrypted {
            let err = transfer::import(&exported.bytes, None, Some(&SecretString::new(RECOVERY))).expect_err("wrong");
            check("TransferError (wrong password)", &format!("{err:?} {err}"));
        }
    }
    let google = transfer::export_google(&accounts, 3);
    check("GoogleExport", &format!("{google:?}"));
    // A secret in a field of the wrong type, in each JSON format.
    for json in [
        format!(
            r#"{{"db":{{"version":2,"entries":[{{"type":"totp","info":{{"secret":"{SECRET_B32}","digits":"{SECRET_B32}"}}}}]}}}}"#
        ),
        format!(r#"{{"schemaVersion":4,"services":[{{"secret":"{SECRET_B32}","otp":{{"digits":"{SECRET_B32}"}}}}]}}"#),
        format!(r#"{{"items":[{{"login":{{"totp":"otpauth://totp/X?secret={SECRET_B32}&digits=99"}}}}]}}"#),
    ] {
        match transfer::import(json.as_bytes(), None, None) {
            Ok(outcome) => check("ImportOutcome (bad field)", &format!("{outcome:?}")),
            Err(err) => check("TransferError (bad field)", &format!("{err:?} {err}")),
        }
    }
}
