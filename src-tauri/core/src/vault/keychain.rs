//! Keychain unlock: the master key wrapped with a random key kept in the OS keychain.
//!
//! Enabling it draws a random 32-byte *keychain key*, stores it in the system keychain (the
//! freedesktop Secret Service on Linux: GNOME Keyring, KWallet) and adds a **keychain slot**
//! (kind 2, see `docs/vault-format.md`) to the vault: the master key wrapped with that key
//! (AES-256-GCM, like the password slot). The password is never stored anywhere; the password
//! slot stays, so the password always opens the vault too.
//!
//! * The keychain entry is named after a random 16-byte *entry id* kept in the slot: service
//!   [`SERVICE`], account `vault-<32 hex digits>` ([`KeychainStatus::Enabled::entry`]). Two
//!   vaults never share an entry, and a fresh id is drawn at every enable.
//! * When the entry is gone, holds another key, or the keychain does not answer within
//!   [`DEFAULT_TIMEOUT`], opening fails with a [`KeychainError`] that says so, and the caller
//!   falls back to the password: keychain trouble never locks anyone out.
//! * Disabling removes the slot first (saved), then the entry.
//! * Changing the password draws a new master key, which the old slot cannot unwrap:
//!   [`Vault::change_password_keeping_keychain`] re-wraps it under a new keychain key and entry
//!   (deleting the old entry), or, when the keychain is unreachable, leaves keychain unlock off
//!   and says so.
//!
//! Keychain access goes through the small [`KeyStore`] trait: [`MemoryKeyStore`] for tests,
//! [`SystemKeyStore`] for the real keychain (feature `system-keychain`), [`DisabledKeyStore`] when
//! the user opted out with [`NO_KEYCHAIN_ENV`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use zeroize::Zeroizing;

use super::format::{self, ENTRY_ID_LEN, Header, KeychainSlot, MAX_SLOTS, Slot};
use super::kdf::KEY_LEN;
use super::{KdfParams, LOCK_WAIT, Unlocked, Vault, VaultError, WithBackup, store};
use crate::account::SecretString;

/// The keychain service name of every entry (the Secret Service attribute `service`).
pub const SERVICE: &str = "smartpush-authenticator";

/// Environment variable that turns keychain use off (any value but empty and `0`): commands
/// then neither read nor write the keychain and always ask for the password.
pub const NO_KEYCHAIN_ENV: &str = "SMARTPUSH_AUTH_NO_KEYCHAIN";

/// How long [`SystemKeyStore`] waits for the keychain before giving up. A locked keyring makes
/// the Secret Service wait for a prompt that may never be answered.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// True when [`NO_KEYCHAIN_ENV`] asks not to use the keychain.
pub fn disabled_by_env() -> bool {
    std::env::var_os(NO_KEYCHAIN_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Why a keychain operation did not happen. Never carries a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No keychain can be reached (no session bus, no Secret Service, a backend error…).
    #[error("{0}")]
    Unavailable(String),
    /// The keychain did not answer in time.
    #[error(
        "it did not answer within {} s (a locked keyring waits for a password prompt)",
        .0.as_secs_f32()
    )]
    TimedOut(Duration),
}

/// Access to a keychain holding opaque secrets under entry names.
pub trait KeyStore: Send + Sync {
    /// The secret stored under `entry`, `None` when there is no such entry.
    ///
    /// # Errors
    /// When the keychain cannot be reached or does not answer.
    fn get(&self, entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError>;

    /// Stores `secret` under `entry`, replacing what was there.
    ///
    /// # Errors
    /// When the keychain cannot be reached, does not answer or refuses.
    fn set(&self, entry: &str, secret: &[u8]) -> Result<(), StoreError>;

    /// Removes `entry`; `false` when there was none.
    ///
    /// # Errors
    /// When the keychain cannot be reached, does not answer or refuses.
    fn delete(&self, entry: &str) -> Result<bool, StoreError>;
}

/// An in-memory [`KeyStore`], for tests. It can be told to act unavailable.
#[derive(Default)]
pub struct MemoryKeyStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Default)]
struct MemoryInner {
    entries: BTreeMap<String, Zeroizing<Vec<u8>>>,
    unavailable: Option<String>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> MemoryKeyStore {
        MemoryKeyStore::default()
    }

    /// Makes every call fail with [`StoreError::Unavailable`] (`Some(reason)`), or work again.
    pub fn set_unavailable(&self, reason: Option<&str>) {
        self.lock().unavailable = reason.map(str::to_owned);
    }

    /// The names of the entries held, sorted.
    pub fn entries(&self) -> Vec<String> {
        self.lock().entries.keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn available(&self) -> Result<std::sync::MutexGuard<'_, MemoryInner>, StoreError> {
        let inner = self.lock();
        match &inner.unavailable {
            Some(reason) => Err(StoreError::Unavailable(reason.clone())),
            None => Ok(inner),
        }
    }
}

impl fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryKeyStore")
            .field("entries", &self.entries())
            .finish_non_exhaustive()
    }
}

impl KeyStore for MemoryKeyStore {
    fn get(&self, entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Ok(self.available()?.entries.get(entry).cloned())
    }

    fn set(&self, entry: &str, secret: &[u8]) -> Result<(), StoreError> {
        self.available()?
            .entries
            .insert(entry.to_owned(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }

    fn delete(&self, entry: &str) -> Result<bool, StoreError> {
        Ok(self.available()?.entries.remove(entry).is_some())
    }
}

/// A [`KeyStore`] that refuses everything: keychain use is turned off ([`NO_KEYCHAIN_ENV`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct DisabledKeyStore;

impl DisabledKeyStore {
    fn error() -> StoreError {
        StoreError::Unavailable(format!("keychain use is turned off by ${NO_KEYCHAIN_ENV}"))
    }
}

impl KeyStore for DisabledKeyStore {
    fn get(&self, _entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Err(DisabledKeyStore::error())
    }

    fn set(&self, _entry: &str, _secret: &[u8]) -> Result<(), StoreError> {
        Err(DisabledKeyStore::error())
    }

    fn delete(&self, _entry: &str) -> Result<bool, StoreError> {
        Err(DisabledKeyStore::error())
    }
}

pub use system::SystemKeyStore;

/// Everything that can go wrong with keychain unlock. Messages never contain a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// The vault has no keychain slot.
    #[error("keychain unlock is not enabled for this vault")]
    NotEnabled,
    /// The keychain could not be reached or did not answer.
    #[error("the system keychain is unavailable: {0}")]
    Unavailable(StoreError),
    /// The vault has a keychain slot but the keychain has no entry for it.
    #[error("the system keychain has no key for this vault (its entry {entry} was removed)")]
    EntryMissing {
        /// The entry's account name.
        entry: String,
    },
    /// The keychain entry holds a key that does not unwrap the slot.
    #[error("the key in the system keychain (entry {entry}) does not open this vault")]
    Mismatch {
        /// The entry's account name.
        entry: String,
    },
    /// The header already holds the most key slots a file may have.
    #[error("the vault has no room for a keychain slot (it already holds {MAX_SLOTS} key slots)")]
    NoRoom,
    /// Reading, decrypting or saving the vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl KeychainError {
    /// True when the failure is on the keychain's side (or keychain unlock is off), so the
    /// password may still open the vault; false for a vault error the password cannot fix.
    pub fn password_may_work(&self) -> bool {
        !matches!(self, KeychainError::Vault(_))
    }
}

impl WithBackup for KeychainError {
    fn with_backup(self, path: &Path) -> KeychainError {
        match self {
            KeychainError::Vault(e) => KeychainError::Vault(e.with_backup(path)),
            e => e,
        }
    }
}

/// The keychain entry as seen by [`status`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryState {
    /// The entry exists and its key opens the vault.
    Present,
    /// There is no entry.
    Missing,
    /// The entry exists but its key does not open the vault.
    Mismatch,
    /// The keychain could not be asked (the reason).
    Unavailable(String),
}

/// Whether keychain unlock is on for a vault, and how its entry looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeychainStatus {
    /// The vault has no keychain slot.
    Disabled,
    /// The vault has a keychain slot.
    Enabled {
        /// The entry's account name (service [`SERVICE`]).
        entry: String,
        /// What the keychain holds for it.
        state: EntryState,
    },
}

/// What happened to the keychain entry when keychain unlock was disabled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryRemoval {
    /// The entry was deleted.
    Removed,
    /// There was no entry to delete.
    WasMissing,
    /// The slot is gone, but the entry could not be deleted (the entry name and why).
    Failed {
        /// The entry's account name, to delete it by hand.
        entry: String,
        /// Why.
        error: StoreError,
    },
}

/// What became of keychain unlock across a password change.
#[derive(Debug)]
#[non_exhaustive]
pub enum AfterPasswordChange {
    /// It was not enabled.
    NotEnabled,
    /// It was re-enabled with a new keychain key (the old entry was deleted).
    Kept,
    /// It could not be re-enabled and is now off; the password change itself succeeded.
    Dropped(KeychainError),
}

/// The entry name of a keychain slot: `vault-` and the entry id in lower-case hex.
fn entry_name(id: &[u8; ENTRY_ID_LEN]) -> String {
    format!("vault-{}", data_encoding::HEXLOWER.encode(id))
}

/// The first keychain slot of a header, with its index.
fn keychain_slot(header: &Header) -> Option<(usize, &KeychainSlot)> {
    header.slots.iter().enumerate().find_map(|(i, s)| match s {
        Slot::Keychain(k) => Some((i, k)),
        _ => None,
    })
}

/// The master key from a keychain slot and the secret the keychain returned, if it fits.
fn unwrap_with(slot: &KeychainSlot, secret: &[u8]) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    if secret.len() != KEY_LEN {
        return None;
    }
    key.copy_from_slice(secret);
    super::unwrap_key(&key, &slot.nonce, &slot.wrap_aad(), &slot.wrapped)
}

fn status_of(header: &Header, store: &dyn KeyStore) -> KeychainStatus {
    let Some((_, slot)) = keychain_slot(header) else {
        return KeychainStatus::Disabled;
    };
    let state = match store.get(&entry_name(&slot.entry_id)) {
        Ok(None) => EntryState::Missing,
        Ok(Some(secret)) if unwrap_with(slot, &secret).is_some() => EntryState::Present,
        Ok(Some(_)) => EntryState::Mismatch,
        Err(e) => EntryState::Unavailable(e.to_string()),
    };
    KeychainStatus::Enabled {
        entry: entry_name(&slot.entry_id),
        state,
    }
}

/// Keychain unlock of the vault file at `path`, read without the password (the slot and its
/// entry name are not secret; whether the entry's key fits is checked against the slot).
///
/// # Errors
/// What [`Vault::open`] reports for a file it cannot read or parse.
pub fn status(path: &Path, store: &dyn KeyStore) -> Result<KeychainStatus, VaultError> {
    let file = store::resolve(path)?;
    let bytes = store::read(&file)?;
    let parsed = format::parse(&bytes).map_err(|e| e.with_backup(&file))?;
    Ok(status_of(&parsed.header, store))
}

/// True when the vault file at `path` has a keychain slot (reads the header, not the keychain).
///
/// # Errors
/// What [`Vault::open`] reports for a file it cannot read or parse.
pub fn is_enabled(path: &Path) -> Result<bool, VaultError> {
    let file = store::resolve(path)?;
    let bytes = store::read(&file)?;
    let parsed = format::parse(&bytes).map_err(|e| e.with_backup(&file))?;
    Ok(keychain_slot(&parsed.header).is_some())
}

/// Parses a file and opens it with the key the keychain holds for its keychain slot.
fn unlock(bytes: &[u8], store: &dyn KeyStore) -> Result<Unlocked, KeychainError> {
    let parsed = format::parse(bytes)?;
    let Some((index, slot)) = keychain_slot(&parsed.header) else {
        return Err(KeychainError::NotEnabled);
    };
    let entry = entry_name(&slot.entry_id);
    let secret = store
        .get(&entry)
        .map_err(KeychainError::Unavailable)?
        .ok_or_else(|| KeychainError::EntryMissing { entry: entry.clone() })?;
    let master_key = unwrap_with(slot, &secret).ok_or(KeychainError::Mismatch { entry })?;
    let kdf = parsed
        .header
        .slots
        .iter()
        .find_map(|s| match s {
            Slot::Password(p) => Some(p.params),
            _ => None,
        })
        .unwrap_or(KdfParams::DEFAULT);
    Ok(super::decrypt(parsed, master_key, index, kdf)?)
}

impl Vault {
    /// Opens a snapshot of the vault with the key the keychain holds for it (no password).
    ///
    /// # Errors
    /// `NotEnabled`, `Unavailable`, `EntryMissing`, `Mismatch` (fall back to the password), or a
    /// `Vault` error as [`Vault::open`] reports it.
    pub fn open_with_keychain(path: &Path, store: &dyn KeyStore) -> Result<Vault, KeychainError> {
        let file = store::resolve(path)?;
        Vault::load_with(path, file, None, |bytes| unlock(bytes, store))
    }

    /// [`Vault::open_with_keychain`], holding the vault's lock as [`Vault::open_for_update`].
    ///
    /// # Errors
    /// As [`Vault::open_with_keychain`], and `Locked`.
    pub fn open_for_update_with_keychain(path: &Path, store: &dyn KeyStore) -> Result<Vault, KeychainError> {
        let (file, lock) = Vault::lock_existing(path, LOCK_WAIT)?;
        Vault::load_with(path, file, Some(lock), |bytes| unlock(bytes, store))
    }

    /// The keychain entry's account name when keychain unlock is on (not secret).
    pub fn keychain_entry(&self) -> Option<String> {
        keychain_slot(&self.header).map(|(_, s)| entry_name(&s.entry_id))
    }

    /// Keychain unlock of this vault as saved, and its entry in `store`.
    pub fn keychain_status(&self, store: &dyn KeyStore) -> KeychainStatus {
        status_of(&self.header, store)
    }

    /// Turns keychain unlock on (or repairs it): stores a new random key under a new entry,
    /// adds the keychain slot wrapping the master key with it, saves, then deletes the previous
    /// entry if there was one. Nothing changes when the keychain refuses the key.
    ///
    /// # Errors
    /// `Unavailable` (nothing changed), `NoRoom`, or a `Vault` error of [`Vault::save`]; a
    /// failed save that wrote nothing removes the new entry again.
    pub fn enable_keychain(&mut self, store: &dyn KeyStore) -> Result<(), KeychainError> {
        let previous = self.keychain_entry();
        let others = self
            .header
            .slots
            .iter()
            .filter(|s| !matches!(s, Slot::Keychain(_)))
            .count();
        if others >= MAX_SLOTS {
            return Err(KeychainError::NoRoom);
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        super::random_bytes(key.as_mut_slice())?;
        let mut slot = KeychainSlot {
            entry_id: super::random_array()?,
            nonce: super::random_array()?,
            wrapped: [0u8; super::WRAPPED_LEN],
        };
        slot.wrapped = super::wrap_key(&key, &slot.nonce, &slot.wrap_aad(), &self.master_key);
        let entry = entry_name(&slot.entry_id);
        store.set(&entry, key.as_slice()).map_err(KeychainError::Unavailable)?;
        let old_header = self.header.clone();
        self.header.slots.retain(|s| !matches!(s, Slot::Keychain(_)));
        self.header.slots.push(Slot::Keychain(slot));
        let fingerprint = self.fingerprint;
        if let Err(e) = self.save() {
            if self.fingerprint == fingerprint {
                // Nothing was written: the file still has its old slots, so drop the new entry.
                self.header = old_header;
                let _ = store.delete(&entry);
            }
            return Err(e.into());
        }
        if let Some(previous) = previous {
            // Best effort: the slot that used it is gone from the vault.
            let _ = store.delete(&previous);
        }
        Ok(())
    }

    /// Turns keychain unlock off: removes the keychain slot and saves, then deletes the entry.
    ///
    /// # Errors
    /// `NotEnabled`, or a `Vault` error of [`Vault::save`] (then nothing changed). A keychain
    /// that cannot delete the entry is reported as [`EntryRemoval::Failed`], not an error: the
    /// vault no longer uses it.
    pub fn disable_keychain(&mut self, store: &dyn KeyStore) -> Result<EntryRemoval, KeychainError> {
        let Some(entry) = self.keychain_entry() else {
            return Err(KeychainError::NotEnabled);
        };
        let old_header = self.header.clone();
        self.header.slots.retain(|s| !matches!(s, Slot::Keychain(_)));
        let fingerprint = self.fingerprint;
        if let Err(e) = self.save() {
            if self.fingerprint == fingerprint {
                self.header = old_header;
            }
            return Err(e.into());
        }
        Ok(match store.delete(&entry) {
            Ok(true) => EntryRemoval::Removed,
            Ok(false) => EntryRemoval::WasMissing,
            Err(error) => EntryRemoval::Failed { entry, error },
        })
    }

    /// [`Vault::change_password`], then keychain unlock re-enabled under the new master key
    /// when it was on (a new keychain key and entry; the old entry is deleted). When the
    /// keychain cannot take the new key, keychain unlock is left off and the reason returned.
    ///
    /// # Errors
    /// Those of [`Vault::change_password`]; keychain trouble is not an error here.
    pub fn change_password_keeping_keychain(
        &mut self,
        new_password: &SecretString,
        kdf: Option<KdfParams>,
        store: &dyn KeyStore,
    ) -> Result<AfterPasswordChange, VaultError> {
        let previous = self.keychain_entry();
        self.change_password(new_password, kdf)?;
        let Some(previous) = previous else {
            return Ok(AfterPasswordChange::NotEnabled);
        };
        let outcome = match self.enable_keychain(store) {
            Ok(()) => AfterPasswordChange::Kept,
            Err(e) => AfterPasswordChange::Dropped(e),
        };
        // The old entry's key unwraps the old master key in old copies of the file only.
        let _ = store.delete(&previous);
        Ok(outcome)
    }
}

#[cfg(all(feature = "system-keychain", target_os = "linux"))]
mod system {
    use std::sync::mpsc;
    use std::time::Duration;

    use keyring::Entry;
    use keyring::secret_service::SsCredential;
    use zeroize::Zeroizing;

    use super::{DEFAULT_TIMEOUT, KeyStore, SERVICE, StoreError};

    /// The OS keychain: the freedesktop Secret Service (GNOME Keyring, KWallet) over the D-Bus
    /// session bus, through the `keyring` crate. Entries are items of the default collection
    /// with attributes `service` = [`SERVICE`], `username` = the entry name, `target` = `default`.
    ///
    /// Every call runs on its own thread and gives up after the timeout (a locked keyring
    /// waits for a prompt forever); without a session bus it fails at once.
    #[derive(Clone, Debug)]
    pub struct SystemKeyStore {
        timeout: Duration,
    }

    impl Default for SystemKeyStore {
        fn default() -> Self {
            SystemKeyStore::new()
        }
    }

    impl SystemKeyStore {
        /// The system keychain, with [`DEFAULT_TIMEOUT`].
        pub fn new() -> SystemKeyStore {
            SystemKeyStore::with_timeout(DEFAULT_TIMEOUT)
        }

        /// The system keychain, giving up on each call after `timeout`.
        pub fn with_timeout(timeout: Duration) -> SystemKeyStore {
            SystemKeyStore { timeout }
        }

        fn run<T: Send + 'static>(
            &self,
            entry: &str,
            op: impl FnOnce(Entry) -> Result<T, StoreError> + Send + 'static,
        ) -> Result<T, StoreError> {
            if !session_bus_configured() {
                return Err(StoreError::Unavailable(
                    "there is no D-Bus session bus ($DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service".into(),
                ));
            }
            let entry = entry.to_owned();
            let (tx, rx) = mpsc::sync_channel(1);
            std::thread::Builder::new()
                .name("keychain".into())
                .spawn(move || {
                    let result = SsCredential::new_with_target(None, SERVICE, &entry)
                        .map_err(backend)
                        .and_then(|cred| op(Entry::new_with_credential(Box::new(cred))));
                    let _ = tx.send(result);
                })
                .map_err(|e| StoreError::Unavailable(format!("cannot start a thread: {e}")))?;
            // On a timeout the thread is left waiting; it ends with the process or the keychain.
            rx.recv_timeout(self.timeout).map_err(|e| match e {
                mpsc::RecvTimeoutError::Timeout => StoreError::TimedOut(self.timeout),
                mpsc::RecvTimeoutError::Disconnected => StoreError::Unavailable("the keychain call failed".into()),
            })?
        }
    }

    /// libdbus finds the session bus in `$DBUS_SESSION_BUS_ADDRESS`, else at
    /// `$XDG_RUNTIME_DIR/bus`; with neither there is nothing to ask.
    fn session_bus_configured() -> bool {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
            || std::env::var_os("XDG_RUNTIME_DIR")
                .filter(|d| !d.is_empty())
                .is_some_and(|d| std::path::Path::new(&d).join("bus").exists())
    }

    fn backend(e: keyring::Error) -> StoreError {
        StoreError::Unavailable(match e {
            keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
                format!("the Secret Service failed: {inner}")
            }
            keyring::Error::Ambiguous(items) => {
                format!("{} keychain entries match this vault; remove them", items.len())
            }
            other => other.to_string(),
        })
    }

    impl KeyStore for SystemKeyStore {
        fn get(&self, entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
            self.run(entry, |e| match e.get_secret() {
                Ok(secret) => Ok(Some(Zeroizing::new(secret))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(err) => Err(backend(err)),
            })
        }

        fn set(&self, entry: &str, secret: &[u8]) -> Result<(), StoreError> {
            let secret = Zeroizing::new(secret.to_vec());
            self.run(entry, move |e| e.set_secret(&secret).map_err(backend))
        }

        fn delete(&self, entry: &str) -> Result<bool, StoreError> {
            self.run(entry, |e| match e.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(err) => Err(backend(err)),
            })
        }
    }
}

#[cfg(not(all(feature = "system-keychain", target_os = "linux")))]
mod system {
    use zeroize::Zeroizing;

    use super::{KeyStore, StoreError};

    /// The OS keychain. This build has none (the Secret Service is supported on Linux with the
    /// `system-keychain` feature): every call reports it unavailable.
    #[derive(Clone, Debug, Default)]
    pub struct SystemKeyStore;

    impl SystemKeyStore {
        /// The (absent) system keychain.
        pub fn new() -> SystemKeyStore {
            SystemKeyStore
        }

        /// The (absent) system keychain; the timeout is irrelevant.
        pub fn with_timeout(_timeout: std::time::Duration) -> SystemKeyStore {
            SystemKeyStore
        }

        fn error() -> StoreError {
            StoreError::Unavailable("this build has no system keychain support".into())
        }
    }

    impl KeyStore for SystemKeyStore {
        fn get(&self, _entry: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
            Err(SystemKeyStore::error())
        }

        fn set(&self, _entry: &str, _secret: &[u8]) -> Result<(), StoreError> {
            Err(SystemKeyStore::error())
        }

        fn delete(&self, _entry: &str) -> Result<bool, StoreError> {
            Err(SystemKeyStore::error())
        }
    }
}
