//! Robustness beyond the dev corpus: generated images with damage a notch harder than
//! `../shared/qr-corpus` has (its held-out twin uses "slightly different parameters"), scored
//! per kind for the full pipeline and for subsets of its stages.
//!
//! `cargo run --release -p smartpush-core --example qr_stress [-- N_PER_KIND]`

#[path = "../tests/qr_support/mod.rs"]
mod qr_support;

use image::{DynamicImage, GrayImage, imageops};
use qr_support::*;
use qrcode::EcLevel;

type Make = fn(&mut Rng, &str) -> GrayImage;

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let kinds: &[(&str, Make)] = &[
        ("m2_rotated_7", |_, t| rotate(&symbol(t, EcLevel::M, 2), 7.0)),
        ("m3_rotated_40", |_, t| rotate(&symbol(t, EcLevel::M, 3), 40.0)),
        ("perspective_9pct", |r, t| {
            perspective(&symbol(t, EcLevel::M, 4), 0.09, r)
        }),
        ("blur_0.42", |_, t| blur(&symbol(t, EcLevel::M, 5), 5.0 * 0.42)),
        ("noise_55", |r, t| noise(&symbol(t, EcLevel::M, 4), 55.0, r.next_u64())),
        ("jpeg_q20_m3", |_, t| {
            let img = pad(&contrast(&symbol(t, EcLevel::M, 3), 30, 225), 30, 190);
            image::load_from_memory(&jpeg(&img, 20)).expect("jpeg").to_luma8()
        }),
        ("contrast_25", |_, t| contrast(&symbol(t, EcLevel::M, 4), 120, 145)),
        ("inverted_m2", |_, t| invert(&symbol(t, EcLevel::M, 2))),
        ("logo_33pct", |_, t| logo(&symbol(t, EcLevel::H, 5), 0.33)),
        ("screenshot_1.8px", |r, t| {
            let one = symbol(t, EcLevel::M, 1);
            let side = (one.width() as f32 * 1.8) as u32;
            let code = imageops::resize(&one, side, side, imageops::FilterType::Triangle);
            screenshot(Some(&code), r.coin(), r)
        }),
        ("screenshot_dark_inverted", |r, t| {
            screenshot(Some(&invert(&symbol(t, EcLevel::M, 3))), true, r)
        }),
        ("m2_rotated_30", |_, t| rotate(&symbol(t, EcLevel::M, 2), 30.0)),
        ("blur_0.5", |_, t| blur(&symbol(t, EcLevel::M, 5), 2.5)),
        ("noise_75", |r, t| noise(&symbol(t, EcLevel::M, 4), 75.0, r.next_u64())),
        ("contrast_15", |_, t| contrast(&symbol(t, EcLevel::M, 4), 120, 135)),
        ("shadow_gradient", |r, t| {
            let img = perspective(&blur(&symbol(t, EcLevel::M, 5), 1.2), 0.05, r);
            let (w, h) = img.dimensions();
            GrayImage::from_fn(w, h, |x, y| {
                let light = 0.35 + 0.65 * (x + y) as f32 / (w + h) as f32;
                image::Luma([(f32::from(img.get_pixel(x, y).0[0]) * light) as u8])
            })
        }),
        ("no_code_ui", |r, _| screenshot(None, r.coin(), r)),
    ];
    let configs: &[(&str, Option<&[&str]>)] = &[
        ("all stages", None),
        ("rxing only", Some(&["rxing"])),
        ("rxing+rqrr", Some(&["rxing", "rqrr"])),
    ];
    println!(
        "{:26} {}",
        "kind",
        configs.iter().map(|(c, _)| format!("{c:>12}")).collect::<String>()
    );
    let mut fps = vec![0; configs.len()];
    for (kind, make) in kinds {
        let mut passes = vec![0; configs.len()];
        for seed in 0..n {
            let mut rng = Rng::new(seed * 7919 + kind.len() as u64);
            let text = uri(&mut rng);
            let img = DynamicImage::ImageLuma8(make(&mut rng, &text));
            let want: Vec<String> = if kind.starts_with("no_code") {
                vec![]
            } else {
                vec![text.clone()]
            };
            for (i, (_, only)) in configs.iter().enumerate() {
                let got: Vec<String> = smartpush_core::qr::decode_image_traced(&img, *only)
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect();
                fps[i] += got.iter().filter(|g| !want.contains(g)).count();
                passes[i] += usize::from(got == want);
            }
        }
        println!(
            "{kind:26} {}",
            passes
                .iter()
                .map(|p| format!("{:>12}", format!("{p}/{n}")))
                .collect::<String>()
        );
    }
    println!(
        "{:26} {}",
        "false positives",
        fps.iter().map(|f| format!("{f:>12}")).collect::<String>()
    );

    // Worst case for time: big screens with no code run every stage.
    for (w, h) in [(1920, 1080), (3840, 2160), (7680, 2160)] {
        let mut rng = Rng::new(99);
        let ui = screenshot(None, false, &mut rng);
        let img = DynamicImage::ImageLuma8(imageops::resize(&ui, w, h, imageops::FilterType::Nearest));
        let t = std::time::Instant::now();
        let found = smartpush_core::qr::decode_image(&img);
        println!(
            "no code, {w}x{h}: {} ms, {} found",
            t.elapsed().as_millis(),
            found.len()
        );
    }
}
