//! Commands about the application itself.

use serde::Serialize;
use tauri::{AppHandle, Runtime};

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

/// Returns the app's name and version and the core's version.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
        core_version: smartpush_core::VERSION.to_owned(),
    }
}

/// Environment variable that makes [`bench_mark`] print its marks (`make bench-app`).
pub const BENCH_ENV: &str = "SMARTPUSH_AUTH_BENCH";

/// For `make bench-app`: when `$SMARTPUSH_AUTH_BENCH` is set, prints `bench: <label> <unix ms>`
/// on stdout (the UI calls it once the first codes are painted). Does nothing otherwise.
#[tauri::command]
pub fn bench_mark(label: String) {
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
    use crate::commands::test_support::{call, mock_app};

    #[test]
    fn app_info_goes_through_ipc_and_reports_the_package_and_the_core() {
        let (app, webview, _dir) = mock_app();
        let info = call(&webview, "app_info", serde_json::json!({})).expect("app_info answers");
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
    fn an_unknown_command_is_rejected() {
        let (_app, webview, _dir) = mock_app();
        assert!(call(&webview, "no_such_command", serde_json::json!({})).is_err());
    }
}
