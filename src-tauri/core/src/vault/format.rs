//! The vault file's byte layout (see `docs/vault-format.md` for the full description).
//!
//! ```text
//! offset      size  field
//! 0           8     magic "SPAVAULT"
//! 8           2     format version, u16 LE (= FORMAT_VERSION)
//! 10          4     header length H, u32 LE (≤ 65536)
//! 14          H     header: slot count u8 (1..=16), then per slot:
//!                     kind u8, body length u16 LE, body
//!                   password slot (kind 1), 104-byte body:
//!                     m_kib u32 LE, t u32 LE, p u32 LE, salt [32],
//!                     nonce [12], AES-256-GCM(KEK, master key [32]) + tag [16]
//!                     with KEK = Argon2id(password, salt, m, t, p), AAD = kind ‖ m ‖ t ‖ p ‖ salt
//!                   keychain slot (kind 2), 76-byte body:
//!                     entry id [16], nonce [12], AES-256-GCM(keychain key, master key [32]) + tag [16]
//!                     with the 32-byte keychain key kept in the OS keychain under the entry id,
//!                     AAD = kind ‖ entry id
//!                   any kind this build does not know is kept verbatim and skipped
//! 14+H        12    payload nonce
//! 26+H        N+16  AES-256-GCM(master key, content JSON) + tag, AAD = bytes [0, 14+H)
//! end-32      32    SHA-256 of every byte before it (unkeyed: tells damage from a wrong password)
//! ```
//!
//! Invariant for every future version: the magic, the version and the trailing SHA-256 keep
//! their place and meaning, so an older build recognises a newer file (version too high and
//! checksum good) and tells it apart from a damaged one (checksum bad).

use sha2::{Digest, Sha256};

use super::VaultError;
use super::kdf::{self, KEY_LEN, KdfParams};

/// The version of the file layout this build writes and the highest it reads.
pub const FORMAT_VERSION: u16 = 1;

/// The first 8 bytes of every vault file.
pub(crate) const MAGIC: [u8; 8] = *b"SPAVAULT";
/// Magic, version and header length.
pub(crate) const PREFIX_LEN: usize = 8 + 2 + 4;
/// AES-GCM nonce length.
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the trailing SHA-256.
pub(crate) const CHECKSUM_LEN: usize = 32;
/// Argon2 salt length of a password slot.
pub(crate) const SALT_LEN: usize = 32;
/// Largest header accepted (a v1 header with 16 password slots is under 2 KiB).
pub(crate) const MAX_HEADER_LEN: usize = 64 * 1024;
/// Most slots a header may hold.
pub(crate) const MAX_SLOTS: usize = 16;
/// Largest vault file read (a vault of 1,000 accounts is about 400 KiB).
pub(crate) const MAX_FILE_LEN: u64 = 64 * 1024 * 1024;

/// Slot kind: the master key wrapped with a key derived from the password.
pub(crate) const SLOT_PASSWORD: u8 = 1;
/// Slot kind: the master key wrapped with a random key kept in the OS keychain.
pub(crate) const SLOT_KEYCHAIN: u8 = 2;
/// Length of a keychain slot's entry id (names its keychain entry; not secret).
pub(crate) const ENTRY_ID_LEN: usize = 16;

const KDF_PARAMS_LEN: usize = 12;
/// Length of the wrapped master key (ciphertext and tag).
pub(crate) const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;
const PASSWORD_SLOT_LEN: usize = KDF_PARAMS_LEN + SALT_LEN + NONCE_LEN + WRAPPED_LEN;
const KEYCHAIN_SLOT_LEN: usize = ENTRY_ID_LEN + NONCE_LEN + WRAPPED_LEN;
/// Smallest possible file: prefix, a header with one password slot, nonce, tag, checksum.
pub(crate) const MIN_FILE_LEN: usize = PREFIX_LEN + 1 + 3 + PASSWORD_SLOT_LEN + NONCE_LEN + TAG_LEN + CHECKSUM_LEN;

/// A password slot: the master key wrapped with an Argon2id-derived key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PasswordSlot {
    pub params: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
    pub wrapped: [u8; WRAPPED_LEN],
}

impl PasswordSlot {
    /// The associated data the wrapped key is bound to: the slot kind, KDF settings and salt.
    pub fn wrap_aad(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(1 + KDF_PARAMS_LEN + SALT_LEN);
        aad.push(SLOT_PASSWORD);
        push_params(&mut aad, self.params);
        aad.extend_from_slice(&self.salt);
        aad
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        push_params(out, self.params);
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.wrapped);
    }

    fn parse_body(body: &[u8]) -> Result<PasswordSlot, VaultError> {
        if body.len() != PASSWORD_SLOT_LEN {
            return Err(damaged("a password slot has the wrong length"));
        }
        let mut r = Reader(body);
        let params = KdfParams {
            memory_kib: r.u32()?,
            iterations: r.u32()?,
            parallelism: r.u32()?,
        };
        params.validate()?;
        Ok(PasswordSlot {
            params,
            salt: r.array()?,
            nonce: r.array()?,
            wrapped: r.array()?,
        })
    }
}

/// A keychain slot: the master key wrapped with a random 32-byte key that lives in the OS
/// keychain, in the entry named after `entry_id`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct KeychainSlot {
    pub entry_id: [u8; ENTRY_ID_LEN],
    pub nonce: [u8; NONCE_LEN],
    pub wrapped: [u8; WRAPPED_LEN],
}

impl KeychainSlot {
    /// The associated data the wrapped key is bound to: the slot kind and the entry id.
    pub fn wrap_aad(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(1 + ENTRY_ID_LEN);
        aad.push(SLOT_KEYCHAIN);
        aad.extend_from_slice(&self.entry_id);
        aad
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.entry_id);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.wrapped);
    }

    fn parse_body(body: &[u8]) -> Result<KeychainSlot, VaultError> {
        if body.len() != KEYCHAIN_SLOT_LEN {
            return Err(damaged("a keychain slot has the wrong length"));
        }
        let mut r = Reader(body);
        Ok(KeychainSlot {
            entry_id: r.array()?,
            nonce: r.array()?,
            wrapped: r.array()?,
        })
    }
}

fn push_params(out: &mut Vec<u8>, p: KdfParams) {
    out.extend_from_slice(&p.memory_kib.to_le_bytes());
    out.extend_from_slice(&p.iterations.to_le_bytes());
    out.extend_from_slice(&p.parallelism.to_le_bytes());
}

/// One key slot of the header.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Kind 1.
    Password(PasswordSlot),
    /// Kind 2.
    Keychain(KeychainSlot),
    /// A kind this build does not use: kept byte for byte so saving never drops a way to
    /// unlock that a newer build added.
    Opaque { kind: u8, body: Vec<u8> },
}

/// The header: the key slots.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub slots: Vec<Slot>,
}

impl Header {
    /// The header's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.slots.len() * (3 + PASSWORD_SLOT_LEN));
        // Slot counts are bounded by MAX_SLOTS (checked when parsing, one slot when creating).
        out.push(u8::try_from(self.slots.len()).expect("at most MAX_SLOTS slots"));
        for slot in &self.slots {
            match slot {
                Slot::Password(p) => {
                    out.push(SLOT_PASSWORD);
                    out.extend_from_slice(&(PASSWORD_SLOT_LEN as u16).to_le_bytes());
                    p.encode_body(&mut out);
                }
                Slot::Keychain(k) => {
                    out.push(SLOT_KEYCHAIN);
                    out.extend_from_slice(&(KEYCHAIN_SLOT_LEN as u16).to_le_bytes());
                    k.encode_body(&mut out);
                }
                Slot::Opaque { kind, body } => {
                    out.push(*kind);
                    out.extend_from_slice(
                        &u16::try_from(body.len())
                            .expect("parsed from a u16 length")
                            .to_le_bytes(),
                    );
                    out.extend_from_slice(body);
                }
            }
        }
        out
    }

    fn parse(bytes: &[u8]) -> Result<Header, VaultError> {
        let mut r = Reader(bytes);
        let count = usize::from(r.u8()?);
        if count == 0 || count > MAX_SLOTS {
            return Err(damaged("the header has an invalid number of key slots"));
        }
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = r.u8()?;
            let len = usize::from(r.u16()?);
            let body = r.take(len)?;
            slots.push(match kind {
                0 => return Err(damaged("the header has a key slot of kind 0")),
                SLOT_PASSWORD => Slot::Password(PasswordSlot::parse_body(body)?),
                SLOT_KEYCHAIN => Slot::Keychain(KeychainSlot::parse_body(body)?),
                kind => Slot::Opaque {
                    kind,
                    body: body.to_vec(),
                },
            });
        }
        if !r.0.is_empty() {
            return Err(damaged("the header has trailing bytes"));
        }
        kdf::check_file_work(slots.iter().filter_map(|slot| match slot {
            Slot::Password(p) => Some(p.params),
            _ => None,
        }))?;
        Ok(Header { slots })
    }
}

/// A vault file split into its parts; the checksum has been verified, nothing decrypted.
pub(crate) struct Parsed<'a> {
    pub header: Header,
    /// Bytes `[0, 14+H)`: the payload's associated data.
    pub aad: &'a [u8],
    pub payload_nonce: [u8; NONCE_LEN],
    /// Ciphertext without the tag.
    pub ciphertext: &'a [u8],
    pub tag: [u8; TAG_LEN],
    /// The trailing SHA-256, which identifies this exact file.
    pub checksum: [u8; CHECKSUM_LEN],
}

/// SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; CHECKSUM_LEN] {
    Sha256::digest(bytes).into()
}

/// The `Damaged` error, without a backup path (the caller that knows the path adds it).
pub(crate) fn damaged(reason: &'static str) -> VaultError {
    VaultError::Damaged { reason, backup: None }
}

/// Splits and checks a vault file. Cheap: no key derivation, no decryption.
///
/// Order of the checks, which decides the error a person sees:
/// 1. not starting with the magic → [`VaultError::NotAVault`] (a proper prefix of the magic is
///    a truncated vault: `Damaged`);
/// 2. version above [`FORMAT_VERSION`] → `NewerVersion` when the checksum is good, else `Damaged`;
/// 3. checksum bad → `Damaged`;
/// 4. any structural error → `Damaged`; KDF settings out of range → `KdfOutOfRange`; password
///    slots together over [`kdf::MAX_FILE_WORK`] → `KdfWorkTooHigh`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, VaultError> {
    if bytes.is_empty() {
        return Err(VaultError::NotAVault);
    }
    let head = &bytes[..bytes.len().min(MAGIC.len())];
    if head != &MAGIC[..head.len()] {
        return Err(VaultError::NotAVault);
    }
    if bytes.len() < MAGIC.len() + 2 {
        return Err(damaged("the file is truncated"));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    let checksum_ok = bytes.len() >= MAGIC.len() + 2 + CHECKSUM_LEN && {
        let (body, trailer) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        sha256(body) == trailer
    };
    if version > FORMAT_VERSION {
        return if checksum_ok {
            Err(VaultError::NewerVersion {
                found: version,
                supported: FORMAT_VERSION,
            })
        } else {
            Err(damaged("the checksum does not match"))
        };
    }
    if !checksum_ok {
        return Err(damaged(if bytes.len() < MIN_FILE_LEN {
            "the file is truncated"
        } else {
            "the checksum does not match"
        }));
    }
    if version == 0 {
        return Err(damaged("format version 0 does not exist"));
    }
    let (body, trailer) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    let mut r = Reader(&body[MAGIC.len() + 2..]);
    let header_len = r.u32()? as usize;
    if header_len > MAX_HEADER_LEN {
        return Err(damaged("the header length is out of range"));
    }
    let header = Header::parse(r.take(header_len)?)?;
    let aad = &body[..PREFIX_LEN + header_len];
    let payload_nonce = r.array()?;
    let rest = r.0;
    if rest.len() < TAG_LEN {
        return Err(damaged("the file is truncated"));
    }
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    Ok(Parsed {
        header,
        aad,
        payload_nonce,
        ciphertext,
        tag: tag.try_into().map_err(|_| damaged("the file is truncated"))?,
        checksum: trailer.try_into().map_err(|_| damaged("the file is truncated"))?,
    })
}

/// Magic, version, header length and header: the start of a file and the payload's AAD.
pub(crate) fn encode_prefix(header: &Header) -> Vec<u8> {
    let header = header.encode();
    let mut out = Vec::with_capacity(PREFIX_LEN + header.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(
        &u32::try_from(header.len())
            .expect("header is under 64 KiB")
            .to_le_bytes(),
    );
    out.extend_from_slice(&header);
    out
}

/// A bounds-checked little-endian reader; running short means the data is damaged.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], VaultError> {
        if self.0.len() < n {
            return Err(damaged("the file is truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], VaultError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, VaultError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, VaultError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, VaultError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
}
