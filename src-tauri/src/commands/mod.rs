//! IPC commands, one module per domain. Each command is a few lines: take the arguments, call
//! the core, map the error ([`crate::error::IpcError`]). Blocking work (the KDF, file I/O, QR
//! decoding) runs in `async` commands through [`blocking`], off the main thread.

pub mod accounts;
pub mod app;
pub mod backups;
pub mod codes;
pub mod details;
pub mod keychain;
pub mod palette;
pub mod recovery;
pub mod server;
pub mod settings;
pub mod transfer;
pub mod vault;
pub mod vault_file;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::error::{IpcError, IpcResult};

/// Seconds since the Unix epoch (0 if the clock is before 1970). Only the edges read the clock.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// [`unix_now`] as the core's timestamp type.
pub(crate) fn timestamp() -> i64 {
    i64::try_from(unix_now()).unwrap_or(i64::MAX)
}

/// The monotonic clock the idle timer uses.
pub(crate) fn instant() -> Instant {
    Instant::now()
}

/// Runs `f` on Tauri's blocking thread pool.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> IpcResult<T> + Send + 'static) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::Io(format!("a background task failed: {e}")))?
}

/// Helpers for the command-layer tests: a mock app with the real command registration and a
/// fresh vault path in a temporary folder (minimum KDF, so tests stay fast).
#[cfg(test)]
pub(crate) mod test_support {
    use std::sync::Arc;

    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;
    use tauri::{WebviewWindow, WebviewWindowBuilder};

    use crate::state::AppState;

    /// An IPC request from the app's own origin with `args` as its JSON body.
    pub fn request(cmd: &str, args: serde_json::Value) -> InvokeRequest {
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux (`http://tauri.localhost` counts as remote there).
            url: "tauri://localhost".parse().expect("static URL parses"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        }
    }

    /// A mock app whose vault lives in the returned temporary folder.
    pub fn mock_app() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = crate::settings::SettingsStore::load(Some(dir.path().join("settings.json")), 0);
        let state = Arc::new(
            AppState::new(
                Some(dir.path().join("vault.spv")),
                smartpush_core::vault::KdfParams::MINIMUM,
            )
            .with_settings(settings),
        );
        let server = Arc::new(crate::commands::server::MockServer::new(
            Some(dir.path().join("mock-server.sqlite3")),
            smartpush_mock_server::ServerConfig::for_tests(),
        ));
        let app = mock_builder()
            .manage(state)
            .manage(server)
            .invoke_handler(crate::invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let webview = WebviewWindowBuilder::new(&app, crate::MAIN_WINDOW, Default::default())
            .build()
            .expect("mock webview builds");
        (app, webview, dir)
    }

    /// Calls `cmd` and returns its JSON answer, or the error's JSON.
    pub fn call(
        webview: &WebviewWindow<MockRuntime>,
        cmd: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        get_ipc_response(webview, request(cmd, args))
            .map(|body| body.deserialize::<serde_json::Value>().expect("JSON answer"))
    }

    /// The state the mock app manages.
    pub fn state(app: &tauri::App<MockRuntime>) -> Arc<AppState> {
        use tauri::Manager as _;
        Arc::clone(&app.state::<Arc<AppState>>())
    }
}

#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transfer_tests;
