//! Reading untrusted image bytes into memory, within limits.

use std::io::Cursor;

use image::{DynamicImage, ImageError, ImageReader};

use super::{QrError, guarded};

/// The widest or tallest image accepted, in pixels: three 4K monitors side by side fit
/// (11 520 px), a decompression bomb claiming 100 000 × 100 000 does not.
pub const MAX_SIDE: u32 = 16_384;
/// The most memory one image may take once decoded, in bytes (an 8K RGBA screenshot needs 133 MB).
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// Decodes image bytes (PNG, JPEG, WebP, GIF or BMP; the format is sniffed from the content,
/// never from a name), refusing anything over [`MAX_SIDE`] or [`MAX_ALLOC`] before allocating it.
pub fn load_image(bytes: &[u8]) -> Result<DynamicImage, QrError> {
    if bytes.is_empty() {
        return Err(QrError::NotAnImage);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| QrError::NotAnImage)?;
    if reader.format().is_none() {
        return Err(QrError::NotAnImage);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = reader;
    reader.limits(limits);
    match guarded(move || reader.decode()) {
        Some(Ok(image)) => Ok(image),
        Some(Err(err)) => Err(classify(&err)),
        None => Err(QrError::DamagedImage),
    }
}

fn classify(err: &ImageError) -> QrError {
    match err {
        ImageError::Limits(_) => QrError::ImageTooLarge,
        ImageError::Unsupported(_) => QrError::UnsupportedImage,
        _ => QrError::DamagedImage,
    }
}
