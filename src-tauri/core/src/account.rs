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

/// Makes an issuer or account name from outside (a URI, a QR code, an import) safe to show on
/// one line of a terminal or a window:
///
/// * ANSI control sequences (`ESC [` … or the C1 `CSI`, then parameters and a final byte, as in
///   `ESC[31m` or `ESC[2K`) are removed whole, so neither they nor their visible tail remain;
/// * line breaks and tabs (`\n` `\r` `\t`, vertical tab, form feed, `NEL`, U+2028, U+2029) and
///   every other Unicode whitespace become a space (so `me\n123456` stays two words), then runs
///   of spaces become one space and the ends are trimmed;
/// * every other C0 or C1 control character and `DEL` is removed (a lone `ESC` included);
/// * bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
///   invisible marks that can hide or reorder text (U+200B–U+200F: zero-width space, joiners,
///   left-to-right and right-to-left marks; U+061C Arabic letter mark; U+2060–U+2064: word
///   joiner and invisible operators; U+FEFF: byte order mark) are removed. Removing the
///   zero-width joiner (U+200D) shows a joined emoji (a family, a profession) as its separate
///   parts: a fair price for a label.
///
/// Everything else, including non-Latin scripts, emoji and punctuation, is kept. The result
/// contains no control character, no character listed above, and no leading, trailing or
/// repeated whitespace; cleaning it again changes nothing.
pub fn clean_label(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if let Some(rest) = after_control_sequence(c, chars.as_str()) {
            chars = rest.chars();
        } else if c.is_whitespace() {
            kept.push(' ');
        } else if !c.is_control() && !is_invisible_format(c) {
            kept.push(c);
        }
    }
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// When `first` and `rest` start a complete ECMA-48 control sequence (`ESC [` or `CSI`,
/// parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, a final byte 0x40–0x7E), the text
/// after it.
fn after_control_sequence(first: char, rest: &str) -> Option<&str> {
    let body = match first {
        '\u{1b}' => rest.strip_prefix('[')?,
        '\u{9b}' => rest,
        _ => return None,
    };
    let body = body.trim_start_matches(|c| ('0'..='?').contains(&c)); // 0x30–0x3F
    let body = body.trim_start_matches(|c| (' '..='/').contains(&c)); // 0x20–0x2F
    let mut tail = body.chars();
    tail.next().filter(|c| ('@'..='~').contains(c)).map(|_| tail.as_str()) // 0x40–0x7E
}

/// Format characters [`clean_label`] removes: bidi controls and invisible marks.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
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

fn is_false(value: &bool) -> bool {
    !*value
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
    /// Shown first in lists (and offered first by quick-copy).
    #[serde(default, skip_serializing_if = "is_false")]
    pub favourite: bool,
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
    /// Shown first in lists (and offered first by quick-copy). Absent from vaults written
    /// before it existed (read as `false`); written only when `true`, so a vault without
    /// favourites is byte-for-byte what earlier builds wrote.
    #[serde(default, skip_serializing_if = "is_false")]
    pub favourite: bool,
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
            favourite: draft.favourite,
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

    /// Secrets live in zeroizing holders, wiped when dropped (the calls only compile while they
    /// are `Zeroizing<…>`), so dropping an account or a locked vault's content wipes them.
    #[test]
    fn secret_holders_are_zeroizing() {
        fn zeroizing<T: Zeroize>(_: &Zeroizing<T>) {}
        let secret = Secret::new(vec![1, 2, 3]);
        zeroizing(&secret.0);
        zeroizing(&SecretString::new("x").0);
        zeroizing(&secret.to_base32());
    }
    use proptest::prelude::*;

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

    /// Review finding (terminal/line injection): labels from URIs kept control and bidi
    /// characters. What `clean_label` removes, keeps and rewrites.
    #[test]
    fn review_clean_label_table() {
        let table = [
            // The reviewer's payload, decoded.
            ("\u{1b}[31mBank\u{1b}[0m", "Bank"),
            ("me\n123456  Evil\u{1b}[2K", "me 123456 Evil"),
            // Line breaks and tabs separate words; other controls vanish.
            ("a\r\nb\tc\u{0b}d\u{0c}e\u{85}f\u{2028}g\u{2029}h", "a b c d e f g h"),
            ("a\u{0}b\u{7}c\u{7f}d\u{80}e\u{9f}f", "abcdef"),
            // A lone or unfinished escape loses only the control character.
            ("a\u{1b}b", "ab"),
            ("x\u{1b}[31", "x[31"),
            ("x\u{1b}[", "x["),
            ("\u{9b}1;2Hx", "x"),
            ("\u{1b}[?25l\u{1b}[1;31;40mx", "x"),
            // Bidi controls and invisible marks.
            ("\u{202e}moc.evil\u{202c}", "moc.evil"),
            ("\u{2066}a\u{2069}\u{2067}b\u{2068}", "ab"),
            ("p\u{200b}a\u{200c}y\u{200d}p\u{200e}a\u{200f}l\u{feff}", "paypal"),
            ("a\u{61c}b\u{2060}c\u{2064}d", "abcd"),
            // Whitespace collapsed and trimmed, including no-break and ideographic spaces.
            ("  ACME \u{a0}\u{3000} Co  ", "ACME Co"),
            ("a \u{200b} b", "a b"),
            ("\n\t \u{200b}", ""),
            // Everything else is kept.
            ("São Paulo: müller@ex.de", "São Paulo: müller@ex.de"),
            ("東京 🔐 Ωμέγα [31m] a:b&c?d%20", "東京 🔐 Ωμέγα [31m] a:b&c?d%20"),
            ("", ""),
        ];
        for (text, want) in table {
            assert_eq!(clean_label(text), want, "{text:?}");
        }
    }

    /// Characters `clean_label` must never let through, listed independently of it.
    fn is_forbidden(c: char) -> bool {
        c.is_control()
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || c == '\u{feff}'
    }

    /// Strings rich in what `clean_label` handles: controls, escapes, bidi and zero-width
    /// characters, whitespace of every kind, and any character at all.
    fn hostile_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any::<char>().prop_map(String::from),
            "[a-z:\\[;0-9 ]{1,3}",
            prop::sample::select(vec![
                "\u{1b}",
                "\u{1b}[",
                "\u{1b}[2K",
                "\u{9b}",
                "\n",
                "\r",
                "\t",
                "\u{7f}",
                "\u{85}",
                "\u{a0}",
                "\u{202a}",
                "\u{202e}",
                "\u{2066}",
                "\u{2069}",
                "\u{200b}",
                "\u{200d}",
                "\u{200f}",
                "\u{feff}",
                "\u{2028}",
                "  ",
            ])
            .prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn clean_label_output_is_one_clean_line(text in hostile_text()) {
            let clean = clean_label(&text);
            prop_assert!(!clean.chars().any(is_forbidden), "{:?}", clean);
            prop_assert!(!clean.chars().any(|c| c.is_whitespace() && c != ' '), "{:?}", clean);
            prop_assert!(!clean.contains("  ") && clean.trim() == clean, "{:?}", clean);
            prop_assert_eq!(clean_label(&clean), clean.clone(), "not idempotent");
        }

        #[test]
        fn clean_label_keeps_ordinary_text(text in "[^\\p{Cc}\\p{Cf}\\s]{1,20}( [^\\p{Cc}\\p{Cf}\\s]{1,20}){0,3}") {
            prop_assert_eq!(clean_label(&text), text);
        }
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::parse("sha256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::parse("SHA-512"), Some(Algorithm::Sha512));
        assert_eq!(Algorithm::parse("md5"), None);
    }
}
