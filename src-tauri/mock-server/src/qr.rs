//! The QR image of an otpauth URI: the one place the server makes one.
//!
//! TEMPORARY: until branch `qr` (which adds `smartpush_core::qr::to_png`, the project's one QR
//! implementation) is merged, this renders with `qrcode` + `png`. After the merge, the body of
//! [`png`] becomes `smartpush_core::qr::to_png(text)` and the two dependencies go.

use crate::error::{AppError, AppResult};

/// Pixels per QR module.
const SCALE: usize = 8;
/// Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4).
const QUIET: usize = 4;

/// A PNG image of `text` as a QR code.
pub fn png(text: &str) -> AppResult<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(format_args!("QR encoding: {e}")))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            let row = y * side;
            pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
        }
    }
    let side32 = u32::try_from(side).map_err(AppError::internal)?;
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, side32, side32);
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(::png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| AppError::internal(format_args!("PNG: {e}")))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| AppError::internal(format_args!("PNG: {e}")))?;
    writer
        .finish()
        .map_err(|e| AppError::internal(format_args!("PNG: {e}")))?;
    Ok(out)
}
