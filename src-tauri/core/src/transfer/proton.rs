//! Proton Authenticator JSON exports: `entries`, each with `content.uri` (an `otpauth://` URI,
//! or `steam://SECRET`), `content.name` and an optional `note`.

use serde_json::Value;

use super::{
    EntryFields, Format, Imported, Importer, TransferError, base32_secret, field, parse_json_bytes, push_entry,
};
use crate::account::{AccountDraft, OtpKind, SecretString, clean_label};
use crate::otp;
use crate::uri;

/// Reads Proton Authenticator exports.
pub(crate) struct ProtonImporter;

impl Importer for ProtonImporter {
    fn format(&self) -> Format {
        Format::Proton
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let root = parse_json_bytes(input)?;
        if root.get("salt").is_some() || root.get("content").and_then(Value::as_str).is_some() {
            return Err(TransferError::Unsupported(
                "encrypted Proton Authenticator exports: export again without a password".into(),
            ));
        }
        let entries = root
            .get("entries")
            .and_then(Value::as_array)
            .ok_or_else(|| TransferError::Malformed {
                format: Format::Proton,
                reason: "no entries list".into(),
            })?;
        let mut out = Imported::default();
        for (i, entry) in entries.iter().enumerate() {
            let content = entry.get("content").cloned().unwrap_or(Value::Null);
            let name = field::str_or_empty(&content, "name").unwrap_or("");
            push_entry(&mut out, i + 1, "", name, read_entry(entry, &content, name));
        }
        Ok(out)
    }
}

fn read_entry(entry: &Value, content: &Value, name: &str) -> Result<AccountDraft, TransferError> {
    let link = field::str(content, "uri")?.trim();
    let mut draft = if link.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("steam://")) {
        EntryFields {
            issuer: "Steam",
            name,
            kind: OtpKind::Steam,
            secret: base32_secret(&link[8..])?,
            algorithm: None,
            digits: None,
            period: None,
            counter: None,
            note: "",
            tags: Vec::new(),
        }
        .into_draft()?
    } else {
        let draft = uri::parse_otpauth(link)?;
        if let Some(cfg) = &draft.otp {
            otp::validate(cfg)?;
        }
        draft
    };
    if draft.name.is_empty() {
        draft.name = clean_label(name);
    }
    draft.note = field::str_or_empty(entry, "note")?.to_string();
    Ok(draft)
}
