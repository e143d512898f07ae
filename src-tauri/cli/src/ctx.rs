//! What every command needs: where the vault is, how to get the password, the output mode and
//! the current time.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use smartpush_core::vault::Vault;

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

/// After every save, a copy of the vault in [`backup_dir`], the newest N kept (ten unless the
/// settings file says otherwise): the policy the desktop app uses too.
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
        })
    }

    /// Opens a read-only snapshot of the vault.
    pub fn open(&mut self) -> Result<Vault> {
        self.require_vault()?;
        let password = self.passwords.current()?;
        let mut vault = Vault::open(&self.vault_path, &password)?;
        vault.set_auto_backup(backup_policy());
        Ok(vault)
    }

    /// Opens the vault holding its lock until the returned value is dropped, for a change.
    pub fn open_for_update(&mut self) -> Result<Vault> {
        self.require_vault()?;
        let password = self.passwords.current()?;
        let mut vault = Vault::open_for_update(&self.vault_path, &password)?;
        vault.set_auto_backup(backup_policy());
        Ok(vault)
    }

    /// Fails before any password prompt when there is no vault, pointing at the backup of an
    /// earlier one when it survived.
    fn require_vault(&self) -> Result<()> {
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
