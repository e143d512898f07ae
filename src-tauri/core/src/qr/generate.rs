//! QR code generation: a payload (usually an `otpauth://` URI) → PNG or SVG.
//!
//! Every symbol uses error-correction level M (15 % of the codewords may be lost), a quiet zone
//! of 4 modules (what ISO/IEC 18004 asks and what phone cameras need) and, for PNG, 6 pixels per
//! module: large enough for a phone to read off a screen, small enough for a dialog. Text that
//! is not plain ASCII is written as UTF-8 bytes behind an ECI 26 (UTF-8) header, so decoders do
//! not guess between ISO-8859-1 and UTF-8 (the QR default is ISO-8859-1).

use image::{GrayImage, ImageEncoder, Luma, codecs::png::PngEncoder};
use qrcode::{Color, EcLevel, QrCode, Version, bits::Bits};

use super::QrError;

/// Modules of white border around the symbol.
pub const QUIET_ZONE: u32 = 4;
/// Pixels per module in [`to_png`].
pub const MODULE_PX: u32 = 6;
/// The error-correction level of every generated symbol.
const EC_LEVEL: EcLevel = EcLevel::M;
/// ECI assignment number of UTF-8.
const ECI_UTF8: u32 = 26;

/// The modules of the symbol for `text`: `width × width` booleans (true = dark), row by row.
fn encode(text: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = if text.is_ascii() {
        QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(|_| QrError::PayloadTooLong)?
    } else {
        encode_utf8_with_eci(text.as_bytes())?
    };
    let width = code.width();
    let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    Ok((width, dark))
}

/// The smallest symbol holding ECI 26 then `bytes` in byte mode.
fn encode_utf8_with_eci(bytes: &[u8]) -> Result<QrCode, QrError> {
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        let fits = bits.push_eci_designator(ECI_UTF8).is_ok()
            && bits.push_byte_data(bytes).is_ok()
            && bits.push_terminator(EC_LEVEL).is_ok();
        if fits {
            return QrCode::with_bits(bits, EC_LEVEL).map_err(|_| QrError::PayloadTooLong);
        }
    }
    Err(QrError::PayloadTooLong)
}

/// The symbol for `text` as a grayscale image (black on white) with `module_px` pixels per
/// module and the standard quiet zone. Also used by the tests to make images to decode.
pub fn to_image(text: &str, module_px: u32) -> Result<GrayImage, QrError> {
    let (width, dark) = encode(text)?;
    let module_px = module_px.max(1);
    // width ≤ 177 modules, so the side stays far below u32::MAX for any sane module size.
    let side = (width as u32 + 2 * QUIET_ZONE) * module_px;
    Ok(GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / module_px, y / module_px);
        let inside = (QUIET_ZONE..QUIET_ZONE + width as u32).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + width as u32).contains(&my);
        let is_dark = inside && dark[(my - QUIET_ZONE) as usize * width + (mx - QUIET_ZONE) as usize];
        Luma([if is_dark { 0 } else { 255 }])
    }))
}

/// `text` as a PNG QR code: 8-bit grayscale, 6 px per module, 4-module quiet zone, EC level M.
///
/// Fails only when the text does not fit in a QR code (more than 2331 bytes at level M) —
/// [`QrError::PayloadTooLong`].
pub fn to_png(text: &str) -> Result<Vec<u8>, QrError> {
    let img = to_image(text, MODULE_PX)?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::L8)
        .map_err(|_| QrError::PngEncoding)?;
    Ok(png)
}

/// `text` as an SVG QR code: one path of unit squares in a `viewBox` measured in modules (it
/// scales to any size without blurring), 4-module quiet zone on a white background, EC level M.
pub fn to_svg(text: &str) -> Result<String, QrError> {
    let (width, dark) = encode(text)?;
    let side = width as u32 + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(dark.len() * 4);
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (x, y) = (i % width + QUIET_ZONE as usize, i / width + QUIET_ZONE as usize);
        path.push_str(&format!("M{x} {y}h1v1h-1z"));
    }
    Ok(format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "\n",
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" "#,
            r#"width="{px}" height="{px}" shape-rendering="crispEdges">"#,
            r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##,
            "\n"
        ),
        side = side,
        px = side * MODULE_PX,
        path = path
    ))
}
