//! Test images with QR codes, made on the spot: symbols from the `qrcode` crate and the kinds
//! of damage real screenshots and photos show (rotation, perspective, blur, noise, JPEG,
//! low contrast, inversion, logos, clutter). Deterministic: every random choice comes from a
//! seed. Shared by the decoding tests and the `qr_stress` example.
#![allow(dead_code)]

use image::{GrayImage, Luma, imageops};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, rotate_about_center, warp};
use qrcode::{EcLevel, QrCode};

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo)) as u32
    }
    /// Uniform in `[lo, hi)`.
    pub fn float(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * (hi - lo)
    }
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 0
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u32) as usize]
    }
}

const ISSUERS: &[&str] = &[
    "SmartPush",
    "ACME Corp",
    "Amazon Web Services",
    "GitHub",
    "Bank & Co",
    "Zoë's Café",
];
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A realistic percent-encoded enrollment URI.
pub fn uri(rng: &mut Rng) -> String {
    let issuer = *rng.pick(ISSUERS);
    let user = format!("user{}@example.com", rng.range(1, 10_000));
    let secret: String = (0..rng.range(16, 40))
        .map(|_| char::from(*rng.pick(ALPHABET)))
        .collect();
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    let digits = rng.pick(&[6, 6, 8]);
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&digits={digits}",
        enc(issuer),
        enc(&user),
        enc(issuer)
    )
}

/// The symbol for `bytes` (byte mode, no ECI) at an error-correction level, `module` px per
/// module, with `quiet` modules of white around it.
pub fn symbol_bytes(bytes: &[u8], ec: EcLevel, module: u32, quiet: u32) -> GrayImage {
    let code = QrCode::with_error_correction_level(bytes, ec).expect("payload fits");
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 2 * quiet) * module;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (
            (x / module) as i64 - i64::from(quiet),
            (y / module) as i64 - i64::from(quiet),
        );
        let inside = (0..i64::from(width)).contains(&mx) && (0..i64::from(width)).contains(&my);
        let dark = inside && colors[(my * i64::from(width) + mx) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

/// [`symbol_bytes`] of a string's UTF-8.
pub fn symbol(text: &str, ec: EcLevel, module: u32) -> GrayImage {
    symbol_bytes(text.as_bytes(), ec, module, 4)
}

/// `img` on a `bg` canvas with `margin` px on each side.
pub fn pad(img: &GrayImage, margin: u32, bg: u8) -> GrayImage {
    let mut out = GrayImage::from_pixel(img.width() + 2 * margin, img.height() + 2 * margin, Luma([bg]));
    imageops::overlay(&mut out, img, i64::from(margin), i64::from(margin));
    out
}

/// Rotation by `degrees` about the centre (bicubic), on a canvas grown so nothing is cut.
pub fn rotate(img: &GrayImage, degrees: f32) -> GrayImage {
    let grown = pad(img, img.width() / 4, 255);
    rotate_about_center(
        &grown,
        degrees.to_radians(),
        Interpolation::Bicubic,
        Border::Constant(Luma([255])),
    )
}

/// A random homography moving each corner by `fraction` of the side at most.
pub fn perspective(img: &GrayImage, fraction: f32, rng: &mut Rng) -> GrayImage {
    let grown = pad(img, img.width() / 8, 255);
    let (w, h) = (grown.width() as f32, grown.height() as f32);
    let m = img.width() as f32 * fraction;
    let from = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let mut to = from;
    for p in &mut to {
        p.0 += rng.float(-m, m);
        p.1 += rng.float(-m, m);
    }
    let projection = Projection::from_control_points(from, to).expect("non-degenerate");
    warp(
        &grown,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Luma([255])),
    )
}

pub fn blur(img: &GrayImage, sigma: f32) -> GrayImage {
    imageproc::filter::gaussian_blur_f32(img, sigma)
}

pub fn noise(img: &GrayImage, sigma: f64, seed: u64) -> GrayImage {
    imageproc::noise::gaussian_noise(img, 0.0, sigma, seed)
}

/// The JPEG bytes of `img` at `quality` (1–100).
pub fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .expect("encode jpeg");
    out
}

/// The PNG bytes of `img`.
pub fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
    out.into_inner()
}

/// Dark modules become `dark`, light ones `light` (linear in between).
pub fn contrast(img: &GrayImage, dark: u8, light: u8) -> GrayImage {
    let (d, l) = (f32::from(dark), f32::from(light));
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        Luma([(d + (l - d) * f32::from(img.get_pixel(x, y).0[0]) / 255.0).round() as u8])
    })
}

pub fn invert(img: &GrayImage) -> GrayImage {
    let mut out = img.clone();
    imageops::invert(&mut out);
    out
}

/// A logo covering `fraction` of the symbol's width at its centre: a white plate with a dark
/// ring and a grey letter-like block.
pub fn logo(img: &GrayImage, fraction: f32) -> GrayImage {
    let mut out = img.clone();
    let side = (img.width() as f32 * fraction) as u32;
    let (x0, y0) = ((img.width() - side) / 2, (img.height() - side) / 2);
    for y in y0..y0 + side {
        for x in x0..x0 + side {
            let (dx, dy) = (x as f32 - (x0 + side / 2) as f32, y as f32 - (y0 + side / 2) as f32);
            let r = (dx * dx + dy * dy).sqrt() / (side as f32 / 2.0);
            let v = if r > 0.95 {
                255
            } else if r > 0.8 {
                30
            } else if dx.abs() < side as f32 * 0.15 && dy.abs() < side as f32 * 0.3 {
                90
            } else {
                230
            };
            out.put_pixel(x, y, Luma([v]));
        }
    }
    out
}

fn fill(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32, v: u8) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            img.put_pixel(xx, yy, Luma([v]));
        }
    }
}

/// A 1920×1080 desktop: a page (light or dark) with text lines, buttons, a chart and icons
/// shaped like finder patterns (nested squares), and `code` pasted at a random place.
pub fn screenshot(code: Option<&GrayImage>, dark: bool, rng: &mut Rng) -> GrayImage {
    let (bg, ink) = if dark { (32u8, 210u8) } else { (246u8, 40u8) };
    let mut img = GrayImage::from_pixel(1920, 1080, Luma([bg]));
    fill(&mut img, 0, 0, 1920, 40, if dark { 20 } else { 220 });
    for row in 0..40 {
        let y = 80 + row * 24;
        let mut x = 60 + rng.range(0, 40);
        while x < 1700 {
            let w = rng.range(12, 70);
            fill(&mut img, x, y, w, 9, ink);
            x += w + rng.range(6, 14);
        }
    }
    for _ in 0..12 {
        // Finder-pattern look-alikes: 7:5:3 nested squares, as icons often are.
        let s = rng.range(3, 7);
        let (x, y) = (rng.range(0, 1920 - 7 * s), rng.range(0, 1080 - 7 * s));
        fill(&mut img, x, y, 7 * s, 7 * s, ink);
        fill(&mut img, x + s, y + s, 5 * s, 5 * s, bg);
        fill(&mut img, x + 2 * s, y + 2 * s, 3 * s, 3 * s, ink);
    }
    for i in 0..30 {
        let h = rng.range(10, 120);
        fill(&mut img, 1300 + i * 14, 900 - h, 10, h, 128);
    }
    if let Some(code) = code {
        let (x, y) = (rng.range(100, 1900 - code.width()), rng.range(60, 1060 - code.height()));
        imageops::overlay(&mut img, code, i64::from(x), i64::from(y));
    }
    img
}

/// Two images side by side on white, with a gap.
pub fn side_by_side(a: &GrayImage, b: &GrayImage) -> GrayImage {
    let gap = 40;
    let mut out = GrayImage::from_pixel(a.width() + b.width() + gap, a.height().max(b.height()), Luma([255]));
    imageops::overlay(&mut out, a, 0, 0);
    imageops::overlay(&mut out, b, i64::from(a.width() + gap), 0);
    out
}
