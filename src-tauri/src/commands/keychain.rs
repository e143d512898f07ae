//! Keychain unlock: a random key kept in the system keychain opens the vault without the
//! password (see `smartpush_core::vault::keychain`). Every keychain call may wait up to the
//! store's timeout (5 s), so each command runs on the blocking pool.

use std::sync::Arc;

use serde::Serialize;
use smartpush_core::SecretString;
use smartpush_core::vault::Vault;
use smartpush_core::vault::keychain::{self, EntryRemoval, EntryState, KeychainError, KeychainStatus, SERVICE};
use tauri::State;
use ts_rs::TS;

use super::{blocking, instant};
use crate::error::IpcResult;
use crate::state::AppState;

/// What the keychain holds for the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum EntryView {
    /// The entry exists and opens the vault.
    Present,
    /// There is no entry (removed from outside): the password is needed.
    Missing,
    /// The entry holds a key that does not open the vault.
    Mismatch,
    /// The keychain could not be asked (`detail` says why).
    Unavailable,
}

/// Whether keychain unlock is on for the vault, and its keychain entry (nothing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KeychainInfo {
    /// True when the vault has a keychain slot.
    pub enabled: bool,
    /// The state of its entry; `None` when keychain unlock is off.
    pub entry: Option<EntryView>,
    /// A sentence for the person: why the keychain is unavailable, or an entry left behind.
    pub detail: Option<String>,
    /// The keychain service name of the entry.
    pub service: String,
    /// The keychain account name of the entry (`vault-<hex>`); `None` when off.
    pub account: Option<String>,
}

impl KeychainInfo {
    fn of(status: KeychainStatus) -> KeychainInfo {
        let (account, entry, detail) = match status {
            KeychainStatus::Disabled => (None, None, None),
            KeychainStatus::Enabled { entry, state } => {
                let (view, detail) = match state {
                    EntryState::Present => (EntryView::Present, None),
                    EntryState::Missing => (EntryView::Missing, None),
                    EntryState::Mismatch => (EntryView::Mismatch, None),
                    EntryState::Unavailable(why) => (EntryView::Unavailable, Some(why)),
                    _ => (EntryView::Unavailable, None),
                };
                (Some(entry), Some(view), detail)
            }
        };
        KeychainInfo {
            enabled: account.is_some(),
            entry,
            detail,
            service: SERVICE.to_owned(),
            account,
        }
    }
}

/// Whether keychain unlock is on and its entry present. Works while locked: it reads the
/// vault's header, not its content.
#[tauri::command]
pub async fn keychain_status(state: State<'_, Arc<AppState>>) -> IpcResult<KeychainInfo> {
    let (path, store) = (state.vault_path()?, Arc::clone(&state.keystore));
    blocking(move || Ok(KeychainInfo::of(keychain::status(&path, &*store)?))).await
}

/// Turns keychain unlock on for the unlocked vault (or repairs it), after checking `password`.
#[tauri::command]
pub async fn keychain_enable(state: State<'_, Arc<AppState>>, password: String) -> IpcResult<KeychainInfo> {
    let password = SecretString::new(password);
    let (path, state) = (state.vault_path()?, Arc::clone(&state));
    blocking(move || {
        // The password proves the person may set this up (the KDF runs without the state lock).
        drop(Vault::open(&path, &password)?);
        let store = Arc::clone(&state.keystore);
        state.with_vault(instant(), |vault| {
            vault.enable_keychain(&*store)?;
            Ok(KeychainInfo::of(vault.keychain_status(&*store)))
        })
    })
    .await
}

/// Turns keychain unlock off for the unlocked vault: removes its slot, then its entry.
#[tauri::command]
pub async fn keychain_disable(state: State<'_, Arc<AppState>>) -> IpcResult<KeychainInfo> {
    let state = Arc::clone(&state);
    blocking(move || {
        let store = Arc::clone(&state.keystore);
        state.with_vault(instant(), |vault| {
            let detail = match vault.disable_keychain(&*store) {
                Ok(EntryRemoval::Failed { entry, error }) => Some(format!(
                    "the keychain entry {entry} could not be removed ({error}); remove it with: secret-tool clear service {SERVICE} username {entry}"
                )),
                Ok(_) | Err(KeychainError::NotEnabled) => None,
                Err(e) => return Err(e.into()),
            };
            Ok(KeychainInfo {
                detail,
                ..KeychainInfo::of(KeychainStatus::Disabled)
            })
        })
    })
    .await
}

/// Unlocks the vault with the key the system keychain holds for it. Fails with `Keychain`
/// (unavailable, entry removed or not matching: ask for the password) or a vault error.
#[tauri::command]
pub async fn unlock_with_keychain(state: State<'_, Arc<AppState>>) -> IpcResult<()> {
    let (path, state) = (state.vault_path()?, Arc::clone(&state));
    blocking(move || {
        let vault = Vault::open_with_keychain(&path, &*state.keystore)?;
        state.set_unlocked(vault);
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};
    use smartpush_core::vault::keychain::{KeyStore, MemoryKeyStore};
    use tauri::WebviewWindowBuilder;
    use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

    use crate::commands::test_support::call;
    use crate::state::AppState;

    const PASSWORD: &str = "correct horse battery staple";

    type Mock = (
        tauri::App<MockRuntime>,
        tauri::WebviewWindow<MockRuntime>,
        tempfile::TempDir,
    );

    /// A mock app (the real command registration) whose keychain is `store`.
    fn app(store: Arc<MemoryKeyStore>) -> Mock {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::new(
            Some(dir.path().join("vault.spv")),
            smartpush_core::vault::KdfParams::MINIMUM,
        )
        .with_keystore(store);
        let app = mock_builder()
            .manage(Arc::new(state))
            .invoke_handler(crate::invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let webview = WebviewWindowBuilder::new(&app, crate::MAIN_WINDOW, Default::default())
            .build()
            .expect("mock webview builds");
        (app, webview, dir)
    }

    fn ok(m: &Mock, cmd: &str, args: Value) -> Value {
        call(&m.1, cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(m: &Mock, cmd: &str, args: Value) -> (String, String) {
        let e = call(&m.1, cmd, args).expect_err(cmd);
        (
            e["type"].as_str().unwrap_or_default().to_owned(),
            e["message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    #[test]
    fn enable_then_unlock_without_the_password_then_disable() {
        let store = Arc::new(MemoryKeyStore::new());
        let m = app(Arc::clone(&store));
        ok(&m, "create_vault", json!({ "password": PASSWORD }));
        let status = ok(&m, "keychain_status", json!({}));
        assert_eq!(status["enabled"], false);
        assert_eq!(status["entry"], Value::Null);

        assert_eq!(
            err(&m, "keychain_enable", json!({ "password": "wrong" })).0,
            "WrongPassword"
        );
        assert!(store.entries().is_empty());
        let info = ok(&m, "keychain_enable", json!({ "password": PASSWORD }));
        assert_eq!(info["enabled"], true);
        assert_eq!(info["entry"], "present");
        assert_eq!(info["service"], "smartpush-authenticator");
        let account = info["account"].as_str().expect("account").to_owned();
        assert_eq!(store.entries(), vec![account.clone()]);

        // The session vault stays in step with the file: a later change saves fine.
        ok(
            &m,
            "add_recovery_account",
            json!({ "issuer": "X", "name": "y", "text": "abcd-efgh-2345 ijkl-mnop-6789" }),
        );
        ok(&m, "lock", json!({}));
        assert_eq!(
            ok(&m, "keychain_status", json!({}))["entry"],
            "present",
            "readable while locked"
        );
        ok(&m, "unlock_with_keychain", json!({}));
        assert_eq!(ok(&m, "vault_status", json!({}))["unlocked"], true);
        assert_eq!(ok(&m, "list_accounts", json!({})).as_array().map(Vec::len), Some(1));

        // The entry removed from outside: a Keychain error that says so; the password works.
        store.delete(&account).expect("delete");
        ok(&m, "lock", json!({}));
        let (kind, message) = err(&m, "unlock_with_keychain", json!({}));
        assert_eq!(kind, "Keychain");
        assert!(message.contains("was removed"), "{message}");
        assert_eq!(ok(&m, "keychain_status", json!({}))["entry"], "missing");
        ok(&m, "unlock", json!({ "password": PASSWORD }));

        let info = ok(&m, "keychain_disable", json!({}));
        assert_eq!(info["enabled"], false);
        assert!(store.entries().is_empty());
        ok(&m, "lock", json!({}));
        let (kind, message) = err(&m, "unlock_with_keychain", json!({}));
        assert_eq!(kind, "Keychain");
        assert!(message.contains("not enabled"), "{message}");
    }

    #[test]
    fn an_unavailable_keychain_changes_nothing_and_is_reported() {
        let store = Arc::new(MemoryKeyStore::new());
        let m = app(Arc::clone(&store));
        ok(&m, "create_vault", json!({ "password": PASSWORD }));
        store.set_unavailable(Some("no session bus"));
        let (kind, message) = err(&m, "keychain_enable", json!({ "password": PASSWORD }));
        assert_eq!(kind, "Keychain");
        assert_eq!(message, "the system keychain is unavailable: no session bus");
        assert_eq!(ok(&m, "keychain_status", json!({}))["enabled"], false);

        store.set_unavailable(None);
        ok(&m, "keychain_enable", json!({ "password": PASSWORD }));
        store.set_unavailable(Some("no session bus"));
        let status = ok(&m, "keychain_status", json!({}));
        assert_eq!(status["entry"], "unavailable");
        assert_eq!(status["detail"], "no session bus");
        ok(&m, "lock", json!({}));
        assert_eq!(err(&m, "unlock_with_keychain", json!({})).0, "Keychain");
        // Disabling still removes the slot, and names the entry left behind.
        ok(&m, "unlock", json!({ "password": PASSWORD }));
        let info = ok(&m, "keychain_disable", json!({}));
        assert_eq!(info["enabled"], false);
        assert!(
            info["detail"].as_str().is_some_and(|d| d.contains("secret-tool clear")),
            "{info}"
        );
        // Locked: enabling needs the unlocked vault.
        ok(&m, "lock", json!({}));
        store.set_unavailable(None);
        assert_eq!(
            err(&m, "keychain_enable", json!({ "password": PASSWORD })).0,
            "NotUnlocked"
        );
    }
}
