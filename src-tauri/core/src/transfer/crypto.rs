//! The cryptography of encrypted exports: AES-256-GCM, scrypt with caps checked before any
//! work (Aegis), PBKDF2-HMAC-SHA256 (2FAS), and random bytes.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use zeroize::Zeroizing;

use super::TransferError;

/// AES-GCM nonce length (96 bits), as Aegis and 2FAS use.
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;
/// AES-256 key length.
pub(crate) const KEY_LEN: usize = 32;

/// The most memory scrypt may use for one password slot of an imported file (128 MiB, four
/// times what Aegis uses: N = 2^15, r = 8 is 32 MiB).
pub const MAX_SCRYPT_MEMORY: u64 = 128 * 1024 * 1024;
/// The most password slots of an imported file that are tried.
pub const MAX_PASSWORD_SLOTS: usize = 4;
/// The most scrypt work one imported file may ask for, all its password slots together: the sum
/// over the slots of memory (`128·r·N` bytes) × `p` (each unit of `p` sweeps the memory again,
/// one after the other). 128 MiB: one slot at [`MAX_SCRYPT_MEMORY`] with p = 1, or four slots
/// at Aegis's own setting (32 MiB, p = 1; a real file has one, two with a backup password).
/// That costs about a third of the CPU time of our own Strong unlock (256 MiB, 4 passes), whose
/// 4 lanes run on up to 4 cores while scrypt runs on one: on any machine the worst file accepted
/// takes at most about 1.5 times as long as a Strong unlock (measured in `docs/security.md`).
pub const MAX_IMPORT_SCRYPT_WORK: u64 = 128 * 1024 * 1024;
/// The work cap [`check_scrypt_work`] applies: [`MAX_IMPORT_SCRYPT_WORK`], except in fuzzing
/// builds, where it is the fuzzing memory cap (see [`SCRYPT_MEMORY_CAP`]).
const SCRYPT_WORK_CAP: u64 = if cfg!(fuzzing) {
    1024 * 1024
} else {
    MAX_IMPORT_SCRYPT_WORK
};
/// The memory cap [`ScryptParams::checked`] applies: [`MAX_SCRYPT_MEMORY`], except in fuzzing
/// builds (`--cfg fuzzing`, set by cargo-fuzz), where 1 MiB keeps each input to milliseconds
/// while the same checks run (the cap itself is what the fuzzer probes).
const SCRYPT_MEMORY_CAP: u64 = if cfg!(fuzzing) { 1024 * 1024 } else { MAX_SCRYPT_MEMORY };
/// The largest scrypt `p` accepted (each unit of `p` repeats the whole memory-hard work).
const MAX_SCRYPT_P: u32 = 4;
/// The largest scrypt `r` accepted.
const MAX_SCRYPT_R: u32 = 32;
/// The smallest `log2(N)` accepted (below it a file is not protected worth the name, and it is
/// certainly not Aegis's).
const MIN_SCRYPT_LOG_N: u8 = 10;

/// scrypt settings read from a file, checked by [`ScryptParams::checked`] before use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScryptParams {
    log_n: u8,
    r: u32,
    p: u32,
}

impl ScryptParams {
    /// Checks `n` (a power of two), `r` and `p` against the per-slot caps: memory `128·r·N` at most
    /// [`MAX_SCRYPT_MEMORY`], `p` at most 4, `r` at most 32, N at least 2^10.
    pub(crate) fn checked(n: u64, r: u64, p: u64) -> Result<ScryptParams, TransferError> {
        let bad = |what: String| Err(TransferError::KdfParams(what));
        if n < 2 || !n.is_power_of_two() {
            return bad(format!("scrypt N = {n} is not a power of two"));
        }
        let log_n = u8::try_from(n.trailing_zeros()).unwrap_or(u8::MAX);
        if log_n < MIN_SCRYPT_LOG_N {
            return bad(format!("scrypt N = {n} is below 2^{MIN_SCRYPT_LOG_N}"));
        }
        let r32 = match u32::try_from(r) {
            Ok(r) if (1..=MAX_SCRYPT_R).contains(&r) => r,
            _ => return bad(format!("scrypt r = {r} is outside 1..={MAX_SCRYPT_R}")),
        };
        let p32 = match u32::try_from(p) {
            Ok(p) if (1..=MAX_SCRYPT_P).contains(&p) => p,
            _ => return bad(format!("scrypt p = {p} is outside 1..={MAX_SCRYPT_P}")),
        };
        let memory = 128u64.saturating_mul(r).saturating_mul(n);
        if memory > SCRYPT_MEMORY_CAP {
            return bad(format!(
                "scrypt would need {} MiB of memory (N = {n}, r = {r}); at most {} MiB is accepted",
                memory / (1024 * 1024),
                SCRYPT_MEMORY_CAP / (1024 * 1024)
            ));
        }
        Ok(ScryptParams { log_n, r: r32, p: p32 })
    }

    /// The work of one derivation in bytes swept: memory (`128·r·N`) × `p`.
    pub(crate) fn work(self) -> u64 {
        128 * u64::from(self.r) * self.n() * u64::from(self.p)
    }

    /// Settings chosen by this app (not checked against the import caps).
    pub(crate) const fn fixed(log_n: u8, r: u32, p: u32) -> ScryptParams {
        ScryptParams { log_n, r, p }
    }

    /// `N`.
    pub(crate) fn n(self) -> u64 {
        1u64 << self.log_n
    }

    /// `r`.
    pub(crate) fn r(self) -> u32 {
        self.r
    }

    /// `p`.
    pub(crate) fn p(self) -> u32 {
        self.p
    }

    /// The 32-byte key scrypt derives from `password` and `salt`.
    pub(crate) fn derive(self, password: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, TransferError> {
        let params = scrypt::Params::new(self.log_n, self.r, self.p)
            .map_err(|_| TransferError::KdfParams("scrypt rejected the settings".into()))?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        scrypt::scrypt(password, salt, &params, key.as_mut_slice())
            .map_err(|_| TransferError::KdfParams("scrypt rejected the output length".into()))?;
        Ok(key)
    }
}

/// Checks, before any derivation, that the password slots of one file together ask for at most
/// [`MAX_IMPORT_SCRYPT_WORK`] ([`ScryptParams::work`] summed).
///
/// # Errors
/// [`TransferError::KdfWorkTooHigh`] with the total asked for.
pub(crate) fn check_scrypt_work(
    format: super::Format,
    slots: impl IntoIterator<Item = ScryptParams>,
) -> Result<(), TransferError> {
    let asked = slots.into_iter().fold(0u64, |sum, p| sum.saturating_add(p.work()));
    if asked > SCRYPT_WORK_CAP {
        return Err(TransferError::KdfWorkTooHigh {
            format,
            asked_mib: asked / (1024 * 1024),
            max_mib: SCRYPT_WORK_CAP / (1024 * 1024),
        });
    }
    Ok(())
}

/// PBKDF2-HMAC-SHA256 with a fixed iteration count (2FAS: 10,000).
pub(crate) fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<[u8; KEY_LEN]> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, key.as_mut_slice());
    key
}

fn cipher(key: &[u8; KEY_LEN]) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(key).expect("an AES-256 key is 32 bytes")
}

/// AES-256-GCM decryption of `ciphertext` (without its tag) in a zeroized buffer; `None` when
/// the tag does not match (wrong key or altered data).
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    ciphertext: &[u8],
    tag: &[u8; TAG_LEN],
) -> Option<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    cipher(key)
        .decrypt_inout_detached(
            &Nonce::<Aes256Gcm>::from(*nonce),
            &[],
            buf.as_mut_slice().into(),
            &Tag::<Aes256Gcm>::from(*tag),
        )
        .ok()?;
    Some(buf)
}

/// AES-256-GCM encryption without associated data: the ciphertext and its tag.
pub(crate) fn seal(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> (Vec<u8>, [u8; TAG_LEN]) {
    let mut buf = plaintext.to_vec();
    let tag = cipher(key)
        .encrypt_inout_detached(&Nonce::<Aes256Gcm>::from(*nonce), &[], buf.as_mut_slice().into())
        .expect("exports are far below AES-GCM's length limit");
    (buf, tag.into())
}

/// `N` random bytes from the operating system.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], TransferError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| TransferError::Random(e.to_string()))?;
    Ok(out)
}

/// Copies a slice into an array of its exact length.
pub(crate) fn array<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys and plaintexts of imported files live in zeroizing holders (compile-time check).
    #[test]
    fn keys_and_plaintexts_are_zeroizing() {
        fn zeroizing<T: zeroize::Zeroize>(_: &Zeroizing<T>) {}
        let key = ScryptParams::checked(1 << 10, 1, 1)
            .expect("params")
            .derive(b"pw", b"salt")
            .expect("scrypt");
        zeroizing(&key);
        zeroizing(&pbkdf2_sha256(b"pw", b"salt", 1));
        let (ciphertext, tag) = seal(&key, &[0; NONCE_LEN], b"plain");
        let plain = open(&key, &[0; NONCE_LEN], &ciphertext, &tag).expect("open");
        zeroizing(&plain);
        assert_eq!(plain.as_slice(), b"plain");
    }

    #[test]
    fn scrypt_caps_refuse_absurd_settings_before_any_work() {
        assert!(ScryptParams::checked(32768, 8, 1).is_ok());
        for (n, r, p) in [
            (0, 8, 1),
            (3, 8, 1),
            (32767, 8, 1),
            (512, 8, 1),
            (1 << 40, 8, 1),
            (1 << 20, 8, 1),
            (32768, 0, 1),
            (32768, 1000, 1),
            (32768, 8, 0),
            (32768, 8, 1_000_000),
            (u64::MAX, u64::MAX, u64::MAX),
        ] {
            let err = ScryptParams::checked(n, r, p).expect_err("absurd settings accepted");
            assert!(matches!(err, TransferError::KdfParams(_)), "{n} {r} {p}: {err}");
        }
    }

    #[test]
    fn scrypt_work_is_memory_times_p_summed_over_the_slots() {
        let aegis = ScryptParams::checked(1 << 15, 8, 1).expect("Aegis's setting");
        assert_eq!(aegis.work(), 32 * 1024 * 1024);
        let at_cap = ScryptParams::checked(1 << 17, 8, 1).expect("within the per-slot caps");
        let p4 = ScryptParams::checked(1 << 17, 8, 4).expect("within the per-slot caps");
        assert_eq!(p4.work(), 4 * at_cap.work());
        let format = super::super::Format::Aegis;
        assert!(check_scrypt_work(format, [aegis; MAX_PASSWORD_SLOTS]).is_ok());
        assert!(check_scrypt_work(format, [at_cap]).is_ok());
        for slots in [vec![p4], vec![at_cap, aegis], vec![p4; MAX_PASSWORD_SLOTS]] {
            match check_scrypt_work(format, slots.clone()) {
                Err(TransferError::KdfWorkTooHigh {
                    asked_mib,
                    max_mib: 128,
                    ..
                }) => {
                    assert_eq!(asked_mib, slots.iter().map(|s| s.work()).sum::<u64>() >> 20);
                }
                other => panic!("{slots:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn seal_then_open_and_tamper() {
        let key = [7u8; KEY_LEN];
        let nonce = [1u8; NONCE_LEN];
        let (ct, tag) = seal(&key, &nonce, b"hello");
        assert_eq!(
            open(&key, &nonce, &ct, &tag).as_deref().map(Vec::as_slice),
            Some(&b"hello"[..])
        );
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(open(&key, &nonce, &bad, &tag).is_none());
        assert!(open(&[8u8; KEY_LEN], &nonce, &ct, &tag).is_none());
    }
}
