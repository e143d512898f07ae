//! andOTP's plain JSON backup: a list of entries with `secret` (base32), `issuer`, `label`,
//! `type` (TOTP/HOTP/STEAM), `algorithm`, `digits`, `period`, `counter`, `tags`. (andOTP's
//! encrypted backups are binary and not read.)

use serde_json::Value;

use super::{
    EntryFields, Format, Imported, Importer, TransferError, base32_secret, field, parse_json_bytes, push_entry,
};
use crate::account::{AccountDraft, OtpKind, SecretString};

/// Reads andOTP plain backups.
pub(crate) struct AndOtpImporter;

impl Importer for AndOtpImporter {
    fn format(&self) -> Format {
        Format::AndOtp
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let root = parse_json_bytes(input).map_err(|e| match e {
            TransferError::MalformedJson { .. } if !input.trim_ascii_start().starts_with(b"[") => {
                TransferError::Unsupported("encrypted andOTP backups: export a plain-text backup".into())
            }
            e => e,
        })?;
        let entries = root.as_array().ok_or_else(|| TransferError::Malformed {
            format: Format::AndOtp,
            reason: "not a list of entries".into(),
        })?;
        let mut out = Imported::default();
        for (i, entry) in entries.iter().enumerate() {
            let issuer = field::str_or_empty(entry, "issuer").unwrap_or("");
            let name = field::str_or_empty(entry, "label").unwrap_or("");
            push_entry(&mut out, i + 1, issuer, name, read_entry(entry, issuer, name));
        }
        Ok(out)
    }
}

fn read_entry(entry: &Value, issuer: &str, name: &str) -> Result<AccountDraft, TransferError> {
    let kind = match field::opt_str(entry, "type")?
        .unwrap_or("TOTP")
        .to_ascii_uppercase()
        .as_str()
    {
        "TOTP" => OtpKind::Totp,
        "HOTP" => OtpKind::Hotp,
        "STEAM" => OtpKind::Steam,
        _ => return Err(field::invalid("type", "not TOTP, HOTP or STEAM")),
    };
    let tags = entry
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    EntryFields {
        issuer,
        name,
        kind,
        secret: base32_secret(field::str(entry, "secret")?)?,
        algorithm: field::opt_str(entry, "algorithm")?,
        digits: field::opt_u64(entry, "digits")?,
        period: field::opt_u64(entry, "period")?,
        counter: field::opt_u64(entry, "counter")?,
        note: "",
        tags,
    }
    .into_draft()
}
