//! Vault benchmarks: Argon2id alone at the default setting, a full unlock of a 1,000-account
//! vault (goal: ≤ 1.1 × the KDF alone) and a save of it. Compare the KDF with the C reference
//! through `scripts/bench-argon2-ref.sh` (goal: ≤ 1.25 × its time).
//!
//! `cargo bench -p smartpush-core --bench vault` (10 samples each: a few minutes on 2 cores).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use smartpush_core::vault::test_support::derive_key;
use smartpush_core::vault::{KdfParams, Vault};
use smartpush_core::{AccountDraft, OtpConfig, RecoveryCode, Secret, SecretString};

/// The same inputs as the C reference run in `scripts/bench-argon2-ref.sh`.
const PASSWORD: &[u8] = b"password";
const SALT: &[u8] = b"somesalt16bytes!";

fn thousand_account_vault(path: &Path, password: &SecretString) {
    let mut vault = Vault::create(path, password, KdfParams::DEFAULT).expect("create");
    let data = vault.data_mut();
    for i in 0..1000u32 {
        let secret: Vec<u8> = (0..20).map(|j| (i as u8).wrapping_mul(31).wrapping_add(j)).collect();
        let id = data.add(
            AccountDraft {
                issuer: format!("Service {i}"),
                name: format!("user{i}@example.com"),
                otp: Some(OtpConfig::totp(Secret::new(secret))),
                note: "a short note".into(),
                tags: vec!["bench".into()],
                ..Default::default()
            },
            1_700_000_000 + i64::from(i),
        );
        if i % 10 == 0 {
            let account = data.get_mut(&id.0).expect("just added");
            account.recovery_codes = (0..10)
                .map(|k| RecoveryCode {
                    code: SecretString::new(format!("{i:04}-{k:04}-ABCD")),
                    used_at: None,
                    note: String::new(),
                })
                .collect();
        }
    }
    vault.save().expect("save");
}

fn vault_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("vault");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    group.bench_function("kdf_default", |b| {
        b.iter(|| derive_key(black_box(PASSWORD), black_box(SALT), KdfParams::DEFAULT).expect("kdf"))
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.spa");
    let password = SecretString::new("benchmark password");
    thousand_account_vault(&path, &password);
    eprintln!(
        "1,000-account vault: {} bytes",
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    );

    group.bench_function("unlock_1000_accounts", |b| {
        b.iter(|| Vault::open(black_box(&path), &password).expect("open"))
    });

    let mut vault = Vault::open_for_update(&path, &password).expect("open");
    group.bench_function("save_1000_accounts", |b| b.iter(|| vault.save().expect("save")));
    group.finish();
}

criterion_group!(benches, vault_benches);
criterion_main!(benches);
