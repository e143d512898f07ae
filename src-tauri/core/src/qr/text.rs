//! Payload bytes → text, refusing what cannot be read with confidence.
//!
//! A QR byte segment carries bytes, not text. The standard says ISO-8859-1 unless an ECI
//! header says otherwise; in practice many generators write UTF-8 without an ECI. So:
//! * with an ECI header: the charset it names (decoded by rxing);
//! * without: UTF-8 when the bytes are valid UTF-8 (ISO-8859-1 text of real names is almost
//!   never valid UTF-8: `ü` is the single byte FC, which cannot start a UTF-8 sequence), else
//!   ISO-8859-1 — but not when the bytes hold C1 control codes (0x80–0x9F), which no
//!   ISO-8859-1 text contains: those are some other charset (Windows-1252, Shift-JIS…) and are
//!   refused rather than shown as mojibake.
//!
//! Any text with a replacement character or a control character other than tab, CR and LF is
//! refused too: a payload read wrongly is worse than none.

/// One decoded symbol's payload.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) text: String,
}

pub(crate) fn decode_payload(bytes: &[u8], eci_text: Option<String>) -> Option<Decoded> {
    let text = match eci_text {
        Some(text) => text,
        None => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) if bytes.iter().any(|b| (0x80..=0x9f).contains(b)) => return None,
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        },
    };
    let clean = !text.is_empty()
        && !text
            .chars()
            .any(|c| c == char::REPLACEMENT_CHARACTER || (c.is_control() && !matches!(c, '\t' | '\n' | '\r')));
    clean.then_some(Decoded { text })
}
