//! The data model shared by the OTP engine, the URI parsers and the vault.
//!
//! Secret material is held in [`Secret`] and [`SecretString`]: zeroized on drop, redacted in
//! `Debug`, and serialised only inside the vault's encrypted payload (or an explicit export).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, Zeroizing};

/// The HMAC hash an account's codes are computed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    /// HMAC-SHA-1, the default of RFC 4226/6238 and of nearly every service.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl Algorithm {
    /// The canonical upper-case name used in otpauth URIs (`SHA1`, `SHA256`, `SHA512`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Parses a name case-insensitively, with or without a dash (`sha1`, `SHA-256`).
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name.trim().to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Some(Algorithm::Sha1),
            "SHA256" => Some(Algorithm::Sha256),
            "SHA512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an account's codes are derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtpKind {
    /// Time-based (RFC 6238).
    #[default]
    Totp,
    /// Counter-based (RFC 4226).
    Hotp,
    /// Steam Guard: TOTP/SHA1/30 s rendered as 5 characters of Steam's alphabet.
    Steam,
}

impl OtpKind {
    /// The lower-case name used in URIs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            OtpKind::Totp => "totp",
            OtpKind::Hotp => "hotp",
            OtpKind::Steam => "steam",
        }
    }
}

impl fmt::Display for OtpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Raw secret bytes (an OTP shared secret). Zeroized on drop, never printed.
///
/// Serialises as unpadded upper-case base32, the form every authenticator exchanges.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps raw key bytes.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(Zeroizing::new(bytes))
    }

    /// The raw key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of key bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the secret holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Unpadded upper-case base32 (RFC 4648), as used in otpauth URIs. Handle the result as a
    /// secret: it is wrapped so it is zeroized when dropped.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0))
    }

    /// Decodes base32 the way real apps must: case-insensitive, ignoring spaces, dashes and
    /// `=` padding. Returns `None` for an empty or non-base32 input.
    pub fn from_base32(text: &str) -> Option<Secret> {
        let mut cleaned = Zeroizing::new(String::with_capacity(text.len()));
        for c in text.chars() {
            match c {
                ' ' | '\t' | '\n' | '\r' | '-' | '=' => {}
                c => cleaned.push(c.to_ascii_uppercase()),
            }
        }
        if cleaned.is_empty() {
            return None;
        }
        lenient_base32()
            .decode(cleaned.as_bytes())
            .ok()
            .filter(|b| !b.is_empty())
            .map(Secret::new)
    }
}

/// RFC 4648 base32 without padding that, like Google Authenticator, accepts non-zero trailing
/// bits: services generate secrets as random base32 strings whose length is not a multiple of 8.
fn lenient_base32() -> &'static data_encoding::Encoding {
    static ENC: std::sync::OnceLock<data_encoding::Encoding> = std::sync::OnceLock::new();
    ENC.get_or_init(|| {
        let mut spec = data_encoding::Specification::new();
        spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        spec.check_trailing_bits = false;
        spec.encoding().expect("static base32 specification is valid")
    })
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.0.len())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base32())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        Secret::from_base32(&text).ok_or_else(|| serde::de::Error::custom("secret is not valid base32"))
    }
}

/// A secret text (a recovery code, a password). Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a string.
    pub fn new(text: impl Into<String>) -> SecretString {
        SecretString(Zeroizing::new(text.into()))
    }

    /// The text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> SecretString {
        SecretString::new(s)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

impl Zeroize for SecretString {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// Everything needed to compute an account's codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpConfig {
    /// TOTP, HOTP or Steam.
    pub kind: OtpKind,
    /// The shared secret.
    pub secret: Secret,
    /// HMAC algorithm (always SHA1 for Steam).
    #[serde(default)]
    pub algorithm: Algorithm,
    /// Code length: 6–8 for TOTP/HOTP, 5 for Steam.
    pub digits: u8,
    /// Time step in seconds for TOTP and Steam (ignored for HOTP).
    #[serde(default = "default_period")]
    pub period: u32,
    /// The next counter value for HOTP (ignored otherwise).
    #[serde(default)]
    pub counter: u64,
}

fn default_period() -> u32 {
    30
}

impl OtpConfig {
    /// A TOTP configuration with the usual defaults (SHA1, 6 digits, 30 s).
    pub fn totp(secret: Secret) -> OtpConfig {
        OtpConfig {
            kind: OtpKind::Totp,
            secret,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            counter: 0,
        }
    }
}

/// One stored recovery code of a service (e.g. one of SmartPush's ten 12-character codes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCode {
    /// The code as the service printed it.
    pub code: SecretString,
    /// When it was marked used (unix seconds), `None` while unused.
    #[serde(default)]
    pub used_at: Option<i64>,
    /// A free-text note.
    #[serde(default)]
    pub note: String,
}

/// A short, stable, random account identifier (8 lower-case hex digits), shown by `list`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account as it arrives from a URI, a scan, an import or a form, before the vault gives it
/// an id and timestamps.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountDraft {
    /// Service name, e.g. `SmartPush`. May be empty.
    pub issuer: String,
    /// Account name, e.g. an e-mail address. May be empty.
    pub name: String,
    /// How to compute codes; `None` for an entry that only keeps recovery codes.
    pub otp: Option<OtpConfig>,
    /// Free-text note.
    #[serde(default)]
    pub note: String,
    /// User tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Recovery codes that came with it.
    #[serde(default)]
    pub recovery_codes: Vec<RecoveryCode>,
}

/// An account stored in the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Stable identifier.
    pub id: AccountId,
    /// Service name.
    pub issuer: String,
    /// Account name.
    pub name: String,
    /// How to compute codes; `None` for an entry that only keeps recovery codes.
    pub otp: Option<OtpConfig>,
    /// Free-text note.
    #[serde(default)]
    pub note: String,
    /// User tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The service's recovery codes.
    #[serde(default)]
    pub recovery_codes: Vec<RecoveryCode>,
    /// Creation time, unix seconds.
    pub created_at: i64,
    /// Last change, unix seconds.
    pub updated_at: i64,
}

impl Account {
    /// Builds a stored account from a draft.
    pub fn from_draft(id: AccountId, draft: AccountDraft, now: i64) -> Account {
        Account {
            id,
            issuer: draft.issuer,
            name: draft.name,
            otp: draft.otp,
            note: draft.note,
            tags: draft.tags,
            recovery_codes: draft.recovery_codes,
            created_at: now,
            updated_at: now,
        }
    }

    /// Unused recovery codes left.
    pub fn recovery_codes_left(&self) -> usize {
        self.recovery_codes.iter().filter(|c| c.used_at.is_none()).count()
    }

    /// True when this account has the same secret, issuer and name as `draft` (a duplicate).
    pub fn same_as(&self, draft: &AccountDraft) -> bool {
        self.issuer == draft.issuer
            && self.name == draft.name
            && self.otp.as_ref().map(|o| o.secret.expose()) == draft.otp.as_ref().map(|o| o.secret.expose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("JBSWY3DP"), "{dbg}");
        assert!(!dbg.contains("72"), "{dbg}");
        let cfg = OtpConfig::totp(s);
        assert!(!format!("{cfg:?}").contains("JBSWY3DP"));
        assert!(!format!("{:?}", SecretString::new("ABCD-EFGH-2345")).contains("ABCD"));
    }

    #[test]
    fn base32_is_lenient_in_the_ways_apps_need() {
        let want = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        // 26 characters: 130 bits, the last two of which are not zero.
        assert_eq!(
            Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEH").map(|s| s.len()),
            Some(16)
        );
        for text in [
            "jbswy3dpehpk3pxp",
            "JBSW Y3DP EHPK 3PXP",
            "JBSWY3DPEHPK3PXP====",
            "jbsw-y3dp-ehpk-3pxp",
        ] {
            assert_eq!(Secret::from_base32(text).as_ref(), Some(&want), "{text}");
        }
        for bad in ["", "   ", "====", "JBSWY3DP1", "hello!"] {
            assert!(Secret::from_base32(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::parse("sha256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::parse("SHA-512"), Some(Algorithm::Sha512));
        assert_eq!(Algorithm::parse("md5"), None);
    }
}
