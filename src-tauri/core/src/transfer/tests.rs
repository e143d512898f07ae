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
