//! Differential test of the OTP engine against OATH Toolkit's `oathtool`, an independent C
//! implementation of RFC 4226/6238.
//!
//! The cases come from a seeded generator, so a failure reproduces: the seed is printed with every
//! mismatch and can be changed with `OATHTOOL_SEED=<u64>` to explore further. `oathtool` is a test
//! requirement (installed by `make test`); without it this test fails rather than skips.

use std::path::PathBuf;
use std::process::Command;

use smartpush_core::account::{Algorithm, OtpConfig, OtpKind, Secret};
use smartpush_core::otp;

/// The seed used unless `OATHTOOL_SEED` is set.
const DEFAULT_SEED: u64 = 0x5eed_2026_1127;
const TOTP_CASES: usize = 1_000;
const HOTP_CASES: usize = 200;
/// HOTP over SHA-256/512, checked through `oathtool --totp` with a 1-second step (oathtool's
/// `--hotp` mode is SHA-1 only).
const HOTP_SHA2_CASES: usize = 100;
const THREADS: usize = 4;

/// SplitMix64: tiny, seedable, good enough to spread test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (the tiny modulo bias does not matter here).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn algorithm(&mut self) -> Algorithm {
        [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][self.range(0, 2) as usize]
    }
}

#[derive(Clone, Debug)]
struct Case {
    cfg: OtpConfig,
    /// Unix time for TOTP cases; ignored for HOTP.
    t: u64,
}

impl Case {
    /// The `oathtool` arguments that print the code and the one after it (`-w 1`).
    fn oathtool_args(&self) -> Vec<String> {
        let cfg = &self.cfg;
        let hex = data_encoding::HEXLOWER.encode(cfg.secret.expose());
        let mut args = match cfg.kind {
            OtpKind::Hotp => vec!["--hotp".into(), format!("--counter={}", cfg.counter)],
            _ => vec![
                format!("--totp={}", cfg.algorithm.as_str()),
                format!("--time-step-size={}s", cfg.period),
                format!("--now=@{}", self.t),
            ],
        };
        args.extend([format!("--digits={}", cfg.digits), "--window=1".into(), hex]);
        args
    }
}

fn oathtool() -> PathBuf {
    let fixed = PathBuf::from("/usr/bin/oathtool");
    if fixed.exists() {
        return fixed;
    }
    match Command::new("oathtool").arg("--version").output() {
        Ok(out) if out.status.success() => PathBuf::from("oathtool"),
        _ => panic!(
            "oathtool (OATH Toolkit) is not installed, and this test compares the OTP engine against it: \
             run `make test`, which installs it (Debian package `oathtool`)"
        ),
    }
}

fn seed() -> u64 {
    std::env::var("OATHTOOL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

fn totp_cases(rng: &mut Rng) -> Vec<Case> {
    (0..TOTP_CASES)
        .map(|_| {
            let len = rng.range(1, 64) as usize;
            let period = match rng.range(0, 4) {
                0 => 15,
                1 => 30,
                2 => 60,
                3 => 90,
                _ => rng.range(1, 300) as u32,
            };
            let cfg = OtpConfig {
                kind: OtpKind::Totp,
                secret: Secret::new(rng.bytes(len)),
                algorithm: rng.algorithm(),
                digits: rng.range(6, 8) as u8,
                period,
                counter: 0,
            };
            Case {
                cfg,
                t: rng.range(0, 1 << 33),
            }
        })
        .collect()
}

fn hotp_cases(rng: &mut Rng) -> Vec<Case> {
    (0..HOTP_CASES)
        .map(|i| {
            let len = rng.range(1, 64) as usize;
            // Small counters (as real tokens have), large ones, and the edge below u64::MAX.
            let counter = match i % 4 {
                0 => rng.range(0, 1000),
                1 => rng.range(0, u64::from(u32::MAX)),
                2 => rng.range(0, u64::MAX - 1),
                _ => u64::MAX - 1 - rng.range(0, 10),
            };
            let cfg = OtpConfig {
                kind: OtpKind::Hotp,
                secret: Secret::new(rng.bytes(len)),
                algorithm: Algorithm::Sha1,
                digits: rng.range(6, 8) as u8,
                period: 30,
                counter,
            };
            Case { cfg, t: 0 }
        })
        .collect()
}

/// Runs every case through `oathtool` on a few threads; returns one description per mismatch.
fn run(tool: &PathBuf, cases: &[Case], seed: u64) -> Vec<String> {
    let chunk = cases.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for case in part {
                        let args = case.oathtool_args();
                        let out = Command::new(tool)
                            .args(&args)
                            .output()
                            .expect("oathtool can be started");
                        assert!(
                            out.status.success(),
                            "oathtool {args:?} failed: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        let text = String::from_utf8_lossy(&out.stdout);
                        let want: Vec<&str> = text.lines().collect();
                        let got = otp::generate(&case.cfg, case.t).expect("valid configuration");
                        if want != [got.code.as_str(), got.next_code.as_str()] {
                            failures.push(format!(
                                "seed {seed}: oathtool {args:?} printed {want:?}, generate gave [{:?}, {:?}]",
                                got.code, got.next_code
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker thread"))
            .collect()
    })
}

#[test]
fn totp_and_hotp_agree_with_oathtool() {
    let tool = oathtool();
    let seed = seed();
    let mut rng = Rng(seed);
    let mut cases = totp_cases(&mut rng);
    cases.extend(hotp_cases(&mut rng));
    let totp_count = cases.iter().filter(|c| c.cfg.kind == OtpKind::Totp).count();
    assert!(totp_count >= 1_000 && cases.len() - totp_count >= 200);
    // The generator really varies what it should.
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        assert!(
            cases
                .iter()
                .any(|c| c.cfg.kind == OtpKind::Totp && c.cfg.algorithm == algorithm)
        );
    }
    for digits in 6..=8 {
        assert!(cases.iter().any(|c| c.cfg.digits == digits));
    }
    let failures = run(&tool, &cases, seed);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `hotp()` over SHA-256/512 equals oathtool's TOTP with a 1-second step at time = counter.
#[test]
fn hotp_sha2_agrees_with_oathtool_totp_at_one_second_steps() {
    let tool = oathtool();
    let seed = seed() ^ 0x5a5a;
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    for _ in 0..HOTP_SHA2_CASES {
        let len = rng.range(1, 64) as usize;
        let secret = rng.bytes(len);
        let algorithm = if rng.range(0, 1) == 0 {
            Algorithm::Sha256
        } else {
            Algorithm::Sha512
        };
        let digits = rng.range(6, 8) as u8;
        let counter = rng.range(0, 1 << 33);
        let args = [
            format!("--totp={}", algorithm.as_str()),
            "--time-step-size=1s".into(),
            format!("--now=@{counter}"),
            format!("--digits={digits}"),
            data_encoding::HEXLOWER.encode(&secret),
        ];
        let out = Command::new(&tool)
            .args(&args)
            .output()
            .expect("oathtool can be started");
        assert!(out.status.success(), "oathtool {args:?} failed");
        let want = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let got = otp::hotp(&secret, algorithm, counter, digits);
        if want != got {
            failures.push(format!(
                "seed {seed}: oathtool {args:?} printed {want}, hotp gave {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An independent RFC 4226 truncation in Python's standard library (`hmac`, `hashlib`): one line
/// `HEXKEY ALGORITHM COUNTER DIGITS` in, the zero-padded code out.
const PYTHON_HOTP: &str = r#"
import sys, hmac, hashlib
for line in sys.stdin:
    key, alg, counter, digits = line.split()
    mac = hmac.new(bytes.fromhex(key), int(counter).to_bytes(8, "big"), getattr(hashlib, alg)).digest()
    offset = mac[-1] & 15
    value = int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF
    print(str(value % 10 ** int(digits)).zfill(int(digits)))
"#;

/// Issue 14: 9- and 10-digit TOTP and HOTP codes (Aegis accepts them; this app refused them).
/// `oathtool` (liboath) prints 6 to 8 digits only ("only digits 6, 7 and 8 are supported"), so it
/// checks the last 8 digits of every code and of the next one, and Python's `hmac` checks the
/// whole code, leading zeros included.
#[test]
fn issue14_nine_and_ten_digit_codes_agree_with_oathtool_and_python() {
    let tool = oathtool();
    let seed = seed() ^ 0x0914;
    let mut rng = Rng(seed);
    let mut cases = Vec::new();
    for i in 0..80 {
        let len = rng.range(1, 64) as usize;
        let digits = 9 + (i % 2) as u8;
        let cfg = if i % 4 < 2 {
            OtpConfig {
                kind: OtpKind::Totp,
                secret: Secret::new(rng.bytes(len)),
                algorithm: rng.algorithm(),
                digits,
                period: [15, 30, 60][rng.range(0, 2) as usize],
                counter: 0,
            }
        } else {
            OtpConfig {
                kind: OtpKind::Hotp,
                secret: Secret::new(rng.bytes(len)),
                algorithm: Algorithm::Sha1,
                digits,
                period: 30,
                counter: rng.range(0, u64::from(u32::MAX)),
            }
        };
        cases.push(Case {
            cfg,
            t: rng.range(0, 1 << 33),
        });
    }

    let mut failures = Vec::new();
    let mut python_input = String::new();
    let mut expected = Vec::new();
    for case in &cases {
        let got = otp::generate(&case.cfg, case.t).expect("9 and 10 digits are valid");
        let digits = usize::from(case.cfg.digits);
        assert_eq!((got.code.len(), got.next_code.len()), (digits, digits));
        // oathtool at 8 digits: the last 8 of ours.
        let mut eight = case.clone();
        eight.cfg.digits = 8;
        let args = eight.oathtool_args();
        let out = Command::new(&tool)
            .args(&args)
            .output()
            .expect("oathtool can be started");
        assert!(out.status.success(), "oathtool {args:?} failed");
        let text = String::from_utf8_lossy(&out.stdout);
        let want: Vec<&str> = text.lines().collect();
        if want != [&got.code[digits - 8..], &got.next_code[digits - 8..]] {
            failures.push(format!(
                "seed {seed}: oathtool {args:?} printed {want:?}, generate gave [{:?}, {:?}]",
                got.code, got.next_code
            ));
        }
        let counter = match case.cfg.kind {
            OtpKind::Hotp => case.cfg.counter,
            _ => case.t / u64::from(case.cfg.period),
        };
        let hex = data_encoding::HEXLOWER.encode(case.cfg.secret.expose());
        let alg = case.cfg.algorithm.as_str().to_ascii_lowercase();
        for (n, code) in [(counter, &got.code), (counter + 1, &got.next_code)] {
            python_input.push_str(&format!("{hex} {alg} {n} {digits}\n"));
            expected.push(code.clone());
        }
    }

    let mut python = Command::new("python3")
        .args(["-c", PYTHON_HOTP])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 can be started");
    use std::io::Write;
    python
        .stdin
        .take()
        .expect("stdin")
        .write_all(python_input.as_bytes())
        .expect("python3 reads");
    let out = python.wait_with_output().expect("python3 runs");
    assert!(out.status.success(), "python3 failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let want: Vec<&str> = text.lines().collect();
    assert_eq!(want.len(), expected.len());
    for (i, (want, got)) in want.iter().zip(&expected).enumerate() {
        if want != got {
            failures.push(format!(
                "seed {seed}: case {i}: Python gave {want}, generate gave {got}"
            ));
        }
    }
    // 10-digit codes are the whole 31-bit value, so many start with 0: padded, not shortened.
    assert!(expected.iter().any(|c| c.len() == 10 && c.starts_with('0')));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
