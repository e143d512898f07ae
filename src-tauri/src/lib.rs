//! SmartPush Authenticator desktop shell.
//!
//! A thin Tauri v2 layer over [`smartpush_core`]: it registers the plugins and the IPC commands
//! (grouped by domain under [`commands`]) and opens the main window described in
//! `tauri.conf.json`. No OTP, parsing or crypto logic lives here.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bindings;
pub mod commands;
pub mod error;
pub mod palette;
#[cfg(target_os = "linux")]
pub mod session_lock;
pub mod settings;
pub mod state;
pub mod tray;

use std::ffi::OsString;

use std::sync::Arc;

use tauri::{AppHandle, Manager, RunEvent, Runtime, Window, WindowEvent, ipc::Invoke};

use crate::commands::server::MockServer;
use crate::state::AppState;

/// Label of the main window, as declared in `tauri.conf.json`.
pub const MAIN_WINDOW: &str = "main";

/// The IPC handler holding every command the UI may call.
///
/// Shared by [`run`] and the command-layer tests, so the tests exercise the real registration.
pub fn invoke_handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    use commands::{
        accounts, app, backups, codes, details, keychain, palette, recovery, server, settings, transfer, vault,
        vault_file,
    };
    tauri::generate_handler![
        app::first_screen,
        app::bench_mark,
        vault::vault_status,
        vault::create_vault,
        vault::unlock,
        vault::lock,
        vault::touch,
        vault::set_auto_lock,
        accounts::list_accounts,
        accounts::read_uri,
        accounts::read_image,
        accounts::scan_screen,
        accounts::read_clipboard,
        accounts::add_pending,
        accounts::check_manual,
        accounts::add_manual,
        accounts::delete_account,
        details::account_details,
        details::update_account,
        details::set_favourite,
        details::reveal_secret,
        details::account_qr,
        codes::list_codes,
        codes::next_code,
        codes::hotp_next,
        codes::copy_code,
        recovery::list_recovery,
        recovery::add_recovery,
        recovery::add_recovery_account,
        recovery::set_recovery_used,
        recovery::copy_recovery_code,
        keychain::keychain_status,
        keychain::keychain_enable,
        keychain::keychain_disable,
        keychain::unlock_with_keychain,
        settings::get_settings,
        settings::update_settings,
        vault_file::vault_kdf,
        vault_file::measure_kdf,
        vault_file::change_password,
        vault_file::choose_vault_file,
        vault_file::restore_backup,
        transfer::import_pick_files,
        transfer::import_preview,
        transfer::import_commit,
        transfer::export_pick_file,
        transfer::export_file,
        transfer::export_google_qr,
        backups::backup_info,
        backups::backup_now,
        backups::backup_set,
        backups::backup_pick_folder,
        backups::backup_restore,
        backups::restore_pick_file,
        backups::restore_first_run,
        palette::palette_list,
        palette::palette_copy,
        palette::palette_hide,
        palette::palette_open_main,
        server::server_start,
        server::server_stop,
        server::server_status,
        server::server_outbox,
        server::server_clear_outbox,
        server::server_copy_code,
        server::server_accounts,
        server::server_set_risk,
        server::server_support_reset,
        server::server_set_clock,
        server::server_open_browser,
        server::server_copy_url,
    ]
}

/// The state of a normal run: the settings from their file, the vault at `$SMARTPUSH_AUTH_VAULT`,
/// else the one chosen in the settings, else the default path; the default key-derivation
/// strength.
pub fn default_state() -> Arc<AppState> {
    let settings = settings::SettingsStore::load(settings::default_path(), commands::unix_now());
    let path = settings::vault_path(&settings.get());
    let state = AppState::new(path, smartpush_core::vault::KdfParams::DEFAULT).with_settings(settings);
    state.set_backup_source(Some(state::BackupSource::from_env()));
    Arc::new(state)
}

/// Why the desktop app could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Neither `DISPLAY` nor `WAYLAND_DISPLAY` is set (Linux and BSD): no screen to open a window on.
    /// Checked up front because GTK would otherwise abort the process.
    #[error("no display found ($DISPLAY and $WAYLAND_DISPLAY are empty): the desktop window cannot open here")]
    NoDisplay,
    /// `--password-stdin` was given but standard input could not be read.
    #[error("could not read the password from standard input: {0}")]
    Stdin(std::io::Error),
    /// Tauri failed to start or stopped with an error.
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
}

/// Opens the desktop app and blocks until its last window closes.
///
/// A second launch does not open a second window: it focuses the running one and exits
/// (single-instance over D-Bus on Linux).
///
/// # Errors
/// [`RunError::NoDisplay`] when there is no display to open the window on, [`RunError::Tauri`]
/// when Tauri cannot start (for example a broken configuration).
pub fn run() -> Result<(), RunError> {
    if uses_x11_or_wayland() && !display_available(std::env::var_os("DISPLAY"), std::env::var_os("WAYLAND_DISPLAY")) {
        return Err(RunError::NoDisplay);
    }
    // `make bench-app` reports the app's start-up phases from these marks (no-ops otherwise).
    commands::app::mark("start");
    no_core_dumps();
    let state = default_state();
    if let Some(password) = startup_password()? {
        state.begin_startup_unlock(password);
    }
    state::watch_idle(&state, state::IDLE_CHECK);
    #[cfg(target_os = "linux")]
    session_lock::start(Arc::clone(&state));
    tauri::Builder::default()
        // Must be the first plugin, so a second instance exits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main_window(app)
        }))
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(navigation_guard())
        .plugin(palette::shortcut_plugin())
        .manage(state)
        .manage(Arc::new(MockServer::from_env()))
        .invoke_handler(invoke_handler())
        .setup(|app| {
            commands::app::mark("window");
            // Neither is essential: without a tray host or a free shortcut the window still works.
            if let Err(err) = tray::install(app.handle()) {
                eprintln!("tray: not available: {err}");
            }
            palette::register_shortcut(app.handle());
            Ok(())
        })
        .on_window_event(on_window_event)
        .build(tauri::tauri_build_context!())?
        .run(|app, event| {
            if let RunEvent::Exit = event {
                stop_mock_server(app);
            }
        });
    Ok(())
}

/// Keeps every web view on the app's own pages: a navigation anywhere else (a link, a script,
/// a redirect) is cancelled. Pages of the mock server open in the user's browser instead.
fn navigation_guard<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| navigation_allowed(url))
        .build()
}

/// Whether `url` is one of the app's own pages: `tauri://localhost` (Linux, macOS) or
/// `http(s)://tauri.localhost` (Windows), the bundled front end.
fn navigation_allowed(url: &tauri::Url) -> bool {
    matches!(
        (url.scheme(), url.host_str(), url.port()),
        ("tauri", Some("localhost"), None) | ("http" | "https", Some("tauri.localhost"), None)
    )
}

/// A crash must not leave the unlocked vault's keys in a core file: the limit is set to zero
/// for this process and the web view processes it starts.
fn no_core_dumps() {
    #[cfg(unix)]
    if let Err(err) = rlimit::setrlimit(rlimit::Resource::CORE, 0, 0) {
        eprintln!("could not turn core dumps off: {err}");
    }
}

/// Stops the mock server, if the panel started it, before the process exits: requests in
/// flight finish and its database is closed (WAL checkpointed). Runs on the main thread once the
/// event loop is done, so blocking here delays nothing the user sees.
fn stop_mock_server<R: Runtime>(app: &AppHandle<R>) {
    if let Some(server) = app.try_state::<Arc<MockServer>>() {
        let server = Arc::clone(&server);
        // Nothing is left to report an error to at exit; the database closes on drop anyway.
        let _ = tauri::async_runtime::block_on(server.shutdown());
    }
}

/// The command-line flag that makes the app read its vault password from standard input and
/// unlock at launch (scripts, `make bench-app`). There is deliberately no environment variable
/// for the app: the web view's helper processes would inherit it.
pub const PASSWORD_STDIN_FLAG: &str = "--password-stdin";

/// Reads the password from standard input (one line, without its line ending) when the app was
/// started with [`PASSWORD_STDIN_FLAG`].
fn startup_password() -> Result<Option<smartpush_core::SecretString>, RunError> {
    if !std::env::args_os().skip(1).any(|a| a == PASSWORD_STDIN_FLAG) {
        return Ok(None);
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line).map_err(RunError::Stdin)?;
    let password = line.trim_end_matches(['\r', '\n']);
    Ok(Some(smartpush_core::SecretString::new(password.to_owned())))
}

/// Whether windows go through X11 or Wayland on this platform (GTK needs one of them).
const fn uses_x11_or_wayland() -> bool {
    cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "netbsd",
        target_os = "openbsd"
    ))
}

/// Whether an X11 or Wayland display is named, given `$DISPLAY` and `$WAYLAND_DISPLAY`.
fn display_available(display: Option<OsString>, wayland_display: Option<OsString>) -> bool {
    [display, wayland_display]
        .into_iter()
        .flatten()
        .any(|name| !name.is_empty())
}

/// Closing the main window hides it when close-to-tray is on; once it is gone the app quits
/// (the hidden palette window would otherwise keep it running).
fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if window.label() != MAIN_WINDOW {
        return;
    }
    match event {
        WindowEvent::CloseRequested { api, .. }
            if tray::close_to_tray(&window.app_handle().state::<Arc<AppState>>()) =>
        {
            api.prevent_close();
            // Best effort: if the window cannot hide it stays open, which loses nothing.
            let _ = window.hide();
        }
        WindowEvent::Destroyed => window.app_handle().exit(0),
        _ => {}
    }
}

/// Brings the main window to the front: shown, restored from minimised, focused.
pub(crate) fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        // Best effort: a window manager may refuse focus; there is nothing useful to do then.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_own_pages_can_be_navigated_to() {
        let allowed = |url: &str| navigation_allowed(&tauri::Url::parse(url).unwrap());
        assert!(allowed("tauri://localhost/"));
        assert!(allowed("tauri://localhost/index.html?palette"));
        assert!(allowed("http://tauri.localhost/"));
        for url in [
            "https://example.com/",
            "http://localhost:8787/",
            "http://127.0.0.1/",
            "tauri://localhost.example.com/",
            "http://tauri.localhost:8080/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,<p>hi</p>",
            "about:blank",
        ] {
            assert!(!allowed(url), "{url}");
        }
    }

    #[test]
    fn a_display_is_available_when_either_variable_names_one() {
        let some = |name: &str| Some(OsString::from(name));
        assert!(display_available(some(":0"), None));
        assert!(display_available(None, some("wayland-0")));
        assert!(display_available(some(""), some("wayland-0")));
        assert!(!display_available(None, None));
        assert!(!display_available(some(""), some("")));
    }

    #[test]
    fn no_display_error_names_both_variables() {
        let message = RunError::NoDisplay.to_string();
        assert!(
            message.contains("$DISPLAY") && message.contains("$WAYLAND_DISPLAY"),
            "{message}"
        );
    }
}
