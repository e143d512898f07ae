//! `otpauth://TYPE/LABEL?PARAMETERS` (Google's Key URI format, as real apps read and write it).

use percent_encoding::utf8_percent_encode;
use zeroize::Zeroizing;

use super::{COMPONENT, Query, UriError, percent_decode, shown, strip_scheme};
use crate::account::{AccountDraft, Algorithm, OtpConfig, OtpKind, Secret, clean_label};
use crate::otp::{PERIOD_RANGE, RFC_DIGITS_RANGE, STEAM_DIGITS, STEAM_PERIOD};

pub(crate) const SCHEME: &str = "otpauth://";

const DEFAULT_DIGITS: u8 = 6;
const DEFAULT_PERIOD: u32 = 30;

/// Reads one `otpauth://` URI into an account.
///
/// Accepted the way real apps accept them:
/// * the scheme and the type in any case; whitespace around the URI ignored;
/// * the type `totp`, `hotp`, or `steam` (Aegis, Ente, Proton Authenticator and this app
///   write Steam so); also `totp` with `encoder=steam` (KeePassXC, andOTP, and this app before
///   issue 14);
/// * the secret read by [`Secret::parse_base32`]: any case, spaces, dashes or `=` padding, and
///   any length (trailing bits that make no whole byte dropped, as Google Authenticator does);
/// * the label `Issuer:name`, `Issuer%3Aname` or just `name`, percent-encoded (raw UTF-8 and
///   raw spaces too); the issuer and the name are cleaned with [`clean_label`] (control
///   characters, bidi overrides and zero-width characters removed, line breaks and runs of
///   whitespace made one space, the ends trimmed), so a hostile QR code cannot forge lines or
///   drive a terminal;
/// * the `issuer` parameter wins over the label's prefix; a mismatch is not an error, and the
///   part after the first `:` is the name (unless the label starts with the `issuer` parameter
///   and a `:`, which is then what is stripped, so an issuer may itself contain `:`);
/// * query values form-decoded (`+` is a space), keys in any case, unknown parameters ignored,
///   the first of repeated parameters used;
/// * `algorithm` in any case, with or without a dash (`sha256`, `SHA-256`);
/// * `digits` and `period` missing or not a number: the defaults (6, or 5 for Steam; 30 s);
///   a `period` is ignored for HOTP; for Steam the `algorithm` and the `period` are ignored
///   (always SHA1 and 30 s: Steam accepts no other, so any other value could only give codes
///   Steam rejects).
///
/// Errors: another scheme or type; no or empty secret; a secret with a character outside
/// base32 (named by its position and class); HOTP without a `counter` from 0 to 2^64 - 2
/// (2^64 - 1 has no next code); an unknown algorithm; `digits` that is a number outside 6–10
/// (not 5 for Steam); a TOTP `period` that is a number outside 1–3600.
pub fn parse_otpauth(uri: &str) -> Result<AccountDraft, UriError> {
    let rest = strip_scheme(uri.trim(), SCHEME).ok_or(UriError::NotOtpauth)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (type_name, label) = path.split_once('/').unwrap_or((path, ""));
    let query = Query::parse(query);

    let kind = match type_name.to_ascii_lowercase().as_str() {
        "totp"
            if query
                .get("encoder")
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("steam")) =>
        {
            OtpKind::Steam
        }
        "totp" => OtpKind::Totp,
        "hotp" => OtpKind::Hotp,
        "steam" => OtpKind::Steam,
        _ => return Err(UriError::UnknownType(shown(&percent_decode(type_name)))),
    };

    let secret = query
        .get("secret")
        .filter(|s| !s.trim().is_empty())
        .ok_or(UriError::MissingSecret)?;
    let secret = Secret::parse_base32(&secret).map_err(UriError::InvalidSecret)?;

    let algorithm = match (kind, query.get("algorithm")) {
        (OtpKind::Steam, _) => Algorithm::Sha1,
        (_, Some(name)) if !name.trim().is_empty() => {
            Algorithm::parse(&name).ok_or_else(|| UriError::UnsupportedAlgorithm(shown(name.trim())))?
        }
        _ => Algorithm::Sha1,
    };

    let digits = match number(&query, "digits") {
        None if kind == OtpKind::Steam => STEAM_DIGITS,
        None => DEFAULT_DIGITS,
        Some(d) => {
            let allowed = match kind {
                OtpKind::Steam => STEAM_DIGITS..=STEAM_DIGITS,
                OtpKind::Totp | OtpKind::Hotp => RFC_DIGITS_RANGE,
            };
            match u8::try_from(d) {
                Ok(d) if allowed.contains(&d) => d,
                _ => return Err(UriError::DigitsOutOfRange { kind, digits: d }),
            }
        }
    };

    let period = match (kind, number(&query, "period")) {
        (OtpKind::Steam, _) => STEAM_PERIOD,
        (OtpKind::Hotp, _) | (_, None) => DEFAULT_PERIOD,
        (_, Some(p)) => match u32::try_from(p) {
            Ok(p) if PERIOD_RANGE.contains(&p) => p,
            _ => return Err(UriError::PeriodOutOfRange(p)),
        },
    };

    let counter = match kind {
        OtpKind::Hotp => {
            let text = query
                .get("counter")
                .filter(|c| !c.trim().is_empty())
                .ok_or(UriError::MissingCounter)?;
            match text.trim().parse::<u64>() {
                Ok(counter) if counter < u64::MAX => counter,
                _ => return Err(UriError::InvalidCounter),
            }
        }
        OtpKind::Totp | OtpKind::Steam => 0,
    };

    let issuer_param = query.get("issuer");
    let (issuer, name) = split_label(&percent_decode(label), issuer_param.as_deref().map(String::as_str));

    Ok(AccountDraft {
        issuer,
        name,
        otp: Some(OtpConfig {
            kind,
            secret,
            algorithm,
            digits,
            period,
            counter,
        }),
        ..AccountDraft::default()
    })
}

/// The issuer and the account name of an `otpauth://` URI as far as they can be read, whatever
/// else is wrong with it (so a report can say which entry failed); both split and cleaned as
/// [`parse_otpauth`] does, empty when the text is not an otpauth URI.
pub(crate) fn label_of_uri(uri: &str) -> (String, String) {
    let Some(rest) = strip_scheme(uri.trim(), SCHEME) else {
        return (String::new(), String::new());
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let label = path.split_once('/').map_or("", |(_, label)| label);
    let issuer = Query::parse(query).get("issuer");
    split_label(&percent_decode(label), issuer.as_deref().map(String::as_str))
}

/// The form-decoded value of parameter `key` (lower case) of an `otpauth://` URI, as
/// [`parse_otpauth`] reads parameters: for the ones it ignores, such as Ente's `codeDisplay`.
pub(crate) fn parameter(uri: &str, key: &str) -> Option<Zeroizing<String>> {
    let rest = strip_scheme(uri.trim(), SCHEME)?;
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    Query::parse(query).get(key)
}

/// A parameter that is present and a whole non-negative number; `None` when missing, empty or
/// not a number (the caller then uses the default).
fn number(query: &Query<'_>, key: &str) -> Option<u64> {
    query.get(key).and_then(|v| v.trim().parse::<u64>().ok())
}

/// Splits a decoded label into (issuer, name), preferring an `issuer` parameter that is not
/// empty once cleaned; both parts are cleaned with [`clean_label`].
pub(super) fn split_label(label: &str, issuer_param: Option<&str>) -> (String, String) {
    let param = issuer_param.unwrap_or("");
    let trimmed_param = param.trim();
    let issuer_from_param = clean_label(param);
    if !issuer_from_param.is_empty() {
        // The label starts with the issuer parameter: strip exactly that, so an issuer that
        // itself contains ':' is not cut in two.
        for (text, prefix) in [(label, param), (label.trim_start(), trimmed_param)] {
            if let Some(name) = text.strip_prefix(prefix).and_then(|rest| rest.strip_prefix(':')) {
                return (issuer_from_param, clean_label(name));
            }
        }
    }
    match label.split_once(':') {
        Some((prefix, name)) => {
            let issuer = if issuer_from_param.is_empty() {
                clean_label(prefix)
            } else {
                issuer_from_param
            };
            (issuer, clean_label(name))
        }
        None => (issuer_from_param, clean_label(label)),
    }
}

/// The canonical URI of an account; handle it as a secret (it is zeroized when dropped).
///
/// `otpauth://totp/Issuer:name?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30`:
/// * the label and values percent-encoded (everything but RFC 3986's unreserved characters);
/// * no issuer: the label is the name alone, and no `issuer` parameter (a name containing `:`
///   is then written `:name`, so it is not read back as an issuer prefix);
/// * HOTP: `otpauth://hotp/…&digits=6&counter=N` (no period);
/// * Steam: `otpauth://steam/…&algorithm=SHA1&digits=5&period=30&encoder=steam` (always SHA1,
///   5 characters and 30 s, whatever `otp` holds). The type in the host is what Aegis, Ente
///   and Proton Authenticator write and read: they take the type from the host only, so the
///   `otpauth://totp/…&encoder=steam` this app wrote before (issue 14) showed them a plain
///   5-digit TOTP, wrong codes with no warning. An app that knows no Steam now refuses the URI
///   instead of showing wrong codes. `encoder=steam` is kept for KeePassXC and KeePassDX, which
///   read the encoder parameter; apps that read the host ignore it. Both forms are parsed.
///
/// Parsing cleans the issuer and the name ([`clean_label`]): only a clean label round-trips
/// unchanged.
pub fn to_otpauth(issuer: &str, name: &str, otp: &OtpConfig) -> Zeroizing<String> {
    let encode = |text: &str| utf8_percent_encode(text, COMPONENT).to_string();
    let type_name = match otp.kind {
        OtpKind::Hotp => "hotp",
        OtpKind::Totp => "totp",
        OtpKind::Steam => "steam",
    };
    let label = match (issuer.is_empty(), name.contains(':')) {
        (false, _) => format!("{}:{}", encode(issuer), encode(name)),
        (true, true) => format!(":{}", encode(name)),
        (true, false) => encode(name),
    };
    let mut uri = Zeroizing::new(format!("otpauth://{type_name}/{label}?secret="));
    uri.push_str(&otp.secret.to_base32());
    if !issuer.is_empty() {
        uri.push_str("&issuer=");
        uri.push_str(&encode(issuer));
    }
    let (algorithm, digits) = match otp.kind {
        OtpKind::Steam => (Algorithm::Sha1, STEAM_DIGITS),
        OtpKind::Totp | OtpKind::Hotp => (otp.algorithm, otp.digits),
    };
    uri.push_str(&format!("&algorithm={algorithm}&digits={digits}"));
    match otp.kind {
        OtpKind::Hotp => uri.push_str(&format!("&counter={}", otp.counter)),
        OtpKind::Totp => uri.push_str(&format!("&period={}", otp.period)),
        OtpKind::Steam => uri.push_str(&format!("&period={STEAM_PERIOD}&encoder=steam")),
    }
    uri
}
