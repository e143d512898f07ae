//! Round trips through our own exporters, the project's own committed fixtures (written by our
//! exporter: `SPA_WRITE_FIXTURES=1 cargo test -p smartpush-core --test transfer_roundtrip`
//! rewrites them), an independent decryption of our encrypted Aegis export (Python
//! `cryptography`, written from Aegis's documentation), and hostile inputs.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use smartpush_core::transfer::{self, ExportFormat, Format, MAX_INPUT_BYTES, TransferError};
use smartpush_core::{
    Account, AccountDraft, AccountId, Algorithm, OtpConfig, OtpKind, RecoveryCode, Secret, SecretString,
};

const PASSWORD: &str = "fixture password ünïcode";

fn secret(b32: &str) -> Secret {
    Secret::from_base32(b32).expect("valid base32")
}

fn cfg(kind: OtpKind, b32: &str, algorithm: Algorithm, digits: u8, period: u32, counter: u64) -> Option<OtpConfig> {
    Some(OtpConfig {
        kind,
        secret: secret(b32),
        algorithm,
        digits,
        period,
        counter,
    })
}

/// The accounts the fixtures hold: every kind, algorithm and setting the formats carry, a note,
/// tags and recovery codes, labels with spaces, a colon and non-ASCII, and one entry that keeps
/// recovery codes only (which no export format can carry).
fn accounts() -> Vec<Account> {
    let drafts = vec![
        AccountDraft {
            issuer: "SmartPush".into(),
            name: "ada@example.com".into(),
            otp: cfg(OtpKind::Totp, "JBSWY3DPEHPK3PXP", Algorithm::Sha1, 6, 30, 0),
            note: "work account\nsecond line".into(),
            tags: vec!["work".into(), "email".into()],
            recovery_codes: vec![
                RecoveryCode {
                    code: SecretString::new("K7QF-2MZP-X4TA"),
                    used_at: None,
                    note: String::new(),
                },
                RecoveryCode {
                    code: SecretString::new("9RDL-WV3C-HN6E"),
                    used_at: Some(1_700_000_000),
                    note: String::new(),
                },
            ],
            ..AccountDraft::default()
        },
        AccountDraft {
            issuer: "Bank: Zürich".into(),
            name: "Jürgen Müller".into(),
            otp: cfg(
                OtpKind::Totp,
                "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                Algorithm::Sha256,
                8,
                60,
                0,
            ),
            tags: vec!["work".into()],
            ..AccountDraft::default()
        },
        AccountDraft {
            issuer: "VPN".into(),
            name: "ops".into(),
            otp: cfg(
                OtpKind::Hotp,
                "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
                Algorithm::Sha512,
                7,
                30,
                10_301,
            ),
            ..AccountDraft::default()
        },
        AccountDraft {
            issuer: "Steam".into(),
            name: "gamer".into(),
            otp: cfg(OtpKind::Steam, "ONSWG4TFOQYTEMZU", Algorithm::Sha1, 5, 30, 0),
            ..AccountDraft::default()
        },
        AccountDraft {
            issuer: String::new(),
            name: "no issuer".into(),
            otp: cfg(OtpKind::Totp, "KRSXG5CTMVRXEZLU", Algorithm::Sha1, 6, 30, 0),
            ..AccountDraft::default()
        },
        AccountDraft {
            issuer: "Old Forum".into(),
            name: "codes only".into(),
            otp: None,
            recovery_codes: vec![RecoveryCode {
                code: SecretString::new("AAAA-BBBB"),
                used_at: None,
                note: String::new(),
            }],
            ..AccountDraft::default()
        },
    ];
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| Account::from_draft(AccountId(format!("{i:08x}")), d, 1_700_000_000))
        .collect()
}

/// What an import of our export must give back: the accounts with OTP, as drafts. `full`: the
/// format carries notes, tags and recovery codes (Aegis); else they are empty (URI lists).
fn expected(full: bool) -> Vec<AccountDraft> {
    accounts()
        .into_iter()
        .filter(|a| a.otp.is_some())
        .map(|a| AccountDraft {
            issuer: a.issuer,
            name: a.name,
            otp: a.otp,
            note: if full { a.note } else { String::new() },
            tags: if full { a.tags } else { Vec::new() },
            recovery_codes: if full {
                // A used code's time is not carried: it comes back used at time 0.
                a.recovery_codes
                    .into_iter()
                    .map(|c| RecoveryCode {
                        used_at: c.used_at.map(|_| 0),
                        ..c
                    })
                    .collect()
            } else {
                Vec::new()
            },
            ..AccountDraft::default()
        })
        .collect()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transfer")
        .join(name)
}

/// The committed fixture `name`, written first by `format` when `SPA_WRITE_FIXTURES` is set.
fn committed(name: &str, format: ExportFormat) -> Vec<u8> {
    static WRITTEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let path = fixture(name);
    let mut written = WRITTEN.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("SPA_WRITE_FIXTURES").is_some() && !written.iter().any(|w| w == name) {
        written.push(name.to_string());
        let password = SecretString::new(PASSWORD);
        let out = transfer::export(&accounts(), format, Some(&password)).expect("export");
        std::fs::write(&path, out.bytes.as_slice()).expect("write fixture");
    }
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn import_all(bytes: &[u8], password: Option<&str>) -> transfer::ImportOutcome {
    let password = password.map(SecretString::new);
    transfer::import(bytes, None, password.as_ref()).expect("import")
}

#[test]
fn fresh_exports_round_trip() {
    let password = SecretString::new(PASSWORD);
    for (format, full) in [
        (ExportFormat::AegisEncrypted, true),
        (ExportFormat::AegisPlain, true),
        (ExportFormat::Uris, false),
    ] {
        let out = transfer::export(&accounts(), format, Some(&password)).expect("export");
        assert_eq!(out.count, 5, "{format:?}");
        assert_eq!(out.left_out, vec!["Old Forum (codes only)".to_string()], "{format:?}");
        let text = String::from_utf8_lossy(&out.bytes);
        assert_eq!(
            text.contains("JBSWY3DPEHPK3PXP"),
            format.is_plaintext(),
            "{format:?}: secrets in clear exactly when plaintext"
        );
        let back = import_all(&out.bytes, Some(PASSWORD));
        assert!(back.failed.is_empty() && back.duplicates.is_empty(), "{format:?}");
        assert_eq!(back.accounts, expected(full), "{format:?}");
    }
    assert!(matches!(
        transfer::export(&accounts(), ExportFormat::AegisEncrypted, None),
        Err(TransferError::PasswordRequired(_))
    ));
    assert!(matches!(
        transfer::export(&accounts(), ExportFormat::AegisEncrypted, Some(&SecretString::new(""))),
        Err(TransferError::EmptyPassword)
    ));
}

#[test]
fn committed_fixtures_import() {
    for (name, format, full) in [
        ("aegis_encrypted.json", ExportFormat::AegisEncrypted, true),
        ("aegis_plain.json", ExportFormat::AegisPlain, true),
        ("uris.txt", ExportFormat::Uris, false),
    ] {
        let bytes = committed(name, format);
        let back = import_all(&bytes, Some(PASSWORD));
        assert_eq!(back.accounts, expected(full), "{name}");
    }
}

#[test]
fn encrypted_aegis_export_uses_aegis_settings_and_decrypts_independently() {
    let bytes = committed("aegis_encrypted.json", ExportFormat::AegisEncrypted);
    let root: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let slot = &root["header"]["slots"][0];
    assert_eq!(
        (
            slot["type"].as_u64(),
            slot["n"].as_u64(),
            slot["r"].as_u64(),
            slot["p"].as_u64()
        ),
        (Some(1), Some(32768), Some(8), Some(1))
    );
    assert_eq!(root["header"]["slots"].as_array().map(Vec::len), Some(1));

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/aegis_decrypt.py");
    let run = Command::new("python3")
        .arg(&script)
        .arg(fixture("aegis_encrypted.json"))
        .env("AEGIS_PASSWORD", PASSWORD)
        .output();
    let output = match run {
        Ok(o) if o.status.code() == Some(2) => {
            eprintln!("SKIPPED: python3-cryptography is not installed (scripts/deps.sh installs it)");
            return;
        }
        Ok(o) => o,
        Err(e) => {
            eprintln!("SKIPPED: python3 not found ({e})");
            return;
        }
    };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let db: serde_json::Value = serde_json::from_slice(&output.stdout).expect("db JSON");
    let entries = db["entries"].as_array().expect("entries");
    let want = expected(true);
    assert_eq!(entries.len(), want.len());
    for (entry, want) in entries.iter().zip(&want) {
        let otp = want.otp.as_ref().expect("otp");
        assert_eq!(entry["issuer"].as_str(), Some(want.issuer.as_str()));
        assert_eq!(entry["name"].as_str(), Some(want.name.as_str()));
        assert_eq!(entry["type"].as_str(), Some(otp.kind.as_str()));
        assert_eq!(entry["info"]["secret"].as_str(), Some(otp.secret.to_base32().as_str()));
        assert_eq!(entry["info"]["algo"].as_str(), Some(otp.algorithm.as_str()));
        assert_eq!(entry["info"]["digits"].as_u64(), Some(u64::from(otp.digits)));
        match otp.kind {
            OtpKind::Hotp => assert_eq!(entry["info"]["counter"].as_u64(), Some(otp.counter)),
            _ => assert_eq!(entry["info"]["period"].as_u64(), Some(u64::from(otp.period))),
        }
    }
    // The wrong password is refused by the independent reader too.
    let wrong = Command::new("python3")
        .arg(&script)
        .arg(fixture("aegis_encrypted.json"))
        .env("AEGIS_PASSWORD", "nope")
        .output()
        .expect("python3");
    assert_eq!(wrong.status.code(), Some(1));
}

/// Runs `f` and checks it ends within `limit`.
fn fast<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(start.elapsed() < limit, "{what} took {:?}", start.elapsed());
    out
}

#[test]
fn hostile_inputs_are_clear_errors_and_fast() {
    let enc = committed("aegis_encrypted.json", ExportFormat::AegisEncrypted);
    let password = SecretString::new(PASSWORD);

    // Wrong password.
    let err = transfer::import(&enc, None, Some(&SecretString::new("wrong"))).expect_err("wrong password");
    assert!(matches!(err, TransferError::WrongPassword(Format::Aegis)), "{err}");

    // Absurd scrypt settings: refused before any derivation.
    for (n, r, p) in [
        (1u64 << 40, 8u64, 1u64),
        (1 << 22, 8, 1),
        (32768, 8, 1 << 20),
        (32768, 1 << 20, 1),
        (1000, 8, 1),
    ] {
        let mut root: serde_json::Value = serde_json::from_slice(&enc).expect("json");
        root["header"]["slots"][0]["n"] = n.into();
        root["header"]["slots"][0]["r"] = r.into();
        root["header"]["slots"][0]["p"] = p.into();
        let bytes = serde_json::to_vec(&root).expect("json");
        let err = fast(Duration::from_millis(200), "absurd KDF", || {
            transfer::import(&bytes, None, Some(&password))
        })
        .expect_err("absurd KDF");
        assert!(matches!(err, TransferError::KdfParams(_)), "{n} {r} {p}: {err}");
    }
    // Too many password slots.
    let mut root: serde_json::Value = serde_json::from_slice(&enc).expect("json");
    let slot = root["header"]["slots"][0].clone();
    root["header"]["slots"] = serde_json::Value::Array(vec![slot; 50]);
    let bytes = serde_json::to_vec(&root).expect("json");
    let err = fast(Duration::from_millis(200), "many slots", || {
        transfer::import(&bytes, None, Some(&password))
    })
    .expect_err("slots");
    assert!(matches!(err, TransferError::KdfParams(_)), "{err}");

    // Truncated files: every cut of our encrypted and plain exports is an error, never a panic
    // or a partial list.
    let plain = committed("aegis_plain.json", ExportFormat::AegisPlain);
    for bytes in [&enc, &plain] {
        for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 3] {
            let err = transfer::import(&bytes[..cut], Some(Format::Aegis), Some(&password)).expect_err("truncated");
            assert!(
                matches!(
                    err,
                    TransferError::Truncated | TransferError::Malformed { .. } | TransferError::MalformedJson { .. }
                ),
                "cut {cut}: {err}"
            );
        }
    }
    // A db cut short inside valid JSON: authentication fails, reported as damage.
    let mut root: serde_json::Value = serde_json::from_slice(&enc).expect("json");
    let db = root["db"].as_str().expect("db").to_string();
    root["db"] = db[..db.len() / 2 / 4 * 4].into();
    let err = transfer::import(&serde_json::to_vec(&root).expect("json"), None, Some(&password)).expect_err("short db");
    assert!(matches!(err, TransferError::Malformed { .. }), "{err}");

    // Malformed JSON and CSV, unknown content.
    let err = transfer::import(b"{\"header\": {}, \"db\": [1,2,}", Some(Format::Aegis), None).expect_err("json");
    assert!(matches!(err, TransferError::MalformedJson { .. }), "{err}");
    let err = transfer::import(b"folder,name,login_uri\n,x,y\n", Some(Format::BitwardenCsv), None).expect_err("csv");
    assert!(matches!(err, TransferError::Malformed { .. }), "{err}");
    let err = transfer::import(b"hello world\nnot an export", None, None).expect_err("unknown");
    assert!(matches!(err, TransferError::UnknownFormat), "{err}");
    assert!(matches!(
        transfer::import(b"  \n", None, None),
        Err(TransferError::Empty)
    ));

    // A 50 MB input is refused at once.
    let big = vec![b'['; 50 * 1024 * 1024];
    let err = fast(Duration::from_millis(100), "50 MB", || {
        transfer::import(&big, None, None)
    })
    .expect_err("big");
    assert!(
        matches!(err, TransferError::TooLarge { size, max } if size == big.len() && max == MAX_INPUT_BYTES),
        "{err}"
    );
}

/// Issue 14: four password slots with p = 4, each within the per-slot caps, made an import sweep
/// gigabytes of scrypt (7.6 s) before "wrong password". The slots of a file together may ask for
/// `MAX_IMPORT_SCRYPT_WORK`; a file asking for more is refused before any derivation.
#[test]
fn aegis_slots_that_together_ask_too_much_are_refused_before_any_derivation() {
    let enc = committed("aegis_encrypted.json", ExportFormat::AegisEncrypted);
    let password = SecretString::new(PASSWORD);
    let with_slots = |settings: &[(u64, u64, u64)]| {
        let mut root: serde_json::Value = serde_json::from_slice(&enc).expect("json");
        let ours = root["header"]["slots"][0].clone();
        let slots: Vec<serde_json::Value> = settings
            .iter()
            .map(|&(n, r, p)| {
                let mut slot = ours.clone();
                slot["n"] = n.into();
                slot["r"] = r.into();
                slot["p"] = p.into();
                slot
            })
            .collect();
        root["header"]["slots"] = slots.into();
        serde_json::to_vec(&root).expect("json")
    };
    let (at_cap, aegis) = ((1u64 << 17, 8u64, 1u64), (1u64 << 15, 8u64, 1u64));
    for settings in [
        vec![(1 << 17, 8, 4); 4],
        vec![(1 << 17, 8, 2)],
        vec![at_cap, at_cap],
        vec![at_cap, aegis],
        vec![(1 << 15, 32, 1), aegis, aegis, aegis],
        vec![aegis, aegis, aegis, (1 << 15, 8, 2)],
    ] {
        let err = transfer::import(&with_slots(&settings), None, Some(&password)).expect_err("over the bound");
        assert!(
            matches!(
                err,
                TransferError::KdfWorkTooHigh {
                    format: Format::Aegis,
                    max_mib: 128,
                    ..
                }
            ),
            "{settings:?}: {err}"
        );
        assert!(err.to_string().contains("128 MiB"), "{err}");
    }
    // Within the bound every slot is tried: the wrong password is refused after them all, and a
    // real file (one slot at Aegis's setting, here also behind three others) opens.
    let wrong = SecretString::new("wrong");
    let bytes = with_slots(&[at_cap]);
    let err = transfer::import(&bytes, None, Some(&wrong)).expect_err("wrong password");
    assert!(matches!(err, TransferError::WrongPassword(Format::Aegis)), "{err}");
    let bytes = with_slots(&[aegis; 4]);
    let err = transfer::import(&bytes, None, Some(&wrong)).expect_err("wrong password");
    assert!(matches!(err, TransferError::WrongPassword(Format::Aegis)), "{err}");
    assert_eq!(import_all(&bytes, Some(PASSWORD)).accounts, expected(true));
}

#[test]
fn one_bad_entry_never_sinks_an_import_and_duplicates_are_reported() {
    let text = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
                otpauth://totp/B:b?secret=not*base32\n\
                otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\n\
                otpauth://hotp/C:c?secret=KRSXG5CTMVRXEZLU\n\
                otpauth://totp/D:d?secret=KRSXG5CTMVRXEZLU&digits=12\n\
                otpauth://totp/E:e?secret=MFRGGZDFMZTWQ2LK\n";
    let out = transfer::import(text.as_bytes(), None, None).expect("import");
    let issuers: Vec<&str> = out.accounts.iter().map(|a| a.issuer.as_str()).collect();
    assert_eq!(issuers, ["A", "E"]);
    let duplicate = &out.duplicates[0];
    assert_eq!((duplicate.issuer.as_str(), duplicate.account.as_str()), ("A", "a"));
    assert_eq!(duplicate.to_string(), "A (a)");
    let lines: Vec<usize> = out.failed.iter().map(|f| f.index).collect();
    assert_eq!(lines, [2, 4, 5]);
    // Issue 14: a failed URI names its entry (the label was empty, only the line was given).
    let named: Vec<(&str, &str, &str)> = out
        .failed
        .iter()
        .map(|f| (f.issuer.as_str(), f.account.as_str(), f.label.as_str()))
        .collect();
    assert_eq!(named, [("B", "b", "B (b)"), ("C", "c", "C (c)"), ("D", "d", "D (d)")]);
    for f in &out.failed {
        assert!(!f.error.to_string().contains("KRSXG5") && !format!("{f:?}").contains("KRSXG5"));
    }

    // The same in an Aegis file: a bad entry among good ones.
    let json = br#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
        {"type":"totp","name":"ok","issuer":"Good","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"period":30}},
        {"type":"totp","name":"bad","issuer":"Bad","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"MD5","digits":6,"period":30}},
        {"type":"motp","name":"m","issuer":"M","info":{"secret":"JBSWY3DPEHPK3PXP"}},
        {"type":"hotp","name":"h","issuer":"H","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"counter":"x"}}
    ]}}"#;
    let out = transfer::import(json, None, None).expect("import");
    assert_eq!(out.accounts.len(), 1);
    assert_eq!(
        out.failed.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(),
        ["Bad (bad)", "M (m)", "H (h)"]
    );

    // Labels are cleaned.
    let out = transfer::import(
        b"otpauth://totp/%1B%5B31mEvil%0Aname?secret=JBSWY3DPEHPK3PXP&issuer=A%E2%80%AEB",
        None,
        None,
    )
    .expect("import");
    assert_eq!(out.accounts[0].issuer, "AB");
    assert_eq!(out.accounts[0].name, "Evil name");
}

#[test]
fn errors_and_debug_never_show_secrets_or_passwords() {
    let enc = committed("aegis_encrypted.json", ExportFormat::AegisEncrypted);
    let out = import_all(&enc, Some(PASSWORD));
    let dbg = format!("{out:?}");
    assert!(
        !dbg.contains("JBSWY3DP") && !dbg.contains("K7QF") && !dbg.contains(PASSWORD),
        "{dbg}"
    );
    let exported = transfer::export(&accounts(), ExportFormat::AegisPlain, None).expect("export");
    let dbg = format!("{exported:?}");
    assert!(
        !dbg.contains("JBSWY3DP") && dbg.contains("redacted"),
        "Debug of an export shows its bytes: {dbg}"
    );
    // A secret in a field of the wrong type is not quoted.
    let json = br#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
        {"type":"totp","name":"n","issuer":"i","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":"JBSWY3DPEHPK3PXP","period":30}}]}}"#;
    let out = transfer::import(json, None, None).expect("import");
    let msg = out.failed[0].error.to_string();
    assert!(!msg.contains("JBSWY3DP"), "{msg}");
}

#[test]
fn google_export_round_trips_through_qr_codes() {
    let mut many = accounts();
    // Enough accounts for three QR codes.
    for i in 0..19u8 {
        let secret = Secret::new(vec![i.wrapping_mul(7).wrapping_add(1); 10]);
        let draft = AccountDraft {
            issuer: format!("Service {i}"),
            name: format!("user{i}"),
            otp: Some(OtpConfig::totp(secret)),
            ..AccountDraft::default()
        };
        many.push(Account::from_draft(AccountId(format!("f{i:07x}")), draft, 0));
    }
    let out = transfer::export_google(&many, 77);
    // Steam, the 60 s account and the 7-digit one have no place in the format; codes-only is
    // left out too.
    assert_eq!(
        out.left_out,
        [
            "Bank: Zürich (Jürgen Müller)",
            "VPN (ops)",
            "Steam (gamer)",
            "Old Forum (codes only)"
        ]
    );
    assert_eq!(out.count, many.len() - 4);
    assert!(out.uris.len() >= out.count.div_ceil(transfer::GOOGLE_ACCOUNTS_PER_QR));
    assert!(out.uris.iter().all(|u| u.len() <= transfer::GOOGLE_MAX_URI_BYTES));
    assert!(!format!("{out:?}").contains("otpauth"));
    let mut text = String::new();
    for uri in &out.uris {
        let png = smartpush_core::qr::to_png(uri).expect("png");
        let decoded = smartpush_core::qr::decode_image_bytes(&png).expect("decode");
        assert_eq!(decoded.len(), 1);
        text.push_str(&decoded[0]);
        text.push('\n');
    }
    let back = transfer::import(text.as_bytes(), None, None).expect("import");
    assert_eq!(back.format, Format::GoogleMigration);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(back.accounts.len(), out.count);
    for draft in &back.accounts {
        let original = many
            .iter()
            .find(|a| a.issuer == draft.issuer && a.name == draft.name)
            .expect("same account");
        assert_eq!(original.otp, draft.otp);
    }
    // A missing part is reported.
    let partial: String = out.uris[..2].iter().map(|u| format!("{}\n", u.as_str())).collect();
    let back = transfer::import(partial.as_bytes(), None, None).expect("import");
    assert!(
        back.warnings.iter().any(|w| w.contains("missing part(s) 3")),
        "{:?}",
        back.warnings
    );
}

/// The accounts of `n` services whose issuer and name are `label_len` characters long.
fn labelled(n: usize, label_len: usize) -> Vec<Account> {
    (0..n)
        .map(|i| {
            let draft = AccountDraft {
                issuer: format!("{i:02}{}", "I".repeat(label_len.saturating_sub(2))),
                name: format!("{i:02}{}", "n".repeat(label_len.saturating_sub(2))),
                otp: Some(OtpConfig::totp(Secret::new(vec![u8::try_from(i).unwrap_or(0) + 1; 20]))),
                ..AccountDraft::default()
            };
            Account::from_draft(AccountId(format!("b{i:07x}")), draft, 0)
        })
        .collect()
}

/// Issue #6: batches were a fixed ten accounts, however long their labels, so an export of
/// long names made QR codes too dense to scan. Now each URI keeps to the byte budget, long
/// labels make more batches, and every batch decodes from a small rendering (2 px per module)
/// back to exactly the accounts.
#[test]
fn google_batches_are_sized_by_bytes_and_every_batch_decodes() {
    let short = transfer::export_google(&labelled(30, 6), 5);
    let long = transfer::export_google(&labelled(30, 60), 5);
    assert_eq!(short.count, 30);
    assert_eq!(long.count, 30);
    assert!(
        long.uris.len() > short.uris.len(),
        "{} batches for long labels, {} for short",
        long.uris.len(),
        short.uris.len()
    );
    assert!(short.uris.len() >= 3, "ten accounts at most per batch");
    for export in [&short, &long] {
        let mut text = String::new();
        for uri in &export.uris {
            assert!(uri.len() <= transfer::GOOGLE_MAX_URI_BYTES, "{} bytes", uri.len());
            let image = smartpush_core::qr::to_image(uri, 2).expect("draw");
            let side = image.width();
            let modules = side / 2 - 2 * smartpush_core::qr::QUIET_ZONE;
            assert!(modules <= 97, "version 20 at most: {modules} modules");
            let decoded = smartpush_core::qr::decode_image(&smartpush_core::qr::image::DynamicImage::ImageLuma8(image));
            assert_eq!(decoded, [uri.to_string()]);
            text.push_str(&decoded[0]);
            text.push('\n');
        }
        let back = transfer::import(text.as_bytes(), None, None).expect("import");
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.accounts.len(), 30, "every batch decodes, none missing");
    }
    // One account longer than the budget on its own still travels, in a batch of its own.
    let huge = transfer::export_google(&labelled(3, 400), 6);
    assert_eq!(huge.uris.len(), 3);
}
