//! QR codes: reading enrollment codes out of images, and drawing them.
//!
//! * [`decode_image_bytes`] / [`decode_image`] find every QR symbol in an image and return
//!   their payloads; [`scan_accounts`] turns payloads into accounts.
//! * [`to_png`] / [`to_svg`] draw a payload (an `otpauth://` URI from [`crate::uri::to_otpauth`])
//!   for "move this account to my phone" and for the mock server's enrollment page.
//!
//! Everything here works on bytes and in-memory images, never on paths.

mod decode;
mod generate;
mod load;
mod pipeline;
mod text;

use image::DynamicImage;

pub use generate::{MODULE_PX, QUIET_ZONE, to_image, to_png, to_svg};
pub use load::{MAX_ALLOC, MAX_SIDE, load_image};

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
    /// The bytes are not an image in a known format (PNG, JPEG, WebP, GIF, BMP).
    #[error("not an image (PNG, JPEG, WebP, GIF or BMP expected)")]
    NotAnImage,
    /// The image format is known but this variant of it is not supported.
    #[error("this kind of image is not supported")]
    UnsupportedImage,
    /// The image is truncated or damaged.
    #[error("the image is truncated or damaged")]
    DamagedImage,
    /// The image is larger than [`MAX_SIDE`] pixels on a side or needs more than [`MAX_ALLOC`]
    /// bytes of memory (a decompression bomb, or simply too big).
    #[error("the image is too large (at most {MAX_SIDE} pixels on a side and {} MiB decoded)", MAX_ALLOC >> 20)]
    ImageTooLarge,
}

/// Decodes image bytes and returns the payload of every QR code found, each once, in the order
/// found. An image without a readable code gives an empty list, not an error.
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    Ok(decode_image(&load_image(bytes)?))
}

/// The payload of every QR code in an image, each once (see [`decode_image_bytes`]).
pub fn decode_image(image: &DynamicImage) -> Vec<String> {
    pipeline::run(image, None).into_iter().map(|(text, _)| text).collect()
}

/// For the benchmark: like [`decode_image`], running only the named stages (all when `None`),
/// and telling which stage read each payload. Not a stable API.
#[doc(hidden)]
pub fn decode_image_traced(image: &DynamicImage, only: Option<&[&str]>) -> Vec<(String, &'static str)> {
    pipeline::run(image, only)
}

/// The names of the decoding stages, in the order they run (for the benchmark).
#[doc(hidden)]
pub fn stage_names() -> Vec<&'static str> {
    pipeline::STAGES.iter().map(|(name, _)| *name).collect()
}

/// Runs `f`, turning a panic of a third-party decoder into `None`: a hostile image must never
/// bring the program down.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

#[cfg(test)]
mod tests;
