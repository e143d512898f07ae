//! Commands about the vault: status, create, unlock, lock and the idle timer.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

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
    let now = instant();
    VaultStatus::of(
        state.path().as_deref(),
        state.is_unlocked(now),
        state.auto_lock(),
        state.locked_by(now),
    )
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

/// Waits for the unlock started at launch by `--password-stdin` and reports it: `false` when
/// there was none (the UI then routes as usual), an error (e.g. `WrongPassword`) when it failed.
#[tauri::command]
pub async fn startup_unlock(state: State<'_, Arc<AppState>>) -> IpcResult<bool> {
    let state = Arc::clone(&state);
    blocking(move || state.startup_unlock().transpose().map(|done| done.is_some())).await
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

#[cfg(test)]
mod tests {
    use serde_json::json;
    use smartpush_core::SecretString;

    use crate::commands::test_support::{call, mock_app, state};

    const PASSWORD: &str = "correct horse battery staple";

    /// A mock app whose vault exists and is locked again.
    fn locked_vault() -> (
        tauri::App<tauri::test::MockRuntime>,
        tauri::WebviewWindow<tauri::test::MockRuntime>,
        tempfile::TempDir,
    ) {
        let mock = mock_app();
        call(&mock.1, "create_vault", json!({ "password": PASSWORD })).expect("vault created");
        call(&mock.1, "lock", json!({})).expect("locked");
        mock
    }

    #[test]
    fn without_a_startup_password_startup_unlock_reports_nothing() {
        let (_app, webview, _dir) = locked_vault();
        assert_eq!(call(&webview, "startup_unlock", json!({})), Ok(json!(false)));
        assert_eq!(
            call(&webview, "vault_status", json!({})).expect("status")["unlocked"],
            false
        );
    }

    #[test]
    fn a_startup_password_unlocks_the_vault_once() {
        let (app, webview, _dir) = locked_vault();
        state(&app).begin_startup_unlock(SecretString::new(PASSWORD));
        assert_eq!(call(&webview, "startup_unlock", json!({})), Ok(json!(true)));
        assert_eq!(
            call(&webview, "vault_status", json!({})).expect("status")["unlocked"],
            true
        );
        // Collected once: a reload of the page does not wait again.
        assert_eq!(call(&webview, "startup_unlock", json!({})), Ok(json!(false)));
    }

    #[test]
    fn a_wrong_startup_password_is_reported_and_leaves_the_vault_locked() {
        let (app, webview, _dir) = locked_vault();
        state(&app).begin_startup_unlock(SecretString::new("not the password"));
        let err = call(&webview, "startup_unlock", json!({})).expect_err("wrong password");
        assert_eq!(err["type"], "WrongPassword", "{err}");
        assert!(!err.to_string().contains("not the password"), "{err}");
        assert_eq!(
            call(&webview, "vault_status", json!({})).expect("status")["unlocked"],
            false
        );
    }
}
