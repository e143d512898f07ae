//! URIs written by other tools, from the shared folder beside the repository (`../shared`, or
//! `SMARTPUSH_SHARED`): the QR benchmark's payloads and the interop fixtures' URI lists.

use std::collections::BTreeSet;
use std::path::PathBuf;

use smartpush_core::account::{AccountDraft, Algorithm, OtpKind};
use smartpush_core::{otp, uri};

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("SMARTPUSH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "NOTE: {} is missing: the shared-corpus URI tests did not run",
            dir.display()
        );
        None
    }
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary(d: &AccountDraft) -> String {
    let o = d.otp.as_ref().expect("every URI carries OTP");
    let detail = match o.kind {
        OtpKind::Hotp => format!("counter {}", o.counter),
        _ => format!("period {}", o.period),
    };
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        d.issuer,
        d.name,
        o.secret.to_base32().as_str(),
        o.kind,
        o.algorithm,
        o.digits,
        detail
    )
}

/// Every payload in the QR benchmark (otpauth and Google migration, percent-encoded, raw UTF-8,
/// shuffled parameters) is read, gives valid codes, and survives a canonical round trip.
#[test]
fn qr_corpus_payloads_all_parse() {
    let Some(shared) = shared() else { return };
    let manifest: serde_json::Value = serde_json::from_str(&read(shared.join("qr-corpus/manifest.json"))).unwrap();
    let payloads: Vec<&str> = manifest
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["expected"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()))
        .collect();
    assert!(payloads.len() > 100, "{}", payloads.len());
    let (mut single, mut exported) = (0, 0);
    for payload in payloads {
        let accounts = uri::parse(payload).unwrap_or_else(|e| panic!("{e}: {payload}"));
        assert!(!accounts.is_empty());
        if payload.starts_with("otpauth-migration:") {
            exported += accounts.len();
        } else {
            single += 1;
        }
        for account in accounts {
            let cfg = account.otp.as_ref().unwrap();
            otp::validate(cfg).unwrap_or_else(|e| panic!("{e}: {payload}"));
            let again = uri::to_otpauth(&account.issuer, &account.name, cfg);
            assert_eq!(uri::parse_otpauth(&again), Ok(account), "{payload}");
        }
    }
    assert!(single > 100 && exported > 50, "{single} {exported}");
}

/// The interop fixtures: the seven accounts of `plain.txt`, and Ente Auth's export of the same
/// (with its extra `codeDisplay` parameter and shuffled, lower-case parameters) read identically.
#[test]
fn interop_uri_lists() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("fixtures/interop");
    let parse_all = |text: String| -> Vec<AccountDraft> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .flat_map(|l| uri::parse(l).unwrap())
            .collect()
    };
    let plain = parse_all(read(dir.join("plain.txt")));
    let kinds: Vec<(OtpKind, Algorithm, u8, u64)> = plain
        .iter()
        .map(|a| {
            let o = a.otp.as_ref().unwrap();
            let detail = if o.kind == OtpKind::Hotp {
                o.counter
            } else {
                u64::from(o.period)
            };
            (o.kind, o.algorithm, o.digits, detail)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (OtpKind::Totp, Algorithm::Sha1, 6, 30),
            (OtpKind::Totp, Algorithm::Sha256, 7, 20),
            (OtpKind::Totp, Algorithm::Sha512, 8, 50),
            (OtpKind::Hotp, Algorithm::Sha1, 6, 1),
            (OtpKind::Hotp, Algorithm::Sha256, 7, 50),
            (OtpKind::Hotp, Algorithm::Sha512, 8, 10300),
            (OtpKind::Steam, Algorithm::Sha1, 5, 30),
        ]
    );
    assert_eq!(plain[4].issuer, "Air Canada", "`+` in the issuer parameter is a space");
    for a in &plain {
        otp::validate(a.otp.as_ref().unwrap()).unwrap();
    }
    let ente = parse_all(read(dir.join("ente_auth.txt")));
    let set = |v: &[AccountDraft]| v.iter().map(summary).collect::<BTreeSet<_>>();
    assert_eq!(set(&ente), set(&plain));
}
