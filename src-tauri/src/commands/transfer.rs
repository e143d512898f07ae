//! Import and export: files of other authenticators in and out, over the core's `transfer`.
//!
//! Files are chosen in native dialogs opened from Rust and read or written here (the webview has
//! no file-system permission). An import is read into a preview: the accounts wait in
//! [`AppState`] (their secrets never cross IPC) until [`import_commit`] adds the chosen ones in
//! one save. Exports are written atomically with mode 0600; the plaintext formats need the
//! caller's explicit confirmation. The Google Authenticator QR codes are the one export that
//! crosses IPC (as SVG, to show on screen), by the user's explicit request.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use smartpush_core::SecretString;
use smartpush_core::qr;
use smartpush_core::transfer::{self, ExportFormat, Format, MAX_INPUT_BYTES, TransferError};
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;
use zeroize::Zeroizing;

use super::accounts::{Candidate, candidates};
use super::{blocking, instant, timestamp};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// An entry of the file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportFailure {
    /// Its position in the file (1-based; 0 when it has none).
    pub index: u32,
    /// `Issuer (name)` when it could be read.
    pub label: String,
    /// Why.
    pub error: String,
}

/// What an import preview found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    /// The format read (detected or chosen), as a person reads it, e.g. "Aegis".
    pub format: String,
    /// Its short name (as `import_preview`'s `format` takes it).
    pub format_id: String,
    /// When the file is encrypted and no password was given: its format's name. Ask for the
    /// password and call again; nothing else is filled.
    pub needs_password: Option<String>,
    /// The accounts.
    pub entries: Vec<Candidate>,
    /// Entries that could not be read.
    pub failed: Vec<ImportFailure>,
    /// Sentences about the whole file: duplicates inside it, entries left out on purpose
    /// (codes in Ente's trash), missing Google Authenticator batch parts, lost fields.
    pub warnings: Vec<String>,
}

/// What [`import_commit`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportResult {
    /// Accounts added.
    pub added: u32,
    /// Chosen accounts skipped because the vault already had them.
    pub skipped: u32,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportDone {
    /// The file.
    pub path: String,
    /// Accounts written.
    pub count: u32,
    /// Accounts the format cannot carry (left out).
    pub left_out: Vec<String>,
    /// Accounts whose note, tags or recovery codes were lost.
    pub lossy: Vec<String>,
}

/// The Google Authenticator export as QR codes to show, one per batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GoogleQrs {
    /// SVG images, in batch order (secrets: shown, never stored).
    pub svgs: Vec<String>,
    /// Accounts in them.
    pub count: u32,
    /// Accounts Google Authenticator cannot take (left out).
    pub left_out: Vec<String>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Opens the native file dialog (when the app has one: not in the command tests).
pub(crate) fn file_dialog<R: Runtime>(app: &AppHandle<R>) -> IpcResult<tauri_plugin_dialog::FileDialogBuilder<R>> {
    let dialog = app
        .try_state::<tauri_plugin_dialog::Dialog<R>>()
        .ok_or_else(|| IpcError::Io("file dialogs are not available".into()))?;
    let mut builder = dialog.file();
    if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW) {
        builder = builder.set_parent(&window);
    }
    Ok(builder)
}

pub(crate) fn dialog_path(path: tauri_plugin_dialog::FilePath) -> IpcResult<String> {
    path.into_path()
        .map(|p| p.display().to_string())
        .map_err(|e| IpcError::Io(format!("the chosen file cannot be used: {e}")))
}

/// Asks for the files to import (one export file, or several QR-code images); empty when the
/// person cancels.
#[tauri::command]
pub async fn import_pick_files<R: Runtime>(app: AppHandle<R>) -> IpcResult<Vec<String>> {
    let builder = file_dialog(&app)?.set_title("Import accounts");
    blocking(move || match builder.blocking_pick_files() {
        None => Ok(Vec::new()),
        Some(paths) => paths.into_iter().map(dialog_path).collect(),
    })
    .await
}

/// Reads at most [`MAX_INPUT_BYTES`] + 1 bytes, so a huge file is refused without reading it all.
fn read_limited(path: &Path) -> IpcResult<Zeroizing<Vec<u8>>> {
    let fail = |e: std::io::Error| IpcError::Io(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(IpcError::Invalid(format!(
            "{}: {}",
            path.display(),
            TransferError::TooLarge {
                size: bytes.len(),
                max: MAX_INPUT_BYTES
            }
        )));
    }
    Ok(bytes)
}

/// The bytes to import: the files read (each capped) and joined by the core (one file as it is,
/// QR images as their payloads, several URI lists or images line by line).
fn input_bytes(files: &[PathBuf]) -> IpcResult<Zeroizing<Vec<u8>>> {
    let read = files
        .iter()
        .map(|path| Ok((path.display(), read_limited(path)?)))
        .collect::<IpcResult<Vec<_>>>()?;
    transfer::join_inputs(&read).map_err(|e| IpcError::Invalid(e.to_string()))
}

fn transfer_error(e: TransferError) -> IpcError {
    match e {
        TransferError::WrongPassword(_) => IpcError::WrongPassword(format!("{}. Try again.", capitalised(&e))),
        e => IpcError::Invalid(capitalised(&e)),
    }
}

fn capitalised(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Reads `files` (paths from [`import_pick_files`]) or, when none, the pasted `text` (otpauth
/// or otpauth-migration lines, or any export's text), as `format` or the detected one, into a
/// preview. An encrypted file without `password` gives `needs_password`; a wrong password fails
/// with `WrongPassword` (nothing is kept, retry with another).
#[tauri::command]
pub async fn import_preview(
    state: State<'_, Arc<AppState>>,
    files: Vec<String>,
    text: Option<String>,
    format: Option<String>,
    password: Option<String>,
) -> IpcResult<ImportPreview> {
    let state = Arc::clone(&state);
    let text = text.map(Zeroizing::new);
    let password = password.filter(|p| !p.is_empty()).map(SecretString::new);
    blocking(move || {
        if !state.is_unlocked(instant()) {
            return Err(IpcError::NotUnlocked("the vault is locked".into()));
        }
        state.set_import(Vec::new());
        let format = match format
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty() && *f != "auto")
        {
            None => None,
            Some(name) => {
                Some(Format::parse(name).ok_or_else(|| IpcError::Invalid(format!("unknown import format '{name}'")))?)
            }
        };
        let bytes = if files.is_empty() {
            let text = text.filter(|t| !t.trim().is_empty());
            let text = text.ok_or_else(|| IpcError::Invalid("choose a file or paste the text to import".into()))?;
            Zeroizing::new(text.as_bytes().to_vec())
        } else {
            let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
            input_bytes(&paths)?
        };
        let outcome = match transfer::import(&bytes, format, password.as_ref()) {
            Err(TransferError::PasswordRequired(found)) => {
                return Ok(ImportPreview {
                    format: found.title().to_owned(),
                    format_id: found.as_str().to_owned(),
                    needs_password: Some(found.title().to_owned()),
                    entries: Vec::new(),
                    failed: Vec::new(),
                    warnings: Vec::new(),
                });
            }
            other => other.map_err(transfer_error)?,
        };
        let entries = candidates(&state, &outcome.accounts)?;
        let mut warnings = outcome.warnings.clone();
        for label in &outcome.duplicates {
            warnings.push(format!("{label} appears twice in the file; it is listed once."));
        }
        for skipped in &outcome.skipped {
            warnings.push(format!("{} is {}; it is not imported.", skipped.entry, skipped.reason));
        }
        let preview = ImportPreview {
            format: outcome.format.title().to_owned(),
            format_id: outcome.format.as_str().to_owned(),
            needs_password: None,
            entries,
            failed: outcome
                .failed
                .iter()
                .map(|f| ImportFailure {
                    index: count(f.index),
                    label: f.label.clone(),
                    error: capitalised(&f.error),
                })
                .collect(),
            warnings,
        };
        state.set_import(outcome.accounts);
        Ok(preview)
    })
    .await
}

/// Adds the preview's accounts with these indexes in one save; any the vault already has are
/// skipped (counted in `skipped`). The preview is consumed.
#[tauri::command]
pub async fn import_commit(state: State<'_, Arc<AppState>>, indexes: Vec<u32>) -> IpcResult<ImportResult> {
    let state = Arc::clone(&state);
    blocking(move || {
        let indexes: Vec<usize> = indexes.into_iter().map(|i| i as usize).collect();
        let drafts = state.take_import(&indexes)?;
        state.with_vault(instant(), |vault| {
            let now = timestamp();
            let (mut added, mut skipped) = (0, 0);
            for draft in drafts {
                if vault.data().find_duplicate(&draft).is_some() {
                    skipped += 1;
                } else {
                    vault.data_mut().add(draft, now);
                    added += 1;
                }
            }
            if added > 0 {
                vault.save()?;
            }
            Ok(ImportResult { added, skipped })
        })
    })
    .await
}

/// Asks where to save an export (`kind`: `aegis`, `aegis-plain`, `uris` or `backup`, which
/// chooses the suggested name); `None` when the person cancels.
#[tauri::command]
pub async fn export_pick_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, Arc<AppState>>,
    kind: String,
) -> IpcResult<Option<String>> {
    let name = match kind.as_str() {
        "aegis" => "aegis-export.json",
        "aegis-plain" => "aegis-export-plain.json",
        "uris" => "otpauth-uris.txt",
        "backup" => "smartpush-backup.spv",
        _ => return Err(IpcError::Invalid(format!("unknown export kind '{kind}'"))),
    };
    let builder = file_dialog(&app)?.set_title("Export accounts").set_file_name(name);
    let picked = blocking(move || builder.blocking_save_file().map(dialog_path).transpose()).await?;
    if let Some(path) = &picked {
        state.grant_save_target(PathBuf::from(path));
    }
    Ok(picked)
}

/// Writes `bytes` to `path` atomically with mode 0600: a new temporary file beside it, fsync,
/// rename over any existing file (the save dialog has asked about replacing it).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> IpcResult<()> {
    let fail = |e: std::io::Error| IpcError::Io(format!("{}: {e}", path.display()));
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let temp = path.with_file_name(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(fail)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(fail)
}

/// Exports every account to `path`, which must be a file the person chose with
/// [`export_pick_file`] in this session: `kind` `aegis` (encrypted with `password`), `aegis-plain`
/// and `uris` (in clear: only with `plaintext_confirmed`), or `backup` (a copy of the vault
/// file, under the master password).
#[tauri::command]
pub async fn export_file(
    state: State<'_, Arc<AppState>>,
    path: String,
    kind: String,
    password: Option<String>,
    plaintext_confirmed: bool,
) -> IpcResult<ExportDone> {
    let state = Arc::clone(&state);
    let password = password.map(SecretString::new);
    blocking(move || {
        // Only where the person chose in the save dialog: the web view cannot name a path of
        // its own (a script there could otherwise write the accounts, or overwrite any file
        // the user can, e.g. ~/.bashrc).
        let target = PathBuf::from(&path);
        if !state.is_save_target(&target) {
            return Err(IpcError::Invalid(
                "choose where to save the export in the save dialog".into(),
            ));
        }
        let format = match kind.as_str() {
            "aegis" => ExportFormat::AegisEncrypted,
            "aegis-plain" => ExportFormat::AegisPlain,
            "uris" => ExportFormat::Uris,
            "backup" => {
                let (source, count) = state.with_vault(instant(), |vault| {
                    Ok((vault.path().to_path_buf(), vault.data().accounts.len()))
                })?;
                let bytes = std::fs::read(&source).map_err(|e| IpcError::Io(format!("{}: {e}", source.display())))?;
                write_private(&target, &bytes)?;
                return Ok(ExportDone {
                    path,
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    left_out: Vec::new(),
                    lossy: Vec::new(),
                });
            }
            _ => return Err(IpcError::Invalid(format!("unknown export kind '{kind}'"))),
        };
        if format.is_plaintext() && !plaintext_confirmed {
            return Err(IpcError::Invalid(
                "this export is not encrypted: confirm that you understand before it is written".into(),
            ));
        }
        let exported = state.with_vault(instant(), |vault| {
            transfer::export(&vault.data().accounts, format, password.as_ref()).map_err(transfer_error)
        })?;
        write_private(&target, &exported.bytes)?;
        Ok(ExportDone {
            path,
            count: count(exported.count),
            left_out: exported.left_out,
            lossy: exported.lossy,
        })
    })
    .await
}

/// The Google Authenticator export of every account as QR codes (SVG) to scan with a phone,
/// batched by size so each stays easy to scan.
#[tauri::command]
pub async fn export_google_qr(state: State<'_, Arc<AppState>>) -> IpcResult<GoogleQrs> {
    let state = Arc::clone(&state);
    blocking(move || {
        let batch_id = i32::try_from(timestamp().rem_euclid(1 << 30)).unwrap_or(1);
        let out = state.with_vault(instant(), |vault| {
            Ok(transfer::export_google(&vault.data().accounts, batch_id))
        })?;
        if out.uris.is_empty() {
            return Err(IpcError::Invalid(
                "no account can be exported to Google Authenticator".into(),
            ));
        }
        let svgs = out
            .uris
            .iter()
            .map(|uri| qr::to_svg(uri).map_err(|e| IpcError::Invalid(format!("a QR code cannot be drawn: {e}"))))
            .collect::<IpcResult<Vec<String>>>()?;
        Ok(GoogleQrs {
            svgs,
            count: count(out.count),
            left_out: out.left_out.clone(),
        })
    })
    .await
}
