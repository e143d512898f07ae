//! Commands about recovery codes: list (masked), add from pasted text or a `.txt`, mark used,
//! copy one, and accounts that hold only recovery codes.

use std::sync::Arc;

use serde::Serialize;
use smartpush_core::recovery::{self, LOW_WATER_MARK};
use smartpush_core::{AccountDraft, RecoveryCode, SecretString};
use tauri::{AppHandle, Runtime, State};
use ts_rs::TS;

use super::codes::{Copied, copy_then_clear, unknown};
use super::{blocking, instant, timestamp};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// One recovery code as the list shows it: masked, with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RecoveryView {
    /// Position in the account's list, for the other commands.
    pub index: u32,
    /// The code with all but its last 2 characters hidden.
    pub masked: String,
    /// When it was marked used (Unix seconds), if it was.
    #[ts(type = "number | null")]
    pub used_at: Option<i64>,
}

/// An account's recovery codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RecoveryList {
    /// In the order they were added.
    pub codes: Vec<RecoveryView>,
    /// How many are unused.
    pub left: u32,
    /// True when fewer than the low-water mark (4) remain: time to get new ones.
    pub low: bool,
}

/// The account's recovery codes, masked.
#[tauri::command]
pub fn list_recovery(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<RecoveryList> {
    state.with_vault(instant(), |vault| {
        let account = vault.data().get(&id).ok_or_else(|| unknown(&id))?;
        let left = account.recovery_codes_left();
        Ok(RecoveryList {
            codes: account
                .recovery_codes
                .iter()
                .enumerate()
                .map(|(i, c)| RecoveryView {
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                    masked: mask(c.code.expose()),
                    used_at: c.used_at,
                })
                .collect(),
            left: u32::try_from(left).unwrap_or(u32::MAX),
            low: left < LOW_WATER_MARK,
        })
    })
}

fn mask(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let shown = chars.len().saturating_sub(2);
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < shown && c.is_alphanumeric() { '•' } else { c })
        .collect()
}

/// Adds the recovery codes found in `text` (pasted, or a downloaded `.txt` read by the UI);
/// codes already stored are skipped. Returns how many were added.
#[tauri::command]
pub async fn add_recovery(state: State<'_, Arc<AppState>>, id: String, text: String) -> IpcResult<u32> {
    let codes = parse(&text)?;
    let state = Arc::clone(&state);
    blocking(move || {
        state.with_vault(instant(), |vault| {
            let account = vault.data_mut().get_mut(&id).ok_or_else(|| unknown(&id))?;
            let mut added = 0;
            for code in codes {
                let known = account
                    .recovery_codes
                    .iter()
                    .any(|c| recovery::normalize(c.code.expose()) == recovery::normalize(&code));
                if !known {
                    account.recovery_codes.push(new_code(code));
                    added += 1;
                }
            }
            if added > 0 {
                account.updated_at = timestamp();
                vault.save()?;
            }
            Ok(added)
        })
    })
    .await
}

/// Creates an account that holds only recovery codes; returns its id.
#[tauri::command]
pub async fn add_recovery_account(
    state: State<'_, Arc<AppState>>,
    issuer: String,
    name: String,
    text: String,
) -> IpcResult<String> {
    let issuer = smartpush_core::account::clean_label(&issuer);
    if issuer.is_empty() {
        return Err(IpcError::Invalid("enter the service's name".into()));
    }
    let draft = AccountDraft {
        issuer,
        name: smartpush_core::account::clean_label(&name),
        recovery_codes: parse(&text)?.into_iter().map(new_code).collect(),
        ..AccountDraft::default()
    };
    let state = Arc::clone(&state);
    let ids = blocking(move || super::accounts::add_drafts(&state, vec![draft])).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| IpcError::Io("the account was not added".into()))
}

/// Marks a recovery code used (or unused again) and saves.
#[tauri::command]
pub async fn set_recovery_used(state: State<'_, Arc<AppState>>, id: String, index: u32, used: bool) -> IpcResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        state.with_vault(instant(), |vault| {
            let account = vault.data_mut().get_mut(&id).ok_or_else(|| unknown(&id))?;
            let code = account
                .recovery_codes
                .get_mut(index as usize)
                .ok_or_else(|| IpcError::Invalid(format!("no recovery code number {index}")))?;
            code.used_at = used.then(timestamp);
            account.updated_at = timestamp();
            vault.save()?;
            Ok(())
        })
    })
    .await
}

/// Copies one recovery code to the clipboard (cleared like a code).
#[tauri::command]
pub fn copy_recovery_code<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, Arc<AppState>>,
    id: String,
    index: u32,
) -> IpcResult<Copied> {
    let code = state.with_vault(instant(), |vault| {
        let account = vault.data().get(&id).ok_or_else(|| unknown(&id))?;
        account
            .recovery_codes
            .get(index as usize)
            .map(|c| c.code.expose().to_owned())
            .ok_or_else(|| IpcError::Invalid(format!("no recovery code number {index}")))
    })?;
    copy_then_clear(&app, code)
}

fn parse(text: &str) -> IpcResult<Vec<String>> {
    let codes = recovery::parse_codes_text(text);
    if codes.is_empty() {
        return Err(IpcError::Invalid("no recovery codes found in that text".into()));
    }
    Ok(codes)
}

fn new_code(code: String) -> RecoveryCode {
    RecoveryCode {
        code: SecretString::new(code),
        used_at: None,
        note: String::new(),
    }
}
