//! Secrets and their checks: OS randomness, tokens stored as SHA-256, Argon2id hashes computed
//! off the async threads, TOTP verification through the core, constant-time comparisons.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use sha2::{Digest, Sha256};
use smartpush_core::{OtpConfig, Secret};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::config::{HashParams, rules};
use crate::error::{AppError, AppResult};

/// Fills `buf` from the operating system's random source.
pub fn fill_random(buf: &mut [u8]) -> AppResult<()> {
    getrandom::fill(buf).map_err(|e| AppError::internal(format_args!("OS random source: {e}")))
}

/// A new session token (256 random bits, base64url) and the SHA-256 stored in its place.
pub fn new_token() -> AppResult<(Zeroizing<String>, [u8; 32])> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    fill_random(bytes.as_mut())?;
    let token = Zeroizing::new(BASE64URL_NOPAD.encode(bytes.as_ref()));
    let hash = sha256(token.as_bytes());
    Ok((token, hash))
}

/// The SHA-256 of a token, as stored and looked up.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A new challenge or enrollment id: 128 random bits in lower-case hex. Ids are capabilities
/// (a sign-in challenge is answered without a session), so they are unguessable.
pub fn new_id() -> AppResult<String> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(HEXLOWER.encode(&bytes))
}

/// A uniformly random number below `bound` (rejection sampling, no modulo bias).
fn random_below(bound: u32) -> AppResult<u32> {
    debug_assert!(bound > 0);
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut bytes = [0u8; 4];
        fill_random(&mut bytes)?;
        let n = u32::from_le_bytes(bytes);
        if n < zone {
            return Ok(n % bound);
        }
    }
}

/// A new e-mail code: 6 uniformly random decimal digits.
pub fn new_email_code() -> AppResult<Zeroizing<String>> {
    let modulus = 10u32.pow(rules::EMAIL_CODE_DIGITS);
    let n = random_below(modulus)?;
    Ok(Zeroizing::new(format!(
        "{n:0width$}",
        width = rules::EMAIL_CODE_DIGITS as usize
    )))
}

/// The stored form of an e-mail code: SHA-256 over the owning id and the code, so equal codes
/// of two challenges do not look alike in the database.
pub fn email_code_hash(owner_id: &str, code: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(owner_id.as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    h.finalize().into()
}

/// Constant-time equality of two byte strings (lengths are not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A new recovery code: 12 characters of [`rules::RECOVERY_ALPHABET`], 5 random bits each.
pub fn new_recovery_code() -> AppResult<Zeroizing<String>> {
    let mut bytes = Zeroizing::new([0u8; rules::RECOVERY_CODE_LEN]);
    fill_random(bytes.as_mut())?;
    let code: String = bytes
        .iter()
        .map(|b| char::from(rules::RECOVERY_ALPHABET[usize::from(b & 0x1f)]))
        .collect();
    Ok(Zeroizing::new(code))
}

/// What a person typed as a recovery code, in canonical form (upper case, spaces and dashes
/// removed), or `None` when it cannot be one (wrong length or a character outside the alphabet).
pub fn canonical_recovery_code(typed: &str) -> Option<Zeroizing<String>> {
    let code: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let valid = code.len() == rules::RECOVERY_CODE_LEN && code.bytes().all(|b| rules::RECOVERY_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// A new 160-bit TOTP secret.
pub fn new_totp_secret() -> AppResult<Secret> {
    let mut bytes = vec![0u8; rules::TOTP_SECRET_BYTES];
    fill_random(&mut bytes)?;
    Ok(Secret::new(bytes))
}

/// The outcome of checking a TOTP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// The code matches this time step, later than any accepted before.
    Accepted(i64),
    /// The code matches a step at or before the last accepted one: a replay.
    Replayed,
    /// The code matches no step in the window.
    Wrong,
}

/// Checks a 6-digit SHA1/30 s TOTP `code` for `secret` at `now`, accepting the current step
/// and ±[`rules::TOTP_WINDOW`] steps; a step not after `last_step` is a replay (RFC 6238 §5.2).
/// Codes come from `smartpush_core::otp`, the project's one TOTP implementation; comparisons
/// are constant-time.
pub fn check_totp(secret: &Secret, code: &str, now: i64, last_step: Option<i64>) -> TotpCheck {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return TotpCheck::Wrong;
    }
    let config = OtpConfig::totp(secret.clone());
    let current = now.div_euclid(rules::TOTP_PERIOD);
    let mut matched = None;
    for step in (current - rules::TOTP_WINDOW)..=(current + rules::TOTP_WINDOW) {
        let Ok(at) = u64::try_from(step * rules::TOTP_PERIOD) else {
            continue;
        };
        let Ok(expected) = smartpush_core::otp::code_at(&config, at) else {
            continue;
        };
        let expected = Zeroizing::new(expected);
        // No early exit: every step of the window is computed and compared.
        if ct_eq(expected.as_bytes(), code.as_bytes()) && matched.is_none() {
            matched = Some(step);
        }
    }
    match matched {
        None => TotpCheck::Wrong,
        Some(step) if last_step.is_some_and(|last| step <= last) => TotpCheck::Replayed,
        Some(step) => TotpCheck::Accepted(step),
    }
}

/// Computes and checks salted Argon2id hashes (PHC strings) on the blocking thread pool, at
/// most `concurrency` at a time.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// A hash of a random password, checked against when an e-mail is unknown so that the
    /// answer takes as long as for a wrong password.
    dummy: Arc<String>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("m_kib", &self.params.m_cost())
            .field("t", &self.params.t_cost())
            .field("p", &self.params.p_cost())
            .finish()
    }
}

impl Hasher {
    /// A hasher with these costs; fails (with a sentence for the operator) on parameters
    /// Argon2 refuses or when the OS has no randomness.
    pub fn new(params: HashParams, concurrency: usize) -> Result<Hasher, String> {
        let HashParams {
            memory_kib,
            iterations,
            lanes,
        } = params;
        let params = Params::new(memory_kib, iterations, lanes, None)
            .map_err(|e| format!("Argon2id m={memory_kib} KiB, t={iterations}, p={lanes}: {e}"))?;
        let mut dummy_password = Zeroizing::new([0u8; 16]);
        getrandom::fill(dummy_password.as_mut()).map_err(|e| format!("OS random source: {e}"))?;
        let dummy = hash_blocking(&params, dummy_password.as_ref()).map_err(|e| e.detail().to_owned())?;
        Ok(Hasher {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(dummy),
        })
    }

    /// Hashes `secret` with a fresh 128-bit salt into a PHC string.
    pub async fn hash(&self, secret: Zeroizing<Vec<u8>>) -> AppResult<String> {
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &secret)).await?
    }

    /// Hashes several secrets (e.g. a batch of recovery codes) in one blocking call.
    pub async fn hash_all(&self, secrets: Vec<Zeroizing<String>>) -> AppResult<Vec<String>> {
        let params = self.params.clone();
        self.run(move || secrets.iter().map(|s| hash_blocking(&params, s.as_bytes())).collect())
            .await?
    }

    /// True when `secret` matches the PHC string `phc` (constant-time comparison inside the
    /// `password-hash` crate). A stored hash that does not parse never matches.
    pub async fn verify(&self, secret: Zeroizing<Vec<u8>>, phc: String) -> AppResult<bool> {
        self.run(move || verify_blocking(&secret, &phc)).await
    }

    /// Checks `secret` against the dummy hash and answers false: the unknown-account path.
    pub async fn verify_dummy(&self, secret: Zeroizing<Vec<u8>>) -> AppResult<bool> {
        let phc = self.dummy.as_ref().clone();
        self.run(move || verify_blocking(&secret, &phc)).await.map(|_| false)
    }

    /// Finds which of `hashes` matches `secret`, checking every one (no early exit, so the time
    /// does not tell which matched); returns its index.
    pub async fn find(&self, secret: Zeroizing<Vec<u8>>, hashes: Vec<String>) -> AppResult<Option<usize>> {
        self.run(move || {
            let mut found = None;
            for (i, phc) in hashes.iter().enumerate() {
                if verify_blocking(&secret, phc) && found.is_none() {
                    found = Some(i);
                }
            }
            found
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal(format_args!("hash permits: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::internal(format_args!("hash task: {e}")))
    }
}

fn argon2id(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_blocking(params: &Params, secret: &[u8]) -> AppResult<String> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    argon2id(params)
        .hash_password_with_salt(secret, &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(format_args!("Argon2 hash: {e}")))
}

fn verify_blocking(secret: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        tracing::error!("a stored hash is not a PHC string");
        return false;
    };
    // The stored hash carries its own parameters; the default instance reads them from it.
    Argon2::default().verify_password(secret, &parsed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new(b"12345678901234567890".to_vec())
    }

    /// RFC 6238 Appendix B, SHA1: T = 59 s gives 94287082, whose last 6 digits are 287082.
    #[test]
    fn totp_window_and_replay() {
        let now = 59 + 30; // step 2; the RFC code belongs to step 1 (one step back)
        assert_eq!(check_totp(&secret(), "287082", now, None), TotpCheck::Accepted(1));
        assert_eq!(check_totp(&secret(), " 287082 ", now, Some(0)), TotpCheck::Accepted(1));
        assert_eq!(check_totp(&secret(), "287082", now, Some(1)), TotpCheck::Replayed);
        assert_eq!(check_totp(&secret(), "287082", now, Some(5)), TotpCheck::Replayed);
        // Two steps later the code is outside the window.
        assert_eq!(check_totp(&secret(), "287082", 59 + 60, None), TotpCheck::Wrong);
        assert_eq!(check_totp(&secret(), "28708", now, None), TotpCheck::Wrong);
        assert_eq!(check_totp(&secret(), "abcdef", now, None), TotpCheck::Wrong);
    }

    #[test]
    fn recovery_codes_use_the_alphabet() {
        for _ in 0..50 {
            let code = new_recovery_code().unwrap();
            assert_eq!(code.len(), 12);
            assert!(
                code.bytes().all(|b| rules::RECOVERY_ALPHABET.contains(&b)),
                "{}",
                code.as_str()
            );
            assert!(!code.contains(['0', 'O', '1', 'I']));
            assert_eq!(
                canonical_recovery_code(&code.to_lowercase())
                    .as_deref()
                    .map(String::as_str),
                Some(code.as_str())
            );
        }
        assert_eq!(
            canonical_recovery_code("abcd-efgh-jk23").as_deref().map(String::as_str),
            Some("ABCDEFGHJK23")
        );
        assert!(
            canonical_recovery_code("ABCDEFGHJK2O").is_none(),
            "O is not in the alphabet"
        );
        assert!(canonical_recovery_code("ABCDEFGHJK2").is_none());
    }

    #[test]
    fn email_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50).map(|_| new_email_code().unwrap().to_string()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(codes.len() > 40, "50 random 6-digit codes should rarely collide");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, hb) = new_token().unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.len(), 43);
        assert_eq!(ha, sha256(a.as_bytes()));
        assert_ne!(ha, hb);
        assert_eq!(new_id().unwrap().len(), 32);
    }

    #[tokio::test]
    async fn argon2id_phc_round_trip() {
        let hasher = Hasher::new(HashParams::TEST_ONLY, 2).unwrap();
        let phc = hasher.hash(Zeroizing::new(b"hunter2hunter2".to_vec())).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{phc}");
        let again = hasher.hash(Zeroizing::new(b"hunter2hunter2".to_vec())).await.unwrap();
        assert_ne!(phc, again, "salted");
        assert!(
            hasher
                .verify(Zeroizing::new(b"hunter2hunter2".to_vec()), phc.clone())
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Zeroizing::new(b"hunter2hunter3".to_vec()), phc.clone())
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Zeroizing::new(b"x".to_vec()), "not a hash".into())
                .await
                .unwrap()
        );
        let found = hasher
            .find(Zeroizing::new(b"hunter2hunter2".to_vec()), vec![again.clone(), phc])
            .await
            .unwrap();
        assert_eq!(found, Some(0));
        assert!(!hasher.verify_dummy(Zeroizing::new(b"anything".to_vec())).await.unwrap());
    }
}
