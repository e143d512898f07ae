//! One-time code generation: TOTP (RFC 6238), HOTP (RFC 4226) and Steam Guard.
//!
//! Time is always passed in (`unix_seconds`); nothing here reads the clock, so every result is
//! reproducible and every test exact.
//!
//! * HOTP is [`hotp`], written here over `hmac`/`sha1`/`sha2` (the versions `totp-rs` uses), and
//!   TOTP is that HOTP of the time step (RFC 6238 §4), so both take 6 to 10 digits: `totp-rs`
//!   renders at most 9 (its `u32` modulus panics at 10), and Aegis writes accounts of 10.
//! * Steam is computed by the `totp-rs` crate (built without its RFC checks, so short secrets
//!   from real services still work; [`validate`] applies this crate's own rules).
//! * Steam Guard is TOTP/HMAC-SHA1 whose RFC 4226 dynamic-truncation value is written as 5
//!   characters of `23456789BCDFGHJKMNPQRTVWXY`, least significant first (repeatedly `% 26`).

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};

use crate::account::{Algorithm, OtpConfig, OtpKind};

/// The shortest and longest time step accepted for TOTP and Steam, in seconds.
pub const PERIOD_RANGE: std::ops::RangeInclusive<u32> = 1..=3600;
/// Code lengths accepted for TOTP and HOTP: RFC 4226 asks for 6 to 8, Aegis and others accept up
/// to 10 (the 31-bit truncated value has 10 decimal digits: a 10-digit code is all of it,
/// zero-padded).
pub const RFC_DIGITS_RANGE: std::ops::RangeInclusive<u8> = 6..=10;
/// The length of a Steam Guard code.
pub const STEAM_DIGITS: u8 = 5;
/// The time step of Steam Guard codes, in seconds (Steam accepts no other).
pub const STEAM_PERIOD: u32 = 30;

/// Why a code cannot be computed from an [`OtpConfig`]. Never carries the secret or a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtpError {
    /// The shared secret holds no bytes.
    #[error("the secret is empty")]
    EmptySecret,
    /// The code length does not fit the kind (6–10 for TOTP and HOTP, 5 for Steam).
    #[error("{kind} codes must have {} digits, not {digits}", allowed_digits(*.kind))]
    DigitsOutOfRange {
        /// The account's kind.
        kind: OtpKind,
        /// The rejected length.
        digits: u8,
    },
    /// The time step is outside 1–3600 seconds.
    #[error("the period must be 1 to 3600 seconds, not {0}")]
    InvalidPeriod(u32),
    /// Steam Guard is defined over HMAC-SHA1 only.
    #[error("Steam codes use SHA1, not {0}")]
    SteamAlgorithm(Algorithm),
    /// Steam Guard codes always change every 30 seconds ([`STEAM_PERIOD`]).
    #[error("Steam codes use a 30-second period, not {0} seconds")]
    SteamPeriod(u32),
    /// The HOTP counter is at `u64::MAX`: there is no next code, nor a next counter to store.
    #[error("the HOTP counter is exhausted (it is at its maximum, 18446744073709551615)")]
    CounterExhausted,
    /// The time is so far in the future that the next time step does not exist.
    #[error("the time is out of range")]
    TimeOutOfRange,
}

/// The code lengths a kind allows, for messages: `"5"` for Steam, `"6 to 10"` for TOTP and HOTP
/// (see [`STEAM_DIGITS`] and [`RFC_DIGITS_RANGE`]).
pub fn allowed_digits(kind: OtpKind) -> &'static str {
    match kind {
        OtpKind::Steam => "5",
        OtpKind::Totp | OtpKind::Hotp => "6 to 10",
    }
}

/// A generated code with what a display needs around it.
///
/// `Debug` redacts both codes. There is deliberately no `Serialize`: callers build their own
/// output so a code never ends up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Code {
    /// The code valid now (TOTP/Steam) or for the stored counter (HOTP).
    pub code: String,
    /// The code of the next time step (TOTP/Steam) or of the next counter (HOTP).
    pub next_code: String,
    /// Seconds left in the current time step, `1..=period`; `None` for HOTP.
    pub valid_for_seconds: Option<u64>,
    /// The time step in seconds; `None` for HOTP.
    pub period: Option<u32>,
    /// The counter `code` was computed for; `None` for TOTP/Steam. The caller advances the
    /// stored counter.
    pub counter: Option<u64>,
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Code")
            .field("code", &"[redacted]")
            .field("next_code", &"[redacted]")
            .field("valid_for_seconds", &self.valid_for_seconds)
            .field("period", &self.period)
            .field("counter", &self.counter)
            .finish()
    }
}

/// Checks that codes can be computed from `cfg`: a non-empty secret; 6–10 digits for TOTP and
/// HOTP, 5 for Steam; a period of 1–3600 s for TOTP (ignored for HOTP); SHA1 and a 30 s period
/// for Steam; an HOTP counter below `u64::MAX` (the counter is ignored for TOTP and Steam).
pub fn validate(cfg: &OtpConfig) -> Result<(), OtpError> {
    if cfg.secret.is_empty() {
        return Err(OtpError::EmptySecret);
    }
    let digits_ok = match cfg.kind {
        OtpKind::Totp | OtpKind::Hotp => RFC_DIGITS_RANGE.contains(&cfg.digits),
        OtpKind::Steam => cfg.digits == STEAM_DIGITS,
    };
    if !digits_ok {
        return Err(OtpError::DigitsOutOfRange {
            kind: cfg.kind,
            digits: cfg.digits,
        });
    }
    if cfg.kind != OtpKind::Hotp && !PERIOD_RANGE.contains(&cfg.period) {
        return Err(OtpError::InvalidPeriod(cfg.period));
    }
    if cfg.kind == OtpKind::Steam && cfg.period != STEAM_PERIOD {
        return Err(OtpError::SteamPeriod(cfg.period));
    }
    if cfg.kind == OtpKind::Steam && cfg.algorithm != Algorithm::Sha1 {
        return Err(OtpError::SteamAlgorithm(cfg.algorithm));
    }
    if cfg.kind == OtpKind::Hotp && cfg.counter == u64::MAX {
        return Err(OtpError::CounterExhausted);
    }
    Ok(())
}

/// Computes the current code and the next one at `unix_seconds` (see [`Code`] for HOTP).
pub fn generate(cfg: &OtpConfig, unix_seconds: u64) -> Result<Code, OtpError> {
    validate(cfg)?;
    match cfg.kind {
        OtpKind::Hotp => {
            let next = cfg.counter.checked_add(1).ok_or(OtpError::CounterExhausted)?;
            Ok(Code {
                code: hotp(cfg.secret.expose(), cfg.algorithm, cfg.counter, cfg.digits),
                next_code: hotp(cfg.secret.expose(), cfg.algorithm, next, cfg.digits),
                valid_for_seconds: None,
                period: None,
                counter: Some(cfg.counter),
            })
        }
        OtpKind::Totp | OtpKind::Steam => {
            let period = u64::from(cfg.period);
            let next_step_start = (unix_seconds / period)
                .checked_add(1)
                .and_then(|step| step.checked_mul(period))
                .ok_or(OtpError::TimeOutOfRange)?;
            Ok(Code {
                code: time_based(cfg, unix_seconds),
                next_code: time_based(cfg, next_step_start),
                valid_for_seconds: Some(period - unix_seconds % period),
                period: Some(cfg.period),
                counter: None,
            })
        }
    }
}

/// The current code only: TOTP/Steam at `unix_seconds`, HOTP for the stored counter.
pub fn code_at(cfg: &OtpConfig, unix_seconds: u64) -> Result<String, OtpError> {
    validate(cfg)?;
    Ok(match cfg.kind {
        OtpKind::Hotp => hotp(cfg.secret.expose(), cfg.algorithm, cfg.counter, cfg.digits),
        OtpKind::Totp | OtpKind::Steam => time_based(cfg, unix_seconds),
    })
}

/// The code of a validated TOTP or Steam configuration at `unix_seconds`: TOTP is [`hotp`] of
/// the time step (RFC 6238 §4: `T = floor(t / period)`), Steam comes from `totp-rs`.
fn time_based(cfg: &OtpConfig, unix_seconds: u64) -> String {
    match cfg.kind {
        OtpKind::Steam => steam(cfg).generate(unix_seconds).to_string(),
        OtpKind::Totp | OtpKind::Hotp => hotp(
            cfg.secret.expose(),
            cfg.algorithm,
            unix_seconds / u64::from(cfg.period),
            cfg.digits,
        ),
    }
}

/// A `totp-rs` Steam generator (SHA1, 5 characters, 30 s, checked by `validate`). Its copy of
/// the secret is zeroized when dropped (the crate's `zeroize` feature).
fn steam(cfg: &OtpConfig) -> totp_rs::Totp {
    // `build_noncompliant` skips the crate's RFC checks (notably its 128-bit minimum secret
    // length, which real services ignore).
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::Steam)
        .with_digits(STEAM_DIGITS)
        .with_step_duration(u64::from(STEAM_PERIOD))
        .with_secret(cfg.secret.expose().to_vec())
        .build_noncompliant()
}

/// RFC 4226 HOTP: HMAC of the big-endian `counter`, dynamic truncation, the last `digits`
/// decimal digits, zero-padded.
///
/// Works for any `digits` (the checks of [`validate`] are not applied here): 1–9 as the RFC's
/// reference code does; 10 or more give the whole 31-bit truncated value, zero-padded; 0 gives
/// an empty string.
pub fn hotp(secret: &[u8], algorithm: Algorithm, counter: u64, digits: u8) -> String {
    if digits == 0 {
        return String::new();
    }
    let value = u64::from(truncated_value(secret, algorithm, counter));
    let value = match 10u64.checked_pow(u32::from(digits)) {
        Some(modulus) => value % modulus,
        None => value,
    };
    format!("{value:0width$}", width = usize::from(digits))
}

/// The RFC 4226 §5.3 dynamic-truncation value (31 bits) of HMAC(secret, counter).
pub(crate) fn truncated_value(secret: &[u8], algorithm: Algorithm, counter: u64) -> u32 {
    let message = counter.to_be_bytes();
    match algorithm {
        Algorithm::Sha1 => dynamic_truncation(&mac::<Hmac<sha1::Sha1>>(secret, &message)),
        Algorithm::Sha256 => dynamic_truncation(&mac::<Hmac<sha2::Sha256>>(secret, &message)),
        Algorithm::Sha512 => dynamic_truncation(&mac::<Hmac<sha2::Sha512>>(secret, &message)),
    }
}

fn mac<M: KeyInit + Mac>(key: &[u8], message: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    zeroize::Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

/// RFC 4226 §5.3: the low nibble of the last byte selects 4 bytes, read big-endian, top bit
/// cleared.
fn dynamic_truncation(mac: &[u8]) -> u32 {
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let bytes: [u8; 4] = mac
        .get(offset..offset + 4)
        .and_then(|b| b.try_into().ok())
        .expect("HMAC-SHA1/256/512 outputs are at least 20 bytes, so offset + 4 <= 19");
    u32::from_be_bytes(bytes) & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Secret;
    use proptest::prelude::*;

    fn cfg(kind: OtpKind, secret: &[u8], algorithm: Algorithm, digits: u8, period: u32, counter: u64) -> OtpConfig {
        OtpConfig {
            kind,
            secret: Secret::new(secret.to_vec()),
            algorithm,
            digits,
            period,
            counter,
        }
    }

    const RFC4226_SECRET: &[u8] = b"12345678901234567890";

    /// RFC 4226 Appendix D: (counter, truncated value in hex, 6-digit HOTP).
    const RFC4226_APPENDIX_D: [(u64, u32, &str); 10] = [
        (0, 0x4c93cf18, "755224"),
        (1, 0x41397eea, "287082"),
        (2, 0x082fef30, "359152"),
        (3, 0x66ef7655, "969429"),
        (4, 0x61c5938a, "338314"),
        (5, 0x33c083d4, "254676"),
        (6, 0x7256c032, "287922"),
        (7, 0x04e5b397, "162583"),
        (8, 0x2823443f, "399871"),
        (9, 0x2679dc69, "520489"),
    ];

    #[test]
    fn rfc4226_appendix_d() {
        for (counter, truncated, code) in RFC4226_APPENDIX_D {
            assert_eq!(
                truncated_value(RFC4226_SECRET, Algorithm::Sha1, counter),
                truncated,
                "counter {counter}"
            );
            assert_eq!(
                hotp(RFC4226_SECRET, Algorithm::Sha1, counter, 6),
                code,
                "counter {counter}"
            );
            let c = cfg(OtpKind::Hotp, RFC4226_SECRET, Algorithm::Sha1, 6, 30, counter);
            assert_eq!(code_at(&c, 0).unwrap(), code);
        }
    }

    #[test]
    fn hotp_generate_gives_the_counter_and_the_next_code() {
        for window in RFC4226_APPENDIX_D.windows(2) {
            let (counter, _, code) = window[0];
            let (_, _, next) = window[1];
            let c = cfg(OtpKind::Hotp, RFC4226_SECRET, Algorithm::Sha1, 6, 30, counter);
            // The time does not matter for HOTP.
            for t in [0, 59, u64::MAX] {
                let got = generate(&c, t).unwrap();
                assert_eq!((got.code.as_str(), got.next_code.as_str()), (code, next));
                assert_eq!(
                    (got.counter, got.valid_for_seconds, got.period),
                    (Some(counter), None, None)
                );
            }
        }
        // The last counter whose successor exists still gives both codes.
        let before_last = cfg(OtpKind::Hotp, RFC4226_SECRET, Algorithm::Sha1, 6, 30, u64::MAX - 1);
        let got = generate(&before_last, 0).unwrap();
        assert_eq!(got.code, hotp(RFC4226_SECRET, Algorithm::Sha1, u64::MAX - 1, 6));
        assert_eq!(got.next_code, hotp(RFC4226_SECRET, Algorithm::Sha1, u64::MAX, 6));
    }

    /// Review finding: `validate` accepted an HOTP counter of `u64::MAX`, although no next code
    /// (and no next counter to store) exists; `code_at` then gave a code that could never advance.
    #[test]
    fn review_validate_rejects_an_exhausted_hotp_counter() {
        let last = cfg(OtpKind::Hotp, RFC4226_SECRET, Algorithm::Sha1, 6, 30, u64::MAX);
        assert_eq!(validate(&last), Err(OtpError::CounterExhausted));
        assert_eq!(generate(&last, 0), Err(OtpError::CounterExhausted));
        assert_eq!(code_at(&last, 0), Err(OtpError::CounterExhausted));
        assert!(OtpError::CounterExhausted.to_string().contains("counter"));
        // Only HOTP has a counter: the field is ignored for the time-based kinds.
        let totp = cfg(OtpKind::Totp, RFC4226_SECRET, Algorithm::Sha1, 6, 30, u64::MAX);
        assert_eq!(validate(&totp), Ok(()));
    }

    /// Review finding: a Steam configuration with a period other than 30 s was accepted, although
    /// Steam's codes always change every 30 s (such an account shows codes Steam never accepts).
    #[test]
    fn review_validate_rejects_a_steam_period_other_than_30() {
        let s = b"12345678901234567890";
        assert_eq!(validate(&cfg(OtpKind::Steam, s, Algorithm::Sha1, 5, 30, 0)), Ok(()));
        for period in [1, 29, 31, 60, 3600] {
            let c = cfg(OtpKind::Steam, s, Algorithm::Sha1, 5, period, 0);
            let err = validate(&c).expect_err("a Steam period other than 30 s");
            assert!(err.to_string().contains("30"), "{err}");
            assert!(err.to_string().contains(&period.to_string()), "{err}");
            assert_eq!(generate(&c, 0).map(|_| ()), Err(err.clone()));
            assert_eq!(code_at(&c, 0).map(|_| ()), Err(err));
        }
    }

    #[test]
    fn hotp_any_digit_count_is_a_suffix_of_the_truncated_value() {
        for (counter, truncated, _) in RFC4226_APPENDIX_D {
            let full = format!("{truncated:010}");
            for digits in 1..=9u8 {
                let got = hotp(RFC4226_SECRET, Algorithm::Sha1, counter, digits);
                assert_eq!(
                    got,
                    full[10 - usize::from(digits)..],
                    "counter {counter} digits {digits}"
                );
            }
            assert_eq!(hotp(RFC4226_SECRET, Algorithm::Sha1, counter, 10), full);
            assert_eq!(
                hotp(RFC4226_SECRET, Algorithm::Sha1, counter, 12),
                format!("{truncated:012}")
            );
            assert_eq!(hotp(RFC4226_SECRET, Algorithm::Sha1, counter, 0), "");
        }
    }

    /// RFC 6238 Appendix B: the seed for each algorithm is "1234567890" repeated to the hash's
    /// output length (20, 32, 64 bytes); 8 digits, 30 s.
    fn rfc6238_seed(algorithm: Algorithm) -> Vec<u8> {
        let len = match algorithm {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        };
        b"1234567890".iter().copied().cycle().take(len).collect()
    }

    const RFC6238_APPENDIX_B: [(u64, Algorithm, &str); 18] = [
        (59, Algorithm::Sha1, "94287082"),
        (59, Algorithm::Sha256, "46119246"),
        (59, Algorithm::Sha512, "90693936"),
        (1111111109, Algorithm::Sha1, "07081804"),
        (1111111109, Algorithm::Sha256, "68084774"),
        (1111111109, Algorithm::Sha512, "25091201"),
        (1111111111, Algorithm::Sha1, "14050471"),
        (1111111111, Algorithm::Sha256, "67062674"),
        (1111111111, Algorithm::Sha512, "99943326"),
        (1234567890, Algorithm::Sha1, "89005924"),
        (1234567890, Algorithm::Sha256, "91819424"),
        (1234567890, Algorithm::Sha512, "93441116"),
        (2000000000, Algorithm::Sha1, "69279037"),
        (2000000000, Algorithm::Sha256, "90698825"),
        (2000000000, Algorithm::Sha512, "38618901"),
        (20000000000, Algorithm::Sha1, "65353130"),
        (20000000000, Algorithm::Sha256, "77737706"),
        (20000000000, Algorithm::Sha512, "47863826"),
    ];

    #[test]
    fn rfc6238_appendix_b() {
        for (t, algorithm, code) in RFC6238_APPENDIX_B {
            let c = cfg(OtpKind::Totp, &rfc6238_seed(algorithm), algorithm, 8, 30, 0);
            assert_eq!(code_at(&c, t).unwrap(), code, "{algorithm} at {t}");
            assert_eq!(generate(&c, t).unwrap().code, code, "{algorithm} at {t}");
            assert_eq!(
                hotp(&rfc6238_seed(algorithm), algorithm, t / 30, 8),
                code,
                "{algorithm} at {t}"
            );
        }
    }

    #[test]
    fn totp_next_code_and_seconds_left_at_step_edges() {
        let seed = rfc6238_seed(Algorithm::Sha1);
        // (t, seconds left) for a 30 s period: a step is [30k, 30k + 29].
        let table = [
            (0, 30),
            (1, 29),
            (29, 1),
            (30, 30),
            (59, 1),
            (60, 30),
            (1111111109, 1),
            (1111111110, 30),
        ];
        for (t, left) in table {
            let c = cfg(OtpKind::Totp, &seed, Algorithm::Sha1, 8, 30, 0);
            let got = generate(&c, t).unwrap();
            assert_eq!(got.valid_for_seconds, Some(left), "t={t}");
            assert_eq!((got.period, got.counter), (Some(30), None));
            assert_eq!(got.code, hotp(&seed, Algorithm::Sha1, t / 30, 8), "t={t}");
            assert_eq!(got.next_code, hotp(&seed, Algorithm::Sha1, t / 30 + 1, 8), "t={t}");
            // The last second of a step and the first of the next one differ in step.
            assert_eq!(got.next_code, code_at(&c, t + left).unwrap(), "t={t}");
        }
        // A 1-second period: every second is its own step with 1 second left.
        let one = cfg(OtpKind::Totp, &seed, Algorithm::Sha1, 6, 1, 0);
        for t in [0, 1, 2, 1234567890] {
            let got = generate(&one, t).unwrap();
            assert_eq!(got.valid_for_seconds, Some(1));
            assert_eq!(got.next_code, code_at(&one, t + 1).unwrap());
        }
        // The very end of time has no next step.
        assert_eq!(generate(&one, u64::MAX), Err(OtpError::TimeOutOfRange));
        assert!(code_at(&one, u64::MAX).is_ok());
        let c = cfg(OtpKind::Totp, &seed, Algorithm::Sha1, 6, 30, 0);
        assert_eq!(generate(&c, u64::MAX), Err(OtpError::TimeOutOfRange));
        let t = u64::MAX - 45; // the last step whose successor starts within u64
        assert_eq!(generate(&c, t).unwrap().valid_for_seconds, Some(30 - t % 30));
    }

    /// A Steam Guard implementation independent of `totp-rs`: dynamic truncation from [`hotp`]'s
    /// helper, then 5 characters, least significant first.
    fn steam_reference(secret: &[u8], t: u64) -> String {
        const ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";
        let mut value = truncated_value(secret, Algorithm::Sha1, t / 30);
        (0..5)
            .map(|_| {
                let c = char::from(ALPHABET[(value % 26) as usize]);
                value /= 26;
                c
            })
            .collect()
    }

    #[test]
    fn steam_published_vectors() {
        let b64 = data_encoding::BASE64;
        let table: [(&str, u64, &str); 2] = [
            // dyc3/steamguard-cli, steamguard/src/lib.rs, `test_generate_code`.
            ("zvIayp3JPvtvX/QGHqsqKBk/44s=", 1616374841, "2F9J5"),
            // bukson/steampy, test/test_guard.py, `test_one_time_code`:
            // shared_secret = base64("1234567890abcdefghij").
            ("MTIzNDU2Nzg5MGFiY2RlZmdoaWo=", 1469184207, "P2QJN"),
        ];
        for (shared_secret, t, code) in table {
            let secret = b64.decode(shared_secret.as_bytes()).unwrap();
            let c = cfg(OtpKind::Steam, &secret, Algorithm::Sha1, 5, 30, 0);
            assert_eq!(code_at(&c, t).unwrap(), code);
            assert_eq!(steam_reference(&secret, t), code);
            let got = generate(&c, t).unwrap();
            assert_eq!(got.code, code);
            assert_eq!(got.next_code, steam_reference(&secret, t + 30));
            assert_eq!(got.valid_for_seconds, Some(30 - t % 30));
        }
    }

    #[test]
    fn validate_rules() {
        let s = b"12345678901234567890";
        let ok = [
            cfg(OtpKind::Totp, s, Algorithm::Sha1, 6, 30, 0),
            cfg(OtpKind::Totp, s, Algorithm::Sha512, 8, 3600, 0),
            cfg(OtpKind::Totp, s, Algorithm::Sha256, 7, 1, 0),
            cfg(OtpKind::Hotp, s, Algorithm::Sha1, 6, 0, 0), // the period does not matter for HOTP
            cfg(OtpKind::Steam, s, Algorithm::Sha1, 5, 30, 0),
            cfg(OtpKind::Totp, b"x", Algorithm::Sha1, 6, 30, 0), // short secrets are accepted
            cfg(OtpKind::Totp, s, Algorithm::Sha1, 9, 30, 0),
            cfg(OtpKind::Hotp, s, Algorithm::Sha512, 10, 30, 0),
        ];
        for c in &ok {
            assert_eq!(validate(c), Ok(()), "{c:?}");
        }
        let bad = [
            (
                cfg(OtpKind::Totp, b"", Algorithm::Sha1, 6, 30, 0),
                OtpError::EmptySecret,
            ),
            (
                cfg(OtpKind::Totp, s, Algorithm::Sha1, 5, 30, 0),
                OtpError::DigitsOutOfRange {
                    kind: OtpKind::Totp,
                    digits: 5,
                },
            ),
            (
                cfg(OtpKind::Hotp, s, Algorithm::Sha1, 11, 30, 0),
                OtpError::DigitsOutOfRange {
                    kind: OtpKind::Hotp,
                    digits: 11,
                },
            ),
            (
                cfg(OtpKind::Steam, s, Algorithm::Sha1, 6, 30, 0),
                OtpError::DigitsOutOfRange {
                    kind: OtpKind::Steam,
                    digits: 6,
                },
            ),
            (
                cfg(OtpKind::Totp, s, Algorithm::Sha1, 6, 0, 0),
                OtpError::InvalidPeriod(0),
            ),
            (
                cfg(OtpKind::Steam, s, Algorithm::Sha1, 5, 3601, 0),
                OtpError::InvalidPeriod(3601),
            ),
            (
                cfg(OtpKind::Steam, s, Algorithm::Sha256, 5, 30, 0),
                OtpError::SteamAlgorithm(Algorithm::Sha256),
            ),
        ];
        for (c, err) in bad {
            assert_eq!(validate(&c), Err(err.clone()));
            assert_eq!(generate(&c, 0), Err(err.clone()));
            assert_eq!(code_at(&c, 0), Err(err));
        }
    }

    #[test]
    fn errors_and_debug_reveal_no_code() {
        let c = cfg(OtpKind::Totp, RFC4226_SECRET, Algorithm::Sha1, 6, 30, 0);
        let code = generate(&c, 59).unwrap();
        let dbg = format!("{code:?}");
        assert!(!dbg.contains(&code.code) && !dbg.contains(&code.next_code), "{dbg}");
        assert!(dbg.contains("redacted"), "{dbg}");
        let msg = OtpError::DigitsOutOfRange {
            kind: OtpKind::Steam,
            digits: 6,
        }
        .to_string();
        assert_eq!(msg, "steam codes must have 5 digits, not 6");
    }

    fn algorithm() -> impl Strategy<Value = Algorithm> {
        prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)]
    }

    proptest! {
        #[test]
        fn totp_is_hotp_of_the_time_step(
            secret in proptest::collection::vec(any::<u8>(), 1..=64),
            algorithm in algorithm(),
            digits in 6u8..=10,
            period in 1u32..=3600,
            t in 0u64..=(1 << 40),
        ) {
            let c = cfg(OtpKind::Totp, &secret, algorithm, digits, period, 0);
            let step = t / u64::from(period);
            let got = generate(&c, t).unwrap();
            prop_assert_eq!(&got.code, &hotp(&secret, algorithm, step, digits));
            prop_assert_eq!(&got.next_code, &hotp(&secret, algorithm, step + 1, digits));
            let left = got.valid_for_seconds.unwrap();
            prop_assert!((1..=u64::from(period)).contains(&left));
            prop_assert_eq!((t + left) % u64::from(period), 0);
        }

        #[test]
        fn steam_matches_the_independent_reference(
            secret in proptest::collection::vec(any::<u8>(), 1..=64),
            t in 0u64..=(1 << 40),
        ) {
            let c = cfg(OtpKind::Steam, &secret, Algorithm::Sha1, 5, 30, 0);
            prop_assert_eq!(code_at(&c, t).unwrap(), steam_reference(&secret, t));
        }

        #[test]
        fn nothing_panics_on_any_config(
            kind in prop_oneof![Just(OtpKind::Totp), Just(OtpKind::Hotp), Just(OtpKind::Steam)],
            secret in proptest::collection::vec(any::<u8>(), 0..=80),
            algorithm in algorithm(),
            digits in any::<u8>(),
            period in any::<u32>(),
            counter in any::<u64>(),
            t in any::<u64>(),
        ) {
            let c = cfg(kind, &secret, algorithm, digits, period, counter);
            let _ = generate(&c, t);
            let _ = code_at(&c, t);
            let _ = hotp(&secret, algorithm, counter, digits);
        }
    }
}
