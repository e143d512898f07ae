//! QR codes: reading enrollment codes out of images, and drawing them.
//!
//! * [`to_png`] / [`to_svg`] draw a payload (an `otpauth://` URI from [`crate::uri::to_otpauth`])
//!   for "move this account to my phone" and for the mock server's enrollment page.
//!
//! Everything here works on bytes and in-memory images, never on paths.

mod generate;

pub use generate::{MODULE_PX, QUIET_ZONE, to_image, to_png, to_svg};

/// Why an image could not be read or a QR code could not be drawn. Never contains a payload
/// (a payload is usually a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The text is too long for any QR code (more than 2331 bytes at error-correction level M).
    #[error("the text is too long for a QR code")]
    PayloadTooLong,
    /// Writing the PNG failed (out of memory; not expected).
    #[error("could not encode the QR code as PNG")]
    PngEncoding,
}

#[cfg(test)]
mod tests;
