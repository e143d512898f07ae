//! Commands about the application itself.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use super::accounts::{AccountView, account_list};
use super::codes::{CodeView, codes_of};
use super::vault::VaultStatus;
use super::{blocking, instant, unix_now};
use crate::error::{IpcError, IpcResult};
use crate::settings::Settings;
use crate::state::AppState;

/// What the UI shows about the running app (its "About" line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AppInfo {
    /// Product name, from `tauri.conf.json` (`productName`).
    pub name: String,
    /// Version of the desktop app.
    pub version: String,
    /// Version of the `smartpush-core` crate compiled into the app.
    pub core_version: String,
}

impl AppInfo {
    /// The running app's name and version and the core's version.
    pub fn of<R: Runtime>(app: &AppHandle<R>) -> AppInfo {
        let package = app.package_info();
        AppInfo {
            name: package.name.clone(),
            version: package.version.to_string(),
            core_version: smartpush_core::VERSION.to_owned(),
        }
    }
}

/// Everything the window needs to draw its first screen, so that it is drawn after one round
/// trip (each IPC call waits for the main thread, which is busy while the window starts).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FirstScreen {
    /// The vault's status, once the unlock started at launch (if any) is over.
    pub status: VaultStatus,
    /// Why the unlock started at launch by `--password-stdin` failed (e.g. `WrongPassword`).
    pub unlock_error: Option<IpcError>,
    /// The settings in force (the page applies the theme before it paints).
    pub settings: Settings,
    /// Why the settings file was set aside at start; given once.
    pub settings_notice: Option<String>,
    /// The app's name and versions (the "About" line).
    pub app: AppInfo,
    /// When unlocked: every account, as `list_accounts` returns them; else empty.
    pub accounts: Vec<AccountView>,
    /// When unlocked: the codes of the first `rows` accounts of `accounts` (the rows drawn first).
    pub codes: Vec<CodeView>,
}

/// Waits for the unlock started at launch, if any, and returns what the first screen shows.
#[tauri::command]
pub async fn first_screen<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, Arc<AppState>>,
    rows: u32,
) -> IpcResult<FirstScreen> {
    let (state, info) = (Arc::clone(&state), AppInfo::of(&app));
    blocking(move || {
        let unlock_error = state.startup_unlock().and_then(Result::err);
        let now = instant();
        let lists = state.with_vault(now, |vault| {
            let accounts = account_list(vault);
            let first: HashSet<String> = accounts
                .iter()
                .take(usize::try_from(rows).unwrap_or(usize::MAX))
                .map(|a| a.id.clone())
                .collect();
            let codes = codes_of(vault, Some(&first), unix_now());
            Ok((accounts, codes))
        });
        let (accounts, codes) = lists.unwrap_or_default();
        mark("first-screen");
        Ok(FirstScreen {
            status: VaultStatus::current(&state, now),
            unlock_error,
            settings: state.settings.get(),
            settings_notice: state.settings.take_notice(),
            app: info,
            accounts,
            codes,
        })
    })
    .await
}

/// Environment variable that makes [`bench_mark`] print its marks (`make bench-app`).
pub const BENCH_ENV: &str = "SMARTPUSH_AUTH_BENCH";

/// For `make bench-app`: when `$SMARTPUSH_AUTH_BENCH` is set, prints `bench: <label> <unix ms>`
/// on stdout (the UI calls it once the first codes are painted). Does nothing otherwise.
#[tauri::command]
pub fn bench_mark(label: String) {
    mark(&label);
}

/// Prints `bench: <label> <unix ms>` when `$SMARTPUSH_AUTH_BENCH` is set (the label reduced to
/// ASCII letters, digits and dashes); does nothing otherwise.
pub fn mark(label: &str) {
    if std::env::var_os(BENCH_ENV).is_none() {
        return;
    }
    let label: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    println!("bench: {label} {ms}");
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use smartpush_core::SecretString;

    use crate::commands::test_support::{call, mock_app, state};

    const PASSWORD: &str = "correct horse battery staple";

    /// A mock app whose vault holds `accounts` TOTP accounts and is locked again.
    fn locked_vault(
        accounts: usize,
    ) -> (
        tauri::App<tauri::test::MockRuntime>,
        tauri::WebviewWindow<tauri::test::MockRuntime>,
        tempfile::TempDir,
    ) {
        let mock = mock_app();
        call(&mock.1, "create_vault", json!({ "password": PASSWORD })).expect("vault created");
        for i in 0..accounts {
            let uri = format!("otpauth://totp/Service%20{i}:user{i}?secret=JBSWY3DPEHPK3PXP&issuer=Service%20{i}");
            call(&mock.1, "read_uri", json!({ "text": uri })).expect("URI read");
            call(&mock.1, "add_pending", json!({ "indexes": [0] })).expect("account added");
        }
        call(&mock.1, "lock", json!({})).expect("locked");
        mock
    }

    fn first_screen(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, rows: u32) -> serde_json::Value {
        call(webview, "first_screen", json!({ "rows": rows })).expect("first_screen answers")
    }

    #[test]
    fn the_first_screen_names_the_app_and_the_core() {
        let (app, webview, _dir) = mock_app();
        let info = &first_screen(&webview, 10)["app"];
        let package = app.package_info();
        assert_eq!(info["name"], package.name.as_str());
        assert_eq!(info["version"], package.version.to_string());
        assert_eq!(info["core_version"], smartpush_core::VERSION);
        assert_eq!(
            info.as_object().map(|o| o.len()),
            Some(3),
            "exactly name, version, core_version: {info}"
        );
    }

    #[test]
    fn without_a_startup_password_the_first_screen_is_the_locked_vault() {
        let (_app, webview, _dir) = locked_vault(2);
        let first = first_screen(&webview, 10);
        assert_eq!(first["status"]["exists"], true);
        assert_eq!(first["status"]["unlocked"], false);
        assert_eq!(first["unlock_error"], serde_json::Value::Null);
        assert_eq!(first["accounts"], json!([]), "nothing of a locked vault");
        assert_eq!(first["codes"], json!([]));
        assert_eq!(first["settings"]["theme"], "system");
    }

    #[test]
    fn a_startup_password_unlocks_the_vault_once_and_the_first_rows_come_with_their_codes() {
        let (app, webview, _dir) = locked_vault(5);
        state(&app).begin_startup_unlock(SecretString::new(PASSWORD));
        let first = first_screen(&webview, 3);
        assert_eq!(first["status"]["unlocked"], true);
        assert_eq!(first["unlock_error"], serde_json::Value::Null);
        let listed = call(&webview, "list_accounts", json!({})).expect("list");
        assert_eq!(first["accounts"], listed, "the same list as list_accounts");
        let ids: Vec<&serde_json::Value> = listed.as_array().expect("array").iter().map(|a| &a["id"]).collect();
        let coded: Vec<&serde_json::Value> = first["codes"]
            .as_array()
            .expect("array")
            .iter()
            .map(|c| &c["id"])
            .collect();
        assert_eq!(coded, ids[..3], "codes of the first 3 rows only");
        let now = call(&webview, "list_codes", json!({ "ids": ids[..3] })).expect("codes");
        assert_eq!(
            first["codes"]
                .as_array()
                .map(|c| c.iter().map(|c| &c["code"]).collect::<Vec<_>>()),
            now.as_array().map(|c| c.iter().map(|c| &c["code"]).collect::<Vec<_>>()),
            "the codes list_codes gives for those rows"
        );
        // Collected once: a reload of the page does not wait for it again, and stays unlocked.
        let again = first_screen(&webview, 3);
        assert_eq!(again["status"]["unlocked"], true);
        assert_eq!(again["unlock_error"], serde_json::Value::Null);
    }

    #[test]
    fn a_wrong_startup_password_is_reported_and_leaves_the_vault_locked() {
        let (app, webview, _dir) = locked_vault(1);
        state(&app).begin_startup_unlock(SecretString::new("not the password"));
        let first = first_screen(&webview, 10);
        assert_eq!(first["unlock_error"]["type"], "WrongPassword", "{first}");
        assert!(!first.to_string().contains("not the password"), "{first}");
        assert_eq!(first["status"]["unlocked"], false);
        assert_eq!(first["accounts"], json!([]));
        // Reported once.
        assert_eq!(first_screen(&webview, 10)["unlock_error"], serde_json::Value::Null);
    }

    #[test]
    fn an_unknown_command_is_rejected() {
        let (_app, webview, _dir) = mock_app();
        assert!(call(&webview, "no_such_command", json!({})).is_err());
    }
}
