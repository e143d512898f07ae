//! Screen capture over X11 for QR scanning: every X screen's root window as RGBA pixels.
//!
//! Pure Rust over `x11rb` (no libxcb, no GTK), so both the command line and the desktop app use
//! it. On Wayland only XWayland windows are visible to it.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder, Screen};

/// Why the screen could not be captured. Messages are sentences for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// No X11 display to connect to (none set, or a Wayland session without XWayland).
    #[error("{0}")]
    NoDisplay(String),
    /// The X server refused the request or sent pixels in a format this does not convert.
    #[error("{0}")]
    Failed(String),
}

/// One screen's pixels, RGBA.
pub struct Shot {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes, row by row, opaque.
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
///
/// # Errors
/// A sentence for a person: no X11 display, or a pixel format this does not convert.
pub fn capture() -> Result<Vec<Shot>, CaptureError> {
    let (conn, _) = connect()
        .map_err(|e| match std::env::var_os("WAYLAND_DISPLAY") {
            Some(_) => format!("no X11 display ({e}); on Wayland run it where XWayland is available"),
            None => format!("no X11 display ({e}); is DISPLAY set?"),
        })
        .map_err(CaptureError::NoDisplay)?;
    let setup = conn.setup();
    let lsb_first = setup.image_byte_order == ImageOrder::LSB_FIRST;
    let mut shots = Vec::new();
    for screen in &setup.roots {
        let (w, h) = (screen.width_in_pixels, screen.height_in_pixels);
        let reply = conn
            .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, w, h, !0)
            .map_err(|e| CaptureError::Failed(e.to_string()))?
            .reply()
            .map_err(|e| CaptureError::Failed(format!("GetImage failed: {e}")))?;
        let bpp = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .map(|f| (f.bits_per_pixel, f.scanline_pad))
            .ok_or_else(|| CaptureError::Failed("unknown pixmap format".into()))?;
        let masks = visual_masks(screen, reply.visual).ok_or_else(|| CaptureError::Failed("unknown visual".into()))?;
        let rgba = to_rgba(&reply.data, usize::from(w), usize::from(h), bpp, masks, lsb_first)
            .ok_or_else(|| CaptureError::Failed(format!("unsupported pixel format ({} bits per pixel)", bpp.0)))?;
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

/// Converts Z-pixmap data (`bits_per_pixel`, rows padded to `scanline_pad` bits) → RGBA, for true- and
/// direct-colour visuals of 16, 24 or 32 bits per pixel.
pub fn to_rgba(
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
