//! SmartPush Authenticator desktop shell.
//!
//! A thin Tauri v2 layer over [`smartpush_core`]: it registers the plugins and the IPC commands
//! (grouped by domain under [`commands`]) and opens the main window described in
//! `tauri.conf.json`. No OTP, parsing or crypto logic lives here.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod commands;

use tauri::{AppHandle, Manager, Runtime, ipc::Invoke};

/// Label of the main window, as declared in `tauri.conf.json`.
pub const MAIN_WINDOW: &str = "main";

/// The IPC handler holding every command the UI may call.
///
/// Shared by [`run`] and the command-layer tests, so the tests exercise the real registration.
pub fn invoke_handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![commands::app::app_info]
}

/// Opens the desktop app and blocks until its last window closes.
///
/// A second launch does not open a second window: it focuses the running one and exits
/// (single-instance over D-Bus on Linux).
///
/// # Errors
/// When Tauri cannot start (for example no display, or a broken configuration).
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        // Must be the first plugin, so a second instance exits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main_window(app)
        }))
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        // tauri-plugin-global-shortcut is a dependency but not registered yet: on Linux its
        // setup starts an X11 event thread, which is wasted until a shortcut exists.
        .invoke_handler(invoke_handler())
        .run(tauri::tauri_build_context!())
}

/// Brings the main window to the front: shown, restored from minimised, focused.
fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        // Best effort: a window manager may refuse focus; there is nothing useful to do then.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
