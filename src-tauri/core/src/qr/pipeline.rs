//! The order in which detectors and image clean-ups are tried.
//!
//! Stages run from cheapest to dearest and the first stage that reads any symbol ends the
//! search, so a clean image costs one fast pass and only hard images pay for the retries:
//!
//! 1. rxing's detector on rxing's hybrid (local, 8×8-block) binarization, then on its inverse
//!    (light modules on a dark page);
//! 2. rqrr on the grayscale image (its own running-average threshold), then on the inverse;
//! 3. contrast stretched to the full range, rxing again (grey-on-grey codes);
//! 4. half size (box filter: averages away noise, JPEG blocks and blur, shrinks big screenshots);
//! 5. double size (tiny modules, codes at 2 px per module rotated off the pixel grid);
//! 6. a coarser local threshold (mean of a window ~1/8 of the image), both polarities.
//!
//! Every stage hands its grids to the same validating decoder, so a retry can add reads but
//! never lowers the bar for what counts as one.

use image::{DynamicImage, GrayImage, Luma, imageops};

use super::decode;
use super::text::Decoded;

/// Grayscale, with any transparency composited over white (a transparent PNG of black modules
/// must not turn into black on black).
pub(crate) fn to_gray(image: &DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        return image.to_luma8();
    }
    let la = image.to_luma_alpha8();
    GrayImage::from_fn(la.width(), la.height(), |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        let blended = (u32::from(l) * u32::from(a) + 255 * (255 - u32::from(a))) / 255;
        Luma([blended as u8])
    })
}

fn invert(gray: &GrayImage) -> GrayImage {
    let mut inv = gray.clone();
    imageops::invert(&mut inv);
    inv
}

/// rxing's detector on a binarization and on its inverse.
fn rxing_both(bits: Option<rxing::common::BitMatrix>) -> Vec<Decoded> {
    let Some(mut bits) = bits else { return Vec::new() };
    let found = decode::rxing_pass(&bits);
    if !found.is_empty() {
        return found;
    }
    bits.flip_self();
    decode::rxing_pass(&bits)
}

fn rxing_hybrid(gray: &GrayImage) -> Vec<Decoded> {
    rxing_both(decode::hybrid_binarize(gray))
}

fn rqrr_both(gray: &GrayImage) -> Vec<Decoded> {
    let found = decode::rqrr_pass(gray);
    if !found.is_empty() {
        return found;
    }
    decode::rqrr_pass(&invert(gray))
}

/// Stretches the 1st–99th percentile of grey levels to 0–255; `None` when the image already
/// spans most of the range (the stage would repeat stage 1).
fn stretch_contrast(gray: &GrayImage) -> Option<GrayImage> {
    let mut histogram = [0u64; 256];
    for p in gray.pixels() {
        histogram[usize::from(p.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let level_at = |fraction: f64| {
        let target = (total as f64 * fraction) as u64;
        let mut seen = 0;
        for (level, count) in histogram.iter().enumerate() {
            seen += count;
            if seen > target {
                return level as u8;
            }
        }
        255
    };
    let (lo, hi) = (level_at(0.01), level_at(0.99));
    if hi <= lo || hi - lo > 160 {
        return None;
    }
    let (lo, span) = (f32::from(lo), f32::from(hi - lo));
    let mut out = gray.clone();
    for p in out.pixels_mut() {
        p.0[0] = ((f32::from(p.0[0]) - lo) * 255.0 / span).clamp(0.0, 255.0) as u8;
    }
    Some(out)
}

fn stage_contrast(gray: &GrayImage) -> Vec<Decoded> {
    stretch_contrast(gray).map(|g| rxing_hybrid(&g)).unwrap_or_default()
}

/// Half size by 2×2 box averaging.
fn half(gray: &GrayImage) -> Option<GrayImage> {
    let (w, h) = (gray.width() / 2, gray.height() / 2);
    if w < 21 || h < 21 {
        return None;
    }
    Some(GrayImage::from_fn(w, h, |x, y| {
        let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
            .iter()
            .map(|(dx, dy)| u32::from(gray.get_pixel(2 * x + dx, 2 * y + dy).0[0]))
            .sum();
        Luma([(sum / 4) as u8])
    }))
}

fn stage_half(gray: &GrayImage) -> Vec<Decoded> {
    let Some(small) = half(gray) else { return Vec::new() };
    let found = rxing_hybrid(&small);
    if !found.is_empty() {
        return found;
    }
    rqrr_both(&small)
}

/// Images up to this side are also tried at double size.
const MAX_SIDE_TO_ENLARGE: u32 = 1280;

fn stage_double(gray: &GrayImage) -> Vec<Decoded> {
    if gray.width().max(gray.height()) > MAX_SIDE_TO_ENLARGE {
        return Vec::new();
    }
    let big = imageops::resize(
        gray,
        gray.width() * 2,
        gray.height() * 2,
        imageops::FilterType::Triangle,
    );
    rxing_hybrid(&big)
}

/// Black where a pixel is darker than the mean of the window around it (side ≈ 1/8 of the
/// image, at least 15 px) minus a small margin, from an integral image.
fn mean_threshold(gray: &GrayImage) -> Option<rxing::common::BitMatrix> {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(gray.as_raw()[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let r = (w.min(h) / 16).max(7);
    let mut bits = rxing::common::BitMatrix::new(gray.width(), gray.height()).ok()?;
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let count = ((y1 - y0) * (x1 - x0)) as u64;
            if u64::from(gray.as_raw()[y * w + x]) * count + 4 * count < sum {
                bits.set(x as u32, y as u32);
            }
        }
    }
    Some(bits)
}

fn stage_mean(gray: &GrayImage) -> Vec<Decoded> {
    rxing_both(mean_threshold(gray))
}

type Stage = fn(&GrayImage) -> Vec<Decoded>;

/// The stages, in order, with the names the benchmark reports.
pub(crate) const STAGES: &[(&str, Stage)] = &[
    ("rxing", rxing_hybrid),
    ("rqrr", rqrr_both),
    ("contrast", stage_contrast),
    ("half", stage_half),
    ("double", stage_double),
    ("mean", stage_mean),
];

/// Runs the stages named in `only` (all when `None`) until one reads something. Returns each
/// payload once, with the name of the stage that read it.
pub(crate) fn run(image: &DynamicImage, only: Option<&[&str]>) -> Vec<(String, &'static str)> {
    let gray = to_gray(image);
    let mut found: Vec<(String, &'static str)> = Vec::new();
    for (name, stage) in STAGES {
        if only.is_some_and(|names| !names.contains(name)) {
            continue;
        }
        for decoded in stage(&gray) {
            if !found.iter().any(|(text, _)| *text == decoded.text) {
                found.push((decoded.text, name));
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    found
}
