//! Commands about one-time codes: the list, the next code, HOTP, copying to the clipboard.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use smartpush_core::otp;
use smartpush_core::vault::Vault;
use smartpush_core::{Account, OtpKind};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::{Clipboard, ClipboardExt as _};
use ts_rs::TS;
use zeroize::Zeroizing;

use super::{instant, timestamp, unix_now};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// How long a copied code stays on the clipboard when no settings say otherwise.
pub const CLIPBOARD_CLEAR: Duration = Duration::from_secs(30);

/// Counts our copies: a clearing timer only acts if no later copy of ours started its own.
static COPIES: AtomicU64 = AtomicU64::new(0);

/// The code of one account as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CodeView {
    /// The account.
    pub id: String,
    /// The current code (TOTP/Steam), or the last code issued (HOTP; `None` before the first).
    pub code: Option<String>,
    /// Seconds the code stays valid (TOTP/Steam); the UI draws the ring from it.
    pub valid_for: Option<u32>,
    /// The time step in seconds (TOTP/Steam).
    pub period: Option<u32>,
    /// True for counter-based accounts (the "next code" button).
    pub hotp: bool,
}

/// Answer of [`copy_code`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Copied {
    /// The clipboard is cleared after this many seconds if it still holds the code.
    pub clears_in: u32,
}

/// The current code of every account that has a secret (in list order), or only of the accounts
/// `ids` names (the rows the window draws; unknown ids are ignored).
#[tauri::command]
pub fn list_codes(state: State<'_, Arc<AppState>>, ids: Option<Vec<String>>) -> IpcResult<Vec<CodeView>> {
    let now = unix_now();
    let wanted: Option<HashSet<String>> = ids.map(|ids| ids.into_iter().collect());
    state.with_vault(instant(), |vault| Ok(codes_of(vault, wanted.as_ref(), now)))
}

/// The codes [`list_codes`] returns at `now` (Unix seconds), from an unlocked vault: of every
/// account with a secret, or only of those `wanted` names.
pub(crate) fn codes_of(vault: &Vault, wanted: Option<&HashSet<String>>, now: u64) -> Vec<CodeView> {
    vault
        .data()
        .accounts
        .iter()
        .filter(|a| wanted.is_none_or(|w| w.contains(&a.id.0)))
        .filter_map(|a| code_view(a, now))
        .collect()
}

fn code_view(account: &Account, now: u64) -> Option<CodeView> {
    let cfg = account.otp.as_ref()?;
    if cfg.kind == OtpKind::Hotp {
        return Some(CodeView {
            id: account.id.0.clone(),
            code: last_hotp(cfg),
            valid_for: None,
            period: None,
            hotp: true,
        });
    }
    let code = otp::generate(cfg, now).ok();
    Some(CodeView {
        id: account.id.0.clone(),
        valid_for: code
            .as_ref()
            .and_then(|c| c.valid_for_seconds)
            .map(|s| u32::try_from(s).unwrap_or(0)),
        period: Some(cfg.period),
        code: code.map(|c| c.code),
        hotp: false,
    })
}

/// The HOTP code issued last (for the counter before the stored one).
fn last_hotp(cfg: &smartpush_core::OtpConfig) -> Option<String> {
    let previous = cfg.counter.checked_sub(1)?;
    let mut at = cfg.clone();
    at.counter = previous;
    otp::generate(&at, 0).ok().map(|c| c.code)
}

/// The code of the next time step (TOTP/Steam), on demand.
#[tauri::command]
pub fn next_code(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<String> {
    let now = unix_now();
    state.with_vault(instant(), |vault| {
        let cfg = otp_of(vault.data().get(&id), &id)?;
        if cfg.kind == OtpKind::Hotp {
            return Err(IpcError::Invalid(
                "an HOTP account has no time steps; use \"Next code\"".into(),
            ));
        }
        otp::generate(cfg, now)
            .map(|c| c.next_code)
            .map_err(|e| IpcError::Invalid(e.to_string()))
    })
}

/// HOTP: issues the code for the stored counter, advances the counter and saves the vault.
#[tauri::command]
pub async fn hotp_next(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<String> {
    let state = Arc::clone(&state);
    super::blocking(move || {
        state.with_vault(instant(), |vault| {
            let account = vault.data_mut().get_mut(&id).ok_or_else(|| unknown(&id))?;
            let cfg = account.otp.as_mut().ok_or_else(|| no_secret(&id))?;
            if cfg.kind != OtpKind::Hotp {
                return Err(IpcError::Invalid("only HOTP accounts have a counter".into()));
            }
            let code = otp::generate(cfg, 0).map_err(|e| IpcError::Invalid(e.to_string()))?;
            cfg.counter = cfg.counter.saturating_add(1);
            account.updated_at = timestamp();
            vault.save()?;
            Ok(code.code)
        })
    })
    .await
}

/// Copies the account's current code to the clipboard (the code never crosses IPC for this)
/// and clears it after the delay of the settings if the clipboard still holds it.
#[tauri::command]
pub fn copy_code<R: Runtime>(app: AppHandle<R>, state: State<'_, Arc<AppState>>, id: String) -> IpcResult<Copied> {
    copy_account_code(&app, &state, &id)
}

/// Copies the current code of account `id` through [`copy_then_clear`]: the one copy path of the
/// list, the tray and the palette.
pub(crate) fn copy_account_code<R: Runtime>(app: &AppHandle<R>, state: &AppState, id: &str) -> IpcResult<Copied> {
    let now = unix_now();
    let code = state.with_vault(instant(), |vault| {
        let account = vault.data().get(id).ok_or_else(|| unknown(id))?;
        code_view(account, now)
            .and_then(|v| v.code)
            .ok_or_else(|| IpcError::Invalid("no code to copy yet: press \"Next code\" first".into()))
    })?;
    copy_then_clear(app, code)
}

/// Writes `text` to the clipboard and clears it after the settings' delay (`clipboard_clear_seconds`,
/// else [`CLIPBOARD_CLEAR`]) if it still holds `text` and no later copy of ours replaced it.
pub(crate) fn copy_then_clear<R: Runtime>(app: &AppHandle<R>, text: String) -> IpcResult<Copied> {
    // Our copies of the code are wiped when dropped (the clipboard's own copy is out of our hands).
    let text = Zeroizing::new(text);
    if app.try_state::<Clipboard<R>>().is_none() {
        return Err(IpcError::Clipboard("the clipboard is not available".into()));
    }
    let seconds = app
        .try_state::<Arc<AppState>>()
        .map_or(CLIPBOARD_CLEAR.as_secs(), |state| {
            state.settings.get().clipboard_clear_seconds.into()
        });
    app.clipboard()
        .write_text(String::clone(&text))
        .map_err(|e| IpcError::Clipboard(format!("could not write the clipboard: {e}")))?;
    let copy = COPIES.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        // Only clear what is still ours: the user may have copied something else since, and a
        // later copy of ours (even of the same code) has its own timer.
        if COPIES.load(Ordering::SeqCst) == copy
            && app
                .clipboard()
                .read_text()
                .is_ok_and(|current| *Zeroizing::new(current) == *text)
        {
            let _ = app.clipboard().clear();
        }
    });
    Ok(Copied {
        clears_in: u32::try_from(seconds).unwrap_or(u32::MAX),
    })
}

fn otp_of<'a>(account: Option<&'a Account>, id: &str) -> IpcResult<&'a smartpush_core::OtpConfig> {
    account
        .ok_or_else(|| unknown(id))?
        .otp
        .as_ref()
        .ok_or_else(|| no_secret(id))
}

pub(crate) fn unknown(id: &str) -> IpcError {
    IpcError::Invalid(format!("no account with id {id}"))
}

fn no_secret(id: &str) -> IpcError {
    IpcError::Invalid(format!("account {id} holds only recovery codes"))
}

use tauri::Manager as _;
