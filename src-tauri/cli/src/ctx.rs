//! What every command needs: where the vault is, how to get the password, the output mode and
//! the current time.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use smartpush_core::vault::Vault;
use smartpush_core::vault::keychain::{self, DisabledKeyStore, KeyStore, KeychainError, SystemKeyStore};

use crate::args::GlobalArgs;
use crate::error::{CliError, Result};
use crate::password::Passwords;

/// Environment variable naming the automatic backup folder (empty: no automatic backups).
pub const BACKUP_DIR_ENV: &str = smartpush_core::vault::backups::DIR_ENV;

/// The automatic backup folder: `$SMARTPUSH_AUTH_BACKUP_DIR` (empty turns backups off), else the
/// folder of the settings file the app writes, else `<data dir>/smartpush-auth/backups`.
pub fn backup_dir() -> Option<PathBuf> {
    backup_policy().map(|p| p.dir)
}

/// After every save, a copy of the vault in its own folder inside [`backup_dir`], its newest N
/// kept (ten unless the settings file says otherwise): the policy the desktop app uses too.
pub fn backup_policy() -> Option<smartpush_core::vault::backups::BackupPolicy> {
    smartpush_core::vault::backups::configured_policy()
}

/// Per-invocation context.
pub struct Ctx {
    /// The vault file.
    pub vault_path: PathBuf,
    /// `--json`.
    pub json: bool,
    /// Password sources.
    pub passwords: Passwords,
    /// The system keychain, or a store that refuses everything under `$SMARTPUSH_AUTH_NO_KEYCHAIN`.
    pub keystore: Box<dyn KeyStore>,
    /// Set once keychain unlock failed in this run: later opens go straight to the password.
    keychain_failed: bool,
}

/// How a command may open the vault.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unlock {
    /// The keychain first when the vault has a keychain slot, then the password.
    KeychainFirst,
    /// The password only (`passwd`, `keychain enable`: they must prove the password).
    PasswordOnly,
}

impl Ctx {
    /// Resolves the vault path (flag, env, default under the data dir).
    pub fn new(global: &GlobalArgs) -> Result<Ctx> {
        let vault_path = smartpush_core::vault::resolve_path(global.vault.clone())
            .ok_or_else(|| CliError::Invalid("cannot find the user's data directory; give --vault PATH".into()))?;
        Ok(Ctx {
            vault_path,
            json: global.json,
            passwords: Passwords::new(global.password_stdin),
            keystore: if keychain::disabled_by_env() {
                Box::new(DisabledKeyStore)
            } else {
                Box::new(SystemKeyStore::new())
            },
            keychain_failed: false,
        })
    }

    /// Opens a read-only snapshot of the vault (the keychain first when it is set up).
    pub fn open(&mut self) -> Result<Vault> {
        self.require_vault()?;
        let path = self.vault_path.clone();
        self.open_path(&path, false, Unlock::KeychainFirst)
    }

    /// Opens the vault holding its lock until the returned value is dropped, for a change (the
    /// keychain first when it is set up).
    pub fn open_for_update(&mut self) -> Result<Vault> {
        self.require_vault()?;
        let path = self.vault_path.clone();
        self.open_path(&path, true, Unlock::KeychainFirst)
    }

    /// [`Ctx::open_for_update`] with the master password only, never the keychain.
    pub fn open_for_update_with_password(&mut self) -> Result<Vault> {
        self.require_vault()?;
        let path = self.vault_path.clone();
        self.open_path(&path, true, Unlock::PasswordOnly)
    }

    /// Opens a snapshot of another vault file (a backup), as the vault is opened.
    pub fn open_other(&mut self, path: &Path) -> Result<Vault> {
        self.open_path(path, false, Unlock::KeychainFirst)
    }

    fn open_path(&mut self, path: &Path, update: bool, how: Unlock) -> Result<Vault> {
        let mut vault = match self.try_keychain(path, update, how)? {
            Some(vault) => vault,
            None => {
                let password = self.passwords.current()?;
                if update {
                    Vault::open_for_update(path, &password)?
                } else {
                    Vault::open(path, &password)?
                }
            }
        };
        vault.set_auto_backup(backup_policy());
        Ok(vault)
    }

    /// The vault opened with the keychain, or `None` to ask for the password (saying why on
    /// standard error when keychain unlock is on but failed).
    fn try_keychain(&mut self, path: &Path, update: bool, how: Unlock) -> Result<Option<Vault>> {
        if how == Unlock::PasswordOnly || self.keychain_failed || keychain::disabled_by_env() {
            return Ok(None);
        }
        // A file that cannot be read is reported by the password path, as always.
        if !keychain::is_enabled(path).unwrap_or(false) {
            return Ok(None);
        }
        let opened = if update {
            Vault::open_for_update_with_keychain(path, &*self.keystore)
        } else {
            Vault::open_with_keychain(path, &*self.keystore)
        };
        match opened {
            Ok(vault) => Ok(Some(vault)),
            Err(KeychainError::Vault(e)) => Err(e.into()),
            Err(e) => {
                self.keychain_failed = true;
                let hint = match e {
                    KeychainError::EntryMissing { .. } | KeychainError::Mismatch { .. } => {
                        " (`smartpush-auth keychain enable` stores a new key)"
                    }
                    _ => "",
                };
                crate::output::note(format!(
                    "smartpush-auth: keychain unlock failed: {e}; using the master password{hint}"
                ));
                Ok(None)
            }
        }
    }

    /// Fails before any password prompt when there is no vault, pointing at the backup of an
    /// earlier one when it survived.
    pub fn require_vault(&self) -> Result<()> {
        if self.vault_path.exists() {
            return Ok(());
        }
        let backup = Vault::backup_path(&self.vault_path);
        Err(CliError::Invalid(if backup.exists() {
            format!(
                "no vault at {}, but the backup of an earlier one is at {}: restore it by renaming it to {}",
                self.vault_path.display(),
                backup.display(),
                self.vault_path.display()
            )
        } else {
            format!(
                "no vault at {}; create one with `smartpush-auth init`",
                self.vault_path.display()
            )
        }))
    }
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .try_into()
        .unwrap_or(i64::MAX)
}
