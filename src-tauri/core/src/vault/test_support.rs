//! Hooks for tests, fixtures and benchmarks. Not part of the supported API.
//!
//! `encode_with_fixed_inputs` writes a vault with caller-chosen salt, nonces and master key:
//! that is only safe for known-answer fixtures (reusing a nonce with a real key is a disaster).
//! Everything here is `#[doc(hidden)]` and may change without notice.

use std::collections::HashMap;

use zeroize::Zeroizing;

use super::format::{self, Header, NONCE_LEN, SALT_LEN, Slot};
use super::kdf::{self, KEY_LEN};
use super::{KdfParams, SecretString, VaultData, VaultError};

/// The inputs that are random in a real vault.
#[derive(Clone)]
pub struct FixedInputs {
    /// The master key.
    pub master_key: [u8; 32],
    /// The password slot's Argon2 salt.
    pub salt: [u8; 32],
    /// The password slot's nonce.
    pub slot_nonce: [u8; 12],
    /// The payload nonce.
    pub payload_nonce: [u8; 12],
}

/// Encodes a vault deterministically. Test vectors only.
///
/// # Errors
/// `EmptyPassword`, `KdfOutOfRange`, `Kdf`.
pub fn encode_with_fixed_inputs(
    data: &VaultData,
    password: &SecretString,
    params: KdfParams,
    inputs: &FixedInputs,
) -> Result<Vec<u8>, VaultError> {
    super::check_password(password)?;
    let slot = super::new_password_slot(password, params, &inputs.master_key, inputs.salt, inputs.slot_nonce)?;
    let header = Header {
        slots: vec![Slot::Password(slot)],
    };
    Ok(super::encode(&header, &inputs.master_key, inputs.payload_nonce, data))
}

/// Runs only the parser (no key derivation, no decryption) over `bytes`.
///
/// # Errors
/// What [`super::Vault::open`] reports for a file it cannot parse.
pub fn parse(bytes: &[u8]) -> Result<(), VaultError> {
    format::parse(bytes).map(|_| ())
}

/// Recomputes the trailing checksum of a (tampered) file in place, to reach the layers behind it.
pub fn fix_checksum(bytes: &mut [u8]) {
    if bytes.len() >= format::CHECKSUM_LEN {
        let at = bytes.len() - format::CHECKSUM_LEN;
        let sum = format::sha256(&bytes[..at]);
        bytes[at..].copy_from_slice(&sum);
    }
}

/// Argon2id as the vault uses it: 32 bytes from (password, salt, settings).
///
/// # Errors
/// `KdfOutOfRange`, `Kdf`.
pub fn derive_key(password: &[u8], salt: &[u8], params: KdfParams) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    kdf::derive_key(password, salt, params)
}

/// (password, salt, settings).
type CacheKey = (Vec<u8>, [u8; SALT_LEN], KdfParams);

/// Remembers derived keys so tests that unlock the same file many times pay for Argon2 once.
#[derive(Default)]
pub struct KeyCache {
    keys: HashMap<CacheKey, Zeroizing<[u8; KEY_LEN]>>,
}

/// Decrypts a vault file held in memory, deriving keys through `cache`.
///
/// # Errors
/// As [`super::Vault::open`], without the file-system errors.
pub fn decode_with_cache(bytes: &[u8], password: &SecretString, cache: &mut KeyCache) -> Result<VaultData, VaultError> {
    let mut derive = |pw: &[u8], salt: &[u8; SALT_LEN], params: KdfParams| {
        let key = (pw.to_vec(), *salt, params);
        if let Some(k) = cache.keys.get(&key) {
            return Ok(k.clone());
        }
        let k = kdf::derive_key(pw, salt, params)?;
        cache.keys.insert(key, k.clone());
        Ok(k)
    };
    super::unlock(bytes, password, &mut derive).map(|u| u.data)
}

/// The payload nonce length, for tests that locate fields.
pub const PAYLOAD_NONCE_LEN: usize = NONCE_LEN;

/// The key derivation [`unlock_with_kdf`] calls: (password, salt, settings) → key-encryption key.
pub type Derive<'a> = dyn FnMut(&[u8], &[u8; SALT_LEN], KdfParams) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> + 'a;

/// Unlocks a vault file held in memory with a caller-supplied key derivation (the fuzz harness
/// swaps Argon2 for a cheap stand-in so that each input costs microseconds, not 50 ms).
/// Everything else — parsing, the slot cap, unwrapping, decryption, content decoding — is the
/// code [`super::Vault::open`] runs.
///
/// # Errors
/// As [`super::Vault::open`], without the file-system errors.
pub fn unlock_with_kdf(
    bytes: &[u8],
    password: &SecretString,
    derive: &mut Derive<'_>,
) -> Result<VaultData, VaultError> {
    super::unlock(bytes, password, derive).map(|u| u.data)
}

/// Decodes decrypted vault content (the JSON payload, any schema version), as the last step of
/// [`super::Vault::open`] does.
///
/// # Errors
/// `Damaged`, `NewerContent`.
pub fn decode_content(plaintext: &[u8]) -> Result<VaultData, VaultError> {
    super::content::decode(plaintext)
}
