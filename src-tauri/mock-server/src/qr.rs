//! The QR image of an otpauth URI: the one place the server makes one, through the core's
//! generator (`smartpush_core::qr`, the project's one QR implementation).

use crate::error::{AppError, AppResult};

/// A PNG image of `text` as a QR code (grayscale, EC level M, 4-module quiet zone).
pub fn png(text: &str) -> AppResult<Vec<u8>> {
    smartpush_core::qr::to_png(text).map_err(|e| AppError::internal(format_args!("QR image: {e}")))
}
