//! Line-based URI lists: `otpauth://` URIs (plain lists, and Ente Auth's export, whose
//! `codeDisplay` parameter is read for the note, the tags and the trash) and Google
//! Authenticator's `otpauth-migration://` URIs, mixed freely. Blank lines and `#` comments are
//! skipped.

use serde_json::Value;
use zeroize::Zeroizing;

use super::{
    EntryError, EntryLabel, Format, Imported, Importer, SkipReason, SkippedEntry, TransferError, clean_tags,
    push_entry, text_of,
};
use crate::account::{AccountDraft, SecretString};
use crate::otp;
use crate::uri::{self, migration};

/// Reads URI lists ([`Format::Uris`], [`Format::GoogleMigration`], [`Format::Ente`]).
pub(crate) struct UriList;

impl Importer for UriList {
    fn format(&self) -> Format {
        Format::Uris
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let text = Zeroizing::new(text_of(input)?.to_string());
        let mut out = Imported::default();
        let mut batches = migration::BatchSet::new();
        let mut any = false;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            any = true;
            let index = i + 1;
            let is_migration = line
                .get(..migration::SCHEME.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(migration::SCHEME));
            if is_migration {
                match migration::decode_entries(line) {
                    Ok(batch) => {
                        for skipped in &batch.skipped {
                            out.failed.push(EntryError::new(
                                index,
                                &skipped.issuer,
                                &skipped.name,
                                skipped.error.clone().into(),
                            ));
                        }
                        batches.add(batch);
                    }
                    Err(e) => push_entry(&mut out, index, "", "", Err(e.into())),
                }
            } else {
                read_otpauth(&mut out, index, line);
            }
        }
        if !any {
            return Err(TransferError::Empty);
        }
        for (batch_id, index) in batches.conflicts() {
            out.warnings.push(format!(
                "two different part {} of the Google Authenticator export {batch_id} were given; the accounts of both were kept",
                index + 1
            ));
        }
        for export in batches.missing_parts() {
            out.warnings.push(missing_warning(&export));
        }
        for draft in batches.accounts() {
            match draft.otp.as_ref().map(otp::validate) {
                Some(Err(e)) => out
                    .failed
                    .push(EntryError::new(0, &draft.issuer, &draft.name, e.into())),
                _ => out.accounts.push(draft),
            }
        }
        Ok(out)
    }
}

/// Reads the `otpauth://` URI on line `index` into `out`: an account, a failure that names the
/// entry as far as its label can be read, or (Ente) a code in the trash, skipped.
fn read_otpauth(out: &mut Imported, index: usize, line: &str) {
    let display = uri::parameter(line, "codedisplay").map(|json| EnteDisplay::read(&json));
    let (issuer, name) = uri::label_of_uri(line);
    if display.as_ref().is_some_and(|d| d.trashed) {
        out.skipped.push(SkippedEntry {
            index,
            entry: EntryLabel::new(&issuer, &name),
            reason: SkipReason::InEnteTrash,
        });
        return;
    }
    // Ente counts an HOTP code whose URI has no counter from 0 (its `Code._getCounter`), where
    // the Key URI format requires one: an Ente line is read as Ente shows it.
    let with_counter;
    let line = if display.is_some() && is_hotp(line) && uri::parameter(line, "counter").is_none() {
        with_counter = Zeroizing::new(format!("{line}&counter=0"));
        with_counter.as_str()
    } else {
        line
    };
    let result = uri::parse_otpauth(line)
        .map_err(TransferError::from)
        .and_then(|draft| match &draft.otp {
            Some(cfg) => otp::validate(cfg).map(|()| draft).map_err(TransferError::from),
            None => Ok(draft),
        })
        .map(|draft| match &display {
            Some(display) => display.apply(draft),
            None => draft,
        });
    if result.is_ok() && display.as_ref().is_some_and(|d| !d.readable) {
        out.warnings.push(format!(
            "line {index}: Ente's display settings (note, tags, trash) could not be read; the account is imported without them"
        ));
    }
    push_entry(out, index, &issuer, &name, result);
}

/// Whether `line` is an `otpauth://hotp/` URI.
fn is_hotp(line: &str) -> bool {
    const HOTP: &str = "otpauth://hotp/";
    line.get(..HOTP.len()).is_some_and(|h| h.eq_ignore_ascii_case(HOTP))
}

/// What Ente Auth keeps beside each code, in the URI's `codeDisplay` parameter: JSON such as
/// `{"pinned":false,"trashed":false,"lastUsedAt":0,"tapCount":0,"tags":["work"],"note":"…"}`
/// (Ente's `CodeDisplay`). The note and the tags are kept; `trashed` codes are skipped; the
/// rest (pinning, use counts, icons, position) has no place here.
#[derive(Default)]
struct EnteDisplay {
    /// False when the parameter is not a JSON object (then nothing of it is used).
    readable: bool,
    trashed: bool,
    note: Zeroizing<String>,
    tags: Vec<String>,
}

impl EnteDisplay {
    /// Reads the parameter leniently: a field of another type is ignored, not an error (the
    /// account itself is readable without it).
    fn read(json: &str) -> EnteDisplay {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(json) else {
            return EnteDisplay::default();
        };
        let tags: Vec<&str> = match map.get("tags") {
            Some(Value::Array(tags)) => tags.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        EnteDisplay {
            readable: true,
            trashed: map.get("trashed").and_then(Value::as_bool).unwrap_or(false),
            note: Zeroizing::new(map.get("note").and_then(Value::as_str).unwrap_or("").to_owned()),
            tags: clean_tags(&tags),
        }
    }

    /// The draft with Ente's note and tags.
    fn apply(&self, draft: AccountDraft) -> AccountDraft {
        AccountDraft {
            note: self.note.to_string(),
            tags: self.tags.clone(),
            ..draft
        }
    }
}

/// The sentence for an export with parts still to import: named by its `batch_id`, or, when it
/// has none, by its number of parts and the parts given, so two exports are never one.
fn missing_warning(export: &migration::MissingParts) -> String {
    let numbers = |parts: &[i32]| parts.iter().map(|i| (i + 1).to_string()).collect::<Vec<_>>().join(", ");
    match export.batch_id {
        Some(id) => format!(
            "the Google Authenticator export {id} is missing part(s) {} of {}: import those QR codes too",
            numbers(&export.missing),
            export.size
        ),
        None => format!(
            "a Google Authenticator export without an export id, of {} parts, of which part(s) {} were given, is missing part(s) {}: import those QR codes too",
            export.size,
            numbers(&export.found),
            numbers(&export.missing)
        ),
    }
}
