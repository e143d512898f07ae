//! Decoding QR codes from generated images: every kind of damage the issue lists, images with
//! no code, charset handling, and payloads → accounts.

mod qr_support;

use image::{DynamicImage, GrayImage, imageops};
use qr_support::*;
use qrcode::EcLevel;
use smartpush_core::qr::{self, PayloadKind};

fn decode(img: &GrayImage) -> Vec<String> {
    qr::decode_image(&DynamicImage::ImageLuma8(img.clone()))
}

#[track_caller]
fn assert_reads(img: &GrayImage, expected: &[&str], what: &str) {
    let mut got = decode(img);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "{what}");
}

#[test]
fn module_sizes_2_to_8_px() {
    let mut rng = Rng::new(1);
    for module in 2..=8 {
        let text = uri(&mut rng);
        assert_reads(
            &symbol(&text, EcLevel::M, module),
            &[&text],
            &format!("{module} px per module"),
        );
    }
}

#[test]
fn every_error_correction_level() {
    let mut rng = Rng::new(2);
    for ec in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
        let text = uri(&mut rng);
        assert_reads(&symbol(&text, ec, 3), &[&text], &format!("EC level {ec:?}"));
    }
}

#[test]
fn rotations_up_to_45_degrees() {
    let mut rng = Rng::new(3);
    for degrees in [5.0, -5.0, 15.0, -15.0, 30.0, -30.0, 45.0, -45.0] {
        let text = uri(&mut rng);
        let img = rotate(&symbol(&text, EcLevel::M, 4), degrees);
        assert_reads(&img, &[&text], &format!("rotated {degrees}°"));
    }
}

#[test]
fn quarter_turns() {
    let mut rng = Rng::new(4);
    let text = uri(&mut rng);
    let img = symbol(&text, EcLevel::M, 3);
    assert_reads(&imageops::rotate90(&img), &[&text], "90°");
    assert_reads(&imageops::rotate180(&img), &[&text], "180°");
    assert_reads(&imageops::rotate270(&img), &[&text], "270°");
    assert_reads(&imageops::flip_horizontal(&img), &[&text], "mirrored");
}

#[test]
fn mild_perspective() {
    let mut rng = Rng::new(5);
    for _ in 0..4 {
        let text = uri(&mut rng);
        let img = perspective(&symbol(&text, EcLevel::M, 5), 0.06, &mut rng);
        assert_reads(&img, &[&text], "perspective");
    }
}

#[test]
fn gaussian_blur() {
    let mut rng = Rng::new(6);
    for (module, factor) in [(4, 0.25), (6, 0.3), (8, 0.35)] {
        let text = uri(&mut rng);
        let img = blur(&symbol(&text, EcLevel::M, module), module as f32 * factor);
        assert_reads(&img, &[&text], &format!("blur sigma {factor} × {module} px"));
    }
}

#[test]
fn additive_noise() {
    let mut rng = Rng::new(7);
    for (seed, sigma) in [(1, 20.0), (2, 30.0), (3, 40.0)] {
        let text = uri(&mut rng);
        let img = noise(&symbol(&text, EcLevel::M, 4), sigma, seed);
        assert_reads(&img, &[&text], &format!("noise sigma {sigma}"));
    }
}

#[test]
fn jpeg_artefacts() {
    let mut rng = Rng::new(8);
    for (module, quality) in [(3, 30), (4, 30), (3, 60)] {
        let text = uri(&mut rng);
        // A grey page around the symbol, as on a web page.
        let img = pad(&contrast(&symbol(&text, EcLevel::M, module), 20, 235), 30, 200);
        let got = qr::decode_image_bytes(&jpeg(&img, quality)).expect("a readable JPEG");
        assert_eq!(got, vec![text], "JPEG quality {quality}, {module} px per module");
    }
}

#[test]
fn low_contrast() {
    let mut rng = Rng::new(9);
    for (dark, light) in [(100, 140), (90, 150), (150, 200), (60, 100)] {
        let text = uri(&mut rng);
        let img = contrast(&symbol(&text, EcLevel::M, 4), dark, light);
        assert_reads(&img, &[&text], &format!("grey {dark} on grey {light}"));
    }
}

#[test]
fn inverted_colours() {
    let mut rng = Rng::new(10);
    for module in [2, 4, 6] {
        let text = uri(&mut rng);
        let img = invert(&symbol(&text, EcLevel::M, module));
        assert_reads(&img, &[&text], &format!("light on dark, {module} px"));
    }
}

#[test]
fn logo_over_the_centre() {
    let mut rng = Rng::new(11);
    for fraction in [0.22, 0.26, 0.3] {
        let text = uri(&mut rng);
        let img = logo(&symbol(&text, EcLevel::H, 5), fraction);
        assert_reads(&img, &[&text], &format!("logo over {fraction} of the width"));
    }
}

#[test]
fn small_code_in_a_full_hd_screenshot() {
    let mut rng = Rng::new(12);
    for (dark, module) in [(false, 2), (false, 3), (true, 3)] {
        let text = uri(&mut rng);
        let code = symbol(&text, EcLevel::M, module);
        // Dark pages show the code on a white card, or inverted.
        let code = if dark && module == 3 { invert(&code) } else { code };
        let img = screenshot(Some(&code), dark, &mut rng);
        assert_reads(&img, &[&text], &format!("screenshot, dark {dark}, {module} px"));
    }
}

#[test]
fn code_scaled_to_a_fractional_module_size() {
    let mut rng = Rng::new(13);
    for scale in [2.5f32, 3.3] {
        let text = uri(&mut rng);
        let one = symbol(&text, EcLevel::M, 1);
        let side = (one.width() as f32 * scale).round() as u32;
        let img = pad(
            &imageops::resize(&one, side, side, imageops::FilterType::Triangle),
            20,
            255,
        );
        assert_reads(&img, &[&text], &format!("{scale} px per module, bilinear"));
    }
}

#[test]
fn two_codes_in_one_image() {
    let mut rng = Rng::new(14);
    let (a, b) = (uri(&mut rng), uri(&mut rng));
    let img = side_by_side(&symbol(&a, EcLevel::M, 3), &symbol(&b, EcLevel::Q, 4));
    assert_reads(&img, &[&a, &b], "two codes");
    // The same code twice is one payload.
    let twice = side_by_side(&symbol(&a, EcLevel::M, 3), &symbol(&a, EcLevel::M, 3));
    assert_reads(&twice, &[&a], "one code twice");
}

#[test]
fn non_ascii_issuers_in_every_charset() {
    let text = "otpauth://totp/Zoë Müller:jörg@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Zoë Müller";
    // UTF-8 behind an ECI header (what this app writes).
    assert_reads(&qr::to_image(text, 3).expect("encode"), &[text], "UTF-8 with ECI");
    // UTF-8 without ECI (many generators).
    assert_reads(&symbol(text, EcLevel::M, 3), &[text], "UTF-8 without ECI");
    // ISO-8859-1 without ECI (the QR default; ZXing and segno write this).
    let latin1: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text"))
        .collect();
    assert_reads(
        &symbol_bytes(&latin1, EcLevel::M, 3, 4),
        &[text],
        "ISO-8859-1 without ECI",
    );
    // Scripts beyond Latin-1, raw and percent-encoded.
    for text in [
        "otpauth://totp/Ελληνικά:Иван?secret=JBSWY3DPEHPK3PXP&issuer=Ελληνικά",
        "otpauth://totp/%E4%BE%8B%E3%81%88:%F0%9F%94%90?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/한국어:사용자?secret=JBSWY3DPEHPK3PXP&issuer=한국어",
    ] {
        assert_reads(&symbol(text, EcLevel::M, 3), &[text], text);
        assert_reads(&qr::to_image(text, 3).expect("encode"), &[text], text);
    }
}

#[test]
fn bytes_in_an_unknown_charset_are_refused_not_guessed() {
    // Windows-1252 "€" (0x80) and curly quotes (0x93, 0x94) are C1 controls in ISO-8859-1 and
    // invalid UTF-8: there is no reading that can be trusted.
    let bytes = b"otpauth://totp/\x93Caf\x80\x94?secret=JBSWY3DPEHPK3PXP";
    assert_reads(&symbol_bytes(bytes, EcLevel::M, 3, 4), &[], "Windows-1252 bytes");
}

#[test]
fn images_without_a_code_yield_nothing() {
    let mut rng = Rng::new(15);
    assert_reads(&GrayImage::from_pixel(640, 480, image::Luma([255])), &[], "blank");
    assert_reads(
        &screenshot(None, false, &mut rng),
        &[],
        "light UI with finder-like icons",
    );
    assert_reads(&screenshot(None, true, &mut rng), &[], "dark UI with finder-like icons");
    let checker = GrayImage::from_fn(400, 400, |x, y| {
        image::Luma([if (x / 10 + y / 10) % 2 == 0 { 0 } else { 255 }])
    });
    assert_reads(&checker, &[], "checkerboard");
    let grid = GrayImage::from_fn(300, 300, |_, _| image::Luma([0]));
    let mut grid = grid;
    for y in 0..50 {
        for x in 0..50 {
            let v = if rng.coin() { 0 } else { 255 };
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 2), (2, 0), (0, 2), (1, 2), (2, 1)] {
                grid.put_pixel(30 + x * 4 + dx, 30 + y * 4 + dy, image::Luma([v]));
            }
        }
    }
    assert_reads(&grid, &[], "random module grid");
    // A QR look-alike: real finder, timing and format patterns, scrambled data modules.
    let text = uri(&mut rng);
    let real = symbol(&text, EcLevel::L, 1);
    let scrambled = GrayImage::from_fn(real.width(), real.height(), |x, y| {
        let (mx, my) = (x as i64 - 4, y as i64 - 4);
        let n = real.width() as i64 - 8;
        let function = (mx < 9 && (my < 9 || my >= n - 8)) || (mx >= n - 8 && my < 9) || mx == 6 || my == 6;
        if mx < 0 || my < 0 || mx >= n || my >= n || function {
            *real.get_pixel(x, y)
        } else {
            image::Luma([if rng.coin() { 0 } else { 255 }])
        }
    });
    assert_reads(
        &imageops::resize(
            &scrambled,
            real.width() * 4,
            real.width() * 4,
            imageops::FilterType::Nearest,
        ),
        &[],
        "scrambled data",
    );
}

#[test]
fn generated_codes_round_trip() {
    let mut rng = Rng::new(16);
    for _ in 0..4 {
        let text = uri(&mut rng);
        assert_eq!(
            qr::decode_image_bytes(&qr::to_png(&text).expect("encode")).expect("decode"),
            vec![text]
        );
    }
}

#[test]
fn transparent_background_counts_as_white() {
    let text = "otpauth://totp/T?secret=JBSWY3DPEHPK3PXP";
    let gray = qr::to_image(text, 4).expect("encode");
    let rgba = image::RgbaImage::from_fn(gray.width(), gray.height(), |x, y| {
        if gray.get_pixel(x, y).0[0] == 0 {
            image::Rgba([0, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let (w, h) = rgba.dimensions();
    assert_eq!(
        qr::decode_rgba(w, h, rgba.into_raw()).expect("decode"),
        vec![text.to_owned()]
    );
    assert_eq!(qr::decode_rgba(10, 10, vec![0; 7]), Err(qr::QrError::DamagedImage));
}

#[test]
fn payloads_become_accounts_and_the_rest_is_reported() {
    let account = smartpush_core::AccountDraft {
        issuer: "Exporter".into(),
        name: "a@example.com".into(),
        otp: Some(smartpush_core::OtpConfig {
            kind: smartpush_core::OtpKind::Totp,
            secret: smartpush_core::Secret::from_base32("JBSWY3DPEHPK3PXP").expect("base32"),
            algorithm: smartpush_core::Algorithm::Sha1,
            digits: 6,
            period: 30,
            counter: 0,
        }),
        ..Default::default()
    };
    let mut second = account.clone();
    second.name = "b@example.com".into();
    let mut third = account.clone();
    third.name = "c@example.com".into();
    // One account per batch, three batches: scan batches 0 and 2 only.
    let batches = smartpush_core::uri::migration::encode(&[account, second, third], 1, 77);
    assert_eq!(batches.len(), 3);
    let payloads = vec![
        "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME".to_owned(),
        "https://example.com/enroll".to_owned(),
        "hello, world".to_owned(),
        "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME".to_owned(),
        batches[0].to_string(),
        batches[2].to_string(),
        "otpauth://totp/Broken?secret=not-base32!".to_owned(),
    ];
    let report = qr::scan_accounts(&payloads);
    let names: Vec<&str> = report.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["alice", "a@example.com", "c@example.com"]);
    assert_eq!(report.payloads[0], PayloadKind::Otpauth);
    assert_eq!(report.payloads[1], PayloadKind::Url);
    assert_eq!(report.payloads[2], PayloadKind::Text);
    assert_eq!(report.payloads[3], PayloadKind::Otpauth);
    assert!(matches!(
        report.payloads[4],
        PayloadKind::Migration {
            batch_id: 77,
            batch_index: 0,
            batch_size: 3,
            accounts: 1,
            ..
        }
    ));
    assert!(matches!(report.payloads[6], PayloadKind::InvalidUri(_)));
    assert_eq!(report.missing_batches, vec![(77, vec![1])]);
}

#[test]
fn scanned_migration_export_from_images() {
    let drafts: Vec<_> = (0..8)
        .map(|i| {
            smartpush_core::uri::parse_otpauth(&format!(
                "otpauth://totp/Svc{i}:user{i}?secret=JBSWY3DPEHPK3PXP&issuer=Svc{i}"
            ))
            .expect("uri")
        })
        .collect();
    let batches = smartpush_core::uri::migration::encode(&drafts, 4, 5);
    let img = side_by_side(
        &qr::to_image(&batches[0], 3).expect("encode"),
        &qr::to_image(&batches[1], 3).expect("encode"),
    );
    let payloads = decode(&img);
    let report = qr::scan_accounts(&payloads);
    assert_eq!(report.accounts.len(), 8);
    assert!(report.missing_batches.is_empty());
}
