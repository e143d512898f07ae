//! Aegis Authenticator's vault JSON (its documented `docs/vault.md` format), plain and
//! encrypted.
//!
//! ```text
//! { "version": 1,
//!   "header": { "slots": null | [slot…], "params": null | {"nonce": hex, "tag": hex} },
//!   "db": {…} (plain) | "base64 of AES-256-GCM(master key, db JSON)" (encrypted) }
//! slot (type 1, password) = { "type": 1, "uuid", "key": hex(wrapped master key),
//!   "key_params": {"nonce", "tag"}, "n", "r", "p", "salt": hex, … }
//! ```
//!
//! The key-encryption key of a password slot is scrypt(password, salt, N, r, p, 32 bytes); it
//! unwraps the 32-byte master key with AES-256-GCM; the master key decrypts `db` (no associated
//! data anywhere). Every slot's scrypt settings are checked against the caps before any
//! derivation.

use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::crypto::{self, KEY_LEN, MAX_PASSWORD_SLOTS, NONCE_LEN, ScryptParams, TAG_LEN};
use super::{
    EntryFields, Format, Imported, Importer, TransferError, base32_secret, field, parse_json_bytes, push_entry,
};
use crate::account::{Account, OtpKind, SecretString};

/// `log2(N)` of the scrypt slots this app writes, as Aegis writes them.
pub const AEGIS_SCRYPT_LOG_N: u8 = 15;
/// scrypt `r` of the slots this app writes.
pub const AEGIS_SCRYPT_R: u32 = 8;
/// scrypt `p` of the slots this app writes.
pub const AEGIS_SCRYPT_P: u32 = 1;

/// The `db.version` this app writes (Aegis 3.x; groups as a list of uuids).
const DB_VERSION: u64 = 3;

fn malformed(reason: impl Into<String>) -> TransferError {
    TransferError::Malformed {
        format: Format::Aegis,
        reason: reason.into(),
    }
}

/// Reads Aegis vault JSON.
pub(crate) struct AegisImporter;

impl Importer for AegisImporter {
    fn format(&self) -> Format {
        Format::Aegis
    }

    fn read(&self, input: &[u8], password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let root = parse_json_bytes(input)?;
        let header = root.get("header").ok_or_else(|| malformed("no header"))?;
        let db = root.get("db").ok_or_else(|| malformed("no db"))?;
        match db {
            Value::Object(_) => read_db(db),
            Value::String(text) => {
                let password = password.ok_or(TransferError::PasswordRequired(Format::Aegis))?;
                let plain = decrypt(header, text, password)?;
                let text = std::str::from_utf8(&plain).map_err(|_| malformed("the decrypted database is not UTF-8"))?;
                let db = super::parse_json(text).map_err(|_| malformed("the decrypted database is not JSON"))?;
                read_db(&db)
            }
            _ => Err(malformed("db is neither an object nor a string")),
        }
    }
}

/// A password slot's fields, decoded and checked.
struct PasswordSlot {
    params: ScryptParams,
    salt: Vec<u8>,
    nonce: [u8; NONCE_LEN],
    tag: [u8; TAG_LEN],
    wrapped: [u8; KEY_LEN],
}

fn hex_field<const N: usize>(v: &Value, key: &'static str) -> Result<[u8; N], TransferError> {
    let text = field::str(v, key).map_err(|_| malformed(format!("a {key} is missing")))?;
    let bytes = HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .map_err(|_| malformed(format!("a {key} is not hex")))?;
    crypto::array(&bytes).ok_or_else(|| malformed(format!("a {key} is not {N} bytes")))
}

fn password_slots(header: &Value) -> Result<Vec<PasswordSlot>, TransferError> {
    let slots = header
        .get("slots")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("an encrypted database without key slots"))?;
    let password_slots: Vec<&Value> = slots
        .iter()
        .filter(|s| s.get("type").and_then(Value::as_u64) == Some(1))
        .collect();
    if password_slots.is_empty() {
        return Err(TransferError::Unsupported(
            "this Aegis export has no password slot (only biometric or other slots)".into(),
        ));
    }
    if password_slots.len() > MAX_PASSWORD_SLOTS {
        return Err(TransferError::KdfParams(format!(
            "{} password slots (at most {MAX_PASSWORD_SLOTS} are tried)",
            password_slots.len()
        )));
    }
    // Every slot is checked, and their work together, before any key derivation starts.
    let slots = password_slots
        .into_iter()
        .map(|slot| {
            let num = |key: &'static str| {
                field::opt_u64(slot, key)
                    .ok()
                    .flatten()
                    .ok_or_else(|| malformed(format!("a slot's {key} is missing or not a number")))
            };
            let params = ScryptParams::checked(num("n")?, num("r")?, num("p")?)?;
            let salt_text = field::str(slot, "salt").map_err(|_| malformed("a slot's salt is missing"))?;
            let salt = HEXLOWER_PERMISSIVE
                .decode(salt_text.as_bytes())
                .map_err(|_| malformed("a slot's salt is not hex"))?;
            if salt.is_empty() || salt.len() > 1024 {
                return Err(malformed("a slot's salt has an unusable length"));
            }
            let key_params = slot
                .get("key_params")
                .ok_or_else(|| malformed("a slot has no key_params"))?;
            Ok(PasswordSlot {
                params,
                salt,
                nonce: hex_field(key_params, "nonce")?,
                tag: hex_field(key_params, "tag")?,
                wrapped: hex_field(slot, "key")?,
            })
        })
        .collect::<Result<Vec<_>, TransferError>>()?;
    crypto::check_scrypt_work(Format::Aegis, slots.iter().map(|s| s.params))?;
    Ok(slots)
}

fn decrypt(header: &Value, db: &str, password: &SecretString) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let slots = password_slots(header)?;
    let params = header
        .get("params")
        .filter(|p| !p.is_null())
        .ok_or_else(|| malformed("an encrypted database without params"))?;
    let nonce: [u8; NONCE_LEN] = hex_field(params, "nonce")?;
    let tag: [u8; TAG_LEN] = hex_field(params, "tag")?;
    let ciphertext = BASE64
        .decode(db.trim().as_bytes())
        .map_err(|_| malformed("the encrypted database is not base64 (truncated?)"))?;
    for slot in slots {
        let kek = slot.params.derive(password.expose().as_bytes(), &slot.salt)?;
        let Some(master) = crypto::open(&kek, &slot.nonce, &slot.wrapped, &slot.tag) else {
            continue;
        };
        let master: Zeroizing<[u8; KEY_LEN]> =
            Zeroizing::new(crypto::array(&master).ok_or_else(|| malformed("the master key is not 32 bytes"))?);
        return crypto::open(&master, &nonce, &ciphertext, &tag).ok_or_else(|| {
            malformed("the password is right but the database does not decrypt: the file is damaged or truncated")
        });
    }
    Err(TransferError::WrongPassword(Format::Aegis))
}

fn read_db(db: &Value) -> Result<Imported, TransferError> {
    let entries = db
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the database has no entries list"))?;
    // Aegis 3.x: groups are listed once and referred to by uuid; they become tags.
    let groups: Map<String, Value> = db
        .get("groups")
        .and_then(Value::as_array)
        .map(|gs| {
            gs.iter()
                .filter_map(|g| Some((g.get("uuid")?.as_str()?.to_string(), g.get("name")?.clone())))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Imported::default();
    for (i, entry) in entries.iter().enumerate() {
        let issuer = field::str_or_empty(entry, "issuer").unwrap_or("");
        let name = field::str_or_empty(entry, "name").unwrap_or("");
        push_entry(&mut out, i + 1, issuer, name, read_entry(entry, &groups));
    }
    Ok(out)
}

fn read_entry(entry: &Value, groups: &Map<String, Value>) -> Result<crate::AccountDraft, TransferError> {
    let kind = match field::str(entry, "type")?.to_ascii_lowercase().as_str() {
        "totp" => OtpKind::Totp,
        "hotp" => OtpKind::Hotp,
        "steam" => OtpKind::Steam,
        "motp" => return Err(TransferError::Unsupported("mOTP entries".into())),
        "yandex" => return Err(TransferError::Unsupported("Yandex entries".into())),
        _ => return Err(field::invalid("type", "not totp, hotp or steam")),
    };
    let info = entry.get("info").ok_or(TransferError::MissingField("info"))?;
    let mut tags: Vec<String> = Vec::new();
    if let Some(Value::String(group)) = entry.get("group") {
        tags.push(group.clone());
    }
    if let Some(Value::Array(uuids)) = entry.get("groups") {
        tags.extend(
            uuids
                .iter()
                .filter_map(|u| groups.get(u.as_str()?)?.as_str().map(str::to_string)),
        );
    }
    EntryFields {
        issuer: field::str_or_empty(entry, "issuer")?,
        name: field::str_or_empty(entry, "name")?,
        kind,
        secret: base32_secret(field::str(info, "secret")?)?,
        algorithm: field::opt_str(info, "algo")?,
        digits: field::opt_u64(info, "digits")?,
        period: field::opt_u64(info, "period")?,
        counter: field::opt_u64(info, "counter")?,
        note: field::str_or_empty(entry, "note")?,
        tags,
    }
    .into_draft()
}

/// A random version-4 UUID in its text form.
fn uuid_v4() -> Result<String, TransferError> {
    let mut b: [u8; 16] = crypto::random()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = data_encoding::HEXLOWER.encode(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// The `db` object of an Aegis vault holding `accounts` (those with OTP settings), their notes
/// with recovery codes appended, their tags as groups. Secret: zeroized when dropped.
pub(crate) fn db_json(accounts: &[&Account]) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let mut groups: Vec<(String, String)> = Vec::new();
    let mut entries = Vec::with_capacity(accounts.len());
    for account in accounts {
        let Some(otp) = &account.otp else { continue };
        let mut group_ids = Vec::new();
        for tag in &account.tags {
            let id = match groups.iter().find(|(_, name)| name == tag) {
                Some((id, _)) => id.clone(),
                None => {
                    let id = uuid_v4()?;
                    groups.push((id.clone(), tag.clone()));
                    id
                }
            };
            group_ids.push(id);
        }
        let mut info = json!({
            "secret": otp.secret.to_base32().as_str(),
            "algo": otp.algorithm.as_str(),
            "digits": otp.digits,
        });
        match otp.kind {
            OtpKind::Hotp => info["counter"] = json!(otp.counter),
            OtpKind::Totp | OtpKind::Steam => info["period"] = json!(otp.period),
        }
        let note = super::note_with_recovery_codes(&account.note, &account.recovery_codes);
        entries.push(json!({
            "type": otp.kind.as_str(),
            "uuid": uuid_v4()?,
            "name": account.name,
            "issuer": account.issuer,
            "note": note.expose(),
            "favorite": false,
            "icon": null,
            "info": info,
            "groups": group_ids,
        }));
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(uuid, name)| json!({"uuid": uuid, "name": name}))
        .collect();
    let db = json!({ "version": DB_VERSION, "entries": entries, "groups": groups });
    let bytes = Zeroizing::new(serde_json::to_vec(&db).expect("a JSON value always serialises"));
    Ok(bytes)
}

/// A whole Aegis vault file: plain when `password` is `None`, else encrypted with one password
/// slot (scrypt N=2^15 r=8 p=1, random 32-byte salt, AES-256-GCM wrapped random master key).
pub(crate) fn vault_file(
    accounts: &[&Account],
    password: Option<&SecretString>,
) -> Result<Zeroizing<Vec<u8>>, TransferError> {
    let db = db_json(accounts)?;
    let root = match password {
        None => {
            let db: Value = serde_json::from_slice(&db).expect("db_json writes JSON");
            json!({ "version": 1, "header": { "slots": null, "params": null }, "db": db })
        }
        Some(password) => {
            if password.expose().is_empty() {
                return Err(TransferError::EmptyPassword);
            }
            let params = ScryptParams::fixed(AEGIS_SCRYPT_LOG_N, AEGIS_SCRYPT_R, AEGIS_SCRYPT_P);
            let master = Zeroizing::new(crypto::random::<KEY_LEN>()?);
            let salt: [u8; 32] = crypto::random()?;
            let kek = params.derive(password.expose().as_bytes(), &salt)?;
            let slot_nonce: [u8; NONCE_LEN] = crypto::random()?;
            let (wrapped, slot_tag) = crypto::seal(&kek, &slot_nonce, master.as_slice());
            let db_nonce: [u8; NONCE_LEN] = crypto::random()?;
            let (ciphertext, db_tag) = crypto::seal(&master, &db_nonce, &db);
            let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
            json!({
                "version": 1,
                "header": {
                    "slots": [{
                        "type": 1,
                        "uuid": uuid_v4()?,
                        "key": hex(&wrapped),
                        "key_params": { "nonce": hex(&slot_nonce), "tag": hex(&slot_tag) },
                        "n": params.n(),
                        "r": params.r(),
                        "p": params.p(),
                        "salt": hex(&salt),
                        "repaired": true,
                        "is_backup": false,
                    }],
                    "params": { "nonce": hex(&db_nonce), "tag": hex(&db_tag) },
                },
                "db": BASE64.encode(&ciphertext),
            })
        }
    };
    let mut out = serde_json::to_vec_pretty(&root).expect("a JSON value always serialises");
    out.push(b'\n');
    Ok(Zeroizing::new(out))
}
