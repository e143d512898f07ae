//! The tray icon: Open, Lock, quick copy of the favourite accounts, Quit; and closing the main
//! window into the tray.
//!
//! The menu is a pure function of a [`TrayModel`] (locked, or the favourites' ids and labels), so
//! it is tested without a desktop. A watcher thread recomputes the model every second and swaps
//! the menu only when it changed: unlocking, locking (also by the idle timer) and favourite
//! changes reach the tray without any command having to know about it. On Linux the tray goes
//! through libayatana-appindicator (StatusNotifierItem); where no tray host runs, the icon simply
//! does not show and the app behaves as before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use smartpush_core::Account;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::commands::codes::copy_account_code;
use crate::error::IpcResult;
use crate::state::AppState;

/// The tray icon's id.
pub const TRAY_ID: &str = "main";
/// At most this many favourites in the quick-copy part of the menu.
pub const MAX_QUICK_COPY: usize = 10;
/// How often the watcher compares the vault with the menu.
const REFRESH: Duration = Duration::from_secs(1);
/// Closing the main window quits unless the setting (or the environment) says otherwise.
pub const CLOSE_TO_TRAY_DEFAULT: bool = false;
/// Environment override of the close-to-tray behaviour (`1`/`true` or `0`/`false`).
pub const CLOSE_TO_TRAY_ENV: &str = "SMARTPUSH_AUTH_CLOSE_TO_TRAY";

/// Whether closing the main window hides it (the app stays in the tray) instead of quitting:
/// `$SMARTPUSH_AUTH_CLOSE_TO_TRAY` when set (tests), else the `close_to_tray` setting.
pub fn close_to_tray(state: &AppState) -> bool {
    parse_flag(std::env::var(CLOSE_TO_TRAY_ENV).ok().as_deref()).unwrap_or_else(|| state.settings.get().close_to_tray)
}

fn parse_flag(value: Option<&str>) -> Option<bool> {
    match value?.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// What the tray menu shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayModel {
    /// The vault is locked (or does not exist yet): the menu says so and offers Open.
    Locked,
    /// The vault is unlocked: Open, Lock and one quick-copy entry per favourite.
    Unlocked {
        /// The favourites that have a code, in vault order, at most [`MAX_QUICK_COPY`].
        favourites: Vec<QuickCopy>,
    },
}

/// One quick-copy entry: the account's id and the text shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickCopy {
    /// The account id.
    pub id: String,
    /// "Issuer (name)", or whichever of the two exists.
    pub label: String,
}

impl TrayModel {
    /// The model of the state now (applies the idle auto-lock first, records no activity).
    pub fn of(state: &AppState, now: Instant) -> TrayModel {
        state
            .with_vault(now, |vault| Ok(favourites(&vault.data().accounts)))
            .map_or(TrayModel::Locked, |favourites| TrayModel::Unlocked { favourites })
    }
}

fn favourites(accounts: &[Account]) -> Vec<QuickCopy> {
    accounts
        .iter()
        .filter(|a| a.favourite && a.otp.is_some())
        .take(MAX_QUICK_COPY)
        .map(|a| QuickCopy {
            id: a.id.0.clone(),
            label: account_label(&a.issuer, &a.name),
        })
        .collect()
}

/// "Issuer (name)", or whichever of the two is not empty.
pub fn account_label(issuer: &str, name: &str) -> String {
    match (issuer.trim(), name.trim()) {
        ("", "") => "(no name)".to_owned(),
        (issuer, "") => issuer.to_owned(),
        ("", name) => name.to_owned(),
        (issuer, name) => format!("{issuer} ({name})"),
    }
}

/// What a menu entry does, parsed from its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show and focus the main window.
    Open,
    /// Lock the vault.
    Lock,
    /// Copy this account's current code (cleared from the clipboard later).
    Copy(String),
    /// Quit the app.
    Quit,
}

const COPY_PREFIX: &str = "copy:";

impl Action {
    /// The menu id of this action.
    pub fn id(&self) -> String {
        match self {
            Action::Open => "open".into(),
            Action::Lock => "lock".into(),
            Action::Copy(id) => format!("{COPY_PREFIX}{id}"),
            Action::Quit => "quit".into(),
        }
    }

    /// The action of a menu id; `None` for ids that do nothing (labels).
    pub fn parse(id: &str) -> Option<Action> {
        match id {
            "open" => Some(Action::Open),
            "lock" => Some(Action::Lock),
            "quit" => Some(Action::Quit),
            _ => id
                .strip_prefix(COPY_PREFIX)
                .filter(|id| !id.is_empty())
                .map(|id| Action::Copy(id.to_owned())),
        }
    }
}

/// One line of the menu, before it becomes a native item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A clickable (or, with `action: None`, greyed-out) line.
    Item {
        /// The text shown (already escaped for mnemonics).
        text: String,
        /// What it does; `None`: a disabled label.
        action: Option<Action>,
    },
    /// A separator line.
    Separator,
}

fn item(text: &str, action: Option<Action>) -> Entry {
    Entry::Item {
        // GTK reads a single `&` as a mnemonic marker (muda); `&&` shows one.
        text: text.replace('&', "&&"),
        action,
    }
}

/// The menu's lines for `model`.
pub fn entries(model: &TrayModel) -> Vec<Entry> {
    let mut lines = Vec::new();
    match model {
        TrayModel::Locked => {
            lines.push(item("Vault locked", None));
            lines.push(item("Open to unlock", Some(Action::Open)));
        }
        TrayModel::Unlocked { favourites } => {
            lines.push(item("Open SmartPush Authenticator", Some(Action::Open)));
            lines.push(item("Lock", Some(Action::Lock)));
            lines.push(Entry::Separator);
            if favourites.is_empty() {
                lines.push(item("No favourites to copy", None));
            }
            for favourite in favourites {
                let text = format!("Copy code: {}", favourite.label);
                lines.push(item(&text, Some(Action::Copy(favourite.id.clone()))));
            }
        }
    }
    lines.push(Entry::Separator);
    lines.push(item("Quit", Some(Action::Quit)));
    lines
}

/// Does what a menu entry says. Copy answers like the `copy_code` command (an error when the
/// vault is locked, the account unknown or the clipboard unavailable).
pub fn perform<R: Runtime>(app: &AppHandle<R>, action: &Action) -> IpcResult<()> {
    match action {
        Action::Open => crate::focus_main_window(app),
        Action::Lock => app.state::<Arc<AppState>>().lock(),
        Action::Copy(id) => {
            let state = app.state::<Arc<AppState>>();
            copy_account_code(app, &state, id)?;
        }
        Action::Quit => app.exit(0),
    }
    Ok(())
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for entry in entries(model) {
        match entry {
            Entry::Separator => menu.append(&PredefinedMenuItem::separator(app)? as &dyn IsMenuItem<R>)?,
            Entry::Item { text, action } => {
                let (id, enabled) = match action {
                    Some(action) => (action.id(), true),
                    None => (format!("label:{text}"), false),
                };
                menu.append(&MenuItem::with_id(app, id, text, enabled, None::<&str>)?)?;
            }
        }
    }
    Ok(menu)
}

/// Adds the tray icon and starts the watcher that keeps its menu current.
///
/// # Errors
/// When the icon or its menu cannot be created.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let mut model = TrayModel::of(&app.state::<Arc<AppState>>(), Instant::now());
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("SmartPush Authenticator")
        .menu(&build_menu(app, &model)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| {
            let Some(action) = Action::parse(event.id().as_ref()) else {
                return;
            };
            if let Err(err) = perform(app, &action) {
                // The error names the account id at most, never a code.
                eprintln!("tray: {err}");
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;

    let app = app.clone();
    std::thread::Builder::new()
        .name("tray-menu".into())
        .spawn(move || {
            loop {
                std::thread::sleep(REFRESH);
                let now = TrayModel::of(&app.state::<Arc<AppState>>(), Instant::now());
                if now == model {
                    continue;
                }
                model = now;
                let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), build_menu(&app, &model)) else {
                    continue;
                };
                let _ = tray.set_menu(Some(menu));
            }
        })
        .map_err(tauri::Error::Io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_from_the_environment() {
        assert_eq!(parse_flag(Some("1")), Some(true));
        assert_eq!(parse_flag(Some(" TRUE ")), Some(true));
        assert_eq!(parse_flag(Some("off")), Some(false));
        assert_eq!(parse_flag(Some("maybe")), None);
        assert_eq!(parse_flag(None), None);
    }

    #[test]
    fn actions_round_trip_through_menu_ids() {
        for action in [Action::Open, Action::Lock, Action::Quit, Action::Copy("a1b2".into())] {
            assert_eq!(Action::parse(&action.id()), Some(action));
        }
        assert_eq!(Action::parse("copy:"), None);
        assert_eq!(Action::parse("label:Vault locked"), None);
    }

    #[test]
    fn labels_use_what_exists() {
        assert_eq!(account_label("GitHub", "me@example.com"), "GitHub (me@example.com)");
        assert_eq!(account_label(" GitHub ", ""), "GitHub");
        assert_eq!(account_label("", "me"), "me");
        assert_eq!(account_label(" ", ""), "(no name)");
    }

    #[test]
    fn a_locked_menu_says_so_and_offers_open_and_quit() {
        let lines = entries(&TrayModel::Locked);
        let actions: Vec<_> = lines
            .iter()
            .filter_map(|l| match l {
                Entry::Item { action, .. } => Some(action.clone()),
                Entry::Separator => None,
            })
            .collect();
        assert_eq!(actions, vec![None, Some(Action::Open), Some(Action::Quit)]);
        assert_eq!(lines[0], item("Vault locked", None));
    }

    #[test]
    fn an_unlocked_menu_lists_each_favourite_and_escapes_ampersands() {
        let model = TrayModel::Unlocked {
            favourites: vec![
                QuickCopy {
                    id: "1".into(),
                    label: "AT&T (me)".into(),
                },
                QuickCopy {
                    id: "2".into(),
                    label: "GitHub".into(),
                },
            ],
        };
        let lines = entries(&model);
        assert!(lines.contains(&Entry::Item {
            text: "Copy code: AT&&T (me)".into(),
            action: Some(Action::Copy("1".into()))
        }));
        assert!(lines.contains(&item("Copy code: GitHub", Some(Action::Copy("2".into())))));
        assert!(lines.contains(&item("Lock", Some(Action::Lock))));
        assert_eq!(lines.last(), Some(&item("Quit", Some(Action::Quit))));

        let empty = entries(&TrayModel::Unlocked { favourites: vec![] });
        assert!(empty.contains(&item("No favourites to copy", None)));
    }
}
