//! Commands about the vault: status, create, unlock, lock and the idle timer.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use smartpush_core::SecretString;
use smartpush_core::vault::Vault;
use tauri::State;
use ts_rs::TS;

use super::{blocking, instant};
use crate::error::IpcResult;
use crate::state::{AppState, LockReason};

/// Where the vault is, whether it exists and whether it is unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VaultStatus {
    /// The vault path; `None` when the platform has no data directory.
    pub path: Option<String>,
    /// True when a file exists at `path`.
    pub exists: bool,
    /// True while a vault is unlocked in this app.
    pub unlocked: bool,
    /// The backup (`<vault>.bak`) when it exists, to offer when the vault is damaged.
    pub backup: Option<String>,
    /// Auto-lock after this many idle seconds; `None`: never.
    pub auto_lock_seconds: Option<u32>,
    /// While locked: why the vault locked by itself (`None` after the user's own lock).
    pub locked_by: Option<LockReason>,
}

impl VaultStatus {
    /// The status of the app's vault at `now`.
    pub(crate) fn current(state: &AppState, now: Instant) -> VaultStatus {
        VaultStatus::of(
            state.path().as_deref(),
            state.is_unlocked(now),
            state.auto_lock(),
            state.locked_by(now),
        )
    }

    fn of(
        path: Option<&Path>,
        unlocked: bool,
        auto_lock: Option<Duration>,
        locked_by: Option<LockReason>,
    ) -> VaultStatus {
        let backup = path.map(Vault::backup_path).filter(|b| b.is_file());
        VaultStatus {
            path: path.map(|p| p.display().to_string()),
            exists: path.is_some_and(Path::is_file),
            unlocked,
            backup: backup.map(|b| b.display().to_string()),
            auto_lock_seconds: auto_lock.map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
            locked_by: if unlocked { None } else { locked_by },
        }
    }
}

/// Where the vault is and whether it exists or is unlocked (nothing secret).
#[tauri::command]
pub fn vault_status(state: State<'_, Arc<AppState>>) -> VaultStatus {
    VaultStatus::current(&state, instant())
}

/// Creates a new empty vault protected by `password` and leaves it unlocked.
#[tauri::command]
pub async fn create_vault(state: State<'_, Arc<AppState>>, password: String) -> IpcResult<()> {
    let password = SecretString::new(password);
    let (path, kdf, state) = (state.vault_path()?, state.kdf, Arc::clone(&state));
    blocking(move || {
        let vault = Vault::create(&path, &password, kdf)?;
        state.set_unlocked(vault);
        Ok(())
    })
    .await
}

/// Opens the vault with `password`. Fails with `WrongPassword`, `Damaged` (the message names
/// the backup), `NoVault`…
#[tauri::command]
pub async fn unlock(state: State<'_, Arc<AppState>>, password: String) -> IpcResult<()> {
    let password = SecretString::new(password);
    let (path, state) = (state.vault_path()?, Arc::clone(&state));
    blocking(move || {
        let vault = Vault::open(&path, &password)?;
        state.set_unlocked(vault);
        Ok(())
    })
    .await
}

/// Locks the vault now: its keys and content are dropped from memory.
#[tauri::command]
pub fn lock(state: State<'_, Arc<AppState>>) {
    state.lock();
}

/// Records user activity (postpones the auto-lock); returns whether the vault is still unlocked.
#[tauri::command]
pub fn touch(state: State<'_, Arc<AppState>>) -> bool {
    let now = instant();
    state.touch(now);
    state.is_unlocked(now)
}

/// Sets the auto-lock delay in seconds (at least 10 s; `None`: never), live and in the saved
/// settings (a shortcut for `update_settings` with only this value changed).
#[tauri::command]
pub async fn set_auto_lock(state: State<'_, Arc<AppState>>, seconds: Option<u32>) -> IpcResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        let settings = crate::settings::Settings {
            auto_lock_seconds: seconds,
            ..state.settings.get()
        };
        state.settings.set(settings)?;
        state.set_auto_lock(seconds.map(|s| Duration::from_secs(s.into())));
        Ok(())
    })
    .await
}
