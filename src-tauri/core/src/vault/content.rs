//! The encrypted content: `{"version": N, "accounts": [...], "settings": {...}}` as JSON, with a
//! schema version of its own so a later build can migrate what an earlier one wrote.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::format::damaged;
use super::{VaultData, VaultError};
use crate::account::Account;

/// The content schema this build writes and the highest it reads.
///
/// Bump it (and add a step to `migrate_step` in `vault/content.rs`) whenever a change would make
/// an older build lose data on save, e.g. a new field in [`Account`]: an older build refuses a
/// newer schema rather than silently dropping the field when it rewrites the file.
///
/// One deliberate exception: [`Account::favourite`] (a display preference, `#[serde(default)]`,
/// written only when true) did not bump the schema. An older build drops the star when it
/// rewrites the file and loses nothing else; refusing to open the whole vault would be worse.
pub const CONTENT_VERSION: u32 = 1;

#[derive(Serialize)]
struct ContentOut<'a> {
    version: u32,
    accounts: &'a [Account],
    settings: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ContentIn {
    #[allow(dead_code)]
    version: u32,
    accounts: Vec<Account>,
    #[serde(default)]
    settings: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

/// Serialises the content into a zeroizing buffer allocated once at its exact size, so no
/// reallocation leaves a copy of the secrets behind in freed memory.
pub(crate) fn encode(data: &VaultData) -> Zeroizing<Vec<u8>> {
    let content = ContentOut {
        version: CONTENT_VERSION,
        accounts: &data.accounts,
        settings: &data.settings,
    };
    let mut counter = CountingWriter(0);
    serde_json::to_writer(&mut counter, &content).expect("serialising to memory cannot fail: all map keys are strings");
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0));
    serde_json::to_writer(&mut *out, &content).expect("serialising to memory cannot fail: all map keys are strings");
    out
}

/// Parses decrypted content, migrating older schemas.
pub(crate) fn decode(plaintext: &[u8]) -> Result<VaultData, VaultError> {
    let version = serde_json::from_slice::<VersionOnly>(plaintext)
        .map_err(|_| damaged("the decrypted contents have no schema version"))?
        .version;
    if version > CONTENT_VERSION {
        return Err(VaultError::NewerContent {
            found: version,
            supported: CONTENT_VERSION,
        });
    }
    let content: ContentIn = if version == CONTENT_VERSION {
        serde_json::from_slice(plaintext).map_err(|_| damaged("the decrypted contents are not valid"))?
    } else {
        let mut value: serde_json::Value =
            serde_json::from_slice(plaintext).map_err(|_| damaged("the decrypted contents are not valid"))?;
        let mut at = version;
        while at < CONTENT_VERSION {
            value = migrate_step(at, value)?;
            at += 1;
        }
        serde_json::from_value(value).map_err(|_| damaged("the migrated contents are not valid"))?
    };
    Ok(VaultData {
        accounts: content.accounts,
        settings: content.settings,
    })
}

/// Upgrades content of schema `from` to schema `from + 1` (and sets its `version`).
///
/// Schema 1 is the first: there is nothing to migrate yet. A future schema 2 adds here
/// `1 => { /* rewrite value */ value["version"] = 2.into(); Ok(value) }`, and a test that opens
/// the committed schema-1 fixture.
#[allow(clippy::match_single_binding, reason = "the migration table is empty until schema 2")]
fn migrate_step(from: u32, value: serde_json::Value) -> Result<serde_json::Value, VaultError> {
    let _ = value;
    match from {
        _ => Err(damaged("the contents have an unknown schema version")),
    }
}

/// Counts bytes written, to size the real buffer exactly.
struct CountingWriter(usize);

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_exact_capacity() {
        let mut data = VaultData::default();
        data.add(
            crate::AccountDraft {
                issuer: "Example".into(),
                name: "a@example.com".into(),
                ..Default::default()
            },
            1_700_000_000,
        );
        data.settings.insert("theme".into(), "dark".into());
        let bytes = encode(&data);
        assert_eq!(bytes.len(), bytes.capacity());
        assert_eq!(decode(&bytes).unwrap(), data);
    }

    /// Vaults written before `favourite` existed have no such field: they open, read as
    /// `false`, and a non-favourite is written back exactly as before (no field), while a
    /// favourite round-trips.
    #[test]
    fn accounts_without_the_favourite_field_open_and_only_true_is_written() {
        let old = format!(
            r#"{{"version":{CONTENT_VERSION},"accounts":[{{"id":"0a1b2c3d","issuer":"Example","name":"a","otp":null,"created_at":1,"updated_at":2}}]}}"#
        );
        let mut data = decode(old.as_bytes()).expect("a vault without the field opens");
        assert_eq!(data.accounts.len(), 1);
        assert!(!data.accounts[0].favourite);
        assert!(!String::from_utf8_lossy(&encode(&data)).contains("favourite"));
        data.accounts[0].favourite = true;
        let bytes = encode(&data);
        assert!(String::from_utf8_lossy(&bytes).contains(r#""favourite":true"#));
        assert!(decode(&bytes).expect("reopens").accounts[0].favourite);
    }

    #[test]
    fn versions_are_checked() {
        let newer = format!(r#"{{"version":{},"accounts":[]}}"#, CONTENT_VERSION + 1);
        assert!(
            matches!(decode(newer.as_bytes()), Err(VaultError::NewerContent { found, .. }) if found == CONTENT_VERSION + 1)
        );
        assert!(matches!(
            decode(br#"{"version":0,"accounts":[]}"#),
            Err(VaultError::Damaged { .. })
        ));
        assert!(matches!(decode(br#"{"accounts":[]}"#), Err(VaultError::Damaged { .. })));
        assert!(matches!(decode(b"[1,2]"), Err(VaultError::Damaged { .. })));
        let current = format!(r#"{{"version":{CONTENT_VERSION},"accounts":[]}}"#);
        assert_eq!(decode(current.as_bytes()).unwrap(), VaultData::default());
    }
}
