//! Commands about the persisted settings ([`crate::settings`]): read them, change them (applied
//! at once and saved), and the one-time notice about a damaged settings file.

use std::sync::Arc;

use tauri::State;

use super::blocking;
use crate::error::{IpcError, IpcResult};
use crate::settings::{self, Settings};
use crate::state::AppState;

/// The settings in force.
#[tauri::command]
pub fn get_settings(state: State<'_, Arc<AppState>>) -> Settings {
    state.settings.get()
}

/// Validates `settings`, saves them and applies them at once (auto-lock delay, clipboard delay,
/// vault file); returns the settings now in force. `vault_path` may stay as it is or be cleared
/// (back to the default vault, which locks the open one); another file is chosen with
/// `choose_vault_file`, which checks it is a vault.
#[tauri::command]
pub async fn update_settings(state: State<'_, Arc<AppState>>, settings: Settings) -> IpcResult<Settings> {
    let state = Arc::clone(&state);
    blocking(move || apply(&state, settings)).await
}

/// [`update_settings`] without IPC.
pub(crate) fn apply(state: &AppState, new: Settings) -> IpcResult<Settings> {
    let old = state.settings.get();
    if new.vault_path.is_some() && new.vault_path != old.vault_path {
        return Err(IpcError::Invalid(
            "choose another vault file with \"Use another vault file…\"".into(),
        ));
    }
    state.settings.set(new.clone())?;
    state.set_auto_lock(new.auto_lock());
    // Only a cleared choice moves the vault (back to the default); otherwise the path in use
    // stays, wherever it came from.
    if new.vault_path != old.vault_path {
        state.set_path(settings::vault_path(&new));
    }
    Ok(new)
}
