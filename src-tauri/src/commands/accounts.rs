//! Commands about accounts: the list, reading a URI, an image, the screen or the clipboard,
//! picking what to add, the manual form, deleting.
//!
//! A URI or an image is read into drafts kept in [`AppState`]; the UI gets a description of each
//! (never its secret) and adds the ones the user picks with [`add_pending`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smartpush_core::account::Base32Error;
use smartpush_core::qr::{self, PayloadKind};
use smartpush_core::vault::Vault;
use smartpush_core::{Account, AccountDraft, Algorithm, OtpConfig, OtpKind, Secret, otp};
use tauri::{AppHandle, Manager as _, Runtime, State};
use tauri_plugin_clipboard_manager::{Clipboard, ClipboardExt as _};
use ts_rs::TS;

use super::{blocking, instant, timestamp};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Images larger than this are refused before decoding.
const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

/// One account as the list shows it (no secret, no code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountView {
    /// Stable id.
    pub id: String,
    /// The service.
    pub issuer: String,
    /// The user's name at that service.
    pub name: String,
    /// `totp`, `hotp`, `steam`; `None` for an account with recovery codes only.
    pub kind: Option<String>,
    /// Free tags, searched like the issuer and the name.
    pub tags: Vec<String>,
    /// Recovery codes not used yet.
    pub recovery_left: u32,
    /// All recovery codes.
    pub recovery_total: u32,
    /// Starred: listed first.
    pub favourite: bool,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> AccountView {
        AccountView {
            id: a.id.0.clone(),
            issuer: a.issuer.clone(),
            name: a.name.clone(),
            kind: a.otp.as_ref().map(|o| o.kind.as_str().to_owned()),
            tags: a.tags.clone(),
            recovery_left: count(a.recovery_codes_left()),
            recovery_total: count(a.recovery_codes.len()),
            favourite: a.favourite,
        }
    }
}

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// An account found in a URI, an image or an import file, waiting to be picked (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Candidate {
    /// Its index, for [`add_pending`] (or `import_commit`).
    pub index: u32,
    /// The service.
    pub issuer: String,
    /// The user's name at that service.
    pub name: String,
    /// `totp`, `hotp` or `steam`; empty for recovery codes only.
    pub kind: String,
    /// True when the vault already has this account (same issuer, name and secret).
    pub duplicate: bool,
}

/// The drafts as candidates to pick from, in order, each checked against the unlocked vault.
pub(crate) fn candidates(state: &AppState, drafts: &[AccountDraft]) -> IpcResult<Vec<Candidate>> {
    state.with_vault(instant(), |vault| {
        Ok(drafts
            .iter()
            .enumerate()
            .map(|(i, d)| Candidate {
                index: count(i),
                issuer: d.issuer.clone(),
                name: d.name.clone(),
                kind: d.otp.as_ref().map_or("", |o| o.kind.as_str()).to_owned(),
                duplicate: vault.data().find_duplicate(d).is_some(),
            })
            .collect())
    })
}

/// What reading a URI or an image found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Found {
    /// The accounts, to pick from.
    pub candidates: Vec<Candidate>,
    /// Sentences about what was not an account (a web address, an unreadable code, a missing
    /// part of an export).
    pub notes: Vec<String>,
}

/// The manual form. Text fields as typed; the core validates.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ManualAccount {
    /// The service (required).
    pub issuer: String,
    /// The user's name at that service.
    pub name: String,
    /// The base32 secret as shown by the service (spaces and dashes allowed).
    pub secret: String,
    /// `totp`, `hotp` or `steam`.
    pub kind: String,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    /// 6–8 (5 for Steam).
    pub digits: u32,
    /// Seconds, for TOTP.
    pub period: u32,
    /// Starting counter, for HOTP.
    pub counter: u32,
}

/// A problem with one field of the manual form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldIssue {
    /// The field's name in [`ManualAccount`].
    pub field: String,
    /// What to fix.
    pub message: String,
}

/// Every account: the favourites first, each group in vault order.
#[tauri::command]
pub fn list_accounts(state: State<'_, Arc<AppState>>) -> IpcResult<Vec<AccountView>> {
    state.with_vault(instant(), |vault| Ok(account_list(vault)))
}

/// The list [`list_accounts`] returns, from an unlocked vault.
pub(crate) fn account_list(vault: &Vault) -> Vec<AccountView> {
    let mut list: Vec<AccountView> = vault.data().accounts.iter().map(AccountView::from).collect();
    // Stable: the vault's order holds within each group.
    list.sort_by_key(|a| !a.favourite);
    list
}

/// Reads an `otpauth://` or `otpauth-migration://` URI (pasted) into candidates.
#[tauri::command]
pub fn read_uri(state: State<'_, Arc<AppState>>, text: String) -> IpcResult<Found> {
    let payloads: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if payloads.is_empty() {
        return Err(IpcError::Invalid("paste an otpauth:// link first".into()));
    }
    found(&state, qr::scan_accounts(&payloads))
}

/// Decodes the QR codes of an image file's bytes (base64, as read by the UI) into candidates.
#[tauri::command]
pub async fn read_image(state: State<'_, Arc<AppState>>, base64: String) -> IpcResult<Found> {
    let state = Arc::clone(&state);
    blocking(move || {
        let bytes = data_encoding::BASE64
            .decode(base64.as_bytes())
            .map_err(|_| IpcError::Invalid("the image could not be read".into()))?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(IpcError::Invalid("the image is larger than 20 MiB".into()));
        }
        let payloads = qr::decode_image_bytes(&bytes).map_err(|e| IpcError::Invalid(e.to_string()))?;
        if payloads.is_empty() {
            return Err(IpcError::Invalid("no QR code found in this image".into()));
        }
        found(&state, qr::scan_accounts(&payloads))
    })
    .await
}

/// Captures every screen (X11) and decodes the QR codes on it into candidates.
#[tauri::command]
pub async fn scan_screen(state: State<'_, Arc<AppState>>) -> IpcResult<Found> {
    if !state.is_unlocked(instant()) {
        return Err(IpcError::NotUnlocked("the vault is locked".into()));
    }
    let state = Arc::clone(&state);
    blocking(move || {
        let shots = smartpush_capture::capture()
            .map_err(|e| IpcError::Invalid(format!("the screen could not be captured: {e}")))?;
        let mut payloads = Vec::new();
        for shot in shots {
            payloads.extend(
                qr::decode_rgba(shot.width, shot.height, shot.rgba).map_err(|e| IpcError::Invalid(e.to_string()))?,
            );
        }
        if payloads.is_empty() {
            return Err(IpcError::Invalid(
                "no QR code found on the screen: show it, uncovered, and try again".into(),
            ));
        }
        found(&state, qr::scan_accounts(&payloads))
    })
    .await
}

/// Reads the clipboard into candidates: an image is scanned for QR codes first; otherwise its
/// text is read as `otpauth://` or `otpauth-migration://` links. The clipboard's content is
/// never echoed in an error (it may be a password).
#[tauri::command]
pub async fn read_clipboard<R: Runtime>(app: AppHandle<R>, state: State<'_, Arc<AppState>>) -> IpcResult<Found> {
    if !state.is_unlocked(instant()) {
        return Err(IpcError::NotUnlocked("the vault is locked".into()));
    }
    if app.try_state::<Clipboard<R>>().is_none() {
        return Err(IpcError::Clipboard("the clipboard is not available".into()));
    }
    let state = Arc::clone(&state);
    // Off the main thread: reading the clipboard there can deadlock on Linux.
    blocking(move || {
        let clipboard = app.clipboard();
        let mut image_without_code = false;
        if let Ok(image) = clipboard.read_image() {
            let payloads = qr::decode_rgba(image.width(), image.height(), image.rgba().to_vec())
                .map_err(|e| IpcError::Invalid(e.to_string()))?;
            if !payloads.is_empty() {
                return found(&state, qr::scan_accounts(&payloads));
            }
            image_without_code = true;
        }
        let text = clipboard.read_text().unwrap_or_default();
        let links: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("otpauth:")) || is_migration(l))
            .collect();
        if links.is_empty() {
            return Err(IpcError::Invalid(if image_without_code {
                "the image on the clipboard has no QR code that could be read".into()
            } else {
                "the clipboard holds neither an image with a QR code nor an otpauth:// link".into()
            }));
        }
        found(&state, qr::scan_accounts(&links))
    })
    .await
}

fn is_migration(line: &str) -> bool {
    line.get(..18)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration:"))
}

fn found(state: &AppState, report: qr::ScanReport) -> IpcResult<Found> {
    let candidates = candidates(state, &report.accounts)?;
    let mut notes: Vec<String> = report
        .payloads
        .iter()
        .filter_map(|p| match p {
            PayloadKind::InvalidUri(e) => Some(format!("A code could not be read: {e}")),
            PayloadKind::Url => Some("A web address was found; it is not an account.".into()),
            PayloadKind::Text => Some("Some text was found; it is not an account.".into()),
            PayloadKind::Migration { skipped, .. } if *skipped > 0 => {
                Some(format!("{skipped} account(s) of the export could not be read."))
            }
            _ => None,
        })
        .collect();
    for (_, missing) in &report.missing_batches {
        notes.push(format!(
            "This export has {} more QR code(s) to scan (parts {}).",
            missing.len(),
            missing
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if candidates.is_empty() && notes.is_empty() {
        notes.push("No account was found.".into());
    }
    state.set_pending(report.accounts);
    Ok(Found { candidates, notes })
}

/// Adds the picked candidates (by index) and saves; returns the new ids.
#[tauri::command]
pub async fn add_pending(state: State<'_, Arc<AppState>>, indexes: Vec<u32>) -> IpcResult<Vec<String>> {
    let state = Arc::clone(&state);
    blocking(move || {
        let indexes: Vec<usize> = indexes.into_iter().map(|i| i as usize).collect();
        let drafts = state.take_pending(&indexes)?;
        add_drafts(&state, drafts)
    })
    .await
}

/// Checks the manual form; an empty list means it can be added.
#[tauri::command]
pub fn check_manual(form: ManualAccount) -> Vec<FieldIssue> {
    match draft_of(&form) {
        Ok(_) => Vec::new(),
        Err(issues) => issues,
    }
}

/// Adds the manual form's account and saves; fails with `Invalid` if [`check_manual`] would
/// report anything.
#[tauri::command]
pub async fn add_manual(state: State<'_, Arc<AppState>>, form: ManualAccount) -> IpcResult<String> {
    let draft = draft_of(&form)
        .map_err(|issues| IpcError::Invalid(issues.into_iter().map(|i| i.message).collect::<Vec<_>>().join("; ")))?;
    let state = Arc::clone(&state);
    let ids = blocking(move || add_drafts(&state, vec![draft])).await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| IpcError::Io("the account was not added".into()))
}

/// Deletes an account and saves.
#[tauri::command]
pub async fn delete_account(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        state.with_vault(instant(), |vault| {
            vault.data_mut().remove(&id).ok_or_else(|| super::codes::unknown(&id))?;
            vault.save()?;
            Ok(())
        })
    })
    .await
}

pub(crate) fn add_drafts(state: &AppState, drafts: Vec<AccountDraft>) -> IpcResult<Vec<String>> {
    state.with_vault(instant(), |vault| {
        let now = timestamp();
        let ids = drafts.into_iter().map(|d| vault.data_mut().add(d, now).0).collect();
        vault.save()?;
        Ok(ids)
    })
}

fn draft_of(form: &ManualAccount) -> Result<AccountDraft, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut issue = |field: &str, message: String| {
        issues.push(FieldIssue {
            field: field.into(),
            message,
        })
    };
    let issuer = smartpush_core::account::clean_label(&form.issuer);
    if issuer.is_empty() {
        issue("issuer", "Enter the service's name.".into());
    }
    // The core's one base32 reader: any length; a wrong character named by position and kind.
    let secret = match Secret::parse_base32(&form.secret) {
        Ok(secret) => Some(secret),
        Err(e) => {
            issue(
                "secret",
                match e {
                    Base32Error::Empty => "Enter the secret key the service shows.".into(),
                    e => format!("{}.", capitalise(&e.to_string())),
                },
            );
            None
        }
    };
    let kind = match form.kind.to_ascii_lowercase().as_str() {
        "totp" | "" => Some(OtpKind::Totp),
        "hotp" => Some(OtpKind::Hotp),
        "steam" => Some(OtpKind::Steam),
        _ => {
            issue("kind", "Choose time-based, counter-based or Steam.".into());
            None
        }
    };
    let algorithm = Algorithm::parse(if form.algorithm.is_empty() {
        "SHA1"
    } else {
        &form.algorithm
    });
    if algorithm.is_none() {
        issue("algorithm", "Choose SHA1, SHA256 or SHA512.".into());
    }
    let (Some(secret), Some(kind), Some(algorithm)) = (secret, kind, algorithm) else {
        return Err(issues);
    };
    let cfg = OtpConfig {
        kind,
        secret,
        algorithm,
        digits: u8::try_from(form.digits).unwrap_or(0),
        period: form.period,
        counter: form.counter.into(),
    };
    if let Err(e) = otp::validate(&cfg) {
        let field = match e {
            otp::OtpError::DigitsOutOfRange { .. } => "digits",
            otp::OtpError::InvalidPeriod(_) | otp::OtpError::SteamPeriod(_) => "period",
            otp::OtpError::SteamAlgorithm(_) => "algorithm",
            _ => "secret",
        };
        issue(field, format!("{}.", capitalise(&e.to_string())));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(AccountDraft {
        issuer,
        name: smartpush_core::account::clean_label(&form.name),
        otp: Some(cfg),
        ..AccountDraft::default()
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
