//! The encrypted vault: one file holding every account, sealed with a master password.
//!
//! * Format: `docs/vault-format.md` and [`FORMAT_VERSION`]. A random 256-bit master key encrypts
//!   the content (AES-256-GCM, the whole header bound as associated data); the master key is
//!   stored wrapped in key slots: one password slot (Argon2id) and, when keychain unlock is on,
//!   a keychain slot (a random key kept in the OS keychain, see [`keychain`]). A trailing unkeyed
//!   SHA-256 tells a damaged file from a wrong password.
//! * Files: saves are atomic (temporary file, fsync, rename, fsync of the folder) and keep the
//!   previous version as [`Vault::backup_path`]; the file is 0600 and a folder we create 0700.
//! * Concurrency: an advisory lock on `NAME.lock`. [`Vault::open`] takes a snapshot without
//!   locking (saves are atomic, so a reader never sees half a file).
//!   [`Vault::open_for_update`] takes the lock *before* reading and holds it until the vault is
//!   dropped, so a read-modify-save cycle can never lose another process's update; a second
//!   process waits up to [`LOCK_WAIT`] (10 s), then gets [`VaultError::Locked`].
//!   [`Vault::save`] on a snapshot takes the lock for the duration of the save and refuses with
//!   [`VaultError::ChangedOnDisk`] if the file is no longer the one it loaded.
//!
//! ```no_run
//! # use smartpush_core::{vault::{Vault, KdfParams}, SecretString, AccountDraft};
//! # fn main() -> Result<(), smartpush_core::vault::VaultError> {
//! let path = std::path::Path::new("/tmp/example.spavault");
//! let password = SecretString::new("correct horse battery staple");
//! Vault::create(path, &password, KdfParams::DEFAULT)?;
//! let mut vault = Vault::open_for_update(path, &password)?;
//! vault.data_mut().add(AccountDraft { issuer: "SmartPush".into(), ..Default::default() }, 1_700_000_000);
//! vault.save()?;
//! # Ok(()) }
//! ```

pub mod backups;
mod content;
mod format;
mod kdf;
pub mod keychain;
mod restore;
mod store;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod test_support;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::account::{Account, AccountDraft, AccountId, SecretString};
pub(crate) use format::Parsed;
use format::{CHECKSUM_LEN, Header, NONCE_LEN, PasswordSlot, SALT_LEN, Slot, TAG_LEN, WRAPPED_LEN, damaged};
use kdf::KEY_LEN;

pub use content::CONTENT_VERSION;
pub use format::FORMAT_VERSION;
pub use kdf::{KdfParams, MAX_FILE_WORK};
pub use restore::{check_file, restore_backup};
pub use store::LOCK_WAIT;

/// The most password slots a file may hold. Their work together is bounded by
/// [`MAX_FILE_WORK`]; this bounds the number of derivations (each at least the floor).
pub const MAX_PASSWORD_SLOTS: usize = 4;

/// Environment variable naming the vault file, honoured by the CLI and the desktop app alike.
pub const VAULT_ENV: &str = "SMARTPUSH_AUTH_VAULT";

/// File name of the default vault inside `<data dir>/smartpush-auth/`.
pub const DEFAULT_FILE_NAME: &str = "vault.spv";

/// Where the vault lives unless the user says otherwise: `<data dir>/smartpush-auth/vault.spv`
/// (`~/.local/share/…` on Linux). `None` when the platform has no data directory.
pub fn default_path() -> Option<std::path::PathBuf> {
    dirs::data_dir().map(|d| d.join("smartpush-auth").join(DEFAULT_FILE_NAME))
}

/// The vault path the user chose: `explicit` (a `--vault` flag), else `$SMARTPUSH_AUTH_VAULT`,
/// else [`default_path`].
pub fn resolve_path(explicit: Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    explicit
        .or_else(|| std::env::var_os(VAULT_ENV).filter(|v| !v.is_empty()).map(Into::into))
        .or_else(default_path)
}

/// Everything that can go wrong with a vault. Messages are written for a person and never
/// contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The password does not unlock any password slot.
    #[error("wrong password")]
    WrongPassword,
    /// The file fails its checksum or is malformed: it was damaged (or truncated) on disk.
    #[error(
        "the vault file is damaged ({reason}); {}",
        match backup {
            Some(b) => format!("restore the backup {}", b.display()),
            None => "no backup of it was found".to_owned(),
        }
    )]
    Damaged {
        /// What is wrong, e.g. "the checksum does not match".
        reason: &'static str,
        /// The previous version kept beside the vault, when it exists.
        backup: Option<PathBuf>,
    },
    /// The file was written by a newer build with a file format this one does not know.
    #[error(
        "this vault was written by a newer version of SmartPush Authenticator (format {found}, this build reads up to {supported}); update the app"
    )]
    NewerVersion {
        /// The file's format version.
        found: u16,
        /// [`FORMAT_VERSION`].
        supported: u16,
    },
    /// The decrypted content uses a schema from a newer build.
    #[error(
        "this vault was written by a newer version of SmartPush Authenticator (content schema {found}, this build reads up to {supported}); update the app"
    )]
    NewerContent {
        /// The content's schema version.
        found: u32,
        /// [`CONTENT_VERSION`].
        supported: u32,
    },
    /// The file does not start with the vault magic bytes.
    #[error("not a SmartPush Authenticator vault")]
    NotAVault,
    /// The vault has no password slot (only slots of kinds this build cannot use).
    #[error("this vault has no password slot, so a password cannot unlock it")]
    NoPasswordSlot,
    /// `create` found a file already there.
    #[error("a vault already exists at {}; refusing to overwrite it", .0.display())]
    AlreadyExists(PathBuf),
    /// `create` found no vault but the backup of an earlier one: creating a new vault would
    /// replace that backup at its first save.
    #[error(
        "there is no vault at {vault}, but the backup of an earlier one is at {backup}: restore it (rename it to {vault}), or move it away before creating a new vault",
        vault = .vault.display(), backup = .backup.display()
    )]
    BackupExists {
        /// Where the vault was to be created.
        vault: PathBuf,
        /// The earlier vault's backup.
        backup: PathBuf,
    },
    /// No vault at that path.
    #[error("no vault at {}", .0.display())]
    NotFound(PathBuf),
    /// [`restore_backup`] found no usable backup to put back.
    #[error("the backup {} cannot be restored: {reason}", .backup.display())]
    BackupUnusable {
        /// Where the backup was looked for.
        backup: PathBuf,
        /// Why it cannot be used (missing, not a vault, damaged…).
        reason: String,
    },
    /// Another process held the vault's lock for longer than the wait.
    #[error("the vault {} is in use by another SmartPush Authenticator process; try again when it has finished", .0.display())]
    Locked(PathBuf),
    /// The vault file was saved by someone else since this copy was loaded; nothing was written.
    #[error(
        "the vault was changed by another process since it was opened; nothing was saved: open it again and redo the change"
    )]
    ChangedOnDisk,
    /// A key-derivation setting (from a caller or a file) is outside the accepted range.
    #[error("key-derivation setting {param} = {value} is outside the accepted range {min}..={max}")]
    KdfOutOfRange {
        /// `memory (KiB)`, `iterations` or `parallelism`.
        param: &'static str,
        /// The value asked for.
        value: u32,
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
    /// The password slots of a file together ask for more key derivation than one slot at the
    /// strongest setting ([`KdfParams::MAXIMUM`]); refused before any derivation.
    #[error(
        "the vault's password slots together ask for {asked_mib_passes} MiB × passes of key derivation, more than the {max_mib_passes} of the strongest setting a vault is created with"
    )]
    KdfWorkTooHigh {
        /// The sum over the password slots of memory (MiB) × passes.
        asked_mib_passes: u64,
        /// [`MAX_FILE_WORK`] in the same unit.
        max_mib_passes: u64,
    },
    /// An empty master password was given to `create` or `change_password`.
    #[error("the master password must not be empty")]
    EmptyPassword,
    /// Argon2 failed (in practice: not enough memory for the chosen setting).
    #[error("key derivation failed: {reason}")]
    Kdf {
        /// Argon2's error.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {reason}")]
    Random {
        /// The system's error.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

/// The decrypted content of a vault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VaultData {
    /// The accounts, in the order they were added.
    pub accounts: Vec<Account>,
    /// App settings stored with the accounts (free-form; kept across saves, never secret).
    pub settings: Map<String, Value>,
}

impl VaultData {
    /// Adds an account under a new random id (8 lower-case hex digits, unique in this vault).
    pub fn add(&mut self, draft: AccountDraft, now: i64) -> AccountId {
        let id = self.new_id();
        self.accounts.push(Account::from_draft(id.clone(), draft, now));
        id
    }

    fn new_id(&self) -> AccountId {
        let mut attempt: u32 = 0;
        loop {
            let mut b = [0u8; 4];
            let n = match random_bytes(&mut b) {
                Ok(()) => u32::from_le_bytes(b),
                // Ids need not be secret, only unique: without a system RNG, walk a bijection
                // of the attempt number until a free id turns up.
                Err(_) => attempt
                    .wrapping_mul(0x9E37_79B1)
                    .wrapping_add(self.accounts.len() as u32),
            };
            let id = format!("{n:08x}");
            if self.get(&id).is_none() {
                return AccountId(id);
            }
            attempt = attempt.wrapping_add(1);
        }
    }

    /// The account with this id (ignoring case and surrounding spaces, as [`VaultData::find`]).
    pub fn get(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| same_id(&a.id, id))
    }

    /// The account with this id, to change it.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| same_id(&a.id, id))
    }

    /// Removes and returns the account with this id.
    pub fn remove(&mut self, id: &str) -> Option<Account> {
        let index = self.accounts.iter().position(|a| same_id(&a.id, id))?;
        Some(self.accounts.remove(index))
    }

    /// Accounts matching a query: the one whose id is the query (ignoring case) if there is
    /// one; otherwise every account whose issuer or name contains the query, ignoring case
    /// (an empty query matches every account).
    pub fn find(&self, query: &str) -> Vec<&Account> {
        let query = query.trim();
        if let Some(account) = self.accounts.iter().find(|a| same_id(&a.id, query)) {
            return vec![account];
        }
        let query = query.to_lowercase();
        self.accounts
            .iter()
            .filter(|a| a.issuer.to_lowercase().contains(&query) || a.name.to_lowercase().contains(&query))
            .collect()
    }

    /// An account with the same issuer, name and secret as `draft` (see [`Account::same_as`]).
    pub fn find_duplicate(&self, draft: &AccountDraft) -> Option<&Account> {
        self.accounts.iter().find(|a| a.same_as(draft))
    }
}

/// An unlocked vault: its content, its master key and where it lives.
pub struct Vault {
    /// The path the caller gave.
    path: PathBuf,
    /// The file all I/O goes to: `path` with symlinks resolved, so saving through a symlink
    /// replaces its target rather than the link.
    file: PathBuf,
    data: VaultData,
    master_key: Zeroizing<[u8; KEY_LEN]>,
    header: Header,
    /// Index in `header.slots` of the slot that unlocked the vault.
    slot: usize,
    /// The settings of the password slot (the first one, when the keychain unlocked the vault).
    kdf: KdfParams,
    /// The trailing SHA-256 of the file as last read or written: identifies that exact file.
    fingerprint: [u8; CHECKSUM_LEN],
    lock: Option<store::LockGuard>,
    /// Where [`Vault::save`] puts a copy of each version it writes, if anywhere.
    auto_backup: Option<backups::BackupPolicy>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("file", &self.file)
            .field("accounts", &self.data.accounts.len())
            .field("kdf", &self.kdf)
            .field("locked", &self.lock.is_some())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates a new, empty vault at `path`, creating its folder (mode 0700) if needed.
    ///
    /// # Errors
    /// `AlreadyExists` if anything is at `path` (never overwrites), `BackupExists` if the
    /// backup of an earlier vault is beside it (its first save would replace that backup),
    /// `EmptyPassword`, `KdfOutOfRange`, `Locked`, `Io`.
    pub fn create(path: &Path, password: &SecretString, kdf: KdfParams) -> Result<Vault, VaultError> {
        check_password(password)?;
        kdf.validate()?;
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(VaultError::AlreadyExists(path.to_path_buf()));
        }
        let backup = Vault::backup_path(path);
        if std::fs::symlink_metadata(&backup).is_ok() {
            return Err(VaultError::BackupExists {
                vault: path.to_path_buf(),
                backup,
            });
        }
        store::create_parent(path)?;
        let _lock = store::lock(path, LOCK_WAIT)?;
        let mut master_key = Zeroizing::new([0u8; KEY_LEN]);
        random_bytes(master_key.as_mut_slice())?;
        let slot = new_password_slot(password, kdf, &master_key, random_array()?, random_array()?)?;
        let header = Header {
            slots: vec![Slot::Password(slot)],
        };
        let data = VaultData::default();
        let bytes = encode(&header, &master_key, random_array()?, &data);
        store::write_new(path, &bytes)?;
        Ok(Vault {
            path: path.to_path_buf(),
            file: path.to_path_buf(),
            data,
            master_key,
            header,
            slot: 0,
            kdf,
            fingerprint: trailer(&bytes),
            auto_backup: None,
            lock: None,
        })
    }

    /// Opens and decrypts the vault as a snapshot, without taking its lock.
    ///
    /// # Errors
    /// `NotFound`, `NotAVault`, `Damaged`, `NewerVersion`, `NewerContent`, `KdfOutOfRange`,
    /// `WrongPassword`, `NoPasswordSlot`, `Io`.
    pub fn open(path: &Path, password: &SecretString) -> Result<Vault, VaultError> {
        Vault::load(path, store::resolve(path)?, password, None)
    }

    /// Takes the vault's exclusive lock (waiting up to [`LOCK_WAIT`]), then opens it; the lock
    /// is held until the `Vault` is dropped. Use it for every read-modify-save cycle.
    ///
    /// # Errors
    /// As [`Vault::open`], and `Locked` when another process keeps the lock past the wait.
    pub fn open_for_update(path: &Path, password: &SecretString) -> Result<Vault, VaultError> {
        Vault::open_for_update_with_wait(path, password, LOCK_WAIT)
    }

    /// [`Vault::open_for_update`] with a chosen wait for the lock (zero: fail at once).
    ///
    /// # Errors
    /// As [`Vault::open_for_update`].
    pub fn open_for_update_with_wait(
        path: &Path,
        password: &SecretString,
        wait: Duration,
    ) -> Result<Vault, VaultError> {
        let (file, lock) = Vault::lock_existing(path, wait)?;
        Vault::load(path, file, password, Some(lock))
    }

    /// Resolves `path` and takes its lock, refusing a missing vault before creating a lock file.
    fn lock_existing(path: &Path, wait: Duration) -> Result<(PathBuf, store::LockGuard), VaultError> {
        // Check first, so a missing vault does not leave a lock file behind.
        if let Err(e) = std::fs::metadata(path) {
            return Err(match e.kind() {
                io::ErrorKind::NotFound => VaultError::NotFound(path.to_path_buf()),
                _ => VaultError::Io {
                    path: path.to_path_buf(),
                    source: e,
                },
            });
        }
        let file = store::resolve(path)?;
        let lock = store::lock(&file, wait)?;
        Ok((file, lock))
    }

    fn load(
        path: &Path,
        file: PathBuf,
        password: &SecretString,
        lock: Option<store::LockGuard>,
    ) -> Result<Vault, VaultError> {
        Vault::load_with(path, file, lock, |bytes| {
            unlock(bytes, password, &mut |pw, salt, params| {
                kdf::derive_key(pw, salt, params)
            })
        })
    }

    /// Reads the file and unlocks it with `unlock` (a password or a keychain key).
    fn load_with<E: From<VaultError> + WithBackup>(
        path: &Path,
        file: PathBuf,
        lock: Option<store::LockGuard>,
        unlock: impl FnOnce(&[u8]) -> Result<Unlocked, E>,
    ) -> Result<Vault, E> {
        let bytes = store::read(&file)?;
        let unlocked = unlock(&bytes).map_err(|e| e.with_backup(&file))?;
        Ok(Vault {
            path: path.to_path_buf(),
            file,
            data: unlocked.data,
            master_key: unlocked.master_key,
            header: unlocked.header,
            slot: unlocked.slot,
            kdf: unlocked.kdf,
            fingerprint: unlocked.fingerprint,
            lock,
            auto_backup: None,
        })
    }

    /// The decrypted content.
    pub fn data(&self) -> &VaultData {
        &self.data
    }

    /// The decrypted content, to change it; nothing is written until [`Vault::save`].
    pub fn data_mut(&mut self) -> &mut VaultData {
        &mut self.data
    }

    /// Writes the content atomically, keeping the previous file as [`Vault::backup_path`].
    ///
    /// Without the lock (a vault from [`Vault::open`]), takes it for the save and refuses with
    /// `ChangedOnDisk` if the file is not the one loaded. With the lock, checks the same (it
    /// catches a writer that ignores the lock).
    ///
    /// # Errors
    /// `ChangedOnDisk`, `Locked`, `Random`, `Io`. On error the vault file is either unchanged
    /// or, when only the final folder `fsync` failed, already the new version (the `Vault`
    /// then knows the file as its own, so a retry works).
    pub fn save(&mut self) -> Result<(), VaultError> {
        let _temporary_lock = match self.lock {
            Some(_) => None,
            None => Some(store::lock(&self.file, LOCK_WAIT)?),
        };
        if !self.is_unchanged_on_disk()? {
            return Err(VaultError::ChangedOnDisk);
        }
        let bytes = encode(&self.header, &self.master_key, random_array()?, &self.data);
        let written = trailer(&bytes);
        let result = store::replace(&self.file, &bytes);
        // If the rename happened but a later step failed, the file is ours: remember it.
        if result.is_ok() || store::read(&self.file).is_ok_and(|now| now.ends_with(&written)) {
            self.fingerprint = written;
        }
        result?;
        if let Some(policy) = &self.auto_backup {
            backups::write(policy, &self.file, &bytes, unix_now())?;
        }
        Ok(())
    }

    /// The automatic-backup policy in force (see [`Vault::set_auto_backup`]).
    pub fn auto_backup(&self) -> Option<&backups::BackupPolicy> {
        self.auto_backup.as_ref()
    }

    /// This vault's own folder inside the backup folder ([`backups::vault_dir`]), where its
    /// automatic backups go; `None` when automatic backups are off.
    pub fn backup_dir(&self) -> Option<PathBuf> {
        self.auto_backup.as_ref().map(|p| p.vault_dir(&self.file))
    }

    /// Writes an automatic backup of the vault file as it is on disk now, whatever the policy
    /// says about saves; returns its path.
    ///
    /// # Errors
    /// `Io` (also when no backup policy is set: nothing to write into), and those of reading the
    /// vault file.
    pub fn back_up_now(&self) -> Result<PathBuf, VaultError> {
        let Some(policy) = &self.auto_backup else {
            return Err(VaultError::Io {
                path: self.file.clone(),
                source: io::Error::other("automatic backups are off"),
            });
        };
        let bytes = store::read(&self.file)?;
        backups::write(policy, &self.file, &bytes, unix_now())
    }

    /// After each successful [`Vault::save`], also write a copy of the new file into this
    /// vault's folder in `policy.dir` ([`Vault::backup_dir`]), keeping its newest `policy.keep`
    /// (see [`backups`]); `None` turns it off (the default). A failed backup makes `save` return
    /// its error although the vault itself was saved.
    pub fn set_auto_backup(&mut self, policy: Option<backups::BackupPolicy>) {
        self.auto_backup = policy;
    }

    fn is_unchanged_on_disk(&self) -> Result<bool, VaultError> {
        match store::read(&self.file) {
            Ok(current) => Ok(current.len() >= CHECKSUM_LEN && {
                let (body, tail) = current.split_at(current.len() - CHECKSUM_LEN);
                tail == self.fingerprint && format::sha256(body) == self.fingerprint
            }),
            Err(VaultError::NotFound(_)) | Err(VaultError::NotAVault) | Err(VaultError::Damaged { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sets a new master password (and optionally new KDF settings), then saves.
    ///
    /// The master key is replaced too, and the whole content re-encrypted under it: otherwise
    /// anyone holding the old password and any old copy of the file (a backup, a sync
    /// history) could unwrap the unchanged master key and read every later version. Slots
    /// other than the password slot are dropped, since they wrap the old key (the keychain
    /// slot is re-created by enabling keychain unlock again). The file is written twice, so
    /// that `NAME.bak` holds the re-encrypted content rather than the one the old password opens.
    ///
    /// # Errors
    /// `EmptyPassword`, `KdfOutOfRange`, `Random`, and those of [`Vault::save`]. When the first
    /// write did not happen, nothing changed; once it did, the new password is in force even if
    /// the second write (which refreshes the backup) fails.
    pub fn change_password(&mut self, new_password: &SecretString, kdf: Option<KdfParams>) -> Result<(), VaultError> {
        check_password(new_password)?;
        let params = kdf.unwrap_or(self.kdf);
        params.validate()?;
        // Backups of the old flat layout that carry this vault's slot move into its folder
        // first, so the re-keying below finds them; other vaults' backups are never touched.
        if let (Some(policy), Some(Slot::Password(slot))) = (
            &self.auto_backup,
            self.header.slots.iter().find(|s| matches!(s, Slot::Password(_))),
        ) {
            backups::adopt(policy, &self.file, slot)?;
        }
        let mut master_key = Zeroizing::new([0u8; KEY_LEN]);
        random_bytes(master_key.as_mut_slice())?;
        let slot = new_password_slot(new_password, params, &master_key, random_array()?, random_array()?)?;
        let old_header = std::mem::replace(
            &mut self.header,
            Header {
                slots: vec![Slot::Password(slot)],
            },
        );
        let old_key = std::mem::replace(&mut self.master_key, master_key);
        let (old_slot, old_kdf, old_fingerprint) = (self.slot, self.kdf, self.fingerprint);
        self.slot = 0;
        self.kdf = params;
        // The two saves below write no automatic backup: the existing ones are re-keyed first,
        // then one backup of the new file is written.
        let policy = self.auto_backup.take();
        let result = self.save();
        if let Err(e) = result {
            if self.fingerprint == old_fingerprint {
                // Nothing was written: keep using the old password and key.
                self.header = old_header;
                self.master_key = old_key;
                self.slot = old_slot;
                self.kdf = old_kdf;
            }
            self.auto_backup = policy;
            return Err(e);
        }
        let result = self.save().and_then(|()| match &policy {
            Some(policy) => self.rekey_backups(policy, &old_key),
            None => Ok(()),
        });
        self.auto_backup = policy;
        result?;
        if let Some(policy) = &self.auto_backup {
            let bytes = store::read(&self.file)?;
            backups::write(policy, &self.file, &bytes, unix_now())?;
        }
        Ok(())
    }

    /// Re-encrypts every automatic backup in this vault's own folder ([`Vault::backup_dir`])
    /// that `old_key` opens under this vault's (new) header and master key, one file at a time
    /// (temporary file, then rename: each file is whole under the old key or the new one,
    /// whatever happens); a backup of that folder that `old_key` does not open (it predates an
    /// earlier password change, or is damaged) is removed, since it may still open with an older
    /// password. Other vaults' folders and the old flat layout are never read here.
    fn rekey_backups(&self, policy: &backups::BackupPolicy, old_key: &[u8; KEY_LEN]) -> Result<(), VaultError> {
        for backup in backups::list(&policy.vault_dir(&self.file))? {
            let data = store::read(&backup.path).and_then(|bytes| decrypt_with_key(&bytes, old_key));
            match data {
                Ok(data) => {
                    let bytes = encode(&self.header, &self.master_key, random_array()?, &data);
                    backups::replace(&backup.path, &bytes)?;
                }
                // Removed by a concurrent prune.
                Err(VaultError::NotFound(_)) => {}
                Err(e @ VaultError::Io { .. }) => return Err(e),
                Err(_) => match std::fs::remove_file(&backup.path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(VaultError::Io {
                            path: backup.path,
                            source: e,
                        });
                    }
                    _ => {}
                },
            }
        }
        Ok(())
    }

    /// The KDF settings of the password slot.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// The vault file, as given to `create` or `open` (when it is a symlink, reads and saves go
    /// to its target, and the backup and lock files sit beside the target).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous version of the vault at `path` is kept: `NAME.bak` beside it.
    pub fn backup_path(path: &Path) -> PathBuf {
        store::backup_path(path)
    }
}

/// Makes `bytes` (a whole vault file, e.g. an automatic backup) the vault at `path`: checked to
/// be a complete vault file first, then written under the vault's lock, atomically, the
/// current file (if any) kept as [`Vault::backup_path`]. Opening it needs the password the
/// file was written with.
///
/// # Errors
/// `NotAVault`, `Damaged` or `NewerVersion` when `bytes` is not a vault this build reads (the
/// vault is left alone); `Locked`, `Io`.
pub fn restore(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    format::parse(bytes)?;
    store::create_parent(path)?;
    let file = match store::resolve(path) {
        Ok(file) => file,
        Err(VaultError::NotFound(_)) => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let _lock = store::lock(&file, LOCK_WAIT)?;
    if file.exists() {
        store::replace(&file, bytes)
    } else {
        store::write_new(&file, bytes)
    }
}

/// Now, in unix seconds (0 before 1970).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Decrypts a vault file with its master key directly (no password): how backups written
/// under the key being replaced are read during a password change.
fn decrypt_with_key(bytes: &[u8], key: &[u8; KEY_LEN]) -> Result<VaultData, VaultError> {
    let parsed = format::parse(bytes)?;
    let mut plaintext = Zeroizing::new(parsed.ciphertext.to_vec());
    if !open_sealed(
        key,
        &parsed.payload_nonce,
        parsed.aad,
        plaintext.as_mut_slice(),
        &parsed.tag,
    ) {
        return Err(VaultError::WrongPassword);
    }
    content::decode(&plaintext)
}

/// Ids are shown in lower case; people may type them in any case.
fn same_id(id: &AccountId, typed: &str) -> bool {
    id.0.eq_ignore_ascii_case(typed.trim())
}

fn check_password(password: &SecretString) -> Result<(), VaultError> {
    if password.expose().is_empty() {
        return Err(VaultError::EmptyPassword);
    }
    Ok(())
}

/// Errors that may carry a `Damaged` error, to which the backup path is added.
trait WithBackup {
    /// The error with the backup of the vault at `path` named when it is damaged.
    fn with_backup(self, path: &Path) -> Self;
}

impl WithBackup for VaultError {
    fn with_backup(self, path: &Path) -> VaultError {
        match self {
            VaultError::Damaged { reason, backup: None } => {
                let backup = Vault::backup_path(path);
                VaultError::Damaged {
                    reason,
                    backup: backup.is_file().then_some(backup),
                }
            }
            e => e,
        }
    }
}

/// Fills `buf` from the operating system's RNG.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(buf).map_err(|e| VaultError::Random { reason: e.to_string() })
}

fn random_array<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    random_bytes(&mut out)?;
    Ok(out)
}

fn trailer(bytes: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&bytes[bytes.len() - CHECKSUM_LEN..]);
    out
}

fn cipher(key: &[u8; KEY_LEN]) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(key).expect("an AES-256 key is 32 bytes")
}

/// AES-256-GCM encrypts `buf` in place and returns the tag.
fn seal(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
    let tag = cipher(key)
        .encrypt_inout_detached(&Nonce::<Aes256Gcm>::from(*nonce), aad, buf.into())
        .expect("vault payloads are far below AES-GCM's length limit");
    tag.into()
}

/// AES-256-GCM decrypts `buf` in place; `false` (and `buf` unspecified) when the tag is wrong.
fn open_sealed(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8], tag: &[u8; TAG_LEN]) -> bool {
    cipher(key)
        .decrypt_inout_detached(
            &Nonce::<Aes256Gcm>::from(*nonce),
            aad,
            buf.into(),
            &Tag::<Aes256Gcm>::from(*tag),
        )
        .is_ok()
}

/// A password slot wrapping `master_key` under Argon2id(password, salt).
fn new_password_slot(
    password: &SecretString,
    params: KdfParams,
    master_key: &[u8; KEY_LEN],
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
) -> Result<PasswordSlot, VaultError> {
    let kek = kdf::derive_key(password.expose().as_bytes(), &salt, params)?;
    let mut slot = PasswordSlot {
        params,
        salt,
        nonce,
        wrapped: [0u8; WRAPPED_LEN],
    };
    slot.wrapped = wrap_key(&kek, &nonce, &slot.wrap_aad(), master_key);
    Ok(slot)
}

/// The master key from a password slot, or `None` when the key-encryption key is wrong.
fn unwrap_slot(slot: &PasswordSlot, kek: &[u8; KEY_LEN]) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    unwrap_key(kek, &slot.nonce, &slot.wrap_aad(), &slot.wrapped)
}

/// AES-256-GCM-wraps `master_key` under `kek`: 32 bytes of ciphertext, then the tag.
fn wrap_key(kek: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], aad: &[u8], master_key: &[u8; KEY_LEN]) -> [u8; WRAPPED_LEN] {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(master_key);
    let tag = seal(kek, nonce, aad, key.as_mut_slice());
    let mut wrapped = [0u8; WRAPPED_LEN];
    wrapped[..KEY_LEN].copy_from_slice(key.as_slice());
    wrapped[KEY_LEN..].copy_from_slice(&tag);
    wrapped
}

/// The key [`wrap_key`] wrapped, or `None` when `kek` (or the associated data) is wrong.
fn unwrap_key(
    kek: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    wrapped: &[u8; WRAPPED_LEN],
) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&wrapped[..KEY_LEN]);
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&wrapped[KEY_LEN..]);
    open_sealed(kek, nonce, aad, key.as_mut_slice(), &tag).then_some(key)
}

/// A complete vault file: prefix and header, payload nonce, encrypted content and tag, checksum.
fn encode(header: &Header, master_key: &[u8; KEY_LEN], payload_nonce: [u8; NONCE_LEN], data: &VaultData) -> Vec<u8> {
    let prefix = format::encode_prefix(header);
    let plaintext = content::encode(data);
    let mut out = Vec::with_capacity(prefix.len() + NONCE_LEN + plaintext.len() + TAG_LEN + CHECKSUM_LEN);
    out.extend_from_slice(&prefix);
    out.extend_from_slice(&payload_nonce);
    let start = out.len();
    out.extend_from_slice(&plaintext);
    let (head, body) = out.split_at_mut(start);
    let tag = seal(master_key, &payload_nonce, &head[..prefix.len()], body);
    out.extend_from_slice(&tag);
    let checksum = format::sha256(&out);
    out.extend_from_slice(&checksum);
    out
}

/// What unlocking a file yields.
struct Unlocked {
    data: VaultData,
    master_key: Zeroizing<[u8; KEY_LEN]>,
    header: Header,
    slot: usize,
    kdf: KdfParams,
    fingerprint: [u8; CHECKSUM_LEN],
}

/// The key derivation used by [`unlock`]: (password, salt, settings) → key-encryption key.
type DeriveFn<'a> = dyn FnMut(&[u8], &[u8; SALT_LEN], KdfParams) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> + 'a;

/// Parses, unwraps the master key with the password and decrypts a vault file.
fn unlock(bytes: &[u8], password: &SecretString, derive: &mut DeriveFn<'_>) -> Result<Unlocked, VaultError> {
    // `parse` has refused settings out of range and slots that together ask for more than
    // `MAX_FILE_WORK`, so the loop below never derives more than one slot at the cap would.
    let parsed = format::parse(bytes)?;
    let password_slots = parsed
        .header
        .slots
        .iter()
        .filter(|s| matches!(s, Slot::Password(_)))
        .count();
    if password_slots > MAX_PASSWORD_SLOTS {
        return Err(damaged("more password slots than any version writes"));
    }
    let mut found = None;
    let mut any_password_slot = false;
    for (index, slot) in parsed.header.slots.iter().enumerate() {
        let Slot::Password(slot) = slot else { continue };
        any_password_slot = true;
        let kek = derive(password.expose().as_bytes(), &slot.salt, slot.params)?;
        if let Some(key) = unwrap_slot(slot, &kek) {
            found = Some((index, slot.params, key));
            break;
        }
    }
    let Some((slot, kdf, master_key)) = found else {
        return Err(if any_password_slot {
            VaultError::WrongPassword
        } else {
            VaultError::NoPasswordSlot
        });
    };
    decrypt(parsed, master_key, slot, kdf)
}

/// Decrypts the content of a parsed file with its master key (from the slot at `slot`).
fn decrypt(
    parsed: Parsed<'_>,
    master_key: Zeroizing<[u8; KEY_LEN]>,
    slot: usize,
    kdf: KdfParams,
) -> Result<Unlocked, VaultError> {
    let mut plaintext = Zeroizing::new(parsed.ciphertext.to_vec());
    if !open_sealed(
        &master_key,
        &parsed.payload_nonce,
        parsed.aad,
        plaintext.as_mut_slice(),
        &parsed.tag,
    ) {
        // The checksum was good, so this is not accidental damage: the content was altered
        // by someone who recomputed the checksum.
        return Err(damaged("the contents fail authentication"));
    }
    let data = content::decode(&plaintext)?;
    Ok(Unlocked {
        data,
        master_key,
        header: parsed.header,
        slot,
        kdf,
        fingerprint: parsed.checksum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review finding: with an unchanged master key, the old password plus any old copy of the
    /// file unwrapped the key that decrypts every later version.
    #[test]
    fn changing_the_password_draws_a_new_master_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.spv");
        let mut vault = Vault::create(&path, &SecretString::new("old"), KdfParams::MINIMUM).expect("create");
        let old_key = vault.master_key.clone();
        vault.change_password(&SecretString::new("new"), None).expect("change");
        assert_ne!(*vault.master_key, *old_key);
        assert_eq!(vault.header.slots.len(), 1);
        let reopened = Vault::open(&path, &SecretString::new("new")).expect("open");
        assert_eq!(*reopened.master_key, *vault.master_key);
    }

    fn opens(path: &Path, password: &str) -> bool {
        match Vault::open(path, &SecretString::new(password)) {
            Ok(_) => true,
            Err(VaultError::WrongPassword) => false,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }

    /// A vault with `saves` automatic backups under the password "old".
    fn vault_with_backups(dir: &Path, saves: usize) -> (Vault, backups::BackupPolicy) {
        let path = dir.join("v.spv");
        let mut vault = Vault::create(&path, &SecretString::new("old"), KdfParams::MINIMUM).expect("create");
        let policy = backups::BackupPolicy {
            dir: dir.join("backups"),
            keep: 10,
        };
        vault.set_auto_backup(Some(policy.clone()));
        for i in 0..saves {
            vault.data_mut().add(
                AccountDraft {
                    issuer: format!("Service {i}"),
                    ..Default::default()
                },
                1_700_000_000,
            );
            vault.save().expect("save");
        }
        (vault, policy)
    }

    /// Issue #6: backups written before a password change opened with the old password.
    #[test]
    fn a_password_change_rekeys_every_backup_and_removes_unreadable_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut vault, policy) = vault_with_backups(dir.path(), 3);
        let mine = vault.backup_dir().expect("backups on");
        // A backup in this vault's folder from before an earlier password change (another
        // key): it must go.
        let ancient = dir.path().join("ancient.spv");
        Vault::create(&ancient, &SecretString::new("older"), KdfParams::MINIMUM).expect("create");
        let ancient_backup = mine.join("vault-00000000001-0.spv");
        std::fs::copy(&ancient, &ancient_backup).expect("copy");
        let before: Vec<VaultData> = backups::list(&mine)
            .expect("list")
            .iter()
            .filter(|b| b.path != ancient_backup)
            .map(|b| {
                Vault::open(&b.path, &SecretString::new("old"))
                    .expect("old")
                    .data()
                    .clone()
            })
            .collect();
        assert_eq!(before.len(), 3);

        vault.change_password(&SecretString::new("new"), None).expect("change");

        let after = backups::list(&mine).expect("list");
        assert!(!ancient_backup.exists(), "a backup the old key cannot open is removed");
        assert_eq!(after.len(), 4, "three re-keyed and one of the new file");
        for b in &after {
            assert!(
                !opens(&b.path, "old"),
                "{} still opens with the old password",
                b.path.display()
            );
            assert!(
                opens(&b.path, "new"),
                "{} does not open with the new password",
                b.path.display()
            );
        }
        // The content of each re-keyed backup is unchanged (newest first; the first is new).
        let contents: Vec<VaultData> = after[1..]
            .iter()
            .map(|b| {
                Vault::open(&b.path, &SecretString::new("new"))
                    .expect("new")
                    .data()
                    .clone()
            })
            .collect();
        assert_eq!(contents, before);
        assert_eq!(
            Vault::open(&after[0].path, &SecretString::new("new"))
                .expect("new")
                .data(),
            vault.data()
        );
        assert_eq!(vault.auto_backup(), Some(&policy), "the policy stays in force");
        // No temporary file is left in the folder.
        let names: Vec<String> = std::fs::read_dir(&mine)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n.starts_with("vault-")), "{names:?}");
    }

    /// A crash while re-keying leaves each backup whole under the old key or the new one.
    #[test]
    fn a_crash_while_rekeying_leaves_every_backup_readable_by_one_password() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut vault, _) = vault_with_backups(dir.path(), 4);
        let mine = vault.backup_dir().expect("backups on");
        backups::crash::after(2);
        assert!(vault.change_password(&SecretString::new("new"), None).is_err());
        assert!(opens(&dir.path().join("v.spv"), "new"), "the new password is in force");
        let listed = backups::list(&mine).expect("list");
        assert_eq!(listed.len(), 4);
        let (mut old, mut new) = (0, 0);
        for b in &listed {
            match (opens(&b.path, "old"), opens(&b.path, "new")) {
                (true, false) => old += 1,
                (false, true) => new += 1,
                other => panic!("{}: {other:?}", b.path.display()),
            }
        }
        assert_eq!((old, new), (2, 2));
        // The next change finishes the job: the old-key leftovers are removed, not kept.
        vault
            .change_password(&SecretString::new("newer"), None)
            .expect("change");
        for b in backups::list(&mine).expect("list") {
            assert!(opens(&b.path, "newer") && !opens(&b.path, "new") && !opens(&b.path, "old"));
        }
    }

    /// Key material lives only in zeroizing holders, so locking (dropping the `Vault`) wipes it:
    /// the master key, the key-encryption key from the KDF, the unwrapped key and the decrypted
    /// content. The calls below only compile while each of them is a `Zeroizing<…>`.
    #[test]
    fn key_material_is_held_in_zeroizing_holders() {
        fn zeroizing<T: zeroize::Zeroize>(_: &Zeroizing<T>) {}
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.spv");
        let password = SecretString::new("pw");
        let vault = Vault::create(&path, &password, KdfParams::MINIMUM).expect("create");
        zeroizing(&vault.master_key);
        let kek = kdf::derive_key(b"pw", &[1; SALT_LEN], KdfParams::MINIMUM).expect("kdf");
        zeroizing(&kek);
        let Slot::Password(slot) = &vault.header.slots[0] else {
            panic!("a password slot")
        };
        let bytes = std::fs::read(&path).expect("read");
        let unlocked = unlock(&bytes, &password, &mut |pw, salt, params| {
            kdf::derive_key(pw, salt, params)
        })
        .expect("unlock");
        zeroizing(&unlocked.master_key);
        assert_eq!(*unlocked.master_key, *vault.master_key);
        let kek = kdf::derive_key(b"pw", &slot.salt, slot.params).expect("kdf");
        let unwrapped = unwrap_slot(slot, &kek).expect("unwrap");
        zeroizing(&unwrapped);
        zeroizing(&content::encode(vault.data()));
    }

    /// Review finding: each password slot may cost up to the KDF cap, so a crafted file with
    /// sixteen of them demanded sixteen times the cap before being refused.
    #[test]
    fn a_file_with_too_many_password_slots_is_refused_before_any_derivation() {
        let key = Zeroizing::new([7u8; KEY_LEN]);
        let slot = new_password_slot(
            &SecretString::new("pw"),
            KdfParams::MINIMUM,
            &key,
            [1; SALT_LEN],
            [2; NONCE_LEN],
        )
        .expect("slot");
        let header = Header {
            slots: vec![Slot::Password(slot); MAX_PASSWORD_SLOTS + 1],
        };
        let bytes = encode(&header, &key, [3; NONCE_LEN], &VaultData::default());
        let mut derivations = 0;
        let result = unlock(&bytes, &SecretString::new("pw"), &mut |_, _, _| {
            derivations += 1;
            Ok(Zeroizing::new([0; KEY_LEN]))
        });
        assert!(matches!(result, Err(VaultError::Damaged { .. })), "{:?}", result.err());
        assert_eq!(derivations, 0);
    }

    /// A file whose password slots all have `params`, none of which any password opens.
    fn file_with_slots(params: &[KdfParams]) -> Vec<u8> {
        let key = Zeroizing::new([7u8; KEY_LEN]);
        let slots = params
            .iter()
            .map(|&params| {
                Slot::Password(PasswordSlot {
                    params,
                    salt: [1; SALT_LEN],
                    nonce: [2; NONCE_LEN],
                    wrapped: [3; format::WRAPPED_LEN],
                })
            })
            .collect();
        encode(&Header { slots }, &key, [4; NONCE_LEN], &VaultData::default())
    }

    /// Issue 14: each slot within the caps, four slots at 32 passes asked for minutes of work
    /// before "wrong password". The slots together may cost what one slot at the cap does.
    #[test]
    fn slots_that_together_exceed_the_strongest_setting_are_refused_before_any_derivation() {
        let at = |memory_mib: u32, iterations: u32| KdfParams {
            memory_kib: memory_mib * 1024,
            iterations,
            parallelism: 4,
        };
        let over = [
            vec![KdfParams::MAXIMUM; 2],
            vec![at(1024, 32); 4],
            vec![at(512, 32), at(512, 32), at(512, 32), at(513, 32)],
            vec![KdfParams::MAXIMUM, KdfParams::MINIMUM],
        ];
        for params in over {
            let mut derivations = 0;
            let result = unlock(&file_with_slots(&params), &SecretString::new("pw"), &mut |_, _, _| {
                derivations += 1;
                Ok(Zeroizing::new([0; KEY_LEN]))
            });
            assert!(
                matches!(
                    result,
                    Err(VaultError::KdfWorkTooHigh {
                        max_mib_passes: 65_536,
                        ..
                    })
                ),
                "{params:?}: {:?}",
                result.err()
            );
            assert_eq!(derivations, 0, "{params:?}");
        }
        // Up to the budget every slot is tried.
        for params in [
            vec![KdfParams::MAXIMUM],
            vec![at(512, 32); 4],
            vec![KdfParams::MINIMUM; 4],
        ] {
            let mut work = 0;
            let result = unlock(&file_with_slots(&params), &SecretString::new("pw"), &mut |_, _, p| {
                work += p.work();
                Ok(Zeroizing::new([0; KEY_LEN]))
            });
            assert!(matches!(result, Err(VaultError::WrongPassword)), "{params:?}");
            assert!(work <= MAX_FILE_WORK, "{params:?}");
        }
    }
}
