//! Tests of generation (round trips through zbarimg when installed).

use super::*;

/// Runs `/usr/bin/zbarimg` on an image file, if installed: `None` when it is not.
fn zbarimg(bytes: &[u8], ext: &str) -> Option<Vec<String>> {
    let zbar = std::path::Path::new("/usr/bin/zbarimg");
    if !zbar.exists() {
        eprintln!("zbarimg not installed; skipping the cross-check");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("code.{ext}"));
    std::fs::write(&path, bytes).expect("write image");
    let out = std::process::Command::new(zbar)
        .args(["--quiet", "--raw", "-Sbinary"])
        .arg(&path)
        .output()
        .expect("run zbarimg");
    // -Sbinary prints the raw bytes of the payload; each symbol ends with a newline.
    let text = String::from_utf8(out.stdout).expect("zbarimg output is UTF-8 here");
    Some(text.lines().map(str::to_owned).filter(|l| !l.is_empty()).collect())
}

const URIS: &[&str] = &[
    "otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME",
    "otpauth://hotp/Bank?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7&digits=8&algorithm=SHA256",
    "otpauth://totp/M%C3%BCller%20GmbH:j%C3%B6rg?secret=JBSWY3DPEHPK3PXP",
    // Raw UTF-8 (a sloppy generator): written with an ECI header.
    "otpauth://totp/Müller:jörg@例え.jp?secret=JBSWY3DPEHPK3PXP&issuer=Müller 🔐",
];

#[test]
fn png_round_trips_through_zbarimg() {
    for uri in URIS {
        let png = to_png(uri).expect("encode");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let Some(got) = zbarimg(&png, "png") else { return };
        assert_eq!(got, vec![uri.to_string()], "zbarimg read back {uri}");
    }
}

#[test]
fn png_has_the_documented_geometry() {
    let img = image::load_from_memory(&to_png(URIS[0]).expect("encode"))
        .expect("decode png")
        .to_luma8();
    assert_eq!(img.width(), img.height());
    assert_eq!(img.width() % MODULE_PX, 0);
    let modules = img.width() / MODULE_PX - 2 * QUIET_ZONE;
    assert_eq!(
        (modules - 17) % 4,
        0,
        "a QR symbol is 17 + 4·version modules wide, got {modules}"
    );
    // The quiet zone is white, the top-left finder pattern starts right after it.
    let q = QUIET_ZONE * MODULE_PX;
    assert!((0..img.width()).all(|x| img.get_pixel(x, q - 1).0[0] == 255));
    assert_eq!(img.get_pixel(q, q).0[0], 0);
}

#[test]
fn svg_is_well_formed_and_matches_the_png() {
    let svg = to_svg(URIS[0]).expect("encode");
    assert!(svg.starts_with("<?xml"));
    assert!(svg.trim_end().ends_with("</svg>"));
    // One unit square per dark module of the PNG.
    let img = to_image(URIS[0], 1).expect("encode");
    let dark = img.pixels().filter(|p| p.0[0] == 0).count();
    assert_eq!(svg.matches("h1v1h-1z").count(), dark);
}

#[test]
fn too_long_text_is_an_error_not_a_panic() {
    let long = "A".repeat(5000);
    assert_eq!(to_png(&long), Err(QrError::PayloadTooLong));
    assert_eq!(to_svg(&"é".repeat(2000)), Err(QrError::PayloadTooLong));
    assert!(to_png(&"x".repeat(2000)).is_ok(), "2000 bytes fit at level M");
}
