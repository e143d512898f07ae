//! Unit tests of the transfer module (interop and round trips are in tests/transfer.rs).

use super::*;

#[test]
fn recovery_codes_survive_the_note() {
    let codes = vec![
        RecoveryCode {
            code: SecretString::new("ABCD-1234"),
            used_at: None,
            note: String::new(),
        },
        RecoveryCode {
            code: SecretString::new("EFGH-5678"),
            used_at: Some(5),
            note: String::new(),
        },
    ];
    let note = note_with_recovery_codes("my note\nline 2", &codes);
    let (back, got) = split_recovery_codes(note.expose());
    assert_eq!(back, "my note\nline 2");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].code.expose(), "ABCD-1234");
    assert!(got[0].used_at.is_none());
    assert_eq!(got[1].code.expose(), "EFGH-5678");
    assert!(got[1].used_at.is_some());
    assert_eq!(split_recovery_codes("plain").0, "plain");
    assert_eq!(note_with_recovery_codes("n", &[]).expose(), "n");
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.as_str()), Some(f));
    }
    assert_eq!(Format::parse("nope"), None);
}

/// True when `text` holds a character no imported field may keep: a control character (C0,
/// DEL, C1), or a bidi override or isolate. `keep` lists the ones allowed (a note's `\n` `\t`).
fn has_forbidden(text: &str, keep: &[char]) -> bool {
    text.chars().any(|c| {
        (c.is_control() && !keep.contains(&c))
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

fn assert_clean(draft: &AccountDraft) {
    for (field, text) in [("issuer", &draft.issuer), ("name", &draft.name)] {
        assert!(!has_forbidden(text, &[]), "{field}: {text:?}");
    }
    assert!(!has_forbidden(&draft.note, &['\n', '\t']), "note: {:?}", draft.note);
    for tag in &draft.tags {
        assert!(!has_forbidden(tag, &[]) && !tag.is_empty(), "tag: {tag:?}");
    }
    for code in &draft.recovery_codes {
        assert!(!has_forbidden(code.code.expose(), &[]), "recovery code");
        assert!(!code.code.expose().contains("]52;") && !code.code.expose().contains("]0;"));
        assert!(!has_forbidden(&code.note, &['\n', '\t']), "recovery code note");
    }
}

/// The terminal escapes of issue 14: set the title, write the clipboard (OSC 52), clear.
const ESCAPES: [&str; 3] = ["\u{1b}]0;title\u{7}", "\u{1b}]52;c;Zm9v\u{7}", "\u{1b}[2J"];

/// Issue 14 (no terminal escapes from data): an Aegis file whose issuer, name, group and note
/// hold terminal escapes, and whose note's recovery codes carry them. After import no field
/// holds a control character (a note keeps its line breaks); the codes are the codes.
#[test]
fn issue14_imported_fields_hold_no_control_characters() {
    let [title, clipboard, clear] = ESCAPES;
    let note = format!(
        "my note{clear}\r\n\tsecond line\u{7}\u{9b}0m\u{202e}\n\n{RECOVERY_CODES_HEADING}\n- ABCD-1234{title}\n- {clipboard}EFGH-5678\n- {clear}IJKL-9012 (used)\n- {title}"
    );
    let aegis = serde_json::json!({
        "version": 1,
        "header": {"slots": null, "params": null},
        "db": {"version": 3, "entries": [{
            "type": "totp",
            "uuid": "9f0c3f6e-0000-4000-8000-000000000001",
            "name": format!("alice{clipboard}\u{0}\u{85}"),
            "issuer": format!("{title}Bank\u{1b}[31m\u{202e}"),
            "note": note,
            "group": format!("work{clear}"),
            "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "period": 30},
        }]},
    });
    let out = import(aegis.to_string().as_bytes(), None, None).expect("import");
    assert_eq!(out.accounts.len(), 1, "{:?}", out.failed);
    let account = &out.accounts[0];
    assert_clean(account);
    assert_eq!((account.issuer.as_str(), account.name.as_str()), ("Bank", "alice"));
    assert_eq!(account.note, "my note\n\tsecond line");
    assert_eq!(account.tags, ["work"]);
    let codes: Vec<(&str, bool)> = account
        .recovery_codes
        .iter()
        .map(|c| (c.code.expose(), c.used_at.is_some()))
        .collect();
    assert_eq!(codes, [("ABCD-1234", false), ("EFGH-5678", false), ("IJKL-9012", true)]);

    // The same through a URI list and a Google Authenticator export (their own parsers).
    let uri = format!(
        "otpauth://totp/{}:{}?secret=JBSWY3DPEHPK3PXP&issuer={}",
        percent(&format!("{title}Bank")),
        percent(&format!("alice{clear}")),
        percent(&format!("{title}Bank"))
    );
    let out = import(uri.as_bytes(), None, None).expect("import");
    assert_clean(&out.accounts[0]);
    assert_eq!(
        (out.accounts[0].issuer.as_str(), out.accounts[0].name.as_str()),
        ("Bank", "alice")
    );
}

fn percent(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An Ente export line: `uri` with `codeDisplay` set to `display` (JSON).
fn ente_line(uri: &str, display: &serde_json::Value) -> String {
    format!("{uri}&codeDisplay={}", percent(&display.to_string()))
}

/// Issue 14 (real export files): Ente Auth's note and tags were dropped, and a code in Ente's
/// trash came back as a live account. Notes and tags are kept (cleaned); trashed codes are
/// reported as skipped, "in Ente's trash".
#[test]
fn issue14_ente_notes_tags_and_trash() {
    let live = ente_line(
        "otpauth://totp/Bank:alice?secret=JBSWY3DPEHPK3PXP&issuer=Bank",
        &serde_json::json!({"pinned": true, "trashed": false, "lastUsedAt": 0, "tapCount": 3,
            "tags": ["work", "  ", "fin\u{1b}[2Jance"], "note": "PIN hint\nsecond line\u{1b}]52;c;Zm9v\u{7}"}),
    );
    let trashed = ente_line(
        "otpauth://totp/Old:bob?secret=KRSXG5CTMVRXEZLU&issuer=Old",
        &serde_json::json!({"trashed": true, "tags": [], "note": ""}),
    );
    let broken = ente_line(
        "otpauth://totp/Broken:carol?secret=KRSX0&issuer=Broken",
        &serde_json::json!({"trashed": false}),
    );
    let text = format!("{live}\n{trashed}\n{broken}\n");
    assert_eq!(detect(text.as_bytes()).unwrap(), Format::Ente);
    let out = import(text.as_bytes(), None, None).expect("import");
    assert_eq!(out.accounts.len(), 1);
    let account = &out.accounts[0];
    assert_eq!((account.issuer.as_str(), account.name.as_str()), ("Bank", "alice"));
    assert_eq!(account.note, "PIN hint\nsecond line");
    assert_eq!(account.tags, ["work", "finance"]);
    assert_eq!(
        out.skipped,
        [SkippedEntry {
            index: 2,
            entry: EntryLabel::new("Old", "bob"),
            reason: SkipReason::InEnteTrash,
        }]
    );
    assert_eq!(out.skipped[0].reason.to_string(), "in Ente's trash");
    assert_eq!(out.failed.len(), 1);
    let failed = &out.failed[0];
    assert_eq!(
        (
            failed.index,
            failed.issuer.as_str(),
            failed.account.as_str(),
            failed.label.as_str()
        ),
        (3, "Broken", "carol", "Broken (carol)")
    );
    assert!(
        failed.error.to_string().contains("character 5 of the secret"),
        "{}",
        failed.error
    );

    // The interop fixture (every code live, no notes) still imports whole.
    let plain = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&issuer=A&codeDisplay=%7B%22pinned%22%3Afalse%2C%22trashed%22%3Afalse%2C%22lastUsedAt%22%3A0%2C%22tapCount%22%3A0%2C%22tags%22%3A%5B%5D%7D";
    let out = import(plain.as_bytes(), None, None).unwrap();
    assert_eq!((out.accounts.len(), out.accounts[0].note.as_str()), (1, ""));
    // An unreadable codeDisplay keeps the account and says so.
    let out = import(format!("{plain}%7B").as_bytes(), None, None).unwrap();
    assert_eq!(out.accounts.len(), 1);
    assert!(out.warnings[0].contains("display settings"), "{:?}", out.warnings);
}

/// A Google Authenticator export URI of `entries` (name, issuer, algorithm enum) with the given
/// batch fields.
fn google_uri(entries: &[(&str, &str, i32)], batch_size: i32, batch_index: i32, batch_id: i32) -> String {
    use crate::uri::migration::{Parameters, Payload};
    use prost::Message;
    let payload = Payload {
        otp_parameters: entries
            .iter()
            .map(|(name, issuer, algorithm)| Parameters {
                secret: b"12345678901234567890".to_vec(),
                name: name.as_bytes().to_vec(),
                issuer: issuer.as_bytes().to_vec(),
                algorithm: *algorithm,
                digits: 1,
                r#type: 2,
                counter: 0,
            })
            .collect(),
        version: 1,
        batch_size,
        batch_index,
        batch_id,
    };
    let data = data_encoding::BASE64.encode(&payload.encode_to_vec());
    format!("otpauth-migration://offline?data={}", percent(&data))
}

/// Issue 14 (import reports): entries of a Google Authenticator export that cannot be read are
/// failed entries named by issuer and account (they were warnings with an index); two exports
/// without a batch id each name their own missing parts.
#[test]
fn issue14_google_reports_name_entries_and_each_export() {
    let md5 = 4;
    let sha1 = 1;
    // One URI whose entries are all unreadable, one with a bad entry among good ones.
    let all_bad = google_uri(&[("GitHub:alice", "", md5), ("bob", "Bank", md5)], 1, 0, 7);
    let mixed = google_uri(&[("carol", "Mail", sha1), ("dave", "Shop", md5)], 1, 0, 8);
    // Two exports without an id: X (3 parts) gives parts 1 and 2, Y (2 parts) gives part 2.
    let x1 = google_uri(&[("x1", "X", sha1)], 3, 0, 0);
    let x2 = google_uri(&[("x2", "X", sha1)], 3, 1, 0);
    let y2 = google_uri(&[("y2", "Y", sha1)], 2, 1, 0);
    let text = [all_bad, mixed, x1, y2, x2].join("\n");
    let out = import(text.as_bytes(), None, None).expect("import");
    let names: Vec<&str> = out.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["x1", "x2", "y2", "carol"]);
    let failed: Vec<(usize, &str, &str)> = out
        .failed
        .iter()
        .map(|f| (f.index, f.issuer.as_str(), f.account.as_str()))
        .collect();
    assert_eq!(
        failed,
        [(1, "GitHub", "alice"), (1, "Bank", "bob"), (2, "Shop", "dave")]
    );
    assert!(out.failed.iter().all(|f| f.error.to_string().contains("MD5")));
    assert_eq!(
        out.warnings,
        [
            "a Google Authenticator export without an export id, of 3 parts, of which part(s) 1, 2 were given, is missing part(s) 3: import those QR codes too",
            "a Google Authenticator export without an export id, of 2 parts, of which part(s) 2 were given, is missing part(s) 1: import those QR codes too",
        ]
    );
}

/// Ente counts an HOTP code whose URI has no counter from 0; the same URI outside an Ente export
/// still needs its counter (the Key URI format requires one).
#[test]
fn ente_hotp_without_a_counter_starts_at_zero() {
    let uri = "otpauth://hotp/Bank:alice?secret=JBSWY3DPEHPK3PXP&issuer=Bank&digits=6";
    let line = ente_line(uri, &serde_json::json!({"trashed": false, "note": "n"}));
    let out = import(line.as_bytes(), None, None).expect("import");
    assert_eq!(out.accounts.len(), 1, "{:?}", out.failed);
    let otp = out.accounts[0].otp.as_ref().expect("otp");
    assert_eq!((otp.kind, otp.counter), (OtpKind::Hotp, 0));

    let plain = import(uri.as_bytes(), None, None).expect("import");
    assert!(plain.accounts.is_empty());
    assert_eq!(plain.failed.len(), 1);
}
