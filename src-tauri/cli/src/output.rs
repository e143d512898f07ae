//! Writing results: plain text for people, JSON for scripts, notes on standard error.
//!
//! Vault data (issuers, names, notes, tags, recovery codes) comes from QR codes and other apps'
//! exports, so it may hold terminal control sequences. Nothing reaches the terminal raw: every
//! line of text ([`lines`], [`note`], the error line) goes through [`printable`], and [`json`]
//! writes the same characters as `\u` escapes, so the data stays exact for scripts.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use smartpush_core::account::clean_label;

use crate::error::{CliError, Result};

/// Prints a value as pretty JSON on standard output. serde_json writes C0 controls as `\u`
/// escapes; DEL, the C1 controls and the characters that reorder or split lines ([`escaped`])
/// are written as `\u` escapes too, so the output holds no raw control character and parses
/// to the very same strings.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, SafeJson(PrettyFormatter::new()));
    value
        .serialize(&mut serializer)
        .map_err(|e| CliError::Output(e.into()))?;
    writeln!(out).map_err(CliError::Output)?;
    out.flush().map_err(CliError::Output)
}

/// serde_json's pretty formatter, with every [`escaped`] character that serde_json writes raw
/// (all but the C0 controls) written as `\uXXXX` inside strings.
struct SafeJson<'a>(PrettyFormatter<'a>);

impl Formatter for SafeJson<'_> {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if escaped(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // The rest is the pretty formatter's.
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// Prints lines on standard output, each through [`printable`].
pub fn lines<I, S>(lines: I) -> Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{}", printable(line.as_ref())).map_err(CliError::Output)?;
    }
    out.flush().map_err(CliError::Output)
}

/// A note for the person on standard error (never parsed by scripts), through [`printable`].
pub fn note(message: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr(), "{}", printable(message.as_ref()));
}

/// True for the characters [`printable`] makes visible: the C0 controls (newline and tab
/// included), DEL, the C1 controls, and the invisible characters that reorder or split a line
/// (bidi marks, embeddings, overrides and isolates; the line and paragraph separators).
pub fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` safe to print on a terminal: one line whose characters draw as themselves. Every C0
/// control and DEL is written `\xNN` (ESC as `\x1b`, BEL as `\x07`, a newline as `\x0a`); every C1
/// control and every bidi or line-separator character as `\u{NNNN}`. Nothing is dropped, so
/// what was stored can still be told apart; a backslash already in the text is left as it is
/// (`--json` gives the exact data). Borrowed when there is nothing to escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match u32::from(c) {
            _ if !escaped(c) => out.push(c),
            n @ (0..=0x1f | 0x7f) => {
                let _ = write!(out, "\\x{n:02x}");
            }
            n => {
                let _ = write!(out, "\\u{{{n:04x}}}");
            }
        }
    }
    Cow::Owned(out)
}

/// Formats a table whose columns are padded to their widest cell, under a header line.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut all = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    all.extend(rows.iter().cloned());
    columns(&all)
}

/// Pads each column to its widest cell (the last column is not padded). Cells are made
/// [`printable`] first, so the padding counts what the terminal draws.
pub fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| printable(cell).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = Vec::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(max) => *max = (*max).max(w),
                None => widths.push(w),
            }
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    line.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count() + 2));
                }
            }
            line
        })
        .collect()
}

/// A unix time as an RFC 3339 UTC timestamp.
pub fn timestamp(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| unix.to_string())
}

/// `Issuer (name)`, or whichever part exists, cleaned of control and bidi characters (labels
/// come from QR codes and other apps' exports: they must not forge lines or escape sequences).
pub fn label(issuer: &str, name: &str) -> String {
    let (issuer, name) = (clean_label(issuer), clean_label(name));
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer} ({name})"),
        (false, true) => issuer,
        (true, false) => name,
        (true, true) => "(unnamed)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_makes_every_control_visible() {
        for (raw, shown) in [
            ("plain — ünïcode 🙂", "plain — ünïcode 🙂"),
            ("\u{1b}]0;title\u{7}", "\\x1b]0;title\\x07"),
            ("\u{1b}]52;c;aGk=\u{7}\u{1b}[2J", "\\x1b]52;c;aGk=\\x07\\x1b[2J"),
            ("a\nb\r\tc\u{0}", "a\\x0ab\\x0d\\x09c\\x00"),
            ("del\u{7f}", "del\\x7f"),
            (
                "\u{9b}31m\u{9d}0;t\u{9c}\u{85}",
                "\\u{009b}31m\\u{009d}0;t\\u{009c}\\u{0085}",
            ),
            ("abc\u{202e}fed\u{2066}\u{2028}", "abc\\u{202e}fed\\u{2066}\\u{2028}"),
        ] {
            let got = printable(raw);
            assert_eq!(got, shown, "{raw:?}");
            assert!(!got.chars().any(escaped), "{got:?}");
            assert_eq!(printable(&got), got, "printable twice changes nothing");
        }
        assert!(matches!(printable("nothing to do"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_keeps_the_data() {
        let value = serde_json::json!({ "note": "\u{1b}]0;t\u{7}|\u{7f}|\u{9b}2J|\u{202e}|é—" });
        let mut bytes = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, SafeJson(PrettyFormatter::new()));
        value.serialize(&mut serializer).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(
            text.contains("\\u001b")
                && text.contains("\\u007f")
                && text.contains("\\u009b")
                && text.contains("\\u202e")
        );
        assert!(text.contains("é—"), "other characters stay as they are: {text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert_eq!(
            text,
            serde_json::to_string_pretty(&back)
                .unwrap()
                .replace('\u{7f}', "\\u007f")
                .replace('\u{9b}', "\\u009b")
                .replace('\u{202e}', "\\u202e")
        );
    }
}
