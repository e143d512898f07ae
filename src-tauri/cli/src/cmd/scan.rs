//! `scan` and `add --scan`: QR codes from image files, the screen and the clipboard.
//!
//! Decoding is the core's (`smartpush_core::qr`); this module only gets pixels:
//! * files are read here (at most [`MAX_FILE_BYTES`]) and handed over as bytes;
//! * the screen is captured over X11 (`x11rb`, pure Rust, no libxcb): every screen's root
//!   window, which spans all its monitors. On Wayland the XDG desktop portal is not used yet:
//!   through XWayland only X11 windows are visible, so the capture may come back black (see the
//!   README);
//! * the clipboard image comes from `arboard` (X11 selections; Wayland compositors mirror them
//!   to XWayland).
//!
//! Output contract: plain `scan` prints each payload once per line — the payload is what the
//! user asked to see, secret included, exactly as `otpauth://` URIs are shown when exported.
//! `--json` adds the parsed account fields of each payload, never the secret as a separate field.

use std::path::{Path, PathBuf};

use serde::Serialize;
use smartpush_core::qr::{self, PayloadKind, QrError};
use smartpush_core::{AccountDraft, OtpKind};

use crate::args::ScanArgs;
use crate::error::{CliError, Result};
use crate::output;

/// Largest image file read.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Payloads read from one source (a file, a screen, the clipboard).
struct Source {
    name: String,
    payloads: Vec<String>,
}

/// `scan`.
pub fn scan(json: bool, args: ScanArgs) -> Result<()> {
    let mut sources = Vec::new();
    for path in &args.images {
        sources.push(from_file(path)?);
    }
    if args.screen {
        sources.extend(from_screen()?);
    }
    if args.clipboard {
        sources.push(from_clipboard()?);
    }
    report_empty(&sources)?;

    let all: Vec<&str> = sources
        .iter()
        .flat_map(|s| s.payloads.iter().map(String::as_str))
        .collect();
    let overall = qr::scan_accounts(&all);
    warn_missing(&overall.missing_batches);
    if json {
        let payloads: Vec<ScannedJson> = sources
            .iter()
            .flat_map(|s| s.payloads.iter().map(move |p| ScannedJson::new(&s.name, p)))
            .collect();
        let missing: Vec<MissingJson> = overall
            .missing_batches
            .iter()
            .map(|(batch_id, missing)| MissingJson {
                batch_id: *batch_id,
                missing: missing.iter().map(|i| i + 1).collect(),
            })
            .collect();
        return output::json(&serde_json::json!({ "payloads": payloads, "missing_batches": missing }));
    }
    let mut seen: Vec<&str> = Vec::new();
    for payload in all {
        if !seen.contains(&payload) {
            seen.push(payload);
        }
    }
    output::lines(seen)
}

/// `add --scan IMAGE…`: every account in the images' QR codes. A payload that is not an account
/// is noted and skipped; an otpauth URI that cannot be read stops the whole command (as a bad
/// URI does for `add URI`), so nothing is half-added.
pub fn drafts_from_images(paths: &[PathBuf]) -> Result<Vec<AccountDraft>> {
    let mut sources = Vec::new();
    for path in paths {
        sources.push(from_file(path)?);
    }
    report_empty(&sources)?;
    let all: Vec<&str> = sources
        .iter()
        .flat_map(|s| s.payloads.iter().map(String::as_str))
        .collect();
    let report = qr::scan_accounts(&all);
    for (i, kind) in report.payloads.iter().enumerate() {
        match kind {
            PayloadKind::InvalidUri(err) => {
                return Err(CliError::Invalid(format!("QR code {}: {err}", i + 1)));
            }
            PayloadKind::Url => output::note(format!(
                "note: QR code {} is a web address, not an account; skipped",
                i + 1
            )),
            PayloadKind::Text => output::note(format!(
                "note: QR code {} is plain text, not an account; skipped",
                i + 1
            )),
            _ => {}
        }
    }
    warn_missing(&report.missing_batches);
    if report.accounts.is_empty() {
        return Err(CliError::Invalid("the QR codes hold no account".into()));
    }
    Ok(report.accounts)
}

fn report_empty(sources: &[Source]) -> Result<()> {
    for source in sources.iter().filter(|s| s.payloads.is_empty()) {
        output::note(format!("note: no QR code found in {}", source.name));
    }
    if sources.iter().all(|s| s.payloads.is_empty()) {
        return Err(CliError::Invalid("no QR code found".into()));
    }
    Ok(())
}

fn warn_missing(missing: &[(i32, Vec<i32>)]) {
    for (batch_id, parts) in missing {
        let parts: Vec<String> = parts.iter().map(|i| (i + 1).to_string()).collect();
        output::note(format!(
            "warning: the Google Authenticator export {batch_id} is missing part(s) {} — scan those QR codes too",
            parts.join(", ")
        ));
    }
}

fn from_file(path: &Path) -> Result<Source> {
    let read_err = |source| CliError::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size > MAX_FILE_BYTES {
        return Err(CliError::Invalid(format!(
            "{}: the file is larger than {} MiB",
            path.display(),
            MAX_FILE_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    let payloads = qr::decode_image_bytes(&bytes).map_err(|e| image_error(&path.display().to_string(), &e))?;
    Ok(Source {
        name: path.display().to_string(),
        payloads,
    })
}

fn image_error(name: &str, err: &QrError) -> CliError {
    CliError::Invalid(format!("{name}: {err}"))
}

fn from_clipboard() -> Result<Source> {
    let mut clipboard =
        arboard::Clipboard::new().map_err(|e| CliError::Invalid(format!("cannot open the clipboard: {e}")))?;
    let image = clipboard.get_image().map_err(|e| match e {
        arboard::Error::ContentNotAvailable => CliError::Invalid("the clipboard holds no image".into()),
        other => CliError::Invalid(format!("cannot read the clipboard: {other}")),
    })?;
    let (width, height) = (u32::try_from(image.width), u32::try_from(image.height));
    let (Ok(width), Ok(height)) = (width, height) else {
        return Err(image_error("the clipboard image", &QrError::ImageTooLarge));
    };
    let payloads =
        qr::decode_rgba(width, height, image.bytes.into_owned()).map_err(|e| image_error("the clipboard image", &e))?;
    Ok(Source {
        name: "the clipboard".into(),
        payloads,
    })
}

fn from_screen() -> Result<Vec<Source>> {
    let screens =
        smartpush_capture::capture().map_err(|e| CliError::Invalid(format!("cannot capture the screen: {e}")))?;
    screens
        .into_iter()
        .enumerate()
        .map(|(i, shot)| {
            let name = format!("screen {i}");
            let payloads = qr::decode_rgba(shot.width, shot.height, shot.rgba).map_err(|e| image_error(&name, &e))?;
            Ok(Source { name, payloads })
        })
        .collect()
}

/// One payload in `scan --json`.
#[derive(Serialize)]
struct ScannedJson {
    /// The file, `screen N` or `the clipboard`.
    source: String,
    /// The decoded text, exactly.
    payload: String,
    /// `otpauth`, `otpauth-migration`, `invalid-uri`, `url` or `text`.
    kind: &'static str,
    /// For `invalid-uri`: why (never the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// For `otpauth-migration`: this code's place in the export (index and size from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<BatchJson>,
    /// The accounts the payload holds, without their secrets.
    accounts: Vec<AccountJson>,
}

#[derive(Serialize)]
struct BatchJson {
    id: i32,
    index: i32,
    size: i32,
}

#[derive(Serialize)]
struct MissingJson {
    batch_id: i32,
    /// Missing parts, numbered from 1.
    missing: Vec<i32>,
}

/// An account's fields, as `list --json` shows them: no secret.
#[derive(Serialize)]
struct AccountJson {
    issuer: String,
    account: String,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    algorithm: Option<&'static str>,
    digits: Option<u8>,
    period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

impl ScannedJson {
    fn new(source: &str, payload: &str) -> ScannedJson {
        let report = qr::scan_accounts(&[payload]);
        let kind = report.payloads.first().cloned().unwrap_or(PayloadKind::Text);
        let (kind_name, error, batch) = match &kind {
            PayloadKind::Otpauth => ("otpauth", None, None),
            PayloadKind::Migration {
                batch_id,
                batch_index,
                batch_size,
                ..
            } => (
                "otpauth-migration",
                None,
                Some(BatchJson {
                    id: *batch_id,
                    index: batch_index + 1,
                    size: (*batch_size).max(1),
                }),
            ),
            PayloadKind::InvalidUri(err) => ("invalid-uri", Some(err.to_string()), None),
            PayloadKind::Url => ("url", None, None),
            _ => ("text", None, None),
        };
        let accounts = report
            .accounts
            .iter()
            .map(|a| AccountJson {
                issuer: a.issuer.clone(),
                account: a.name.clone(),
                kind: a.otp.as_ref().map(|o| o.kind.as_str()),
                algorithm: a.otp.as_ref().map(|o| o.algorithm.as_str()),
                digits: a.otp.as_ref().map(|o| o.digits),
                period: a.otp.as_ref().filter(|o| o.kind != OtpKind::Hotp).map(|o| o.period),
                counter: a.otp.as_ref().filter(|o| o.kind == OtpKind::Hotp).map(|o| o.counter),
            })
            .collect();
        ScannedJson {
            source: source.into(),
            payload: payload.into(),
            kind: kind_name,
            error,
            batch,
            accounts,
        }
    }
}
