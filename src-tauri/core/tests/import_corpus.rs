//! The real-file corpus: every export in `tests/corpus` (written by other apps, taken from their
//! repositories' test data; sources and licences in `tests/corpus/README.md`) is imported with
//! [`transfer::import`] and compared, field by field, with `tests/corpus/expected/<file>.json`,
//! which the independent decoder `tests/corpus/decode.py` wrote.
//!
//! Per file: the detected format; every expected account present once, with its type, issuer,
//! account, secret (bytes), algorithm, digits, period (TOTP, Steam) or counter (HOTP), note and
//! tags; no other account; as many duplicates as expected; every entry that must fail reported as
//! failed, with its label and a message naming the reason; every entry the writing app hides
//! (Ente's trash) left out; an encrypted file asks for its password when given none. Files of
//! formats this app does not read must be refused with an error.
//!
//! A file marked `known_failure` in `tests/corpus/manifest.json` is expected to differ today (the
//! expected values stay right): its differences are printed as an expected failure, and the test
//! fails when it no longer differs, so the mark goes with the fix. Failure messages name files,
//! entries and fields; a secret or a note appears only as its length and a short SHA-256
//! fingerprint.

use std::collections::BTreeSet;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use smartpush_core::transfer::{self, Format, ImportOutcome, TransferError};
use smartpush_core::{AccountDraft, OtpKind, SecretString};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The first 4 bytes of the SHA-256 of `bytes`, in hex: enough to tell values apart, not to
/// recover them.
fn sha_prefix(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "sha256 {:02x}{:02x}{:02x}{:02x}…",
        digest[0], digest[1], digest[2], digest[3]
    )
}

/// A secret as it may be shown: its length and [`sha_prefix`].
fn fingerprint(secret: &[u8]) -> String {
    format!("{} bytes, {}", secret.len(), sha_prefix(secret))
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("expected secret_hex is hex"))
        .collect()
}

fn label(issuer: &str, account: &str) -> String {
    format!("{issuer:?} / {account:?}")
}

/// Where an imported account differs from an expected one (field names and values, never the
/// secret, which matched).
fn field_diffs(want: &Value, got: &AccountDraft) -> Vec<String> {
    let mut diffs = Vec::new();
    let otp = got.otp.as_ref().expect("imported accounts have OTP settings");
    let mut check = |field: &str, want: String, got: String| {
        if want != got {
            diffs.push(format!("{field}: ours {got:?}, expected {want:?}"));
        }
    };
    check("type", text(want, "type").to_string(), otp.kind.as_str().to_string());
    check("issuer", text(want, "issuer").to_string(), got.issuer.clone());
    check("account", text(want, "account").to_string(), got.name.clone());
    check(
        "algorithm",
        text(want, "algorithm").to_string(),
        otp.algorithm.as_str().to_string(),
    );
    check("digits", want["digits"].to_string(), otp.digits.to_string());
    match otp.kind {
        OtpKind::Hotp => check("counter", want["counter"].to_string(), otp.counter.to_string()),
        OtpKind::Totp | OtpKind::Steam => check("period", want["period"].to_string(), otp.period.to_string()),
    }
    // A note may hold recovery codes: it is shown as its length and fingerprint only.
    let note = |n: &str| match n.is_empty() {
        true => "empty".to_string(),
        false => format!("{} chars, {}", n.chars().count(), sha_prefix(n.as_bytes())),
    };
    check("note", note(text(want, "note")), note(&got.note));
    let want_tags: Vec<String> = want["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    check("tags", format!("{want_tags:?}"), format!("{:?}", got.tags));
    diffs
}

/// The words an error message must contain for a failure of `reason` (decode.py's classes).
fn reason_words(reason: &str) -> &'static [&'static str] {
    match reason {
        "invalid-digits" => &["digits"],
        "invalid-period" => &["period"],
        "unsupported-algorithm" => &["algorithm", "SHA"],
        "invalid-secret" | "missing-secret" => &["secret", "base32"],
        "missing-counter" | "invalid-counter" => &["counter"],
        "unsupported-type" => &["type", "unsupported", "mOTP", "Yandex"],
        _ => &[],
    }
}

/// Every difference between the outcome of importing a file and what it is expected to hold.
fn differences(outcome: &ImportOutcome, expected: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let want_accounts = expected["accounts"].as_array().expect("accounts");
    let mut unmatched: Vec<&AccountDraft> = outcome.accounts.iter().collect();
    for want in want_accounts {
        let secret = hex_decode(text(want, "secret_hex"));
        let who = label(text(want, "issuer"), text(want, "account"));
        let same_secret = |a: &&AccountDraft| a.otp.as_ref().is_some_and(|o| o.secret.expose() == secret.as_slice());
        let same_label = |a: &&AccountDraft| a.issuer == text(want, "issuer") && a.name == text(want, "account");
        let found = unmatched
            .iter()
            .position(|a| same_secret(a) && same_label(a))
            .or_else(|| unmatched.iter().position(same_secret));
        match found {
            Some(i) => {
                let got = unmatched.remove(i);
                for diff in field_diffs(want, got) {
                    problems.push(format!("account {who}: {diff}"));
                }
            }
            None => problems.push(format!(
                "account {who}: not imported (no account with its secret: {})",
                fingerprint(&secret)
            )),
        }
    }
    let skipped = expected["skipped"].as_array().expect("skipped");
    for got in unmatched {
        let is_skipped = skipped
            .iter()
            .any(|s| text(s, "issuer") == got.issuer && text(s, "account") == got.name);
        let secret = got
            .otp
            .as_ref()
            .map(|o| fingerprint(o.secret.expose()))
            .unwrap_or_default();
        problems.push(match is_skipped {
            true => format!(
                "account {}: imported, but the file's app hides it ({}); expected skipped",
                label(&got.issuer, &got.name),
                skipped.iter().map(|s| text(s, "reason")).next().unwrap_or("")
            ),
            false => format!(
                "account {}: imported, but not expected (secret {secret})",
                label(&got.issuer, &got.name)
            ),
        });
    }
    let want_dups = expected["duplicates"].as_array().map_or(0, Vec::len);
    if outcome.duplicates.len() != want_dups {
        problems.push(format!(
            "duplicates: ours {}, expected {want_dups}",
            outcome.duplicates.len()
        ));
    }
    let want_failed = expected["failed"].as_array().expect("failed");
    if outcome.failed.len() != want_failed.len() {
        problems.push(format!(
            "failed entries: ours {} ({}), expected {} ({})",
            outcome.failed.len(),
            outcome
                .failed
                .iter()
                .map(|f| format!("{:?}: {}", f.label, f.error))
                .collect::<Vec<_>>()
                .join("; "),
            want_failed.len(),
            want_failed
                .iter()
                .map(|f| format!(
                    "{}: {}",
                    label(text(f, "issuer"), text(f, "account")),
                    text(f, "reason")
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for want in want_failed {
        let (issuer, account, reason) = (text(want, "issuer"), text(want, "account"), text(want, "reason"));
        let named = |l: &str| (account.is_empty() || l.contains(account)) && (issuer.is_empty() || l.contains(issuer));
        match outcome.failed.iter().find(|f| named(&f.label)) {
            None => problems.push(format!(
                "failed entry {}: not reported under its label (labels reported: {:?})",
                label(issuer, account),
                outcome.failed.iter().map(|f| f.label.as_str()).collect::<Vec<_>>()
            )),
            Some(f) => {
                let message = f.error.to_string();
                let words = reason_words(reason);
                if !words.is_empty() && !words.iter().any(|w| message.contains(w)) {
                    problems.push(format!(
                        "failed entry {}: the message {message:?} does not name the reason ({reason})",
                        label(issuer, account)
                    ));
                }
            }
        }
    }
    problems
}

/// Imports `bytes` and checks the outcome; a panic is a difference too.
fn check_file(bytes: &[u8], format: Format, password: Option<&SecretString>, expected: &Value) -> Vec<String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut problems = Vec::new();
        match transfer::detect(bytes) {
            Ok(f) if f == format => {}
            Ok(f) => problems.push(format!("format: detected {f}, expected {format}")),
            Err(e) => problems.push(format!("format: not detected ({e}), expected {format}")),
        }
        match transfer::import(bytes, Some(format), password) {
            Ok(outcome) => problems.extend(differences(&outcome, expected)),
            Err(e) => problems.push(format!("import refused the file: {e}")),
        }
        problems
    }));
    result.unwrap_or_else(|_| vec!["the import panicked".to_string()])
}

#[test]
fn every_corpus_file_imports_as_the_independent_decoder_reads_it() {
    let dir = corpus_dir();
    let manifest = read_json(&dir.join("manifest.json"));
    let files = manifest["files"].as_array().expect("files");
    let unsupported = manifest["unsupported"].as_array().expect("unsupported");

    // Every file of the corpus is listed, and every listed file has its expectation.
    let listed: BTreeSet<String> = files
        .iter()
        .chain(unsupported)
        .map(|e| text(e, "file").to_string())
        .collect();
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("tests/corpus") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().is_dir() || name == "expected" {
            continue;
        }
        for file in std::fs::read_dir(entry.path()).expect("folder") {
            on_disk.insert(format!("{name}/{}", file.expect("file").file_name().to_string_lossy()));
        }
    }
    assert_eq!(on_disk, listed, "tests/corpus and manifest.json list the same files");

    let mut wrong: Vec<String> = Vec::new();
    let mut known: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut fixed: Vec<String> = Vec::new();
    let (mut accounts, mut formats) = (0, BTreeSet::new());
    for entry in files {
        let file = text(entry, "file");
        let format = Format::parse(text(entry, "format")).unwrap_or_else(|| panic!("{file}: unknown format"));
        formats.insert(format.as_str());
        let expected = read_json(&dir.join("expected").join(format!("{file}.json")));
        assert_eq!(text(&expected, "file"), file, "expected/{file}.json names its file");
        accounts += expected["accounts"].as_array().map_or(0, Vec::len);
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let password = entry.get("password").and_then(Value::as_str).map(SecretString::new);
        let mut problems = check_file(&bytes, format, password.as_ref(), &expected);
        if password.is_some() {
            match transfer::import(&bytes, Some(format), None) {
                Err(TransferError::PasswordRequired(f)) if f == format => {}
                Err(e) => problems.push(format!("without its password: {e}, expected a password request")),
                Ok(_) => problems.push("without its password: imported, expected a password request".into()),
            }
        }
        match (entry.get("known_failure").and_then(Value::as_str), problems.is_empty()) {
            (None, true) => {}
            (None, false) => wrong.extend(problems.iter().map(|p| format!("{file}: {p}"))),
            (Some(class), false) => known.push((file.to_string(), class.to_string(), problems)),
            (Some(class), true) => fixed.push(format!("{file} ({class})")),
        }
    }
    for entry in unsupported {
        let file = text(entry, "file");
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let password = entry.get("password").and_then(Value::as_str).map(SecretString::new);
        match catch_unwind(AssertUnwindSafe(|| transfer::import(&bytes, None, password.as_ref()))) {
            Err(_) => wrong.push(format!("{file}: the import panicked")),
            Ok(Ok(outcome)) => wrong.push(format!(
                "{file}: a format this app does not read was read as {} ({} accounts, {} failed)",
                outcome.format,
                outcome.accounts.len(),
                outcome.failed.len()
            )),
            Ok(Err(_)) => {}
        }
    }

    // Written to stderr directly, not with eprintln!, so it shows without --nocapture (the test
    // harness captures only the print macros).
    let mut report = String::new();
    for (file, class, problems) in &known {
        report.push_str(&format!("known failure ({class}): {file}\n"));
        for p in problems {
            report.push_str(&format!("    {p}\n"));
        }
    }
    let classes: BTreeSet<&str> = known.iter().flat_map(|(_, c, _)| c.split(',').map(str::trim)).collect();
    let verdict = match (wrong.is_empty(), known.is_empty()) {
        (true, true) => "all right".to_string(),
        (true, false) => format!(
            "{} files right, {} known to fail today ({})",
            files.len() - known.len(),
            known.len(),
            classes.into_iter().collect::<Vec<_>>().join(", ")
        ),
        (false, _) => format!("{} unexpected difference(s)", wrong.len()),
    };
    report.push_str(&format!(
        "corpus: {} files, {} formats, {accounts} accounts, {verdict}; {} files of unsupported formats refused\n",
        files.len(),
        formats.len(),
        unsupported.len()
    ));
    std::io::stderr().write_all(report.as_bytes()).expect("stderr");
    let mut failures = Vec::new();
    if !wrong.is_empty() {
        failures.push(format!(
            "{} difference(s) from tests/corpus/expected (run `python3 tests/corpus/decode.py --check` first):\n{}",
            wrong.len(),
            wrong.join("\n")
        ));
    }
    if !fixed.is_empty() {
        failures.push(format!(
            "these files now import right: remove their known_failure mark from tests/corpus/manifest.json: {}",
            fixed.join(", ")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
