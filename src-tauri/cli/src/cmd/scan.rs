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
    let screens = screen::capture().map_err(|e| CliError::Invalid(format!("cannot capture the screen: {e}")))?;
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

/// Screen capture over X11.
mod screen {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder, Screen};

    /// One screen's pixels, RGBA.
    pub struct Shot {
        pub width: u32,
        pub height: u32,
        pub rgba: Vec<u8>,
    }

    /// Connects to the X server, trying again briefly when a busy server resets the connection
    /// (seen under load right after another client closed); a missing display fails at once.
    fn connect() -> Result<(x11rb::rust_connection::RustConnection, usize), x11rb::errors::ConnectError> {
        let mut attempt = 0;
        loop {
            match x11rb::connect(None) {
                Err(x11rb::errors::ConnectError::IoError(_)) if attempt < 4 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100 << attempt));
                }
                other => return other,
            }
        }
    }

    /// Every X screen's root window (all monitors of that screen), as RGBA.
    pub fn capture() -> Result<Vec<Shot>, String> {
        let (conn, _) = connect().map_err(|e| match std::env::var_os("WAYLAND_DISPLAY") {
            Some(_) => format!("no X11 display ({e}); on Wayland run it where XWayland is available"),
            None => format!("no X11 display ({e}); is DISPLAY set?"),
        })?;
        let setup = conn.setup();
        let lsb_first = setup.image_byte_order == ImageOrder::LSB_FIRST;
        let mut shots = Vec::new();
        for screen in &setup.roots {
            let (w, h) = (screen.width_in_pixels, screen.height_in_pixels);
            let reply = conn
                .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, w, h, !0)
                .map_err(|e| e.to_string())?
                .reply()
                .map_err(|e| format!("GetImage failed: {e}"))?;
            let bpp = setup
                .pixmap_formats
                .iter()
                .find(|f| f.depth == reply.depth)
                .map(|f| (f.bits_per_pixel, f.scanline_pad))
                .ok_or("unknown pixmap format")?;
            let masks = visual_masks(screen, reply.visual).ok_or("unknown visual")?;
            let rgba = to_rgba(&reply.data, usize::from(w), usize::from(h), bpp, masks, lsb_first)
                .ok_or_else(|| format!("unsupported pixel format ({} bits per pixel)", bpp.0))?;
            shots.push(Shot {
                width: u32::from(w),
                height: u32::from(h),
                rgba,
            });
        }
        Ok(shots)
    }

    fn visual_masks(screen: &Screen, visual: u32) -> Option<[u32; 3]> {
        screen
            .allowed_depths
            .iter()
            .flat_map(|d| &d.visuals)
            .find(|v| v.visual_id == visual)
            .map(|v| [v.red_mask, v.green_mask, v.blue_mask])
    }

    /// Z-pixmap data (`bits_per_pixel`, rows padded to `scanline_pad` bits) → RGBA, for true- and
    /// direct-colour visuals of 16, 24 or 32 bits per pixel.
    pub(super) fn to_rgba(
        data: &[u8],
        width: usize,
        height: usize,
        (bits_per_pixel, scanline_pad): (u8, u8),
        masks: [u32; 3],
        lsb_first: bool,
    ) -> Option<Vec<u8>> {
        let bytes_pp = match bits_per_pixel {
            16 | 24 | 32 => usize::from(bits_per_pixel / 8),
            _ => return None,
        };
        let pad = usize::from(scanline_pad.max(8)) / 8;
        let stride = (width * bytes_pp).div_ceil(pad) * pad;
        if data.len() < stride * height {
            return None;
        }
        let channel = |pixel: u32, mask: u32| -> u8 {
            if mask == 0 {
                return 0;
            }
            let value = (pixel & mask) >> mask.trailing_zeros();
            let max = mask >> mask.trailing_zeros();
            (u64::from(value) * 255 / u64::from(max)) as u8
        };
        let mut rgba = Vec::with_capacity(width * height * 4);
        for row in data.chunks(stride).take(height) {
            for px in row[..width * bytes_pp].chunks_exact(bytes_pp) {
                let pixel = if lsb_first {
                    px.iter().rev().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
                } else {
                    px.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
                };
                rgba.extend_from_slice(&[
                    channel(pixel, masks[0]),
                    channel(pixel, masks[1]),
                    channel(pixel, masks[2]),
                    255,
                ]);
            }
        }
        Some(rgba)
    }

    #[cfg(test)]
    mod tests {
        use super::to_rgba;

        #[test]
        fn bgrx_32_bit_little_endian() {
            // Two pixels: pure red, then mid grey; BGRX byte order in memory.
            let data = [0, 0, 255, 0, 128, 128, 128, 0];
            let rgba = to_rgba(&data, 2, 1, (32, 32), [0xff0000, 0xff00, 0xff], true).expect("supported");
            assert_eq!(rgba, [255, 0, 0, 255, 128, 128, 128, 255]);
        }

        #[test]
        fn rgb565_with_row_padding() {
            // One white pixel per row, rows padded to 32 bits.
            let data = [0xff, 0xff, 0, 0, 0x00, 0xf8, 0, 0];
            let rgba = to_rgba(&data, 1, 2, (16, 32), [0xf800, 0x07e0, 0x001f], true).expect("supported");
            assert_eq!(rgba, [255, 255, 255, 255, 255, 0, 0, 255]);
        }

        #[test]
        fn short_data_and_odd_depths_are_refused() {
            assert!(to_rgba(&[0; 4], 2, 1, (32, 32), [0xff0000, 0xff00, 0xff], true).is_none());
            assert!(to_rgba(&[0; 64], 2, 1, (8, 32), [0, 0, 0], true).is_none());
        }
    }
}
