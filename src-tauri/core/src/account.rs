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

    /// Decodes base32 the way real apps must (see [`Secret::parse_base32`]); `None` for an
    /// empty, too short or non-base32 input.
    pub fn from_base32(text: &str) -> Option<Secret> {
        Secret::parse_base32(text).ok()
    }

    /// Decodes a base32 secret (RFC 4648 alphabet) as Google Authenticator's decoder and
    /// FreeOTP+ do, which is what every exporting app expects of its readers:
    ///
    /// * letters in any case; spaces, tabs, line breaks, dashes and `=` padding ignored wherever
    ///   they are;
    /// * any length: the 5-bit groups are read in order and every full byte kept, the bits left
    ///   over at the end (fewer than 8) are dropped, whatever their value. Services generate
    ///   secrets as random base32 strings, so lengths that leave a partial group (≡ 1, 3 or 6
    ///   mod 8) are real and must not be refused.
    ///
    /// Errors only for what cannot be a secret: nothing left once spaces and padding are gone,
    /// a single character (5 bits, no whole byte), or a character outside the alphabet, named by
    /// its position and its class, never by itself (it is part of a secret).
    ///
    /// This is the one base32 reader: URIs, imports, `add --secret` and the app's form all call it.
    pub fn parse_base32(text: &str) -> Result<Secret, Base32Error> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8 + 1));
        // At most 7 bits wait in `buffer` between two 5-bit groups, so it never exceeds 12 bits.
        let (mut buffer, mut bits, mut symbols) = (0u32, 0u32, 0usize);
        for (index, c) in text.chars().enumerate() {
            let value = match c {
                ' ' | '\t' | '\n' | '\r' | '-' | '=' => continue,
                'A'..='Z' => u32::from(c) - u32::from('A'),
                'a'..='z' => u32::from(c) - u32::from('a'),
                '2'..='7' => u32::from(c) - u32::from('2') + 26,
                _ => {
                    return Err(Base32Error::InvalidCharacter {
                        position: index + 1,
                        class: CharClass::of(c),
                    });
                }
            };
            symbols += 1;
            buffer = (buffer << 5) | value;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push((buffer >> bits) as u8);
                buffer &= (1 << bits) - 1;
            }
        }
        buffer.zeroize();
        match (symbols, bytes.is_empty()) {
            (0, _) => Err(Base32Error::Empty),
            (_, true) => Err(Base32Error::TooShort),
            _ => Ok(Secret(bytes)),
        }
    }
}

/// Why a text is not a base32 secret ([`Secret::parse_base32`]). Never holds the text or any
/// character of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base32Error {
    /// Nothing but spaces, dashes and padding.
    #[error("the secret is empty")]
    Empty,
    /// One base32 character: 5 bits, not a whole byte.
    #[error("the secret is too short (one base32 character does not make a byte)")]
    TooShort,
    /// A character outside `A–Z`, `a–z`, `2–7` and the ignored separators.
    #[error("character {position} of the secret is {class}: base32 uses only the letters A to Z and the digits 2 to 7")]
    InvalidCharacter {
        /// Its position in the text as given, from 1 (separators counted).
        position: usize,
        /// What kind of character it is.
        class: CharClass,
    },
}

/// The kind of a character that is not base32, for [`Base32Error`]: enough to find and fix it,
/// without quoting a character of a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CharClass {
    /// `0`, `1`, `8` or `9`: often an `O`, an `I` or an `L`, or a hexadecimal or decimal key.
    Digit,
    /// Any other ASCII character: punctuation or a symbol.
    Symbol,
    /// A control character.
    Control,
    /// A character outside ASCII (an accented letter, a no-break space…).
    NonAscii,
}

impl CharClass {
    fn of(c: char) -> CharClass {
        match c {
            '0'..='9' => CharClass::Digit,
            c if c.is_control() => CharClass::Control,
            c if c.is_ascii() => CharClass::Symbol,
            _ => CharClass::NonAscii,
        }
    }
}

impl fmt::Display for CharClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CharClass::Digit => "the digit 0, 1, 8 or 9 (an O, I or L mistyped?)",
            CharClass::Symbol => "a punctuation mark or symbol",
            CharClass::Control => "a control character",
            CharClass::NonAscii => "a character outside ASCII",
        })
    }
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
///   so are the control strings ended by `BEL` or `ST` (`ESC \`): operating system commands
///   (`ESC ]`, as in `ESC]0;title BEL` that sets a terminal's title or `ESC]52;c;… BEL` that
///   writes its clipboard), `DCS`, `SOS`, `PM` and `APC` (`ESC P`, `ESC X`, `ESC ^`, `ESC _`,
///   or their C1 forms);
/// * line breaks and tabs (`\n` `\r` `\t`, vertical tab, form feed, `NEL`, U+2028, U+2029) and
///   every other Unicode whitespace become a space (so `me\n123456` stays two words), then runs
///   of spaces become one space and the ends are trimmed;
/// * every other C0 or C1 control character and `DEL` is removed (a lone `ESC` included, and
///   an unfinished sequence loses only its control characters);
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
    without_sequences(text, |c| {
        if c.is_whitespace() {
            kept.push(' ');
        } else if !c.is_control() && !is_invisible_format(c) {
            kept.push(c);
        }
    });
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Makes a multi-line text from outside (an imported note) safe to show: as [`clean_label`]
/// (sequences removed whole, every other control character, `DEL`, bidi and invisible marks
/// removed), except that a note keeps its lines and its tabs: `\r\n`, `\r`, `NEL`, U+2028 and
/// U+2029 become `\n`, vertical tab and form feed a space, and the spacing is left as it is.
/// The result holds no control character but `\n` and `\t`; cleaning it again changes nothing.
pub fn clean_note(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let text = text.replace("\r\n", "\n");
    without_sequences(&text, |c| match c {
        '\n' | '\t' => kept.push(c),
        '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => kept.push('\n'),
        '\u{0b}' | '\u{0c}' => kept.push(' '),
        c if c.is_control() || is_invisible_format(c) => {}
        c => kept.push(c),
    });
    kept
}

/// Calls `keep` with every character of `text` that is not part of a complete escape sequence
/// (see [`clean_label`]); controls outside a sequence are passed on for the caller to drop.
fn without_sequences(text: &str, mut keep: impl FnMut(char)) {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match after_control_sequence(c, chars.as_str()).or_else(|| after_control_string(c, chars.as_str())) {
            Some(rest) => chars = rest.chars(),
            None => keep(c),
        }
    }
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

/// When `first` and `rest` start a complete ECMA-48 control string (`OSC`, `DCS`, `SOS`, `PM`,
/// `APC`, as `ESC` + `]` `P` `X` `^` `_` or their C1 characters) ended by `ST` (`ESC \` or
/// U+009C) or, as terminals accept, `BEL`: the text after it. An unended string is not one.
fn after_control_string(first: char, rest: &str) -> Option<&str> {
    let body = match first {
        '\u{1b}' => rest.strip_prefix([']', 'P', 'X', '^', '_'])?,
        '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => rest,
        _ => return None,
    };
    let end = body.find(['\u{7}', '\u{9c}', '\u{1b}'])?;
    let tail = &body[end..];
    let mut after = tail.chars();
    match after.next()? {
        '\u{1b}' => tail.get(1..)?.strip_prefix('\\'),
        _ => Some(after.as_str()),
    }
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
    /// Code length: 6–10 for TOTP/HOTP, 5 for Steam.
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

    /// Issue 14 (real export files): secrets whose unpadded length is 1, 3 or 6 mod 8 leave a
    /// partial 5-bit group; they were refused. Every full byte is kept and the leftover bits
    /// dropped, as Google Authenticator's decoder does (expected bytes computed bit by bit in
    /// Python, independently of this decoder).
    #[test]
    fn issue14_base32_with_a_partial_group_drops_the_trailing_bits() {
        // (text, bytes): lengths 3, 6, 7, 9, 11 and 17 (≡ 3, 6, 7, 1, 3 and 1 mod 8).
        let table: [(&str, &[u8]); 6] = [
            ("JBS", &[0x48]),
            ("JBSWY3", &[0x48, 0x65, 0x6c]),
            ("JBSWY3D", &[0x48, 0x65, 0x6c, 0x6c]),
            ("JBSWY3DPE", &[0x48, 0x65, 0x6c, 0x6c, 0x6f]),
            ("JBSWY3DPEHP", &[0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21]),
            // Non-zero trailing bits are dropped, not refused.
            (
                "JBSWY3DPEHPK3PXPZ",
                &[0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xde, 0xad, 0xbe, 0xef],
            ),
        ];
        for (text, want) in table {
            let got = Secret::parse_base32(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got.expose(), want, "{text}");
            let spaced = format!("{} {}==", &text[..2].to_lowercase(), &text[2..]);
            assert_eq!(Secret::parse_base32(&spaced).unwrap().expose(), want, "{spaced}");
        }
        // The length of every 1..=40-character secret decodes to floor(5n / 8) bytes.
        let long = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGH";
        for n in 2..=long.len() {
            assert_eq!(Secret::parse_base32(&long[..n]).unwrap().len(), 5 * n / 8, "{n}");
        }
    }

    /// Issue 14: a refused secret says what is wrong and where, without the character.
    #[test]
    fn issue14_base32_errors_name_the_problem() {
        let table = [
            ("", Base32Error::Empty),
            (" - == ", Base32Error::Empty),
            ("J", Base32Error::TooShort),
            ("j===", Base32Error::TooShort),
            (
                "JBSW0Y3DP",
                Base32Error::InvalidCharacter {
                    position: 5,
                    class: CharClass::Digit,
                },
            ),
            (
                "JBSW Y3D!",
                Base32Error::InvalidCharacter {
                    position: 9,
                    class: CharClass::Symbol,
                },
            ),
            (
                "ÉBSWY3DP",
                Base32Error::InvalidCharacter {
                    position: 1,
                    class: CharClass::NonAscii,
                },
            ),
            (
                "JB\u{0}SW",
                Base32Error::InvalidCharacter {
                    position: 3,
                    class: CharClass::Control,
                },
            ),
        ];
        for (text, want) in table {
            assert_eq!(Secret::parse_base32(text).unwrap_err(), want, "{text:?}");
        }
        let message = Secret::parse_base32("QWERTY9UIOP").unwrap_err().to_string();
        assert_eq!(
            message,
            "character 7 of the secret is the digit 0, 1, 8 or 9 (an O, I or L mistyped?): base32 uses only the letters A to Z and the digits 2 to 7"
        );
        assert!(!message.contains("QWERTY"));
    }

    /// Issue 14 (no terminal escapes from data): operating system commands and the other
    /// control strings are removed whole from labels; notes keep their lines and tabs only.
    #[test]
    fn issue14_control_strings_and_notes() {
        let table = [
            ("\u{1b}]0;title\u{7}Bank", "Bank"),
            ("a\u{1b}]52;c;Zm9v\u{7}b", "ab"),
            ("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\b", "alinkb"),
            ("\u{9d}0;t\u{9c}x\u{1b}P1$r\u{1b}\\y\u{1b}_apc\u{7}z", "xyz"),
            // Unended: only the control characters go.
            ("a\u{1b}]0;title", "a]0;title"),
            ("a\u{1b}]0;t\u{1b}x", "a]0;tx"),
        ];
        for (text, want) in table {
            assert_eq!(clean_label(text), want, "{text:?}");
        }
        let note = "line 1\r\n\tindented \u{1b}[2J\u{1b}]0;t\u{7}\rline 3\u{85}x\u{7f}\u{80}y\u{202e}\u{0b}z";
        assert_eq!(clean_note(note), "line 1\n\tindented \nline 3\nxy z");
        assert_eq!(clean_note(&clean_note(note)), clean_note(note));
        assert_eq!(clean_note("  spaced  out  "), "  spaced  out  ");
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
        fn clean_note_keeps_only_newlines_and_tabs(text in hostile_text()) {
            let clean = clean_note(&text);
            prop_assert!(!clean.chars().any(|c| is_forbidden(c) && c != '\n' && c != '\t'), "{:?}", clean);
            prop_assert_eq!(clean_note(&clean), clean.clone(), "not idempotent");
        }

        #[test]
        fn parse_base32_never_panics_and_keeps_floor_of_five_eighths(text in "[A-Za-z2-7 =-]{0,40}|\\PC{0,20}") {
            let symbols = text.chars().filter(|c| c.is_ascii_alphanumeric()).count();
            match Secret::parse_base32(&text) {
                Ok(secret) => prop_assert_eq!(secret.len(), symbols * 5 / 8),
                Err(_) => prop_assert!(symbols * 5 / 8 == 0 || text.chars().any(|c| !matches!(c, 'A'..='Z' | 'a'..='z' | '2'..='7' | ' ' | '\t' | '\n' | '\r' | '-' | '='))),
            }
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
