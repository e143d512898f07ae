//! Moving accounts in and out: importers for the exports of other authenticators and exporters
//! to formats they read.
//!
//! Every importer works over bytes (no file I/O) through the [`Importer`] trait and returns the
//! accounts it could read plus one [`EntryError`] per entry it could not: one bad entry never
//! sinks an import. [`import`] detects the format from the content when none is given, refuses
//! inputs above [`MAX_INPUT_BYTES`] before reading them, drops duplicates (same secret, issuer
//! and account name) and reports them, and cleans every text field of every account it returns
//! (see [`import`]): whatever an importer missed, no control character reaches the vault.
//!
//! | [`Format`] | reads |
//! |---|---|
//! | `uris` | `otpauth://` URI lists, one per line |
//! | `google` | Google Authenticator `otpauth-migration://` URIs (batches, missing parts reported) |
//! | `aegis` | Aegis vault JSON, plain or encrypted (scrypt password slots, AES-256-GCM) |
//! | `2fas` | 2FAS `.2fas` backups (schema 4), plain or encrypted (PBKDF2-SHA256, AES-256-GCM) |
//! | `bitwarden-json`, `bitwarden-csv` | Bitwarden unencrypted exports (the `totp` field) |
//! | `ente` | Ente Auth plain-text export (notes and tags kept; codes in Ente's trash skipped) |
//! | `freeotp-plus` | FreeOTP+ JSON export |
//! | `proton` | Proton Authenticator JSON export |
//! | `andotp` | andOTP plain JSON backup |
//!
//! Exporters ([`export`], [`export_google`]): Aegis JSON encrypted (scrypt N=2^15 r=8 p=1, one password slot,
//! AES-256-GCM, as Aegis writes it) or plain, an otpauth URI list, and Google Authenticator
//! export URIs (to show as QR codes for a phone). Recovery codes and notes
//! travel in Aegis's note field (see [`note_with_recovery_codes`]); the Aegis importer reads
//! them back.
//!
//! Nothing here puts a secret (OTP secret, password, key) in an error or a `Debug` output: JSON
//! is parsed into `serde_json::Value` first and fields are read by hand, because serde's typed
//! errors quote the offending value.

use std::fmt;

use serde_json::Value;

use zeroize::Zeroizing;

use crate::account::{
    AccountDraft, Algorithm, Base32Error, OtpConfig, OtpKind, RecoveryCode, Secret, SecretString, clean_label,
    clean_note,
};
use crate::otp::{self, OtpError};
use crate::uri::UriError;

mod aegis;
mod andotp;
mod bitwarden;
mod crypto;
mod freeotp;
mod inputs;
mod proton;
mod twofas;
mod uris;

pub use aegis::{AEGIS_SCRYPT_LOG_N, AEGIS_SCRYPT_P, AEGIS_SCRYPT_R};
pub use crypto::{MAX_IMPORT_SCRYPT_WORK, MAX_PASSWORD_SLOTS, MAX_SCRYPT_MEMORY};
pub use inputs::{JoinError, join_inputs};

/// The largest input any importer reads (10 MiB): exports of hundreds of accounts are a few
/// hundred KiB. Larger inputs are refused before any parsing.
pub const MAX_INPUT_BYTES: usize = 10 * 1024 * 1024;

/// The formats [`import`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `otpauth://` URIs, one per line (Google's Key URI format).
    Uris,
    /// Google Authenticator export: `otpauth-migration://` URIs, one per line.
    GoogleMigration,
    /// Aegis Authenticator vault JSON, plain or encrypted.
    Aegis,
    /// 2FAS backup (`.2fas`), plain or encrypted.
    TwoFas,
    /// Bitwarden unencrypted JSON export.
    BitwardenJson,
    /// Bitwarden CSV export.
    BitwardenCsv,
    /// Ente Auth plain-text export (otpauth URIs with Ente's own parameters).
    Ente,
    /// FreeOTP+ JSON export.
    FreeOtpPlus,
    /// Proton Authenticator JSON export.
    Proton,
    /// andOTP plain JSON backup.
    AndOtp,
}

impl Format {
    /// Every format, in the order of the table above.
    pub const ALL: [Format; 10] = [
        Format::Uris,
        Format::GoogleMigration,
        Format::Aegis,
        Format::TwoFas,
        Format::BitwardenJson,
        Format::BitwardenCsv,
        Format::Ente,
        Format::FreeOtpPlus,
        Format::Proton,
        Format::AndOtp,
    ];

    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Uris => "uris",
            Format::GoogleMigration => "google",
            Format::Aegis => "aegis",
            Format::TwoFas => "2fas",
            Format::BitwardenJson => "bitwarden-json",
            Format::BitwardenCsv => "bitwarden-csv",
            Format::Ente => "ente",
            Format::FreeOtpPlus => "freeotp-plus",
            Format::Proton => "proton",
            Format::AndOtp => "andotp",
        }
    }

    /// The name people know the format by, e.g. "Aegis" or "Google Authenticator".
    pub fn title(self) -> &'static str {
        match self {
            Format::Uris => "otpauth:// links",
            Format::GoogleMigration => "Google Authenticator",
            Format::Aegis => "Aegis",
            Format::TwoFas => "2FAS",
            Format::BitwardenJson => "Bitwarden JSON",
            Format::BitwardenCsv => "Bitwarden CSV",
            Format::Ente => "Ente Auth",
            Format::FreeOtpPlus => "FreeOTP+",
            Format::Proton => "Proton Authenticator",
            Format::AndOtp => "andOTP",
        }
    }

    /// The format named `name` (as [`Format::as_str`], case-insensitive).
    pub fn parse(name: &str) -> Option<Format> {
        let name = name.trim().to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The importer of this format.
    pub fn importer(self) -> &'static dyn Importer {
        match self {
            Format::Uris | Format::GoogleMigration | Format::Ente => &uris::UriList,
            Format::Aegis => &aegis::AegisImporter,
            Format::TwoFas => &twofas::TwoFasImporter,
            Format::BitwardenJson => &bitwarden::BitwardenJson,
            Format::BitwardenCsv => &bitwarden::BitwardenCsv,
            Format::FreeOtpPlus => &freeotp::FreeOtpPlus,
            Format::Proton => &proton::ProtonImporter,
            Format::AndOtp => &andotp::AndOtpImporter,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an import or an export failed, or why one entry of an import could not be read. Never
/// contains a secret, a password or a piece of the input that could be one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("the file is too large ({size} bytes; an export is at most {max} bytes)")]
    TooLarge {
        /// The input's size.
        size: usize,
        /// [`MAX_INPUT_BYTES`].
        max: usize,
    },
    /// The input is empty (or only whitespace).
    #[error("the file is empty")]
    Empty,
    /// The content matches no known export format.
    #[error(
        "the file is not an export this app can read (supported: otpauth URI lists, Google Authenticator, Aegis, 2FAS, Bitwarden JSON/CSV, Ente Auth, FreeOTP+, Proton Authenticator, andOTP)"
    )]
    UnknownFormat,
    /// The JSON is not well formed (position of the first error).
    #[error("malformed JSON at line {line}, column {column}")]
    MalformedJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The file ends before its structure is complete.
    #[error("the file is truncated (it ends in the middle of its content)")]
    Truncated,
    /// The CSV is not well formed.
    #[error("malformed CSV at line {line}: {reason}")]
    MalformedCsv {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// The content is well formed but not what the format expects.
    #[error("not a valid {format} export: {reason}")]
    Malformed {
        /// The format being read.
        format: Format,
        /// What is missing or wrong.
        reason: String,
    },
    /// The file is encrypted and no password was given.
    #[error("this {0} export is encrypted: a password is needed")]
    PasswordRequired(Format),
    /// The password does not decrypt the file.
    #[error("wrong password for this {0} export")]
    WrongPassword(Format),
    /// The password is empty (refused for an encrypted export).
    #[error("the export password must not be empty")]
    EmptyPassword,
    /// The file asks for key-derivation settings beyond what this app accepts.
    #[error("the file's key-derivation settings are unacceptable: {0}")]
    KdfParams(String),
    /// The password slots of an encrypted file together ask for more key derivation than an
    /// import does ([`MAX_IMPORT_SCRYPT_WORK`]); refused before any derivation.
    #[error(
        "this {format} export's password slots together ask for {asked_mib} MiB of scrypt work (memory × p), more than the {max_mib} MiB an import does"
    )]
    KdfWorkTooHigh {
        /// The format being read.
        format: Format,
        /// The work asked for, in MiB swept.
        asked_mib: u64,
        /// The cap, in MiB swept.
        max_mib: u64,
    },
    /// A variant of a format this app does not read (e.g. an encrypted Bitwarden export).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The file holds no entry at all.
    #[error("the file holds no accounts")]
    NoAccounts,
    /// An entry's URI could not be read.
    #[error(transparent)]
    Uri(#[from] UriError),
    /// An entry's OTP settings cannot give codes.
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// An entry's secret is not base32 (what is wrong and where; never the secret).
    #[error(transparent)]
    Secret(#[from] Base32Error),
    /// An entry lacks a required field.
    #[error("the {0} field is missing")]
    MissingField(&'static str),
    /// An entry's field has an unusable value (the value itself is not shown).
    #[error("the {field} field is invalid: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The operating system's random number generator failed (export).
    #[error("the system random number generator failed: {0}")]
    Random(String),
}

/// One entry of an import that could not be read.
#[derive(Debug)]
pub struct EntryError {
    /// 1-based position of the entry in the file (its line for line-based formats, where the
    /// entries of one Google Authenticator export URI share its line); 0 for an account of a
    /// Google Authenticator export whose settings cannot give codes (its batch spans lines).
    pub index: usize,
    /// Its issuer as far as it could be read (cleaned), else empty.
    pub issuer: String,
    /// Its account name as far as it could be read (cleaned), else empty.
    pub account: String,
    /// `Issuer (account)`, `Issuer` or `account` of the two above, for one-line messages; empty
    /// when neither could be read.
    pub label: String,
    /// Why it was not imported.
    pub error: TransferError,
}

impl EntryError {
    /// The error of entry `index` whose labels are `issuer` and `account` (cleaned here).
    pub(crate) fn new(index: usize, issuer: &str, account: &str, error: TransferError) -> EntryError {
        let entry = EntryLabel::new(issuer, account);
        EntryError {
            index,
            label: entry.to_string(),
            issuer: entry.issuer,
            account: entry.account,
            error,
        }
    }
}

/// An entry of an import by its issuer and account name (cleaned for one line; either may be
/// empty). Shown as `Issuer (account)`, `Issuer` or `account`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryLabel {
    /// The issuer.
    pub issuer: String,
    /// The account name.
    pub account: String,
}

impl EntryLabel {
    /// The label of an entry, both parts cleaned with [`clean_label`].
    pub fn new(issuer: &str, account: &str) -> EntryLabel {
        EntryLabel {
            issuer: clean_label(issuer),
            account: clean_label(account),
        }
    }
}

impl fmt::Display for EntryLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&label_of(&self.issuer, &self.account))
    }
}

/// Why an entry that could be read was left out of an import on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The code is in Ente Auth's trash (`"trashed": true`): deleted there, so not brought back
    /// as a live account.
    InEnteTrash,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::InEnteTrash => "in Ente's trash",
        })
    }
}

/// An entry of an import left out on purpose (not an error: see [`SkipReason`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedEntry {
    /// 1-based position of the entry in the file (its line for line-based formats).
    pub index: usize,
    /// Who it is.
    pub entry: EntryLabel,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// What an [`Importer`] read: the accounts, the entries it could not read, and remarks for the
/// person (e.g. missing Google Authenticator batches).
#[derive(Debug, Default)]
pub struct Imported {
    /// The accounts, in the file's order.
    pub accounts: Vec<AccountDraft>,
    /// One error per unreadable entry.
    pub failed: Vec<EntryError>,
    /// Entries read but left out on purpose.
    pub skipped: Vec<SkippedEntry>,
    /// Warnings that are about the file, not one entry.
    pub warnings: Vec<String>,
}

/// The result of [`import`].
#[derive(Debug)]
pub struct ImportOutcome {
    /// The format read.
    pub format: Format,
    /// The accounts to add, without duplicates.
    pub accounts: Vec<AccountDraft>,
    /// Entries dropped as duplicates of an earlier entry of the same file.
    pub duplicates: Vec<EntryLabel>,
    /// Entries read but left out on purpose (e.g. codes in Ente's trash).
    pub skipped: Vec<SkippedEntry>,
    /// One error per unreadable entry.
    pub failed: Vec<EntryError>,
    /// Warnings about the file.
    pub warnings: Vec<String>,
}

/// A reader of one export format.
pub trait Importer: Sync {
    /// The format it reads.
    fn format(&self) -> Format;

    /// Reads `input` (at most [`MAX_INPUT_BYTES`], checked by [`import`]). `password` is used
    /// only when the file is encrypted; without one such a file gives
    /// [`TransferError::PasswordRequired`] before any key derivation.
    fn read(&self, input: &[u8], password: Option<&SecretString>) -> Result<Imported, TransferError>;
}

/// Imports `input` as `format`, or as the format detected from its content ([`detect`]).
///
/// Errors concern the whole file (size, format, syntax, password, key-derivation settings); an
/// unreadable entry is listed in [`ImportOutcome::failed`] instead. A file that holds entries
/// but none readable is not an error: its outcome has no accounts and every failure listed.
///
/// Every account returned is cleaned here, whichever importer read it, so a hostile file
/// cannot reach a terminal or a window through the vault: the issuer, the account name, the
/// tags and each recovery code with [`clean_label`] (one line, no control, bidi or invisible
/// character; empty tags and codes dropped), the note and each recovery code's note with
/// [`clean_note`] (the same, keeping line breaks and tabs).
pub fn import(
    input: &[u8],
    format: Option<Format>,
    password: Option<&SecretString>,
) -> Result<ImportOutcome, TransferError> {
    check_size(input)?;
    let format = match format {
        Some(f) => f,
        None => detect(input)?,
    };
    let imported = format.importer().read(input, password)?;
    let mut accounts: Vec<AccountDraft> = Vec::with_capacity(imported.accounts.len());
    let mut duplicates = Vec::new();
    for draft in imported.accounts {
        let draft = cleaned(draft);
        if accounts.iter().any(|a| same_account(a, &draft)) {
            duplicates.push(EntryLabel::new(&draft.issuer, &draft.name));
        } else {
            accounts.push(draft);
        }
    }
    if accounts.is_empty() && imported.failed.is_empty() && duplicates.is_empty() && imported.skipped.is_empty() {
        return Err(TransferError::NoAccounts);
    }
    Ok(ImportOutcome {
        format,
        accounts,
        duplicates,
        skipped: imported.skipped,
        failed: imported.failed,
        warnings: imported.warnings,
    })
}

/// An imported account with every text field cleaned (see [`import`]).
fn cleaned(draft: AccountDraft) -> AccountDraft {
    let recovery_codes = draft
        .recovery_codes
        .into_iter()
        .map(|code| RecoveryCode {
            code: SecretString::new(clean_label(code.code.expose())),
            used_at: code.used_at,
            note: clean_note(&code.note),
        })
        .filter(|code| !code.code.expose().is_empty())
        .collect();
    AccountDraft {
        issuer: clean_label(&draft.issuer),
        name: clean_label(&draft.name),
        note: clean_note(&Zeroizing::new(draft.note)),
        tags: clean_tags(&draft.tags),
        recovery_codes,
        ..draft
    }
}

/// Tags cleaned with [`clean_label`], the empty ones dropped.
pub(crate) fn clean_tags<S: AsRef<str>>(tags: &[S]) -> Vec<String> {
    tags.iter()
        .map(|t| clean_label(t.as_ref()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Refuses inputs above [`MAX_INPUT_BYTES`] and empty ones.
fn check_size(input: &[u8]) -> Result<(), TransferError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(TransferError::TooLarge {
            size: input.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(TransferError::Empty);
    }
    Ok(())
}

/// True when both drafts have the same issuer, name and secret (a duplicate).
pub fn same_account(a: &AccountDraft, b: &AccountDraft) -> bool {
    a.issuer == b.issuer
        && a.name == b.name
        && a.otp.as_ref().map(|o| o.secret.expose()) == b.otp.as_ref().map(|o| o.secret.expose())
}

/// Tells the format of an export from its content.
pub fn detect(input: &[u8]) -> Result<Format, TransferError> {
    check_size(input)?;
    let text = text_of(input)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value = parse_json(trimmed)?;
        return detect_json(&value).ok_or(TransferError::UnknownFormat);
    }
    let first = trimmed.lines().next().unwrap_or("").trim().to_ascii_lowercase();
    if first.contains("login_totp") {
        return Ok(Format::BitwardenCsv);
    }
    let lines: Vec<&str> = trimmed.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let starts = |l: &str, p: &str| l.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if lines.iter().any(|l| starts(l, "otpauth-migration:")) {
        return Ok(Format::GoogleMigration);
    }
    if lines.iter().any(|l| starts(l, "otpauth:")) {
        if lines.iter().any(|l| l.contains("codeDisplay=")) {
            return Ok(Format::Ente);
        }
        return Ok(Format::Uris);
    }
    Err(TransferError::UnknownFormat)
}

fn detect_json(value: &Value) -> Option<Format> {
    match value {
        Value::Array(items) => items
            .iter()
            .all(|i| i.get("secret").is_some() && i.get("type").is_some())
            .then_some(Format::AndOtp),
        Value::Object(map) => {
            let has = |k: &str| map.contains_key(k);
            if has("header") && has("db") {
                Some(Format::Aegis)
            } else if has("services") && has("schemaVersion") {
                Some(Format::TwoFas)
            } else if has("items") && has("encrypted") {
                Some(Format::BitwardenJson)
            } else if has("tokens") {
                Some(Format::FreeOtpPlus)
            } else if has("entries") && has("version") {
                Some(Format::Proton)
            } else if has("encrypted") && has("encKeyValidation_DO_NOT_EDIT") {
                Some(Format::BitwardenJson)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The input as UTF-8 text (a leading byte-order mark dropped).
pub(crate) fn text_of(input: &[u8]) -> Result<&str, TransferError> {
    let input = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    std::str::from_utf8(input).map_err(|e| {
        if e.error_len().is_none() {
            TransferError::Truncated
        } else {
            TransferError::UnknownFormat
        }
    })
}

/// Parses JSON text into a value; a syntax error gives its position only (never the text), and
/// an input that ends early is reported as truncated.
pub(crate) fn parse_json(text: &str) -> Result<Value, TransferError> {
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => TransferError::Truncated,
        _ => TransferError::MalformedJson {
            line: e.line(),
            column: e.column(),
        },
    })
}

/// Parses a whole input as JSON.
pub(crate) fn parse_json_bytes(input: &[u8]) -> Result<Value, TransferError> {
    parse_json(text_of(input)?)
}

/// `Issuer (name)`, `Issuer` or `name`, cleaned for one line.
pub(crate) fn label_of(issuer: &str, name: &str) -> String {
    let (issuer, name) = (clean_label(issuer), clean_label(name));
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer} ({name})"),
        (false, true) => issuer,
        _ => name,
    }
}

/// Field readers over a JSON object that never quote the value in their errors.
pub(crate) mod field {
    use serde_json::Value;

    use super::TransferError;

    /// A string field; `None` when missing or null; an error when of another type.
    pub fn opt_str<'a>(v: &'a Value, key: &'static str) -> Result<Option<&'a str>, TransferError> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(key, "not a string")),
        }
    }

    /// A string field that must be present.
    pub fn str<'a>(v: &'a Value, key: &'static str) -> Result<&'a str, TransferError> {
        opt_str(v, key)?.ok_or(TransferError::MissingField(key))
    }

    /// A string field, empty when missing or null.
    pub fn str_or_empty<'a>(v: &'a Value, key: &'static str) -> Result<&'a str, TransferError> {
        Ok(opt_str(v, key)?.unwrap_or(""))
    }

    /// A non-negative whole-number field (also accepted as a decimal string); `None` when
    /// missing or null.
    pub fn opt_u64(v: &Value, key: &'static str) -> Result<Option<u64>, TransferError> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| invalid(key, "not a whole number from 0")),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| invalid(key, "not a whole number from 0")),
            Some(_) => Err(invalid(key, "not a number")),
        }
    }

    /// The error for a field with an unusable value.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> TransferError {
        TransferError::InvalidField {
            field,
            reason: reason.into(),
        }
    }
}

/// Builds and checks one account from the fields an export gives; labels are cleaned with
/// [`clean_label`] and the OTP settings checked with [`otp::validate`].
pub(crate) struct EntryFields<'a> {
    pub issuer: &'a str,
    pub name: &'a str,
    pub kind: OtpKind,
    pub secret: Secret,
    pub algorithm: Option<&'a str>,
    pub digits: Option<u64>,
    pub period: Option<u64>,
    pub counter: Option<u64>,
    pub note: &'a str,
    pub tags: Vec<String>,
}

impl EntryFields<'_> {
    /// The draft, or why the entry cannot be used. Missing digits and period take the kind's
    /// defaults; Steam is always SHA1, 5 digits, 30 s.
    pub fn into_draft(self) -> Result<AccountDraft, TransferError> {
        let steam = self.kind == OtpKind::Steam;
        let algorithm = match self.algorithm.map(str::trim).filter(|a| !a.is_empty()) {
            _ if steam => Algorithm::Sha1,
            None => Algorithm::Sha1,
            Some(name) => {
                Algorithm::parse(name).ok_or_else(|| field::invalid("algorithm", "not SHA1, SHA256 or SHA512"))?
            }
        };
        let digits = match self.digits {
            _ if steam => otp::STEAM_DIGITS,
            None => 6,
            Some(d) => u8::try_from(d).map_err(|_| field::invalid("digits", "out of range"))?,
        };
        let period = match self.period {
            _ if steam => otp::STEAM_PERIOD,
            _ if self.kind == OtpKind::Hotp => 30,
            None => 30,
            Some(p) => u32::try_from(p).map_err(|_| field::invalid("period", "out of range"))?,
        };
        let counter = match (self.kind, self.counter) {
            (OtpKind::Hotp, Some(c)) => c,
            (OtpKind::Hotp, None) => return Err(TransferError::MissingField("counter")),
            _ => 0,
        };
        let cfg = OtpConfig {
            kind: self.kind,
            secret: self.secret,
            algorithm,
            digits,
            period,
            counter,
        };
        otp::validate(&cfg)?;
        // Cleaned before the split, so an escape sequence cannot hide the heading; the note
        // holds recovery codes, so its copy is wiped.
        let note = Zeroizing::new(clean_note(self.note));
        let (note, recovery_codes) = split_recovery_codes(&note);
        Ok(AccountDraft {
            issuer: clean_label(self.issuer),
            name: clean_label(self.name),
            otp: Some(cfg),
            note,
            tags: clean_tags(&self.tags),
            recovery_codes,
            favourite: false,
        })
    }
}

/// Decodes a base32 secret field with [`Secret::parse_base32`] (the one base32 reader): a
/// partial last group is fine, a character outside the alphabet is named by position and class.
pub(crate) fn base32_secret(text: &str) -> Result<Secret, TransferError> {
    if text.trim().is_empty() {
        return Err(TransferError::MissingField("secret"));
    }
    Ok(Secret::parse_base32(text)?)
}

/// The line that starts the recovery-code block [`note_with_recovery_codes`] writes.
pub const RECOVERY_CODES_HEADING: &str = "Recovery codes (SmartPush Authenticator):";

/// A note for formats that have no place for recovery codes: the account's note, then, when it
/// has recovery codes, a blank line, [`RECOVERY_CODES_HEADING`] and one `- CODE` line per code
/// (`- CODE (used)` once used). The result is secret (it holds the codes).
pub fn note_with_recovery_codes(note: &str, codes: &[RecoveryCode]) -> SecretString {
    let mut out = String::from(note);
    if !codes.is_empty() {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(RECOVERY_CODES_HEADING);
        for code in codes {
            out.push_str("\n- ");
            out.push_str(code.code.expose());
            if code.used_at.is_some() {
                out.push_str(" (used)");
            }
        }
    }
    SecretString::new(out)
}

/// The inverse of [`note_with_recovery_codes`]: the note without the block, and the codes (a used
/// code's time is unknown, so it is marked used at time 0). Each code is cleaned with
/// [`clean_label`] (a code is one line: no control character, no escape sequence); a code that
/// is nothing once cleaned is dropped.
pub fn split_recovery_codes(note: &str) -> (String, Vec<RecoveryCode>) {
    let Some(at) = note.find(RECOVERY_CODES_HEADING) else {
        return (note.to_string(), Vec::new());
    };
    let before = note[..at].trim_end().to_string();
    let codes = note[at + RECOVERY_CODES_HEADING.len()..]
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|l| match l.strip_suffix(" (used)") {
            Some(code) => (code, Some(0)),
            None => (l, None),
        })
        .map(|(code, used_at)| RecoveryCode {
            code: SecretString::new(clean_label(code)),
            used_at,
            note: String::new(),
        })
        .filter(|code| !code.code.expose().is_empty())
        .collect();
    (before, codes)
}

/// Pushes the outcome of reading entry `index` (1-based), whose labels as far as they could be
/// read are `issuer` and `account`, into `out`.
pub(crate) fn push_entry(
    out: &mut Imported,
    index: usize,
    issuer: &str,
    account: &str,
    result: Result<AccountDraft, TransferError>,
) {
    match result {
        Ok(draft) => out.accounts.push(draft),
        Err(error) => out.failed.push(EntryError::new(index, issuer, account, error)),
    }
}

mod export;
pub use export::{
    ExportFormat, Exported, GOOGLE_ACCOUNTS_PER_QR, GOOGLE_MAX_URI_BYTES, GoogleExport, export, export_google,
};

#[cfg(test)]
mod tests;
