//! FreeOTP+ JSON exports: `tokens`, each with the secret as signed bytes, `issuerExt`, `label`,
//! `type` (TOTP/HOTP), `algo`, `digits`, `period`, `counter`. FreeOTP stores an HOTP counter as
//! the last one used, so the next counter is one more (as Aegis reads it).

use serde_json::Value;

use super::{EntryFields, Format, Imported, Importer, TransferError, field, parse_json_bytes, push_entry};
use crate::account::{AccountDraft, OtpKind, Secret, SecretString};

/// Reads FreeOTP+ exports.
pub(crate) struct FreeOtpPlus;

impl Importer for FreeOtpPlus {
    fn format(&self) -> Format {
        Format::FreeOtpPlus
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let root = parse_json_bytes(input)?;
        let tokens = root
            .get("tokens")
            .and_then(Value::as_array)
            .ok_or_else(|| TransferError::Malformed {
                format: Format::FreeOtpPlus,
                reason: "no tokens list".into(),
            })?;
        let mut out = Imported::default();
        for (i, token) in tokens.iter().enumerate() {
            let issuer = issuer_of(token);
            let name = field::str_or_empty(token, "label").unwrap_or("");
            push_entry(&mut out, i + 1, issuer, name, read_token(token, issuer, name));
        }
        Ok(out)
    }
}

fn issuer_of(token: &Value) -> &str {
    ["issuerExt", "issuerInt"]
        .into_iter()
        .find_map(|k| token.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty()))
        .unwrap_or("")
}

fn read_token(token: &Value, issuer: &str, name: &str) -> Result<AccountDraft, TransferError> {
    let kind = match field::opt_str(token, "type")?
        .unwrap_or("TOTP")
        .to_ascii_uppercase()
        .as_str()
    {
        "TOTP" if issuer.eq_ignore_ascii_case("steam") => OtpKind::Steam,
        "TOTP" => OtpKind::Totp,
        "HOTP" => OtpKind::Hotp,
        "STEAM" => OtpKind::Steam,
        _ => return Err(field::invalid("type", "not TOTP or HOTP")),
    };
    let bytes = token
        .get("secret")
        .and_then(Value::as_array)
        .ok_or(TransferError::MissingField("secret"))?;
    let secret: Option<Vec<u8>> = bytes
        .iter()
        .map(|b| {
            b.as_i64()
                .and_then(|b| i8::try_from(b).ok().map(|b| b as u8).or_else(|| u8::try_from(b).ok()))
        })
        .collect();
    let secret = Secret::new(secret.ok_or_else(|| field::invalid("secret", "not a list of bytes"))?);
    let counter = match kind {
        OtpKind::Hotp => Some(
            field::opt_u64(token, "counter")?
                .unwrap_or(0)
                .checked_add(1)
                .ok_or_else(|| field::invalid("counter", "out of range"))?,
        ),
        _ => None,
    };
    EntryFields {
        issuer,
        name,
        kind,
        secret,
        algorithm: field::opt_str(token, "algo")?,
        digits: field::opt_u64(token, "digits")?,
        period: field::opt_u64(token, "period")?,
        counter,
        note: "",
        tags: Vec::new(),
    }
    .into_draft()
}
