//! Code generation for 1,000 accounts (a full vault's list refresh), mixed algorithms and
//! kinds, as the app and `smartpush-auth code --all` do it.
//!
//! `cargo bench -p smartpush-core --bench otp`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use smartpush_core::otp;
use smartpush_core::{Algorithm, OtpConfig, OtpKind, Secret};

fn thousand_configs() -> Vec<OtpConfig> {
    (0..1000u32)
        .map(|i| {
            let (kind, digits) = match i % 10 {
                0 => (OtpKind::Hotp, 6),
                1 => (OtpKind::Steam, 5),
                _ => (OtpKind::Totp, 6 + (i % 3) as u8),
            };
            let algorithm = if kind == OtpKind::Steam {
                Algorithm::Sha1
            } else {
                [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][(i % 3) as usize]
            };
            let secret: Vec<u8> = (0..20 + i % 44)
                .map(|j| (i as u8).wrapping_mul(17).wrapping_add(j as u8))
                .collect();
            OtpConfig {
                kind,
                secret: Secret::new(secret),
                algorithm,
                digits,
                period: 30,
                counter: u64::from(i),
            }
        })
        .collect()
}

fn codes(c: &mut Criterion) {
    let configs = thousand_configs();
    c.bench_function("codes for 1,000 accounts (current + next)", |b| {
        b.iter(|| {
            for cfg in &configs {
                black_box(otp::generate(cfg, black_box(1_764_000_000)).expect("valid config"));
            }
        })
    });
}

criterion_group!(benches, codes);
criterion_main!(benches);
