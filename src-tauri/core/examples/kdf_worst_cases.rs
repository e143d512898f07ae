//! What the key derivation of one file can cost: our own Strong unlock against the worst files
//! the caps still accept (hostile Aegis and 2FAS imports, a hostile vault), each opened with a
//! wrong password so that every slot is tried.
//!
//! ```text
//! cargo build --release -p smartpush-core --example kdf_worst_cases
//! /usr/bin/time -v target/release/examples/kdf_worst_cases CASE [RUNS]
//! ```
//!
//! CASE is `strong`, `argon2 M_KIB T P`, `scrypt LOG_N R P`, `pbkdf2 ROUNDS`,
//! `aegis LOG_N R P SLOTS`, `twofas` or `vault M_KIB T P SLOTS`. Each run prints its wall time
//! and the outcome; `/usr/bin/time -v` gives the peak memory (maximum resident set size). The
//! bounds, the figures measured with it and the commands: `docs/security.md`, *What a file's key
//! derivation costs*.

use std::time::Instant;

use sha2::{Digest, Sha256};
use smartpush_core::SecretString;
use smartpush_core::transfer::{self, Format};
use smartpush_core::vault::test_support::derive_key;
use smartpush_core::vault::{KdfParams, Vault};

fn arg(args: &[String], i: usize) -> u64 {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("argument {i} missing or not a number"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An encrypted Aegis file with `slots` password slots at (N = 2^log_n, r, p), none of which
/// any password opens.
fn aegis_file(log_n: u32, r: u64, p: u64, slots: usize) -> Vec<u8> {
    let slot = serde_json::json!({
        "type": 1, "uuid": "00000000-0000-4000-8000-000000000000",
        "key": hex(&[0x11; 32]),
        "key_params": { "nonce": hex(&[0x22; 12]), "tag": hex(&[0x33; 16]) },
        "n": 1u64 << log_n, "r": r, "p": p, "salt": hex(&[0x44; 32]),
        "repaired": true, "is_backup": false,
    });
    let root = serde_json::json!({
        "version": 1,
        "header": { "slots": vec![slot; slots], "params": { "nonce": hex(&[0x55; 12]), "tag": hex(&[0x66; 16]) } },
        "db": "AAAAAAAAAAAAAAAAAAAAAA==",
    });
    serde_json::to_vec(&root).expect("json")
}

/// An encrypted 2FAS file no password opens.
fn twofas_file() -> Vec<u8> {
    let b64 = |b: &[u8]| data_encoding::BASE64.encode(b);
    let blob = format!("{}:{}:{}", b64(&[0x11; 48]), b64(&[0x22; 32]), b64(&[0x33; 12]));
    serde_json::to_vec(&serde_json::json!({
        "services": [], "groups": [], "schemaVersion": 4, "appVersionCode": 5000000,
        "servicesEncrypted": blob, "reference": blob,
    }))
    .expect("json")
}

/// A vault file (format 1) with `slots` password slots at `params`, none of which any password
/// opens (`docs/vault-format.md`).
fn vault_file(params: KdfParams, slots: usize) -> Vec<u8> {
    let mut header = vec![u8::try_from(slots).expect("slots")];
    for _ in 0..slots {
        header.push(1);
        header.extend_from_slice(&104u16.to_le_bytes());
        for v in [params.memory_kib, params.iterations, params.parallelism] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend_from_slice(&[0x44; 32 + 12 + 48]);
    }
    let mut out = b"SPAVAULT".to_vec();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&u32::try_from(header.len()).expect("header").to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&[0x55; 12 + 32 + 16]);
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let case = args.first().map(String::as_str).unwrap_or("strong");
    let (runs_at, job): (usize, Box<dyn Fn() -> String>) = match case {
        "strong" => (
            1,
            Box::new(|| {
                let strong = KdfParams {
                    memory_kib: 256 * 1024,
                    iterations: 4,
                    parallelism: 4,
                };
                derive_key(b"password", &[0x5a; 32], strong)
                    .map(|_| "derived".into())
                    .unwrap_or_else(|e| e.to_string())
            }),
        ),
        "argon2" => {
            let params = KdfParams {
                memory_kib: arg(&args, 1) as u32,
                iterations: arg(&args, 2) as u32,
                parallelism: arg(&args, 3) as u32,
            };
            (
                4,
                Box::new(move || {
                    derive_key(b"password", &[0x5a; 32], params)
                        .map(|_| "derived".into())
                        .unwrap_or_else(|e| e.to_string())
                }),
            )
        }
        "scrypt" => {
            let (log_n, r, p) = (arg(&args, 1) as u8, arg(&args, 2) as u32, arg(&args, 3) as u32);
            (
                4,
                Box::new(move || {
                    let params = scrypt::Params::new(log_n, r, p).expect("scrypt params");
                    let mut key = [0u8; 32];
                    scrypt::scrypt(b"password", b"salt", &params, &mut key).expect("scrypt");
                    "derived".into()
                }),
            )
        }
        "pbkdf2" => {
            let rounds = arg(&args, 1) as u32;
            (
                2,
                Box::new(move || {
                    let mut key = [0u8; 32];
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"password", b"salt", rounds, &mut key);
                    "derived".into()
                }),
            )
        }
        "aegis" => {
            let file = aegis_file(
                arg(&args, 1) as u32,
                arg(&args, 2),
                arg(&args, 3),
                arg(&args, 4) as usize,
            );
            (
                5,
                Box::new(
                    move || match transfer::import(&file, Some(Format::Aegis), Some(&SecretString::new("x"))) {
                        Ok(_) => "imported".into(),
                        Err(e) => e.to_string(),
                    },
                ),
            )
        }
        "twofas" => {
            let file = twofas_file();
            (
                1,
                Box::new(
                    move || match transfer::import(&file, Some(Format::TwoFas), Some(&SecretString::new("x"))) {
                        Ok(_) => "imported".into(),
                        Err(e) => e.to_string(),
                    },
                ),
            )
        }
        "vault" => {
            let params = KdfParams {
                memory_kib: arg(&args, 1) as u32,
                iterations: arg(&args, 2) as u32,
                parallelism: arg(&args, 3) as u32,
            };
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.keep().join("hostile.spv");
            std::fs::write(&path, vault_file(params, arg(&args, 4) as usize)).expect("write");
            (
                5,
                Box::new(move || match Vault::open(&path, &SecretString::new("x")) {
                    Ok(_) => "opened".into(),
                    Err(e) => e.to_string(),
                }),
            )
        }
        other => panic!("unknown case {other}"),
    };
    let runs: usize = args.get(runs_at).and_then(|a| a.parse().ok()).unwrap_or(3);
    for run in 1..=runs {
        let started = Instant::now();
        let outcome = job();
        println!("{case} run {run}: {:.3} s — {outcome}", started.elapsed().as_secs_f64());
    }
}
