//! Hostile and broken image files: a clear error, never a panic.

use proptest::prelude::*;
use smartpush_core::qr::{self, QrError};

fn sample_png() -> Vec<u8> {
    qr::to_png("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME").expect("encode")
}

fn sample_jpeg() -> Vec<u8> {
    let img = qr::to_image("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP", 4).expect("encode");
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("jpeg");
    out
}

/// A minimal PNG whose header claims `width × height` pixels (the classic decompression bomb:
/// a few bytes of header, gigabytes once decoded).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_real_png_and_jpeg_decode() {
    assert_eq!(qr::decode_image_bytes(&sample_png()).expect("png").len(), 1);
    assert_eq!(qr::decode_image_bytes(&sample_jpeg()).expect("jpeg").len(), 1);
}

#[test]
fn decompression_bombs_and_huge_images_are_refused() {
    assert_eq!(
        qr::decode_image_bytes(&png_claiming(100_000, 100_000)),
        Err(QrError::ImageTooLarge)
    );
    assert_eq!(
        qr::decode_image_bytes(&png_claiming(qr::MAX_SIDE + 1, 10)),
        Err(QrError::ImageTooLarge)
    );
    // Within the side limit but over the memory limit: 16 384 × 16 384 RGBA is 1 GiB.
    assert_eq!(
        qr::decode_image_bytes(&png_claiming(qr::MAX_SIDE, qr::MAX_SIDE)),
        Err(QrError::ImageTooLarge)
    );
    assert_eq!(
        qr::decode_rgba(qr::MAX_SIDE + 1, 1, Vec::new()),
        Err(QrError::ImageTooLarge)
    );
    let msg = QrError::ImageTooLarge.to_string();
    assert!(msg.contains("16384") && msg.contains("512 MiB"), "{msg}");
}

#[test]
fn non_images_are_a_clear_error() {
    assert_eq!(qr::decode_image_bytes(b""), Err(QrError::NotAnImage));
    assert_eq!(
        qr::decode_image_bytes(b"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"),
        Err(QrError::NotAnImage)
    );
    assert_eq!(qr::decode_image_bytes(b"%PDF-1.7\n..."), Err(QrError::NotAnImage));
}

#[test]
fn every_truncation_of_a_real_image_is_an_error_or_a_result_never_a_panic() {
    for bytes in [sample_png(), sample_jpeg()] {
        let step = (bytes.len() / 200).max(1);
        for len in (0..bytes.len()).step_by(step) {
            match qr::decode_image_bytes(&bytes[..len]) {
                Ok(_) | Err(QrError::NotAnImage | QrError::DamagedImage | QrError::UnsupportedImage) => {}
                Err(other) => panic!("truncated at {len}: unexpected {other:?}"),
            }
        }
    }
    // A PNG cut in the middle of its pixel data is damaged, not silently empty.
    let png = sample_png();
    assert_eq!(
        qr::decode_image_bytes(&png[..png.len() / 2]),
        Err(QrError::DamagedImage)
    );
}

#[test]
fn flipped_bytes_never_panic() {
    let png = sample_png();
    let mut rng = 0x1234_5678u64;
    for _ in 0..200 {
        let mut bytes = png.clone();
        for _ in 0..4 {
            rng = rng
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let i = (rng >> 33) as usize % bytes.len();
            bytes[i] ^= (rng >> 20) as u8 | 1;
        }
        let _ = qr::decode_image_bytes(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = qr::decode_image_bytes(&bytes);
    }

    #[test]
    fn random_bytes_behind_an_image_signature_never_panic(
        magic in prop::sample::select(vec![&b"\x89PNG\r\n\x1a\n"[..], b"\xFF\xD8\xFF", b"GIF89a", b"BM", b"RIFF\0\0\0\0WEBPVP8 "]),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&tail);
        let _ = qr::decode_image_bytes(&bytes);
    }

    #[test]
    fn random_pixels_never_panic_and_never_read_a_code(pixels in proptest::collection::vec(any::<u8>(), 64 * 64 * 4)) {
        prop_assert_eq!(qr::decode_rgba(64, 64, pixels).expect("right length"), Vec::<String>::new());
    }
}
