//! Automatic backups in the app: the list, "Back up now", the folder and keep count (the same
//! policy as the CLI: `smartpush_core::vault::backups::configured_policy`), restoring a backup
//! over the vault, and restoring one when there is no vault yet (first run).
//!
//! A restore makes the backup file the vault file (after backing up the current one) and locks
//! the app, which then asks for that backup's password.
//!
//! Every vault file keeps its backups in its own folder inside the backup folder (issue 14:
//! `smartpush_core::vault::backups::vault_dir`); the list is the current vault file's only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use smartpush_core::vault::{self, backups};
use tauri::{AppHandle, Runtime, State};
use ts_rs::TS;

use super::{blocking, instant};
use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, BackupSource};

/// One automatic backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupEntry {
    /// Its path (what [`backup_restore`] takes).
    pub path: String,
    /// When it was written (unix seconds).
    pub created: i64,
    /// Its size in bytes.
    pub size: u64,
}

/// The backup policy and the current vault's backups, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupInfo {
    /// The backup folder; `None`: automatic backups are off.
    pub dir: Option<String>,
    /// How many of the newest backups are kept.
    pub keep: u32,
    /// True when `$SMARTPUSH_AUTH_BACKUP_DIR` chooses the folder (the dialog cannot change it).
    pub dir_from_env: bool,
    /// The current vault file's backups, newest first.
    pub backups: Vec<BackupEntry>,
}

fn source(state: &AppState) -> IpcResult<BackupSource> {
    state
        .backup_source()
        .ok_or_else(|| IpcError::Invalid("automatic backups are not available in this session".into()))
}

fn info(state: &AppState, source: &BackupSource) -> IpcResult<BackupInfo> {
    let settings = source.settings();
    let policy = source.policy();
    let backups = match (&policy, state.path()) {
        (Some(p), Some(vault)) => backups::list_for(&p.dir, &vault)?
            .into_iter()
            .map(|b| BackupEntry {
                size: std::fs::metadata(&b.path).map_or(0, |m| m.len()),
                path: b.path.display().to_string(),
                created: b.created,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(BackupInfo {
        dir: policy.as_ref().map(|p| p.dir.display().to_string()),
        keep: u32::try_from(settings.keep).unwrap_or(u32::MAX),
        dir_from_env: source.env_dir.is_some(),
        backups,
    })
}

/// The backup folder, keep count and backups.
#[tauri::command]
pub async fn backup_info(state: State<'_, Arc<AppState>>) -> IpcResult<BackupInfo> {
    let state = Arc::clone(&state);
    blocking(move || info(&state, &source(&state)?)).await
}

/// Writes a backup of the vault now.
#[tauri::command]
pub async fn backup_now(state: State<'_, Arc<AppState>>) -> IpcResult<BackupInfo> {
    let state = Arc::clone(&state);
    blocking(move || {
        let source = source(&state)?;
        if source.policy().is_none() {
            return Err(IpcError::Invalid(format!(
                "automatic backups are off (${} is empty)",
                backups::DIR_ENV
            )));
        }
        state.with_vault(instant(), |vault| Ok(vault.back_up_now()?))?;
        info(&state, &source)
    })
    .await
}

/// Saves the backup folder (`None`: the default one) and keep count (1–1000) for the app and
/// the command line, and applies them to the open vault.
#[tauri::command]
pub async fn backup_set(state: State<'_, Arc<AppState>>, dir: Option<String>, keep: u32) -> IpcResult<BackupInfo> {
    let state = Arc::clone(&state);
    blocking(move || {
        let source = source(&state)?;
        let file = source
            .settings_file
            .clone()
            .ok_or_else(|| IpcError::Io("this system has no configuration folder for the settings".into()))?;
        let settings = backups::BackupSettings {
            dir: dir.filter(|d| !d.trim().is_empty()).map(PathBuf::from),
            keep: keep as usize,
        };
        backups::save_settings(&file, &settings).map_err(|e| match e {
            vault::VaultError::Io { source: io, .. } if io.kind() == std::io::ErrorKind::InvalidInput => {
                IpcError::Invalid(io.to_string())
            }
            e => e.into(),
        })?;
        state.set_backup_source(Some(source.clone()));
        info(&state, &source)
    })
    .await
}

/// Asks for a backup folder; `None` when the person cancels.
#[tauri::command]
pub async fn backup_pick_folder<R: Runtime>(app: AppHandle<R>) -> IpcResult<Option<String>> {
    let builder = super::transfer::file_dialog(&app)?.set_title("Backup folder");
    blocking(move || {
        builder
            .blocking_pick_folder()
            .map(super::transfer::dialog_path)
            .transpose()
    })
    .await
}

/// Reads a backup and makes it the vault file (checked to be a vault first).
fn restore_into(vault_path: &Path, backup: &Path) -> IpcResult<()> {
    let bytes = std::fs::read(backup).map_err(|e| IpcError::Io(format!("{}: {e}", backup.display())))?;
    vault::restore(vault_path, &bytes)?;
    Ok(())
}

/// Restores `path` (a backup) over the vault: the current vault is backed up first, then the
/// backup becomes the vault and the app locks; unlock with the backup's password.
#[tauri::command]
pub async fn backup_restore(state: State<'_, Arc<AppState>>, path: String) -> IpcResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        let vault_path = state.vault_path()?;
        let backup = PathBuf::from(&path);
        // Checked before anything is written: a file that is not a vault changes nothing.
        let bytes = std::fs::read(&backup).map_err(|e| IpcError::Io(format!("{}: {e}", backup.display())))?;
        state.with_vault(instant(), |vault| {
            if vault.auto_backup().is_some() {
                vault.back_up_now()?;
            }
            Ok(())
        })?;
        vault::restore(&vault_path, &bytes)?;
        state.lock();
        Ok(())
    })
    .await
}

/// Asks for a backup file to restore (first run); `None` when the person cancels.
#[tauri::command]
pub async fn restore_pick_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, Arc<AppState>>,
) -> IpcResult<Option<String>> {
    let mut builder = super::transfer::file_dialog(&app)?.set_title("Restore from a backup");
    // The folder of this vault file's backups when there is one (a vault lost at the same
    // path), else the backup folder, where every vault's folder is.
    let root = state.backup_source().and_then(|s| s.policy()).map(|p| p.dir);
    let own = root
        .as_deref()
        .zip(state.path())
        .map(|(root, vault)| backups::vault_dir(root, &vault));
    if let Some(dir) = own.into_iter().chain(root).find(|d| d.is_dir()) {
        builder = builder.set_directory(dir);
    }
    blocking(move || {
        builder
            .blocking_pick_file()
            .map(super::transfer::dialog_path)
            .transpose()
    })
    .await
}

/// With no vault yet, makes the backup at `path` the vault; then unlock it with its password.
#[tauri::command]
pub async fn restore_first_run(state: State<'_, Arc<AppState>>, path: String) -> IpcResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        let vault_path = state.vault_path()?;
        if vault_path.exists() {
            return Err(IpcError::AlreadyExists(format!(
                "a vault already exists at {}; unlock it and restore from the Backups dialog",
                vault_path.display()
            )));
        }
        restore_into(&vault_path, Path::new(&path))
    })
    .await
}
