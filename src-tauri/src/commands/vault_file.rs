//! Commands about the vault file itself: choosing another vault file, restoring the backup of a
//! damaged one, and changing the master password or the key-derivation strength.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use smartpush_core::SecretString;
use smartpush_core::vault::keychain::AfterPasswordChange;
use smartpush_core::vault::{self, KdfParams, Vault, VaultError};
use tauri::{AppHandle, Manager as _, Runtime, State};
use ts_rs::TS;

use super::{blocking, instant, timestamp};
use crate::error::{IpcError, IpcResult};
use crate::settings::Settings;
use crate::state::AppState;

/// How hard the master password is made to guess: the Argon2id cost of one unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum KdfStrength {
    /// [`KdfParams::DEFAULT`]: 64 MiB, 3 passes, 4 lanes (RFC 9106's second recommendation).
    Standard,
    /// [`STRONG`]: four times the memory and one more pass.
    Strong,
}

/// The settings of [`KdfStrength::Strong`]: 256 MiB, 4 passes, 4 lanes.
pub const STRONG: KdfParams = KdfParams {
    memory_kib: 256 * 1024,
    iterations: 4,
    parallelism: 4,
};

impl KdfStrength {
    /// The Argon2id settings of this strength.
    pub fn params(self) -> KdfParams {
        match self {
            KdfStrength::Standard => KdfParams::DEFAULT,
            KdfStrength::Strong => STRONG,
        }
    }

    fn of(params: KdfParams) -> Option<KdfStrength> {
        [KdfStrength::Standard, KdfStrength::Strong]
            .into_iter()
            .find(|s| s.params() == params)
    }
}

/// The key-derivation settings of the open vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KdfInfo {
    /// The named strength these settings are, if any (a vault made by the command line or a
    /// test may use others).
    pub strength: Option<KdfStrength>,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// The key-derivation settings of the unlocked vault.
#[tauri::command]
pub fn vault_kdf(state: State<'_, Arc<AppState>>) -> IpcResult<KdfInfo> {
    state.with_vault(instant(), |vault| {
        let params = vault.kdf();
        Ok(KdfInfo {
            strength: KdfStrength::of(params),
            memory_mib: params.memory_kib / 1024,
            iterations: params.iterations,
            parallelism: params.parallelism,
        })
    })
}

/// Derives one sample key with `strength` and returns how long it took, in milliseconds: about
/// what each unlock costs on this computer.
#[tauri::command]
pub async fn measure_kdf(strength: KdfStrength) -> IpcResult<u32> {
    blocking(move || {
        let start = Instant::now();
        strength.params().derive_sample()?;
        Ok(u32::try_from(start.elapsed().as_millis()).unwrap_or(u32::MAX))
    })
    .await
}

/// Changes the master password of the unlocked vault, and its key-derivation strength when
/// `kdf` is given (`new_password` may then be the current one, to change only the strength).
/// `current` is checked against the vault file, whatever is unlocked in memory. Keychain unlock
/// stays on with a new keychain key; when the keychain cannot take it, it is turned off and the
/// answer says so (the password change itself succeeded).
#[tauri::command]
pub async fn change_password(
    state: State<'_, Arc<AppState>>,
    current: String,
    new_password: String,
    kdf: Option<KdfStrength>,
) -> IpcResult<Option<String>> {
    let (current, new_password) = (SecretString::new(current), SecretString::new(new_password));
    if !state.is_unlocked(instant()) {
        return Err(IpcError::NotUnlocked("the vault is locked".into()));
    }
    let (path, state) = (state.vault_path()?, Arc::clone(&state));
    blocking(move || {
        let mut vault = Vault::open(&path, &current).map_err(|e| match e {
            VaultError::WrongPassword => IpcError::WrongPassword("the current password is wrong".into()),
            e => e.into(),
        })?;
        // With the backup policy, the change re-keys the automatic backups too.
        vault.set_auto_backup(state.backup_policy());
        let keychain =
            vault.change_password_keeping_keychain(&new_password, kdf.map(KdfStrength::params), &*state.keystore)?;
        // The vault in memory still holds the old key and the old file's fingerprint.
        state.replace_unlocked(vault);
        Ok(match keychain {
            AfterPasswordChange::Dropped(why) => Some(format!("Keychain unlock is now off: {why}.")),
            _ => None,
        })
    })
    .await
}

/// Opens the system's file dialog to choose another vault file; when the user picks a vault,
/// the app uses it from now on (saved in the settings; the open vault is locked). Returns the
/// path chosen, or `None` when the dialog was cancelled.
#[tauri::command]
pub async fn choose_vault_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, Arc<AppState>>,
) -> IpcResult<Option<String>> {
    let dialog = app
        .try_state::<tauri_plugin_dialog::Dialog<R>>()
        .map(|d| d.inner().clone())
        .ok_or_else(|| IpcError::Io("the file dialog is not available".into()))?;
    let state = Arc::clone(&state);
    blocking(move || {
        let mut builder = dialog.file().set_title("Open a SmartPush Authenticator vault");
        if let Some(dir) = state.path().as_deref().and_then(std::path::Path::parent) {
            builder = builder.set_directory(dir);
        }
        let Some(picked) = builder.blocking_pick_file() else {
            return Ok(None);
        };
        let path = picked
            .into_path()
            .map_err(|e| IpcError::Invalid(format!("that file cannot be opened as a local path: {e}")))?;
        use_vault_file(&state, path).map(Some)
    })
    .await
}

/// Checks that `path` is a vault (a damaged one is accepted: the unlock screen offers its
/// backup), remembers it in the settings and switches to it. Returns the path used.
pub(crate) fn use_vault_file(state: &AppState, path: PathBuf) -> IpcResult<String> {
    let path = std::path::absolute(&path).map_err(|e| IpcError::Invalid(format!("{}: {e}", path.display())))?;
    match vault::check_file(&path) {
        Ok(()) | Err(VaultError::Damaged { .. }) => {}
        Err(VaultError::NotAVault) => {
            return Err(IpcError::Invalid(format!(
                "{} is not a SmartPush Authenticator vault",
                path.display()
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let chosen = (Some(&path) != vault::default_path().as_ref()).then(|| path.clone());
    state.settings.set(Settings {
        vault_path: chosen,
        ..state.settings.get()
    })?;
    state.set_path(Some(path.clone()));
    Ok(path.display().to_string())
}

/// Puts the backup of a damaged vault (`<vault>.bak`, the version before the last save) in its
/// place; the damaged file is kept as `<vault>.damaged-<unix time>`, whose path is returned
/// (`None` when there was no vault file). The vault must be locked. Unlock it afterwards with
/// the password the backup was written with.
#[tauri::command]
pub async fn restore_backup(state: State<'_, Arc<AppState>>) -> IpcResult<Option<String>> {
    if state.is_unlocked(instant()) {
        return Err(IpcError::Invalid("lock the vault before restoring its backup".into()));
    }
    let path = state.vault_path()?;
    blocking(move || Ok(vault::restore_backup(&path, timestamp())?.map(|p| p.display().to_string()))).await
}
