//! QR payloads → accounts.

use crate::account::AccountDraft;
use crate::uri::{self, UriError, migration};

/// What one scanned payload turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadKind {
    /// An `otpauth://` URI: one account.
    Otpauth,
    /// One QR code of a Google Authenticator export (`otpauth-migration://`).
    Migration {
        /// Shared by the codes of one export.
        batch_id: i32,
        /// This code's position in the export, from 0.
        batch_index: i32,
        /// How many codes the export has (0 or 1 for a single one).
        batch_size: i32,
        /// Accounts read from this code.
        accounts: usize,
        /// Entries of this code that could not be read (for example MD5 accounts).
        skipped: usize,
    },
    /// An `otpauth://` or `otpauth-migration://` URI that cannot be read, and why.
    InvalidUri(UriError),
    /// A web address or other URI (`https://…`, `mailto:…`): not an account.
    Url,
    /// Any other text: not an account.
    Text,
}

impl PayloadKind {
    /// True for payloads that gave accounts.
    pub fn is_account(&self) -> bool {
        matches!(self, PayloadKind::Otpauth | PayloadKind::Migration { .. })
    }
}

/// The accounts found in a set of QR payloads (from one image or several).
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Every account read: those of `otpauth://` payloads in payload order, then those of
    /// Google Authenticator exports by export and batch. A payload scanned twice counts once.
    pub accounts: Vec<AccountDraft>,
    /// What each payload was, in the order given (one entry per payload, duplicates included).
    pub payloads: Vec<PayloadKind>,
    /// Google Authenticator exports split over several QR codes of which some were not among
    /// the payloads: the export's `batch_id` and the missing batch indexes (from 0).
    pub missing_batches: Vec<(i32, Vec<i32>)>,
}

/// Reads every payload as an account source. Nothing is dropped silently: a payload that is not
/// an account (a URL, plain text) or cannot be read is reported in [`ScanReport::payloads`].
pub fn scan_accounts<S: AsRef<str>>(payloads: &[S]) -> ScanReport {
    let mut report = ScanReport::default();
    let mut batches = migration::BatchSet::new();
    let mut seen_otpauth: Vec<&str> = Vec::new();
    for payload in payloads {
        let text = payload.as_ref().trim();
        let kind = if has_scheme(text, "otpauth-migration") {
            match migration::decode(text) {
                Ok(batch) => {
                    let kind = PayloadKind::Migration {
                        batch_id: batch.batch_id,
                        batch_index: batch.batch_index,
                        batch_size: batch.batch_size,
                        accounts: batch.accounts.len(),
                        skipped: batch.skipped.len(),
                    };
                    batches.add(batch);
                    kind
                }
                Err(err) => PayloadKind::InvalidUri(err),
            }
        } else if has_scheme(text, "otpauth") {
            match uri::parse_otpauth(text) {
                Ok(draft) => {
                    if !seen_otpauth.contains(&text) {
                        seen_otpauth.push(text);
                        report.accounts.push(draft);
                    }
                    PayloadKind::Otpauth
                }
                Err(err) => PayloadKind::InvalidUri(err),
            }
        } else if looks_like_uri(text) {
            PayloadKind::Url
        } else {
            PayloadKind::Text
        };
        report.payloads.push(kind);
    }
    report.accounts.extend(batches.accounts());
    report.missing_batches = batches.missing();
    report
}

/// `text` starts with `scheme://` (scheme compared ASCII case-insensitively).
fn has_scheme(text: &str, scheme: &str) -> bool {
    text.split_once("://")
        .is_some_and(|(head, _)| head.eq_ignore_ascii_case(scheme))
}

/// RFC 3986 `scheme ":"` at the start: a letter, then letters, digits, `+`, `-` or `.`.
fn looks_like_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.contains(char::is_whitespace)
}
