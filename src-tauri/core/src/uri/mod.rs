//! Enrollment URIs: `otpauth://` (one account, Google's Key URI format) and
//! `otpauth-migration://` (Google Authenticator's export, a batch of accounts).
//!
//! Parsing follows what real apps accept rather than the letter of the format; every quirk is
//! listed on [`parse_otpauth`] and [`migration::decode`] and has a table test. Formatting is
//! canonical ([`to_otpauth`], [`migration::encode`]). Nothing here ever puts a secret in an error.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str};
use zeroize::Zeroizing;

use crate::account::{AccountDraft, Base32Error, OtpKind};
use crate::otp::allowed_digits;

pub mod migration;
mod otpauth;

pub(crate) use otpauth::{label_of_uri, parameter};
pub use otpauth::{parse_otpauth, to_otpauth};

/// Why a URI could not be read. Never contains the secret; the two variants that quote the
/// input (the type, the algorithm) quote it only when it is short (see `shown`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The text does not start with `otpauth://` or `otpauth-migration://`.
    #[error("not an otpauth:// or otpauth-migration:// URI")]
    NotOtpauth,
    /// The type (the URI's host) is not `totp`, `hotp` or `steam`.
    #[error("unknown OTP type \"{0}\" (expected totp, hotp or steam)")]
    UnknownType(String),
    /// There is no `secret` parameter, or it is empty.
    #[error("the URI has no secret")]
    MissingSecret,
    /// The secret is not base32 (what is wrong and where; never the secret).
    #[error("{0}")]
    InvalidSecret(Base32Error),
    /// An HOTP URI without a `counter` parameter.
    #[error("an HOTP URI needs a counter")]
    MissingCounter,
    /// The `counter` parameter is not a number from 0 to 2^64 - 2 (at 2^64 - 1 no next code, nor
    /// next counter, exists).
    #[error("the HOTP counter is not a whole number from 0 to 18446744073709551614")]
    InvalidCounter,
    /// The `algorithm` is not SHA1, SHA256 or SHA512 (for example MD5).
    #[error("unsupported algorithm \"{0}\" (expected SHA1, SHA256 or SHA512)")]
    UnsupportedAlgorithm(String),
    /// `digits` is a number but not one the kind allows (6–10, or 5 for Steam).
    #[error("{kind} codes must have {} digits, not {digits}", allowed_digits(*.kind))]
    DigitsOutOfRange {
        /// The account's kind.
        kind: OtpKind,
        /// The rejected value.
        digits: u64,
    },
    /// `period` is a number outside 1–3600 seconds.
    #[error("the period must be 1 to 3600 seconds, not {0}")]
    PeriodOutOfRange(u64),
    /// An `otpauth-migration://` URI whose payload cannot be read.
    #[error("invalid Google Authenticator export: {0}")]
    InvalidMigrationData(MigrationProblem),
    /// An entry of a Google Authenticator export holds an enum or counter value this app does
    /// not know.
    #[error("the exported account has an unsupported {field} value ({value})")]
    UnsupportedMigrationValue {
        /// The protobuf field: `algorithm`, `digits`, `type` or `counter`.
        field: &'static str,
        /// Its value.
        value: i64,
    },
}

/// What is wrong with the payload of an `otpauth-migration://` URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationProblem {
    /// No `data` parameter, or an empty one.
    MissingData,
    /// `data` is not base64.
    NotBase64,
    /// The decoded bytes are not a migration payload (protobuf).
    NotProtobuf,
    /// The payload holds no account.
    NoAccounts,
}

impl std::fmt::Display for MigrationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MigrationProblem::MissingData => "the data parameter is missing",
            MigrationProblem::NotBase64 => "the data parameter is not base64",
            MigrationProblem::NotProtobuf => "the data is not a Google Authenticator migration payload",
            MigrationProblem::NoAccounts => "it holds no account",
        })
    }
}

/// Reads every account of a URI: the one of an `otpauth://` URI, or all the readable ones of an
/// `otpauth-migration://` URI (see [`migration::decode`] for entries that are skipped).
/// Surrounding whitespace is ignored.
pub fn parse(uri: &str) -> Result<Vec<AccountDraft>, UriError> {
    let uri = uri.trim();
    if strip_scheme(uri, migration::SCHEME).is_some() {
        migration::decode(uri).map(|batch| batch.accounts)
    } else {
        parse_otpauth(uri).map(|draft| vec![draft])
    }
}

/// Characters left as they are in a percent-encoded label or parameter value: RFC 3986's
/// unreserved set. Everything else, notably `:` `&` `?` `#` `%` `+` `=` `/` and space, is
/// encoded, so a canonical URI survives any URI or form decoder.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The rest of `uri` after `scheme` (ASCII case-insensitive), if it starts with it.
pub(crate) fn strip_scheme<'a>(uri: &'a str, scheme: &str) -> Option<&'a str> {
    let head = uri.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme).then(|| &uri[scheme.len()..])
}

/// Percent-decodes `text` into UTF-8, replacing invalid sequences (never fails).
pub(crate) fn percent_decode(text: &str) -> Zeroizing<String> {
    Zeroizing::new(match percent_decode_str(text).decode_utf8_lossy() {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    })
}

/// A query string split into `key=value` pairs, kept raw until asked for. Keys match
/// case-insensitively; when a key repeats, the first occurrence wins (as Android's
/// `Uri.getQueryParameter`).
pub(crate) struct Query<'a> {
    pairs: Vec<(String, &'a str)>,
}

impl<'a> Query<'a> {
    pub(crate) fn parse(query: &'a str) -> Query<'a> {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (form_decode(key).trim().to_ascii_lowercase(), value)
            })
            .collect();
        Query { pairs }
    }

    fn raw(&self, key: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The value decoded as an HTML form does: `+` is a space, then percent-decoding.
    pub(crate) fn get(&self, key: &str) -> Option<Zeroizing<String>> {
        self.raw(key).map(form_decode)
    }

    /// The value percent-decoded only: a `+` stays a `+` (for base64 data).
    pub(crate) fn get_percent_decoded(&self, key: &str) -> Option<Zeroizing<String>> {
        self.raw(key).map(percent_decode)
    }
}

fn form_decode(text: &str) -> Zeroizing<String> {
    let spaced = Zeroizing::new(text.replace('+', " "));
    percent_decode(&spaced)
}

/// An unrecognised (non-secret) value for an error message: printable characters only, and only
/// when short. Names of types and algorithms are short; a long value is more likely a secret
/// pasted in the wrong place, so it is described by its length instead.
pub(crate) fn shown(value: &str) -> String {
    const MAX: usize = 12;
    let printable: String = value.chars().filter(|c| !c.is_control()).collect();
    match printable.chars().count() {
        n if n > MAX => format!("<{n} characters>"),
        _ => printable,
    }
}

#[cfg(test)]
mod tests;
