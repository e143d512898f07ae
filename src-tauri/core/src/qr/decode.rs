//! Finding and decoding every QR symbol in an image.
//!
//! Two detectors look at the picture: rqrr (the primary one: its own local threshold, finder
//! patterns, perspective sampling) and the QR detector of rxing (a Rust port of ZXing-C++'s).
//! Both hand a sampled module grid to one bitstream decoder (rxing's, which honours ECI
//! headers), and every payload's bytes go through [`super::text`] before they are believed.

use image::GrayImage;
use rxing::common::{BitMatrix, DetectorRXingResult};
use rxing::qrcode::cpp_port::{decoder::Decode, detector as cpp};

use super::guarded;
use super::text::{self, Decoded};

/// A module grid sampled by rqrr, decoded by the shared bitstream decoder.
fn decode_rqrr_grid<G: rqrr::BitGrid>(grid: &G) -> Option<Decoded> {
    let size = grid.size();
    let side = u32::try_from(size).ok()?;
    let mut bits = BitMatrix::new(side, side).ok()?;
    for y in 0..size {
        for x in 0..size {
            if grid.bit(y, x) {
                bits.set(x as u32, y as u32);
            }
        }
    }
    decode_bits(&bits)
}

/// Error correction and bitstream parsing of a sampled grid (normal or mirrored).
fn decode_bits(bits: &BitMatrix) -> Option<Decoded> {
    let result = Decode(bits).ok()?;
    if !result.isValid() {
        return None;
    }
    let content = result.content();
    text::decode_payload(content.bytes(), content.has_eci.then(|| content.to_string()))
}

/// rqrr on a grayscale image (rqrr thresholds it itself).
pub(crate) fn rqrr_pass(gray: &GrayImage) -> Vec<Decoded> {
    let gray = gray.clone();
    guarded(move || {
        let mut prepared = rqrr::PreparedImage::prepare(gray);
        prepared
            .detect_grids()
            .iter()
            .filter_map(|g| decode_rqrr_grid(&g.grid))
            .collect()
    })
    .unwrap_or_default()
}

/// rxing's port of the ZXing-C++ QR detector on an already binarized image.
pub(crate) fn rxing_pass(binary: &BitMatrix) -> Vec<Decoded> {
    guarded(|| {
        let mut patterns = cpp::FindFinderPatterns(binary, true, 0);
        let mut used = Vec::new();
        let mut found = Vec::new();
        for set in cpp::GenerateFinderPatternSets(&mut patterns) {
            if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
                continue;
            }
            let Ok(detected) = cpp::SampleQR(binary, &set) else {
                continue;
            };
            if let Some(decoded) = decode_bits(detected.getBits()) {
                used.extend([set.bl, set.tl, set.tr]);
                found.push(decoded);
            }
        }
        found
    })
    .unwrap_or_default()
}

/// rxing's hybrid binarizer (8×8 blocks, local threshold from 5×5 block neighbourhoods).
pub(crate) fn hybrid_binarize(gray: &GrayImage) -> Option<BitMatrix> {
    use rxing::Binarizer;
    let source = rxing::Luma8LuminanceSource::new(gray.as_raw().clone(), gray.width(), gray.height()).ok()?;
    let binarizer = rxing::common::HybridBinarizer::new(source);
    binarizer.get_black_matrix().ok().cloned()
}
