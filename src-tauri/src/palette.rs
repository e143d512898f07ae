//! The quick-copy palette: a small always-on-top window (label [`PALETTE_WINDOW`], the same UI
//! bundle at `index.html#palette`) opened by a global shortcut. Type to filter, Enter copies
//! (through the same copy-and-clear path as the list), Escape hides it.
//!
//! The window is created on the first press and then only shown and hidden, so an app that never
//! uses the palette never pays for a second web view.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_global_shortcut::{GlobalShortcutExt as _, ShortcutState};

/// Label of the palette window (capabilities/default.json lists it beside `main`).
pub const PALETTE_WINDOW: &str = "palette";
/// The palette window's title (distinct from the main window's, which tests look up by name).
pub const PALETTE_TITLE: &str = "Quick copy — SmartPush Authenticator";
/// The shortcut that opens (or hides) the palette unless the `global_shortcut` setting names
/// another.
pub const DEFAULT_SHORTCUT: &str = "Ctrl+Alt+A";

/// The global-shortcut plugin, with the palette as the handler of every shortcut it registers.
pub fn shortcut_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| {
            if event.state() == ShortcutState::Pressed {
                toggle(app);
            }
        })
        .build()
}

/// Registers the shortcut of the `global_shortcut` setting, else [`DEFAULT_SHORTCUT`]. A shortcut
/// another program holds (or a session where global shortcuts cannot be grabbed, such as native
/// Wayland) is reported on stderr, not fatal.
pub fn register_shortcut<R: Runtime>(app: &AppHandle<R>) {
    let chosen = app
        .try_state::<std::sync::Arc<crate::state::AppState>>()
        .and_then(|state| state.settings.get().global_shortcut);
    let shortcut = chosen.as_deref().unwrap_or(DEFAULT_SHORTCUT);
    if let Err(err) = app.global_shortcut().register(shortcut) {
        eprintln!("palette: the shortcut {shortcut} is not available: {err}");
    }
}

/// Shows the palette, or hides it when it is already on screen.
pub fn toggle<R: Runtime>(app: &AppHandle<R>) {
    let visible = app
        .get_webview_window(PALETTE_WINDOW)
        .is_some_and(|window| window.is_visible().unwrap_or(false));
    if visible {
        hide(app);
    } else if let Err(err) = show(app) {
        eprintln!("palette: could not open: {err}");
    }
}

/// Shows and focuses the palette, creating its window on first use.
///
/// # Errors
/// When the window cannot be created or shown.
pub fn show<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let window = match app.get_webview_window(PALETTE_WINDOW) {
        Some(window) => window,
        None => WebviewWindowBuilder::new(app, PALETTE_WINDOW, WebviewUrl::App("index.html#palette".into()))
            .title(PALETTE_TITLE)
            .inner_size(440.0, 340.0)
            .resizable(false)
            .decorations(false)
            .always_on_top(true)
            .skip_taskbar(true)
            .center()
            .focused(true)
            .build()?,
    };
    window.show()?;
    window.set_focus()
}

/// Hides the palette if it is open.
pub fn hide<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window(PALETTE_WINDOW) {
        // Best effort: a window that cannot be hidden stays; nothing else depends on it.
        let _ = window.hide();
    }
}
