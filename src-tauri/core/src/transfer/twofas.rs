//! 2FAS backups (`.2fas`, schema 4), plain and encrypted.
//!
//! A plain backup lists its accounts in `services`. An encrypted one leaves `services` empty and
//! holds them in `servicesEncrypted` = `base64(ciphertext ‖ tag) ":" base64(salt) ":"
//! base64(iv)`: the key is PBKDF2-HMAC-SHA256(password, salt, 10,000 iterations, 32 bytes),
//! the cipher AES-256-GCM with the 12-byte iv and no associated data, the plaintext the JSON
//! array of services. (`reference` is the same construction over a fixed text, for 2FAS's own
//! password check; it is not needed here.)

use data_encoding::BASE64;
use serde_json::Value;

use super::crypto::{self, NONCE_LEN, TAG_LEN};
use super::{
    EntryFields, Format, Imported, Importer, TransferError, base32_secret, field, parse_json_bytes, push_entry,
};
use crate::account::{AccountDraft, OtpKind, SecretString};

/// PBKDF2 iterations 2FAS uses.
const PBKDF2_ROUNDS: u32 = 10_000;

fn malformed(reason: impl Into<String>) -> TransferError {
    TransferError::Malformed {
        format: Format::TwoFas,
        reason: reason.into(),
    }
}

/// Reads 2FAS backups.
pub(crate) struct TwoFasImporter;

impl Importer for TwoFasImporter {
    fn format(&self) -> Format {
        Format::TwoFas
    }

    fn read(&self, input: &[u8], password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let root = parse_json_bytes(input)?;
        if let Some(schema) = root.get("schemaVersion").and_then(Value::as_u64)
            && schema > 4
        {
            return Err(TransferError::Unsupported(format!(
                "2FAS schema version {schema} (this app reads up to 4)"
            )));
        }
        let encrypted =
            field::opt_str(&root, "servicesEncrypted").map_err(|_| malformed("servicesEncrypted is not a string"))?;
        let services = match encrypted.filter(|s| !s.trim().is_empty()) {
            Some(blob) => {
                let password = password.ok_or(TransferError::PasswordRequired(Format::TwoFas))?;
                let plain = decrypt(blob, password)?;
                let text =
                    std::str::from_utf8(&plain).map_err(|_| malformed("the decrypted services are not UTF-8"))?;
                super::parse_json(text).map_err(|_| malformed("the decrypted services are not JSON"))?
            }
            None => root.get("services").cloned().ok_or_else(|| malformed("no services"))?,
        };
        let services = services.as_array().ok_or_else(|| malformed("services is not a list"))?;
        let groups = group_names(&root);
        let mut out = Imported::default();
        for (i, service) in services.iter().enumerate() {
            let otp = service.get("otp").cloned().unwrap_or(Value::Null);
            // The service's name is the title 2FAS shows (and the person may have renamed it);
            // `otp.issuer` is what the enrolment link said. Aegis's importer reads it the same way.
            let issuer = first_non_empty(&[field::opt_str(service, "name"), field::opt_str(&otp, "issuer")]);
            let name = first_non_empty(&[field::opt_str(&otp, "account"), field::opt_str(&otp, "label")]);
            // A 2FAS group (a folder) becomes a tag, as Aegis's groups do.
            let tags = field::opt_str(service, "groupId")
                .ok()
                .flatten()
                .and_then(|id| groups.iter().find(|(g, _)| *g == id))
                .map(|(_, group)| vec![(*group).to_owned()])
                .unwrap_or_default();
            push_entry(
                &mut out,
                i + 1,
                issuer,
                name,
                read_service(service, &otp, issuer, name, tags),
            );
        }
        Ok(out)
    }
}

fn first_non_empty<'a>(candidates: &[Result<Option<&'a str>, TransferError>]) -> &'a str {
    candidates
        .iter()
        .find_map(|c| c.as_ref().ok().copied().flatten().filter(|s| !s.trim().is_empty()))
        .unwrap_or("")
}

/// The backup's groups as (id, name); a group without a usable name is left out.
fn group_names(root: &Value) -> Vec<(&str, &str)> {
    root.get("groups")
        .and_then(Value::as_array)
        .map(|groups| {
            groups
                .iter()
                .filter_map(|g| {
                    let id = g.get("id").and_then(Value::as_str)?;
                    let name = g.get("name").and_then(Value::as_str).filter(|n| !n.trim().is_empty())?;
                    Some((id, name))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn read_service(
    service: &Value,
    otp: &Value,
    issuer: &str,
    name: &str,
    tags: Vec<String>,
) -> Result<AccountDraft, TransferError> {
    let kind = match field::opt_str(otp, "tokenType")?
        .unwrap_or("TOTP")
        .to_ascii_uppercase()
        .as_str()
    {
        "TOTP" => OtpKind::Totp,
        "HOTP" => OtpKind::Hotp,
        "STEAM" => OtpKind::Steam,
        _ => return Err(field::invalid("tokenType", "not TOTP, HOTP or STEAM")),
    };
    EntryFields {
        issuer,
        name,
        kind,
        secret: base32_secret(field::str(service, "secret")?)?,
        algorithm: field::opt_str(otp, "algorithm")?,
        digits: field::opt_u64(otp, "digits")?,
        period: field::opt_u64(otp, "period")?,
        counter: field::opt_u64(otp, "counter")?,
        note: "",
        tags,
    }
    .into_draft()
}

fn decrypt(blob: &str, password: &SecretString) -> Result<zeroize::Zeroizing<Vec<u8>>, TransferError> {
    let parts: Vec<&str> = blob.trim().split(':').collect();
    let [data, salt, iv] = parts.as_slice() else {
        return Err(malformed("servicesEncrypted is not data:salt:iv (truncated?)"));
    };
    let b64 = |t: &str, what: &str| {
        BASE64
            .decode(t.trim().as_bytes())
            .map_err(|_| malformed(format!("the encrypted {what} is not base64 (truncated?)")))
    };
    let data = b64(data, "data")?;
    let salt = b64(salt, "salt")?;
    let iv: [u8; NONCE_LEN] = crypto::array(&b64(iv, "iv")?).ok_or_else(|| malformed("the iv is not 12 bytes"))?;
    if data.len() < TAG_LEN || salt.is_empty() || salt.len() > 1024 {
        return Err(malformed("the encrypted data is too short (truncated?)"));
    }
    let (ciphertext, tag) = data.split_at(data.len() - TAG_LEN);
    let tag: [u8; TAG_LEN] = crypto::array(tag).ok_or_else(|| malformed("bad tag"))?;
    let key = crypto::pbkdf2_sha256(password.expose().as_bytes(), &salt, PBKDF2_ROUNDS);
    crypto::open(&key, &iv, ciphertext, &tag).ok_or(TransferError::WrongPassword(Format::TwoFas))
}
