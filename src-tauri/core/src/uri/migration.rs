//! Google Authenticator's export: `otpauth-migration://offline?data=<base64 protobuf>`.
//!
//! The payload (reverse-engineered, the same in every open-source reader):
//!
//! ```text
//! MigrationPayload { repeated OtpParameters otp_parameters = 1; int32 version = 2;
//!                    int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }
//! OtpParameters    { bytes secret = 1; string name = 2; string issuer = 3;
//!                    Algorithm algorithm = 4;  // 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
//!                    DigitCount digits = 5;    // 0 unspecified, 1 six, 2 eight
//!                    OtpType type = 6;         // 0 unspecified, 1 HOTP, 2 TOTP
//!                    int64 counter = 7; }
//! ```
//!
//! Unspecified means SHA1, 6 digits, TOTP; the period is always 30 s. A large export is split
//! into several URIs (QR codes) sharing a `batch_id`; [`BatchSet`] puts them back together.

use std::collections::BTreeMap;

use percent_encoding::utf8_percent_encode;
use prost::Message;
use zeroize::{Zeroize, Zeroizing};

use super::otpauth::split_label;
use super::{COMPONENT, MigrationProblem, Query, UriError, strip_scheme};
use crate::account::{AccountDraft, Algorithm, OtpConfig, OtpKind, Secret, clean_label};

pub(crate) const SCHEME: &str = "otpauth-migration://";

/// The `version` written by [`encode`] (what Google Authenticator writes).
const VERSION: i32 = 1;
/// The only period the format knows.
const PERIOD: u32 = 30;
/// [`BatchSet`] believes at most this many batches per export (a hostile `batch_size` must not
/// make [`BatchSet::missing`] list two billion indexes).
pub const MAX_BATCH_SIZE: i32 = 1000;

#[derive(Clone, PartialEq, Message)]
#[prost(skip_debug)]
pub(crate) struct Payload {
    #[prost(message, repeated, tag = "1")]
    pub(crate) otp_parameters: Vec<Parameters>,
    #[prost(int32, tag = "2")]
    pub(crate) version: i32,
    #[prost(int32, tag = "3")]
    pub(crate) batch_size: i32,
    #[prost(int32, tag = "4")]
    pub(crate) batch_index: i32,
    #[prost(int32, tag = "5")]
    pub(crate) batch_id: i32,
}

/// One account. `name` and `issuer` are protobuf strings read as bytes, so an entry with
/// invalid UTF-8 is still read (lossily) instead of failing the whole payload.
#[derive(Clone, PartialEq, Message)]
#[prost(skip_debug)]
pub(crate) struct Parameters {
    #[prost(bytes = "vec", tag = "1")]
    pub(crate) secret: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub(crate) name: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub(crate) issuer: Vec<u8>,
    #[prost(int32, tag = "4")]
    pub(crate) algorithm: i32,
    #[prost(int32, tag = "5")]
    pub(crate) digits: i32,
    #[prost(int32, tag = "6")]
    pub(crate) r#type: i32,
    #[prost(int64, tag = "7")]
    pub(crate) counter: i64,
}

impl Drop for Parameters {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payload")
            .field("accounts", &self.otp_parameters.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Parameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parameters([redacted])")
    }
}

/// The accounts of one `otpauth-migration://` URI and its place in the export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationBatch {
    /// The accounts that could be read, in the export's order.
    pub accounts: Vec<AccountDraft>,
    /// The payload's format version (1 in every known export).
    pub version: i32,
    /// How many URIs the export was split into (0 or 1 for a single one).
    pub batch_size: i32,
    /// This URI's position, from 0.
    pub batch_index: i32,
    /// Shared by all the URIs of one export.
    pub batch_id: i32,
    /// Entries that could not be read (for example MD5 accounts), with why.
    pub skipped: Vec<SkippedEntry>,
}

/// An entry of an export that [`decode`] could not turn into an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedEntry {
    /// Its position in the URI's list of accounts, from 0.
    pub index: usize,
    /// Its issuer and account name as far as they can be read (split and cleaned as an
    /// account's would be), so a report can say which account it was; either may be empty.
    pub issuer: String,
    /// See `issuer`.
    pub name: String,
    /// Why it was skipped.
    pub error: UriError,
}

/// Reads one `otpauth-migration://` URI.
///
/// * `data` may be percent-encoded or not (`%2B` `%2F` `%3D` or raw `+` `/` `=`; a `+` turned
///   into a space by form encoding is read back as `+`), padded or not, in the standard or the
///   URL-safe base64 alphabet. The host (`offline`) is not checked.
/// * An entry that cannot be read (MD5, an unknown enum value, a negative counter, no secret) is
///   skipped and listed in [`MigrationBatch::skipped`]; one bad entry never sinks the others.
///   The whole URI is an error only when nothing can be read: the payload itself is broken,
///   it holds no entry, or every entry is unreadable (then the first entry's error).
/// * A `name` starting with `Issuer:` (as Google writes it) loses that prefix when it equals
///   the `issuer`, and the whitespace after it. With no `issuer`, a `name` `Issuer:account` is
///   split as the label of an `otpauth://` URI is (the same function), so the same account
///   reads the same from a QR code of either kind.
/// * The issuer and the name are cleaned with [`clean_label`] (no control, bidi or zero-width
///   characters; whitespace collapsed and trimmed).
pub fn decode(uri: &str) -> Result<MigrationBatch, UriError> {
    let mut batch = decode_entries(uri)?;
    if batch.accounts.is_empty() {
        return Err(batch.skipped.swap_remove(0).error);
    }
    Ok(batch)
}

/// Like [`decode`], but a payload whose entries are all unreadable is a batch with no accounts
/// and every entry in `skipped` (an import reports each of them, with its label). Errors only
/// when the payload itself cannot be read or holds no entry.
pub(crate) fn decode_entries(uri: &str) -> Result<MigrationBatch, UriError> {
    let rest = strip_scheme(uri.trim(), SCHEME).ok_or(UriError::NotOtpauth)?;
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let data = Query::parse(query)
        .get_percent_decoded("data")
        .filter(|d| !d.trim().is_empty())
        .ok_or(UriError::InvalidMigrationData(MigrationProblem::MissingData))?;
    let bytes = decode_base64(&data).ok_or(UriError::InvalidMigrationData(MigrationProblem::NotBase64))?;
    let payload =
        Payload::decode(bytes.as_slice()).map_err(|_| UriError::InvalidMigrationData(MigrationProblem::NotProtobuf))?;

    let mut accounts = Vec::with_capacity(payload.otp_parameters.len());
    let mut skipped = Vec::new();
    for (index, entry) in payload.otp_parameters.iter().enumerate() {
        match to_draft(entry) {
            Ok(draft) => accounts.push(draft),
            Err(error) => {
                let (issuer, name) = labels(entry);
                skipped.push(SkippedEntry {
                    index,
                    issuer,
                    name,
                    error,
                });
            }
        }
    }
    if accounts.is_empty() && skipped.is_empty() {
        return Err(UriError::InvalidMigrationData(MigrationProblem::NoAccounts));
    }
    Ok(MigrationBatch {
        accounts,
        version: payload.version,
        batch_size: payload.batch_size,
        batch_index: payload.batch_index,
        batch_id: payload.batch_id,
        skipped,
    })
}

/// Lenient base64: standard or URL-safe alphabet, padding optional, whitespace ignored (a space
/// is a `+` that form encoding turned into a space).
fn decode_base64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    static ENC: std::sync::OnceLock<data_encoding::Encoding> = std::sync::OnceLock::new();
    let encoding = ENC.get_or_init(|| {
        let mut spec = data_encoding::Specification::new();
        spec.symbols
            .push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
        spec.check_trailing_bits = false;
        spec.encoding().expect("static base64 specification is valid")
    });
    let mut cleaned = Zeroizing::new(String::with_capacity(text.len()));
    for c in text.chars() {
        match c {
            '=' | '\t' | '\n' | '\r' => {}
            ' ' | '-' => cleaned.push('+'),
            '_' => cleaned.push('/'),
            c => cleaned.push(c),
        }
    }
    encoding.decode(cleaned.as_bytes()).ok().map(Zeroizing::new)
}

fn to_draft(entry: &Parameters) -> Result<AccountDraft, UriError> {
    if entry.secret.is_empty() {
        return Err(UriError::MissingSecret);
    }
    let algorithm = match entry.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err(UriError::UnsupportedAlgorithm("MD5".into())),
        other => {
            return Err(UriError::UnsupportedMigrationValue {
                field: "algorithm",
                value: other.into(),
            });
        }
    };
    let digits = match entry.digits {
        0 | 1 => 6,
        2 => 8,
        other => {
            return Err(UriError::UnsupportedMigrationValue {
                field: "digits",
                value: other.into(),
            });
        }
    };
    let (kind, counter) = match entry.r#type {
        0 | 2 => (OtpKind::Totp, 0),
        1 => match u64::try_from(entry.counter) {
            Ok(counter) => (OtpKind::Hotp, counter),
            Err(_) => {
                return Err(UriError::UnsupportedMigrationValue {
                    field: "counter",
                    value: entry.counter,
                });
            }
        },
        other => {
            return Err(UriError::UnsupportedMigrationValue {
                field: "type",
                value: other.into(),
            });
        }
    };
    let (issuer, name) = labels(entry);
    Ok(AccountDraft {
        issuer,
        name,
        otp: Some(OtpConfig {
            kind,
            secret: Secret::new(entry.secret.clone()),
            algorithm,
            digits,
            period: PERIOD,
            counter,
        }),
        ..AccountDraft::default()
    })
}

/// The cleaned issuer and name of an entry: an `Issuer:` prefix of the name that equals the
/// `issuer` is dropped; with no issuer the name is split as an `otpauth://` label is.
fn labels(entry: &Parameters) -> (String, String) {
    let issuer = String::from_utf8_lossy(&entry.issuer);
    let name = String::from_utf8_lossy(&entry.name);
    if clean_label(&issuer).is_empty() {
        return split_label(&name, None);
    }
    let name = match name.strip_prefix(&*issuer).and_then(|rest| rest.strip_prefix(':')) {
        Some(rest) => rest,
        None => &name,
    };
    (clean_label(&issuer), clean_label(name))
}

/// True when [`encode`] can carry this account without changing its codes: TOTP with a 30 s
/// period or HOTP with a counter up to 2^63 - 1, 6 or 8 digits, a non-empty secret. Steam
/// accounts, 7, 9 or 10 digits and other periods have no representation in the format.
pub fn can_encode(draft: &AccountDraft) -> bool {
    to_parameters(draft).is_some()
}

/// Writes accounts as Google Authenticator export URIs, at most `max_per_batch` accounts each
/// (0 counts as 1), all with `batch_id`. Accounts that [`can_encode`] rejects (and entries
/// without OTP) are left out: check first to warn the user. Each URI is a secret.
///
/// The name is written `Issuer:name` when there is an issuer, as Google does; [`decode`] strips
/// the prefix again. Without an issuer, a name holding `:` is written `:name` (as
/// [`to_otpauth`](super::to_otpauth) writes its label), so it is not read back as
/// `Issuer:account`.
pub fn encode(accounts: &[AccountDraft], max_per_batch: usize, batch_id: i32) -> Vec<Zeroizing<String>> {
    let per_batch = max_per_batch.max(1);
    let entries: Vec<Parameters> = accounts.iter().filter_map(to_parameters).collect();
    let batch_size = i32::try_from(entries.len().div_ceil(per_batch)).unwrap_or(i32::MAX);
    let mut entries = entries.into_iter().peekable();
    let mut uris = Vec::new();
    let mut batch_index = 0i32;
    while entries.peek().is_some() {
        let payload = Payload {
            otp_parameters: entries.by_ref().take(per_batch).collect(),
            version: VERSION,
            batch_size,
            batch_index,
            batch_id,
        };
        let bytes = Zeroizing::new(payload.encode_to_vec());
        let base64 = Zeroizing::new(data_encoding::BASE64.encode(&bytes));
        let mut uri = Zeroizing::new(String::from("otpauth-migration://offline?data="));
        uri.extend(utf8_percent_encode(&base64, COMPONENT));
        uris.push(uri);
        batch_index = batch_index.saturating_add(1);
    }
    uris
}

/// Like [`encode`], but a batch also closes before its URI would exceed `max_uri_bytes`, so
/// accounts with long names or secrets make more (smaller) QR codes. An account too long for
/// the budget on its own gets a URI of its own.
pub fn encode_within(
    accounts: &[AccountDraft],
    max_per_batch: usize,
    max_uri_bytes: usize,
    batch_id: i32,
) -> Vec<Zeroizing<String>> {
    let per_batch = max_per_batch.max(1);
    let entries: Vec<Parameters> = accounts.iter().filter_map(to_parameters).collect();
    // Plan the batches with the largest batch size and index the export can have (the entry
    // count), so the final URIs, whose numbers are no larger, are never longer than planned.
    let bound = i32::try_from(entries.len()).unwrap_or(i32::MAX);
    let mut groups: Vec<Vec<Parameters>> = Vec::new();
    let mut current: Vec<Parameters> = Vec::new();
    for entry in entries {
        current.push(entry);
        let too_long = current.len() > 1 && uri_of(&current, bound, bound, batch_id).len() > max_uri_bytes;
        if too_long || current.len() > per_batch {
            let last = current.pop();
            groups.push(std::mem::take(&mut current));
            current.extend(last);
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let batch_size = i32::try_from(groups.len()).unwrap_or(i32::MAX);
    groups
        .into_iter()
        .enumerate()
        .map(|(i, group)| uri_of(&group, batch_size, i32::try_from(i).unwrap_or(i32::MAX), batch_id))
        .collect()
}

/// One `otpauth-migration://` URI holding `entries`.
fn uri_of(entries: &[Parameters], batch_size: i32, batch_index: i32, batch_id: i32) -> Zeroizing<String> {
    let payload = Payload {
        otp_parameters: entries.to_vec(),
        version: VERSION,
        batch_size,
        batch_index,
        batch_id,
    };
    let bytes = Zeroizing::new(payload.encode_to_vec());
    let base64 = Zeroizing::new(data_encoding::BASE64.encode(&bytes));
    let mut uri = Zeroizing::new(String::from("otpauth-migration://offline?data="));
    uri.extend(utf8_percent_encode(&base64, COMPONENT));
    uri
}

fn to_parameters(draft: &AccountDraft) -> Option<Parameters> {
    let otp = draft.otp.as_ref()?;
    if otp.secret.is_empty() {
        return None;
    }
    let digits = match otp.digits {
        6 => 1,
        8 => 2,
        _ => return None,
    };
    let (r#type, counter) = match otp.kind {
        OtpKind::Totp if otp.period == PERIOD => (2, 0),
        OtpKind::Hotp => (1, i64::try_from(otp.counter).ok()?),
        OtpKind::Totp | OtpKind::Steam => return None,
    };
    let algorithm = match otp.algorithm {
        Algorithm::Sha1 => 1,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512 => 3,
    };
    let name = if draft.issuer.is_empty() && draft.name.contains(':') {
        format!(":{}", draft.name)
    } else if draft.issuer.is_empty() {
        draft.name.clone()
    } else {
        format!("{}:{}", draft.issuer, draft.name)
    };
    Some(Parameters {
        secret: otp.secret.expose().to_vec(),
        name: name.into_bytes(),
        issuer: draft.issuer.clone().into_bytes(),
        algorithm,
        digits,
        r#type,
        counter,
    })
}

/// Collects the batches of one or more exports (scanned in any order, repeats harmless) and
/// tells which are still missing. No account added is ever dropped:
///
/// * A single-URI export (`batch_size` 0 or 1) is kept whole and never merged with another one,
///   even when both carry the same `batch_id` and `batch_index` (exporters that omit those
///   fields give every export 0 and 0). The same accounts again are a rescan and count once.
/// * The batches of a multi-URI export (`batch_size` > 1) are merged by `batch_id` and
///   `batch_index`. The same accounts again at a filled index are a rescan and count once;
///   different accounts at a filled index (two exports that share a `batch_id`, or an export
///   redone after a change) are kept as well, and the index is reported by
///   [`BatchSet::conflicts`] so the caller can tell the person. Keeping both may bring in an
///   account twice; the vault's duplicate check handles that, while dropping one would lose
///   accounts without a word.
/// * A multi-URI export without a `batch_id` (0, the protobuf default: an exporter that does
///   not write it) cannot be told from another one by its id, so such batches are not merged
///   by index alone (issue 14: two exports' parts were counted as one export, and their
///   missing parts reported together). They are grouped by `batch_size` (the parts of one
///   export share it), and a batch whose index is already filled with other accounts starts
///   another export instead of conflicting. Each of those exports has its own
///   [`MissingParts`]. What cannot be told apart stays merged: two exports of the same size
///   whose scanned parts never overlap look like one.
#[derive(Clone, Debug, Default)]
pub struct BatchSet {
    /// Keyed by `batch_id` and, for exports without one, their number among those (from 1;
    /// 0 for an export with an id, and for the single-URI exports without one).
    exports: BTreeMap<(i32, usize), Export>,
}

/// Everything added under one `batch_id` (or one export without an id).
#[derive(Clone, Debug, Default)]
struct Export {
    /// The largest `batch_size` (> 1) of its multi-URI batches; 0 when it has none.
    size: i32,
    /// Multi-URI batches by index; each index holds the distinct account lists seen there, in
    /// the order added (more than one is a conflict).
    batches: BTreeMap<i32, Vec<Vec<AccountDraft>>>,
    /// Single-URI exports, distinct, in the order added.
    singles: Vec<Vec<AccountDraft>>,
}

/// An export split over several QR codes of which some were not added to a [`BatchSet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingParts {
    /// The export's `batch_id`; `None` when it has none (then `size` and `found` tell it
    /// apart from another export).
    pub batch_id: Option<i32>,
    /// How many parts it has (its `batch_size`, at most [`MAX_BATCH_SIZE`]).
    pub size: i32,
    /// The indexes (from 0) of the parts that were added.
    pub found: Vec<i32>,
    /// The indexes (from 0) of the parts still to add.
    pub missing: Vec<i32>,
}

impl BatchSet {
    /// An empty set.
    pub fn new() -> BatchSet {
        BatchSet::default()
    }

    /// Adds a decoded batch (see [`BatchSet`] for what is merged, kept apart or counted once).
    /// A `batch_size` above [`MAX_BATCH_SIZE`] counts as that; the largest size seen for an
    /// export with an id wins.
    pub fn add(&mut self, batch: MigrationBatch) {
        let size = batch.batch_size.min(MAX_BATCH_SIZE);
        let key = if batch.batch_size <= 1 || batch.batch_id != 0 {
            (batch.batch_id, 0)
        } else {
            self.export_without_id(size, batch.batch_index, &batch.accounts)
        };
        let export = self.exports.entry(key).or_default();
        let seen = if batch.batch_size <= 1 {
            &mut export.singles
        } else {
            export.size = export.size.max(size);
            export.batches.entry(batch.batch_index).or_default()
        };
        if !seen.contains(&batch.accounts) {
            seen.push(batch.accounts);
        }
    }

    /// The key of the export without an id that a multi-URI batch of `size` parts belongs to:
    /// the first one of that size whose part `index` is free or holds these same accounts (a
    /// rescan); else a new one.
    fn export_without_id(&self, size: i32, index: i32, accounts: &[AccountDraft]) -> (i32, usize) {
        let mut last = 0;
        for (&(id, number), export) in self.exports.range((0, 1)..(1, 0)) {
            debug_assert_eq!(id, 0);
            last = number;
            if export.size == size
                && export
                    .batches
                    .get(&index)
                    .is_none_or(|seen| seen.iter().any(|s| s == accounts))
            {
                return (0, number);
            }
        }
        (0, last + 1)
    }

    /// Every account collected so far: by export (`batch_id`; those without one in the order
    /// first seen), its single-URI exports first in the order added, then its batches by index
    /// (at a conflicting index, in the order added).
    pub fn accounts(&self) -> Vec<AccountDraft> {
        self.exports
            .values()
            .flat_map(|e| e.singles.iter().chain(e.batches.values().flatten()).flatten().cloned())
            .collect()
    }

    /// For each export with batches still to scan: its `batch_id` and the missing indexes (an
    /// export without an id is listed under 0, once per such export). See
    /// [`BatchSet::missing_parts`] for what tells those apart.
    pub fn missing(&self) -> Vec<(i32, Vec<i32>)> {
        self.missing_parts()
            .into_iter()
            .map(|m| (m.batch_id.unwrap_or(0), m.missing))
            .collect()
    }

    /// Every export with parts still to scan, each on its own (see [`MissingParts`]).
    pub fn missing_parts(&self) -> Vec<MissingParts> {
        self.exports
            .iter()
            .filter_map(|(&(id, number), export)| {
                let missing: Vec<i32> = (0..export.size).filter(|i| !export.batches.contains_key(i)).collect();
                (!missing.is_empty()).then(|| MissingParts {
                    batch_id: (number == 0).then_some(id),
                    size: export.size,
                    found: export.batches.keys().copied().collect(),
                    missing,
                })
            })
            .collect()
    }

    /// The `(batch_id, batch_index)` of every multi-URI batch scanned with different accounts
    /// more than once. All of them are kept in [`BatchSet::accounts`]; a caller should warn that
    /// two exports seem to share a `batch_id` (the result may hold accounts twice, or an old and
    /// a new version of one). Exports without an id never conflict (see [`BatchSet`]).
    pub fn conflicts(&self) -> Vec<(i32, i32)> {
        self.exports
            .iter()
            .flat_map(|(&(id, _), export)| {
                export
                    .batches
                    .iter()
                    .filter(|(_, seen)| seen.len() > 1)
                    .map(move |(index, _)| (id, *index))
            })
            .collect()
    }

    /// True when at least one batch was added and no export misses a batch.
    pub fn is_complete(&self) -> bool {
        !self.exports.is_empty() && self.missing().is_empty()
    }
}
