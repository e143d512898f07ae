//! Commands of the quick-copy palette window: the accounts to pick from (no codes), copy one,
//! hide, and open the main window when the vault is locked.

use std::sync::Arc;

use serde::Serialize;
use smartpush_core::Account;
use tauri::{AppHandle, Runtime, State};
use ts_rs::TS;

use super::codes::{Copied, copy_account_code};
use super::instant;
use crate::error::IpcResult;
use crate::state::AppState;

/// One account the palette offers (nothing secret: the code is copied by Rust).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PaletteEntry {
    /// The account id, for [`palette_copy`].
    pub id: String,
    /// Service name.
    pub issuer: String,
    /// Account name.
    pub name: String,
    /// Favourites come first.
    pub favourite: bool,
}

/// Answer of [`palette_list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PaletteList {
    /// False while the vault is locked (or not created): the palette says so and offers Open.
    pub unlocked: bool,
    /// The accounts that have a code, favourites first, otherwise in vault order.
    pub entries: Vec<PaletteEntry>,
}

/// The accounts to pick from; an empty, locked list when the vault is locked.
#[tauri::command]
pub fn palette_list(state: State<'_, Arc<AppState>>) -> PaletteList {
    state
        .with_vault(instant(), |vault| Ok(entries(&vault.data().accounts)))
        .map_or(
            PaletteList {
                unlocked: false,
                entries: Vec::new(),
            },
            |entries| PaletteList {
                unlocked: true,
                entries,
            },
        )
}

fn entries(accounts: &[Account]) -> Vec<PaletteEntry> {
    let mut entries: Vec<PaletteEntry> = accounts
        .iter()
        .filter(|a| a.otp.is_some())
        .map(|a| PaletteEntry {
            id: a.id.0.clone(),
            issuer: a.issuer.clone(),
            name: a.name.clone(),
            favourite: a.favourite,
        })
        .collect();
    // Stable: the vault order holds within favourites and within the others.
    entries.sort_by_key(|e| !e.favourite);
    entries
}

/// Copies the account's current code (cleared later, like `copy_code`), counts as activity and
/// hides the palette.
#[tauri::command]
pub fn palette_copy<R: Runtime>(app: AppHandle<R>, state: State<'_, Arc<AppState>>, id: String) -> IpcResult<Copied> {
    let copied = copy_account_code(&app, &state, &id)?;
    state.touch(instant());
    crate::palette::hide(&app);
    Ok(copied)
}

/// Hides the palette (Escape).
#[tauri::command]
pub fn palette_hide<R: Runtime>(app: AppHandle<R>) {
    crate::palette::hide(&app);
}

/// Hides the palette and brings the main window forward (to unlock the vault).
#[tauri::command]
pub fn palette_open_main<R: Runtime>(app: AppHandle<R>) {
    crate::palette::hide(&app);
    crate::focus_main_window(&app);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::{call, mock_app, state};
    use crate::tray::{Action, QuickCopy, TrayModel, perform};

    const PASSWORD: &str = "correct horse battery staple";

    /// A mock app with an unlocked vault holding GitHub, SmartPush (favourite) and a
    /// recovery-only account, in that order; returns the ids of the first two.
    fn vault_with_favourite() -> (
        tauri::App<tauri::test::MockRuntime>,
        tauri::WebviewWindow<tauri::test::MockRuntime>,
        tempfile::TempDir,
        [String; 2],
    ) {
        let (app, w, dir) = mock_app();
        call(&w, "create_vault", json!({ "password": PASSWORD })).expect("create");
        let mut ids = Vec::new();
        for uri in [
            "otpauth://totp/GitHub:octo?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
            "otpauth://totp/SmartPush:me%40example.com?secret=GEZDGNBVGY3TQOJQ&issuer=SmartPush",
        ] {
            call(&w, "read_uri", json!({ "text": uri })).expect("read");
            let added = call(&w, "add_pending", json!({ "indexes": [0] })).expect("add");
            ids.push(added[0].as_str().expect("id").to_owned());
        }
        let args = json!({ "issuer": "Bank", "name": "", "text": "a1b2c-d3e4f\nf5e6d-c7b8a" });
        call(&w, "add_recovery_account", args).expect("recovery-only account");
        state(&app)
            .with_vault(std::time::Instant::now(), |vault| {
                vault.data_mut().get_mut(&ids[1]).expect("account").favourite = true;
                Ok(())
            })
            .expect("favourite");
        let ids = [ids[0].clone(), ids[1].clone()];
        (app, w, dir, ids)
    }

    #[test]
    fn the_list_puts_favourites_first_and_leaves_out_accounts_without_a_code() {
        let (_app, w, _dir, [github, smartpush]) = vault_with_favourite();
        let list = call(&w, "palette_list", json!({})).expect("list");
        assert_eq!(list["unlocked"], true);
        let ids: Vec<&str> = list["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["id"].as_str())
            .collect();
        assert_eq!(ids, [smartpush.as_str(), github.as_str()]);
        assert_eq!(list["entries"][0]["favourite"], true);
        assert_eq!(list["entries"][0]["name"], "me@example.com");
        // Nothing secret in the answer.
        assert!(!list.to_string().contains("JBSWY3DP"));
    }

    #[test]
    fn a_locked_vault_gives_an_empty_locked_list_and_copy_says_not_unlocked() {
        let (_app, w, _dir, [github, _]) = vault_with_favourite();
        call(&w, "lock", json!({})).expect("lock");
        assert_eq!(
            call(&w, "palette_list", json!({})).expect("list"),
            json!({ "unlocked": false, "entries": [] })
        );
        let err = call(&w, "palette_copy", json!({ "id": github })).expect_err("locked");
        assert_eq!(err["type"], "NotUnlocked");
    }

    #[test]
    fn copy_goes_through_the_clipboard_path_and_checks_the_id() {
        let (_app, w, _dir, [github, _]) = vault_with_favourite();
        // The mock runtime has no clipboard plugin: reaching it proves the code was computed.
        let err = call(&w, "palette_copy", json!({ "id": github })).expect_err("no clipboard");
        assert_eq!(err["type"], "Clipboard");
        let err = call(&w, "palette_copy", json!({ "id": "nope" })).expect_err("unknown");
        assert_eq!(err["type"], "Invalid");
        call(&w, "palette_hide", json!({})).expect("hide without a palette window");
        call(&w, "palette_open_main", json!({})).expect("open main");
    }

    #[test]
    fn the_tray_model_follows_the_vault_and_its_lock_action_locks() {
        let (app, w, _dir, [_, smartpush]) = vault_with_favourite();
        let now = std::time::Instant::now();
        assert_eq!(
            TrayModel::of(&state(&app), now),
            TrayModel::Unlocked {
                favourites: vec![QuickCopy {
                    id: smartpush.clone(),
                    label: "SmartPush (me@example.com)".into()
                }]
            }
        );
        let handle = app.handle();
        let err = perform(handle, &Action::Copy(smartpush.clone())).expect_err("no clipboard");
        assert!(matches!(err, crate::error::IpcError::Clipboard(_)), "{err:?}");
        perform(handle, &Action::Open).expect("open");
        perform(handle, &Action::Lock).expect("lock");
        assert_eq!(TrayModel::of(&state(&app), now), TrayModel::Locked);
        assert_eq!(call(&w, "vault_status", json!({})).expect("status")["unlocked"], false);
        let err = perform(handle, &Action::Copy(smartpush)).expect_err("locked");
        assert!(matches!(err, crate::error::IpcError::NotUnlocked(_)), "{err:?}");
    }
}
