//! Bitwarden's unencrypted exports, JSON and CSV. Only login items with a `totp` value are
//! accounts; the value is an `otpauth://` URI, `steam://SECRET`, or a bare base32 secret (then
//! TOTP/SHA1/6/30, named after the item and its user name). Items without `totp` are passwords
//! only and are passed over silently.

use serde_json::Value;

use super::{
    EntryFields, Format, Imported, Importer, TransferError, base32_secret, field, parse_json_bytes, push_entry, text_of,
};
use crate::account::{AccountDraft, OtpKind, SecretString, clean_label};
use crate::otp;
use crate::uri;

/// Reads Bitwarden JSON exports.
pub(crate) struct BitwardenJson;

/// Reads Bitwarden CSV exports.
pub(crate) struct BitwardenCsv;

impl Importer for BitwardenJson {
    fn format(&self) -> Format {
        Format::BitwardenJson
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let root = parse_json_bytes(input)?;
        if root.get("encrypted").and_then(Value::as_bool) == Some(true) {
            return Err(TransferError::Unsupported(
                "encrypted Bitwarden exports: export again choosing the unencrypted .json or .csv format".into(),
            ));
        }
        let items = root
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| TransferError::Malformed {
                format: Format::BitwardenJson,
                reason: "no items list".into(),
            })?;
        let mut out = Imported::default();
        for (i, item) in items.iter().enumerate() {
            let login = item.get("login").cloned().unwrap_or(Value::Null);
            let totp = field::opt_str(&login, "totp")
                .ok()
                .flatten()
                .filter(|t| !t.trim().is_empty());
            let Some(totp) = totp else { continue };
            let item_name = field::str_or_empty(item, "name").unwrap_or("");
            let user = field::str_or_empty(&login, "username").unwrap_or("");
            let note = field::str_or_empty(item, "notes").unwrap_or("");
            push_entry(&mut out, i + 1, item_name, user, from_totp(totp, item_name, user, note));
        }
        Ok(out)
    }
}

impl Importer for BitwardenCsv {
    fn format(&self) -> Format {
        Format::BitwardenCsv
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let text = text_of(input)?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let csv_error = |e: csv::Error| TransferError::MalformedCsv {
            line: e.position().map_or(0, |p| p.line()),
            reason: match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not UTF-8",
                csv::ErrorKind::UnequalLengths { .. } => "a row has the wrong number of fields",
                _ => "unreadable row",
            },
        };
        let headers = reader.headers().map_err(csv_error)?.clone();
        let column = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let totp_col = column("login_totp").ok_or(TransferError::Malformed {
            format: Format::BitwardenCsv,
            reason: "no login_totp column".into(),
        })?;
        let (name_col, user_col, notes_col) = (column("name"), column("login_username"), column("notes"));
        let mut out = Imported::default();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            let get = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("");
            let totp = get(Some(totp_col));
            if totp.trim().is_empty() {
                continue;
            }
            let (item_name, user) = (get(name_col), get(user_col));
            let index = usize::try_from(line).unwrap_or(usize::MAX);
            push_entry(
                &mut out,
                index,
                item_name,
                user,
                from_totp(totp, item_name, user, get(notes_col)),
            );
        }
        Ok(out)
    }
}

/// An account from Bitwarden's `totp` value.
fn from_totp(totp: &str, item_name: &str, user: &str, note: &str) -> Result<AccountDraft, TransferError> {
    let totp = totp.trim();
    let lower = totp.get(..10).unwrap_or(totp).to_ascii_lowercase();
    let mut draft = if lower.starts_with("otpauth:") {
        let draft = uri::parse_otpauth(totp)?;
        if let Some(cfg) = &draft.otp {
            otp::validate(cfg)?;
        }
        draft
    } else {
        let (kind, secret) = match lower.starts_with("steam://") {
            true => (OtpKind::Steam, &totp[8..]),
            false => (OtpKind::Totp, totp),
        };
        EntryFields {
            issuer: item_name,
            name: user,
            kind,
            secret: base32_secret(secret)?,
            algorithm: None,
            digits: None,
            period: None,
            counter: None,
            note: "",
            tags: Vec::new(),
        }
        .into_draft()?
    };
    if draft.issuer.is_empty() {
        draft.issuer = clean_label(item_name);
    }
    if draft.name.is_empty() {
        draft.name = clean_label(user);
    }
    draft.note = note.to_string();
    Ok(draft)
}
