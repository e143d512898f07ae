//! Interop: every export in `../shared/fixtures/interop/` (real exports of other
//! authenticators, read in place, never copied into the project) imports to the accounts of
//! `plain.txt` it holds, with every OTP setting exact.
//!
//! The folder's README says each file holds the seven accounts of `plain.txt`; several hold a
//! subset (a format or an app that cannot carry HOTP or Steam, or a shorter export). The table
//! in `expected_issuers` lists, per file, which of the seven it holds; each must come out exact,
//! and nothing else may.
//!
//! Where the folder is absent (a checkout without `../shared`), the tests say so on stderr and
//! pass; the project's own fixtures (`transfer_roundtrip.rs`) still run.

use std::path::PathBuf;

use smartpush_core::transfer::{self, Format, TransferError};
use smartpush_core::{AccountDraft, OtpKind, SecretString, uri};

fn interop_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/interop");
    if dir.join("plain.txt").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent; interop fixtures not checked", dir.display());
        None
    }
}

/// The seven reference accounts, from `plain.txt` through the URI parser.
fn reference(dir: &std::path::Path) -> Vec<AccountDraft> {
    let text = std::fs::read_to_string(dir.join("plain.txt")).expect("plain.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| uri::parse_otpauth(l).expect("plain.txt URIs parse"))
        .collect()
}

/// For each file: its format, its password, and the issuers (of `plain.txt`) it holds.
fn expected_issuers() -> Vec<(&'static str, Format, Option<&'static str>, Vec<&'static str>)> {
    let all = vec!["Deno", "SPDX", "Airbnb", "Issuu", "Air Canada", "WWE", "Boeing"];
    vec![
        ("plain.txt", Format::Uris, None, all.clone()),
        ("aegis_plain.json", Format::Aegis, None, all.clone()),
        ("aegis_encrypted.json", Format::Aegis, Some("test"), all.clone()),
        (
            "2fas_authenticator_plain_v4.2fas",
            Format::TwoFas,
            None,
            TWOFAS.to_vec(),
        ),
        (
            "2fas_authenticator_encrypted_v4.2fas",
            Format::TwoFas,
            Some("test"),
            TWOFAS.to_vec(),
        ),
        (
            "bitwarden.json",
            Format::BitwardenJson,
            None,
            vec!["Deno", "SPDX", "Airbnb", "Boeing"],
        ),
        (
            "bitwarden.csv",
            Format::BitwardenCsv,
            None,
            vec!["Deno", "SPDX", "Airbnb", "Boeing"],
        ),
        ("ente_auth.txt", Format::Ente, None, all.clone()),
        (
            "freeotp_plus.json",
            Format::FreeOtpPlus,
            None,
            vec!["WWE", "Air Canada", "Issuu", "Airbnb", "SPDX", "Deno"],
        ),
        (
            "proton_authenticator.json",
            Format::Proton,
            None,
            vec!["Deno", "SPDX", "Airbnb"],
        ),
        ("andotp_plain.json", Format::AndOtp, None, all),
    ]
}

/// Both 2FAS files hold five accounts: no SPDX, no Airbnb.
const TWOFAS: [&str; 5] = ["Deno", "Issuu", "Air Canada", "WWE", "Boeing"];

#[test]
fn every_interop_file_imports_its_accounts_exactly() {
    let Some(dir) = interop_dir() else { return };
    let reference = reference(&dir);
    assert_eq!(reference.len(), 7);
    let mut files_seen = 0;
    for (file, format, password, issuers) in expected_issuers() {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(transfer::detect(&bytes).ok(), Some(format), "{file}: detected format");
        let password = password.map(SecretString::new);
        let outcome = transfer::import(&bytes, None, password.as_ref()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(outcome.failed.is_empty(), "{file}: failures {:?}", outcome.failed);
        assert!(outcome.duplicates.is_empty(), "{file}");
        let mut got_issuers: Vec<String> = Vec::new();
        for draft in &outcome.accounts {
            let otp = draft.otp.as_ref().expect("imported accounts have OTP settings");
            let want = reference
                .iter()
                .find(|r| r.otp.as_ref().map(|o| o.secret.expose()) == Some(otp.secret.expose()))
                .unwrap_or_else(|| panic!("{file}: an account whose secret is not in plain.txt"));
            assert_eq!(draft.otp, want.otp, "{file}: OTP settings of {}", want.issuer);
            if draft.issuer == want.issuer {
                assert_eq!(draft.name, want.name, "{file}: name of {}", want.issuer);
            } else {
                // Bitwarden's bare steam:// value carries no label: the item's name stands in.
                assert!(
                    matches!(format, Format::BitwardenJson | Format::BitwardenCsv),
                    "{file}: issuer {:?}",
                    draft.issuer
                );
                assert_eq!(otp.kind, OtpKind::Steam, "{file}");
            }
            got_issuers.push(want.issuer.clone());
        }
        let mut want_issuers: Vec<String> = issuers.iter().map(|s| s.to_string()).collect();
        got_issuers.sort();
        want_issuers.sort();
        assert_eq!(got_issuers, want_issuers, "{file}: accounts");
        files_seen += 1;
    }
    let in_folder = std::fs::read_dir(&dir)
        .expect("dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name() != "README.md"));
    assert_eq!(
        in_folder.count(),
        files_seen,
        "every file of the folder is in the table"
    );
}

#[test]
fn encrypted_interop_files_refuse_a_wrong_or_missing_password() {
    let Some(dir) = interop_dir() else { return };
    for (file, format) in [
        ("aegis_encrypted.json", Format::Aegis),
        ("2fas_authenticator_encrypted_v4.2fas", Format::TwoFas),
    ] {
        let bytes = std::fs::read(dir.join(file)).expect("read");
        let err = transfer::import(&bytes, None, None).expect_err("no password");
        assert!(
            matches!(err, TransferError::PasswordRequired(f) if f == format),
            "{file}: {err}"
        );
        let wrong = SecretString::new("tset");
        let err = transfer::import(&bytes, None, Some(&wrong)).expect_err("wrong password");
        assert!(
            matches!(err, TransferError::WrongPassword(f) if f == format),
            "{file}: {err}"
        );
        assert!(!err.to_string().contains("tset"));
    }
}
