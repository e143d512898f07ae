//! Writing results: plain text for people, JSON for scripts, notes on standard error.

use std::io::Write;

use serde::Serialize;
use smartpush_core::account::clean_label;

use crate::error::{CliError, Result};

/// Prints a value as pretty JSON on standard output.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| CliError::Output(e.into()))?;
    writeln!(out).map_err(CliError::Output)
}

/// Prints lines on standard output.
pub fn lines<I, S>(lines: I) -> Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{}", line.as_ref()).map_err(CliError::Output)?;
    }
    out.flush().map_err(CliError::Output)
}

/// A note for the person on standard error (never parsed by scripts).
pub fn note(message: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr(), "{}", message.as_ref());
}

/// Formats a table whose columns are padded to their widest cell, under a header line.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut all = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    all.extend(rows.iter().cloned());
    columns(&all)
}

/// Pads each column to its widest cell (the last column is not padded).
pub fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
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
