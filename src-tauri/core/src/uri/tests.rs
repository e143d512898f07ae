use proptest::prelude::*;

use super::migration::{self, BatchSet, MigrationBatch, Parameters, Payload};
use super::*;
use crate::account::{Algorithm, CharClass, OtpConfig, Secret, clean_label};

/// The secret of Google's Key URI format examples ("Hello!\xDE\xAD\xBE\xEF").
const HELLO: &str = "JBSWY3DPEHPK3PXP";

fn otp(kind: OtpKind, secret: &str, algorithm: Algorithm, digits: u8, period: u32, counter: u64) -> OtpConfig {
    let secret = Secret::from_base32(secret).expect("test secret is base32");
    OtpConfig {
        kind,
        secret,
        algorithm,
        digits,
        period,
        counter,
    }
}

fn draft(issuer: &str, name: &str, otp: OtpConfig) -> AccountDraft {
    AccountDraft {
        issuer: issuer.into(),
        name: name.into(),
        otp: Some(otp),
        ..AccountDraft::default()
    }
}

fn totp(secret: &str) -> OtpConfig {
    otp(OtpKind::Totp, secret, Algorithm::Sha1, 6, 30, 0)
}

#[test]
fn otpauth_quirks_are_read_like_real_apps() {
    let hello = totp(HELLO);
    let table: Vec<(&str, AccountDraft)> = vec![
        // Google's own examples.
        (
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
            draft("Example", "alice@google.com", hello.clone()),
        ),
        (
            "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
            draft(
                "ACME Co",
                "john.doe@email.com",
                totp("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"),
            ),
        ),
        // Secret in lower case, with spaces (raw, %20 and +), dashes and padding.
        (
            "otpauth://totp/a?secret=jbswy3dpehpk3pxp",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSW%20Y3DP%20EHPK%203PXP",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSW+Y3DP+EHPK+3PXP",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP%3D%3D%3D%3D",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP====",
            draft("", "a", hello.clone()),
        ),
        // Scheme and type in any case; whitespace around the URI.
        (
            "  OTPAUTH://TOTP/a?secret=JBSWY3DPEHPK3PXP\n",
            draft("", "a", hello.clone()),
        ),
        // The issuer parameter wins over the label prefix; a mismatch is not an error.
        (
            "otpauth://totp/Google:bob?secret=JBSWY3DPEHPK3PXP&issuer=Google%20Inc",
            draft("Google Inc", "bob", hello.clone()),
        ),
        // Only the parameter, only the prefix.
        (
            "otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&issuer=Acme",
            draft("Acme", "bob", hello.clone()),
        ),
        (
            "otpauth://totp/Acme:bob?secret=JBSWY3DPEHPK3PXP",
            draft("Acme", "bob", hello.clone()),
        ),
        // %3A as the separator, and leading spaces (raw or %20) after it trimmed.
        (
            "otpauth://totp/Acme%3Abob?secret=JBSWY3DPEHPK3PXP",
            draft("Acme", "bob", hello.clone()),
        ),
        (
            "otpauth://totp/Acme:%20%20bob?secret=JBSWY3DPEHPK3PXP",
            draft("Acme", "bob", hello.clone()),
        ),
        (
            "otpauth://totp/Acme: bob?secret=JBSWY3DPEHPK3PXP&issuer=Acme",
            draft("Acme", "bob", hello.clone()),
        ),
        // `+` in the query is a space; `%2B` is a plus; `+` in the label is a plus.
        (
            "otpauth://totp/Air%20Canada:Ben?secret=JBSWY3DPEHPK3PXP&issuer=Air+Canada",
            draft("Air Canada", "Ben", hello.clone()),
        ),
        (
            "otpauth://totp/x:j.doe+2fa@ex.net?secret=JBSWY3DPEHPK3PXP&issuer=C%2B%2B",
            draft("C++", "j.doe+2fa@ex.net", hello.clone()),
        ),
        // Percent-encoded UTF-8, raw UTF-8, raw spaces.
        (
            "otpauth://totp/S%C3%A3o%20Paulo:m%C3%BCller%40ex.de?secret=JBSWY3DPEHPK3PXP",
            draft("São Paulo", "müller@ex.de", hello.clone()),
        ),
        (
            "otpauth://totp/São Paulo:müller?secret=JBSWY3DPEHPK3PXP&issuer=São Paulo",
            draft("São Paulo", "müller", hello.clone()),
        ),
        // An issuer that contains ':' is stripped as a whole.
        (
            "otpauth://totp/A%3AB:n?secret=JBSWY3DPEHPK3PXP&issuer=A%3AB",
            draft("A:B", "n", hello.clone()),
        ),
        // No label at all.
        ("otpauth://totp/?secret=JBSWY3DPEHPK3PXP", draft("", "", hello.clone())),
        ("otpauth://totp?secret=JBSWY3DPEHPK3PXP", draft("", "", hello.clone())),
        // Lower-case algorithm, with a dash; parameter keys in any case; unknown parameters ignored.
        (
            "otpauth://totp/a?SECRET=JBSWY3DPEHPK3PXP&Algorithm=sha-256&digits=8&period=60&image=https%3A%2F%2Fx&foo",
            draft("", "a", otp(OtpKind::Totp, HELLO, Algorithm::Sha256, 8, 60, 0)),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=sha512",
            draft("", "a", otp(OtpKind::Totp, HELLO, Algorithm::Sha512, 6, 30, 0)),
        ),
        // Missing or unparseable digits/period: the defaults.
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=&period=",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=six&period=30s",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=-6&period=-1",
            draft("", "a", hello.clone()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=7&period=20",
            draft("", "a", otp(OtpKind::Totp, HELLO, Algorithm::Sha1, 7, 20, 0)),
        ),
        // The first of repeated parameters wins.
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=8&digits=6",
            draft("", "a", otp(OtpKind::Totp, HELLO, Algorithm::Sha1, 8, 30, 0)),
        ),
        // HOTP: counter required, period ignored (even an invalid one).
        (
            "otpauth://hotp/Issuu:James?secret=JBSWY3DPEHPK3PXP&issuer=Issuu&counter=10300&period=0",
            draft(
                "Issuu",
                "James",
                otp(OtpKind::Hotp, HELLO, Algorithm::Sha1, 6, 30, 10300),
            ),
        ),
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=%2018446744073709551614",
            draft("", "a", otp(OtpKind::Hotp, HELLO, Algorithm::Sha1, 6, 30, u64::MAX - 1)),
        ),
        // Steam: its own type, or totp with encoder=steam; always SHA1, 5 characters.
        (
            "otpauth://steam/Steam:me?secret=JBSWY3DPEHPK3PXP&issuer=Steam",
            draft("Steam", "me", otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 30, 0)),
        ),
        (
            "otpauth://totp/Steam:me?secret=JBSWY3DPEHPK3PXP&encoder=Steam&digits=5",
            draft("Steam", "me", otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 30, 0)),
        ),
        (
            "otpauth://steam/me?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=5&period=30",
            draft("", "me", otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 30, 0)),
        ),
        // encoder=steam only means something for totp.
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=1&encoder=steam",
            draft("", "a", otp(OtpKind::Hotp, HELLO, Algorithm::Sha1, 6, 30, 1)),
        ),
    ];
    for (uri, want) in table {
        assert_eq!(parse_otpauth(uri).as_ref(), Ok(&want), "{uri}");
        assert_eq!(parse(uri), Ok(vec![want]), "{uri}");
    }
}

/// Review finding: `counter=18446744073709551615` (`u64::MAX`) was accepted, although no code can
/// follow it (the stored counter could never advance).
#[test]
fn review_otpauth_rejects_the_last_hotp_counter() {
    for counter in ["18446744073709551615", "%2018446744073709551615"] {
        let uri = format!("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter={counter}");
        assert_eq!(parse_otpauth(&uri), Err(UriError::InvalidCounter), "{uri}");
    }
    let message = UriError::InvalidCounter.to_string();
    assert!(message.contains("18446744073709551614"), "{message}");
    let last = parse_otpauth("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551614").unwrap();
    assert_eq!(last.otp.map(|o| o.counter), Some(u64::MAX - 1));
}

/// Review finding: a Steam URI with `period=60` gave a Steam account with a 60 s period, whose
/// codes Steam never accepts. Steam's period is a property of Steam, not of the URI: like the
/// algorithm, it is ignored and always 30 s (see `parse_otpauth`); `to_otpauth` always writes 30.
#[test]
fn review_otpauth_steam_period_is_always_30() {
    for uri in [
        "otpauth://steam/S:me?secret=JBSWY3DPEHPK3PXP&period=60",
        "otpauth://totp/S:me?secret=JBSWY3DPEHPK3PXP&encoder=steam&period=60",
        "otpauth://steam/S:me?secret=JBSWY3DPEHPK3PXP&period=0",
        "otpauth://steam/S:me?secret=JBSWY3DPEHPK3PXP&period=99999999999",
    ] {
        let got = parse_otpauth(uri).expect(uri);
        let otp = got.otp.expect("a Steam account has an OTP configuration");
        assert_eq!((otp.kind, otp.period), (OtpKind::Steam, 30), "{uri}");
        assert_eq!(crate::otp::validate(&otp), Ok(()), "{uri}");
    }
    let mut odd = otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 60, 0);
    assert!(to_otpauth("S", "me", &odd).contains("&period=30&"));
    odd.period = 30;
    assert_eq!(parse_otpauth(&to_otpauth("S", "me", &odd)), Ok(draft("S", "me", odd)));
}

/// Review finding (terminal/line injection): a percent-decoded issuer or name kept control
/// characters, so a hostile QR code could forge lines (`%0A`) or recolour and erase a terminal
/// (`ESC [`) wherever the label is printed.
#[test]
fn review_otpauth_labels_carry_no_control_characters() {
    let uri = "otpauth://totp/Bank:me%0A123456%20%20Evil%1B%5B2K?secret=JBSWY3DPEHPK3PXP&issuer=%1B%5B31mBank%1B%5B0m";
    let got = parse_otpauth(uri).unwrap();
    assert_eq!((got.issuer.as_str(), got.name.as_str()), ("Bank", "me 123456 Evil"));
    // Bidi overrides and isolates, zero-width characters, C1 controls, tabs and CR.
    let uri =
        "otpauth://totp/%E2%80%AEkcaB%E2%80%AC:%E2%81%A6x%E2%81%A9%E2%80%8B%C2%9Dy%09%0D%0Az?secret=JBSWY3DPEHPK3PXP";
    let got = parse_otpauth(uri).unwrap();
    assert_eq!((got.issuer.as_str(), got.name.as_str()), ("kcaB", "xy z"));
}

/// Review finding (terminal/line injection), Google Authenticator exports: the protobuf's issuer
/// and name were kept as they came, control characters included.
#[test]
fn review_migration_labels_carry_no_control_characters() {
    let uri = migration_uri(vec![
        entry(
            "\u{1b}[31mBank\u{1b}[0m:me\n123456",
            "\u{1b}[31mBank\u{1b}[0m",
            1,
            1,
            2,
            0,
        ),
        entry("a\r\n\u{202e}b", "\u{feff}I\u{7f}", 1, 1, 2, 0),
    ]);
    let names: Vec<(String, String)> = parse(&uri).unwrap().into_iter().map(|d| (d.issuer, d.name)).collect();
    assert_eq!(names, [("Bank".into(), "me 123456".into()), ("I".into(), "a b".into())]);
}

#[test]
fn otpauth_errors_name_the_problem() {
    use UriError::*;
    let table: Vec<(&str, UriError)> = vec![
        ("https://example.com/?secret=JBSWY3DPEHPK3PXP", NotOtpauth),
        ("otpauth:/totp/a?secret=JBSWY3DPEHPK3PXP", NotOtpauth),
        ("", NotOtpauth),
        ("otpauth://motp/a?secret=JBSWY3DPEHPK3PXP", UnknownType("motp".into())),
        ("otpauth://totp/a", MissingSecret),
        ("otpauth://totp/a?secret=", MissingSecret),
        ("otpauth://totp/a?secret=%20%20", MissingSecret),
        (
            "otpauth://totp/a?secret=JBSWY3DP1!",
            InvalidSecret(Base32Error::InvalidCharacter {
                position: 9,
                class: CharClass::Digit,
            }),
        ),
        ("otpauth://totp/a?secret====", InvalidSecret(Base32Error::Empty)),
        ("otpauth://totp/a?secret=J", InvalidSecret(Base32Error::TooShort)),
        ("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP", MissingCounter),
        ("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=", MissingCounter),
        ("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=-1", InvalidCounter),
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551616",
            InvalidCounter,
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
            UnsupportedAlgorithm("MD5".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=5",
            DigitsOutOfRange {
                kind: OtpKind::Totp,
                digits: 5,
            },
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=11",
            DigitsOutOfRange {
                kind: OtpKind::Totp,
                digits: 11,
            },
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=0",
            DigitsOutOfRange {
                kind: OtpKind::Totp,
                digits: 0,
            },
        ),
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=1&digits=11",
            DigitsOutOfRange {
                kind: OtpKind::Hotp,
                digits: 11,
            },
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=262",
            DigitsOutOfRange {
                kind: OtpKind::Totp,
                digits: 262,
            },
        ),
        (
            "otpauth://steam/a?secret=JBSWY3DPEHPK3PXP&digits=6",
            DigitsOutOfRange {
                kind: OtpKind::Steam,
                digits: 6,
            },
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&encoder=steam&digits=6",
            DigitsOutOfRange {
                kind: OtpKind::Steam,
                digits: 6,
            },
        ),
        ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0", PeriodOutOfRange(0)),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=3601",
            PeriodOutOfRange(3601),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=99999999999",
            PeriodOutOfRange(99_999_999_999),
        ),
    ];
    for (uri, want) in table {
        assert_eq!(parse_otpauth(uri), Err(want.clone()), "{uri}");
        assert_eq!(parse(uri), Err(want), "{uri}");
    }
    assert_eq!(
        UriError::DigitsOutOfRange {
            kind: OtpKind::Steam,
            digits: 6
        }
        .to_string(),
        "steam codes must have 5 digits, not 6"
    );
}

#[test]
fn quoted_values_are_short_and_printable() {
    let long = format!("otpauth://{}/a?secret=JBSWY3DPEHPK3PXP", "x".repeat(500));
    let Err(UriError::UnknownType(shown)) = parse_otpauth(&long) else {
        panic!("expected UnknownType")
    };
    assert_eq!(shown, "<500 characters>");
    let Err(UriError::UnsupportedAlgorithm(shown)) =
        parse_otpauth("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=a%0Ab")
    else {
        panic!("expected UnsupportedAlgorithm")
    };
    assert_eq!(shown, "ab");
}

#[test]
fn errors_never_contain_the_secret() {
    let secret = "ZURMBVWWEBSZRRR2DJHMO3XGAT67KCCK";
    let uris = [
        format!("otpauth://totp/a?secret={secret}&digits=4"),
        format!("otpauth://hotp/a?secret={secret}"),
        format!("otpauth://{secret}/a?secret={secret}"),
        format!("otpauth://totp/a?secret={secret}!"),
        format!("otpauth://totp/a?secret={secret}&algorithm={secret}"),
        format!("otpauth://totp/a?secret={secret}&algorithm={}", &secret[..13]),
        format!("otpauth-migration://offline?data={secret}!"),
    ];
    for uri in uris {
        let err = parse(&uri).expect_err(&uri);
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(&secret[..8]), "{text}");
        }
    }
}

#[test]
fn canonical_formatting() {
    let table = [
        (
            draft(
                "ACME Co",
                "john.doe@email.com",
                totp("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"),
            ),
            "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
        ),
        (
            draft("", "alice", otp(OtpKind::Totp, HELLO, Algorithm::Sha512, 8, 60, 0)),
            "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA512&digits=8&period=60",
        ),
        (
            draft("", "a:b", totp(HELLO)),
            "otpauth://totp/:a%3Ab?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30",
        ),
        (
            draft(
                "Q&A #1",
                "x+y=z?%",
                otp(OtpKind::Hotp, HELLO, Algorithm::Sha256, 7, 30, 42),
            ),
            "otpauth://hotp/Q%26A%20%231:x%2By%3Dz%3F%25?secret=JBSWY3DPEHPK3PXP&issuer=Q%26A%20%231&algorithm=SHA256&digits=7&counter=42",
        ),
        (
            draft("Steam", "me", otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 30, 0)),
            "otpauth://steam/Steam:me?secret=JBSWY3DPEHPK3PXP&issuer=Steam&algorithm=SHA1&digits=5&period=30&encoder=steam",
        ),
        (
            draft("", "ten", otp(OtpKind::Totp, HELLO, Algorithm::Sha1, 10, 30, 0)),
            "otpauth://totp/ten?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=10&period=30",
        ),
    ];
    for (d, want) in table {
        let otp = d.otp.as_ref().unwrap();
        let uri = to_otpauth(&d.issuer, &d.name, otp);
        assert_eq!(uri.as_str(), want);
        assert_eq!(parse_otpauth(&uri), Ok(d));
    }
}

/// Issue 14 (real export files): Steam accounts were written `otpauth://totp/…&encoder=steam`,
/// which Aegis, Ente and Proton Authenticator read as a plain 5-digit TOTP (wrong codes). They
/// are written `otpauth://steam/…` now, and both forms are still read.
#[test]
fn issue14_steam_is_written_with_the_steam_type_and_both_forms_are_read() {
    let steam = draft("Steam", "me", otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 30, 0));
    let uri = to_otpauth(&steam.issuer, &steam.name, steam.otp.as_ref().unwrap());
    assert!(uri.starts_with("otpauth://steam/Steam:me?"), "{}", uri.as_str());
    assert!(!uri.starts_with("otpauth://totp/"));
    // What Aegis writes (type from the host) and what this app wrote before.
    for text in [
        uri.as_str(),
        "otpauth://steam/Steam:me?secret=JBSWY3DPEHPK3PXP&issuer=Steam&digits=5&period=30&algorithm=SHA1",
        "otpauth://totp/Steam:me?secret=JBSWY3DPEHPK3PXP&issuer=Steam&algorithm=SHA1&digits=5&period=30&encoder=steam",
    ] {
        assert_eq!(parse_otpauth(text).as_ref(), Ok(&steam), "{text}");
    }
}

/// Issue 14: 9- and 10-digit accounts (Aegis accepts up to 10) and secrets whose length leaves a
/// partial base32 group are read from URIs.
#[test]
fn issue14_uris_with_ten_digits_and_partial_base32_groups() {
    for digits in [9u64, 10] {
        for kind in ["totp", "hotp"] {
            let uri = format!("otpauth://{kind}/a?secret=JBSWY3DPEHPK3PXP&digits={digits}&counter=3");
            let d = parse_otpauth(&uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
            assert_eq!(u64::from(d.otp.unwrap().digits), digits);
        }
    }
    // 29 characters (≡ 5 mod 8 is fine already), 30 (≡ 6), 27 (≡ 3), 25 (≡ 1).
    for len in [25, 27, 30] {
        let secret = &"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"[..len];
        let d = parse_otpauth(&format!("otpauth://totp/a?secret={secret}")).unwrap();
        assert_eq!(d.otp.unwrap().secret.len(), len * 5 / 8, "{len}");
    }
    let err = parse_otpauth("otpauth://totp/a?secret=JBSWY3DPEHPK3PX8").unwrap_err();
    assert_eq!(
        err.to_string(),
        "character 16 of the secret is the digit 0, 1, 8 or 9 (an O, I or L mistyped?): base32 uses only the letters A to Z and the digits 2 to 7"
    );
}

// ---------------------------------------------------------------------------------------------
// Google Authenticator migration

/// Real exports published by scito/extract_otp_secrets (`example_export.txt`), which states what
/// each holds: the Raspberry Pi blog's secret 7KSQL2JTUDIS5EF65KLMRQIIGY.
const SCITO_TOTP: &str = "otpauth-migration://offline?data=CjUKEPqlBekzoNEukL7qlsjBCDYSDnBpQHJhc3BiZXJyeXBpGgtyYXNwYmVycnlwaSABKAEwAhABGAEgACjr4JKK%2B%2F%2F%2F%2F%2F8B";
const SCITO_TWO: &str = "otpauth-migration://offline?data=CigKEPqlBekzoNEukL7qlsjBCDYSDnBpQHJhc3BiZXJyeXBpIAEoATACCjUKEPqlBekzoNEukL7qlsjBCDYSDnBpQHJhc3BiZXJyeXBpGgtyYXNwYmVycnlwaSABKAEwAhABGAEgACiQ7OOa%2Bf%2F%2F%2F%2F8B";
const SCITO_HOTP: &str = "otpauth-migration://offline?data=CiUKEPqlBekzoNEukL7qlsjBCDYSCWhvdHAgZGVtbyABKAEwATgEEAEYASAAKNuv15j6%2F%2F%2F%2F%2FwE%3D";
const SCITO_UNICODE: &str = "otpauth-migration://offline?data=CjYKEPqlBekzoNEukL7qlsjBCDYSHGVuY29kaW5nOiDCv8Okw4TDqcOJPyAoZGVtbykgASgBMAIQARgBIAAorfCurv%2F%2F%2F%2F%2F%2FAQ%3D%3D";
/// From johncallahan/otpauth_migration (`example/otpauth_migration_example.dart`): four accounts
/// whose names carry Google's `Issuer:` prefix; raw `+` `/` and `=` padding, not percent-encoded.
const CALLAHAN: &str = "otpauth-migration://offline?data=Cj8KFGnEpnTMQ7KDguNWnddyGyCbSVLaEhhBQ01FIENvOmpvaG5AZXhhbXBsZS5jb20aB0FDTUUgQ28gASgBMAIKRAoUXkj+5MY2arwKjsnH2aDsbm6TAlYSG0JldGEgTHRkLjpob21lckBleGFtcGxlLmNvbRoJQmV0YSBMdGQuIAEoATACCkgKFDDFyzUNPgYoI3q/KGHBdcNU9ptWEh1DYXRzICYgRG9nczptYXJnZUBleGFtcGxlLmNvbRoLQ2F0cyAmIERvZ3MgASgBMAIKSAoUunHzbm5h/LUO0yilLMI+dYZY1eISHURhaWx5IEJ1Z2xlOnBldGVyQGV4YW1wbGUuY29tGgtEYWlseSBCdWdsZSABKAEwAhABGAEgACjDnb+uAg==";
const PI: &str = "7KSQL2JTUDIS5EF65KLMRQIIGY";

#[test]
fn real_google_authenticator_exports() {
    let batch = migration::decode(SCITO_TOTP).unwrap();
    assert_eq!(batch.accounts, vec![draft("raspberrypi", "pi@raspberrypi", totp(PI))]);
    assert_eq!((batch.version, batch.batch_size, batch.batch_index), (1, 1, 0));
    // A negative int32 on the wire is a 10-byte varint; value checked with an independent decoder.
    assert_eq!(batch.batch_id, -1320898453);
    assert!(batch.skipped.is_empty());

    let two = migration::decode(SCITO_TWO).unwrap().accounts;
    assert_eq!(
        two,
        vec![
            draft("", "pi@raspberrypi", totp(PI)),
            draft("raspberrypi", "pi@raspberrypi", totp(PI))
        ]
    );

    let hotp = parse(SCITO_HOTP).unwrap();
    assert_eq!(
        hotp,
        vec![draft(
            "",
            "hotp demo",
            otp(OtpKind::Hotp, PI, Algorithm::Sha1, 6, 30, 4)
        )]
    );

    // No issuer: a name `Issuer:account` is split as an otpauth label is (issue 14; it was
    // kept whole).
    let unicode = parse(SCITO_UNICODE).unwrap();
    assert_eq!(unicode, vec![draft("encoding", "¿äÄéÉ? (demo)", totp(PI))]);

    let callahan = migration::decode(CALLAHAN).unwrap();
    let names: Vec<(&str, &str)> = callahan
        .accounts
        .iter()
        .map(|a| (a.issuer.as_str(), a.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("ACME Co", "john@example.com"),
            ("Beta Ltd.", "homer@example.com"),
            ("Cats & Dogs", "marge@example.com"),
            ("Daily Bugle", "peter@example.com"),
        ]
    );
    assert!(
        callahan
            .accounts
            .iter()
            .all(|a| a.otp.as_ref().is_some_and(|o| o.secret.len() == 20))
    );
}

#[test]
fn migration_data_in_every_encoding_real_tools_produce() {
    let want = migration::decode(SCITO_TWO).unwrap();
    let data = SCITO_TWO.split_once("data=").unwrap().1;
    let raw = percent_encoding::percent_decode_str(data)
        .decode_utf8()
        .unwrap()
        .into_owned();
    assert!(raw.contains('+') && raw.contains('/'));
    let variants = [
        format!("otpauth-migration://offline?data={raw}"), // raw + and /
        format!("otpauth-migration://offline?data={}", raw.trim_end_matches('=')), // no padding
        format!("otpauth-migration://offline?data={}", raw.replace('+', " ")), // form-decoded +
        format!(
            "otpauth-migration://offline?data={}",
            raw.replace('+', "-").replace('/', "_")
        ), // URL-safe
        format!("otpauth-migration://offline?data={}", data.replace("%2B", "%2b")), // lower-case escapes
        format!("OTPAUTH-MIGRATION://offline?foo=1&DATA={data}&data=AAAA\n"),
    ];
    for uri in variants {
        assert_eq!(migration::decode(&uri).as_ref(), Ok(&want), "{uri}");
    }
}

fn entry(name: &str, issuer: &str, algorithm: i32, digits: i32, r#type: i32, counter: i64) -> Parameters {
    Parameters {
        secret: b"12345678901234567890".to_vec(),
        name: name.as_bytes().to_vec(),
        issuer: issuer.as_bytes().to_vec(),
        algorithm,
        digits,
        r#type,
        counter,
    }
}

fn migration_uri(entries: Vec<Parameters>) -> String {
    migration_uri_in_batch(entries, 1, 0, 7)
}

/// A migration URI with the given batch fields (zeros are left out of the protobuf, as by an
/// exporter that does not write them).
fn migration_uri_in_batch(entries: Vec<Parameters>, batch_size: i32, batch_index: i32, batch_id: i32) -> String {
    use prost::Message;
    let payload = Payload {
        otp_parameters: entries,
        version: 1,
        batch_size,
        batch_index,
        batch_id,
    };
    let data = data_encoding::BASE64.encode(&payload.encode_to_vec());
    format!(
        "otpauth-migration://offline?data={}",
        percent_encoding::utf8_percent_encode(&data, COMPONENT)
    )
}

#[test]
fn migration_enums_and_unreadable_entries() {
    use UriError::*;
    let secret = Secret::new(b"12345678901234567890".to_vec());
    let ok = |kind, algorithm, digits, counter| OtpConfig {
        kind,
        secret: secret.clone(),
        algorithm,
        digits,
        period: 30,
        counter,
    };
    // (entry, expected account or error)
    let table: Vec<(Parameters, Result<AccountDraft, UriError>)> = vec![
        (
            entry("n", "", 0, 0, 0, 0),
            Ok(draft("", "n", ok(OtpKind::Totp, Algorithm::Sha1, 6, 0))),
        ),
        (
            entry("n", "", 1, 1, 2, 9),
            Ok(draft("", "n", ok(OtpKind::Totp, Algorithm::Sha1, 6, 0))),
        ),
        (
            entry("n", "", 2, 2, 2, 0),
            Ok(draft("", "n", ok(OtpKind::Totp, Algorithm::Sha256, 8, 0))),
        ),
        (
            entry("n", "", 3, 1, 1, 77),
            Ok(draft("", "n", ok(OtpKind::Hotp, Algorithm::Sha512, 6, 77))),
        ),
        (
            entry("I:n", "I", 1, 1, 2, 0),
            Ok(draft("I", "n", ok(OtpKind::Totp, Algorithm::Sha1, 6, 0))),
        ),
        (
            entry("I: n", "I", 1, 1, 2, 0),
            Ok(draft("I", "n", ok(OtpKind::Totp, Algorithm::Sha1, 6, 0))),
        ),
        // The prefix is stripped only when it is the issuer.
        (
            entry("J:n", "I", 1, 1, 2, 0),
            Ok(draft("I", "J:n", ok(OtpKind::Totp, Algorithm::Sha1, 6, 0))),
        ),
        (entry("n", "", 4, 1, 2, 0), Err(UnsupportedAlgorithm("MD5".into()))),
        (
            entry("n", "", 5, 1, 2, 0),
            Err(UnsupportedMigrationValue {
                field: "algorithm",
                value: 5,
            }),
        ),
        (
            entry("n", "", 1, 3, 2, 0),
            Err(UnsupportedMigrationValue {
                field: "digits",
                value: 3,
            }),
        ),
        (
            entry("n", "", 1, 1, 3, 0),
            Err(UnsupportedMigrationValue {
                field: "type",
                value: 3,
            }),
        ),
        (
            entry("n", "", 1, 1, 1, -5),
            Err(UnsupportedMigrationValue {
                field: "counter",
                value: -5,
            }),
        ),
        (
            {
                let mut e = entry("n", "", 1, 1, 2, 0);
                e.secret.clear();
                e
            },
            Err(MissingSecret),
        ),
    ];
    for (e, want) in table {
        let got = migration::decode(&migration_uri(vec![e])).map(|b| b.accounts.into_iter().next().unwrap());
        assert_eq!(got, want);
    }
}

/// Issue 14 (real export files): an entry whose `name` is `Issuer:account` with an empty
/// `issuer` was not split, though the same label in an `otpauth://` URI is. Both read the same
/// now, through the same function; a name holding `:` without an issuer still round-trips.
#[test]
fn issue14_migration_names_split_as_otpauth_labels() {
    for (name, issuer) in [
        ("GitHub:alice", ""),
        ("GitHub: alice", ""),
        ("  GitHub :alice@example.com", ""),
        (":a:b", ""),
        ("GitHub:alice", "GitHub"),
        ("plain", ""),
    ] {
        let from_google = migration::decode(&migration_uri(vec![entry(name, issuer, 1, 1, 2, 0)]))
            .unwrap()
            .accounts
            .remove(0);
        let label = percent_encoding::utf8_percent_encode(name, COMPONENT);
        let issuer_param = percent_encoding::utf8_percent_encode(issuer, COMPONENT);
        let from_uri = parse_otpauth(&format!("otpauth://totp/{label}?secret={PI}&issuer={issuer_param}")).unwrap();
        assert_eq!(
            (from_google.issuer.as_str(), from_google.name.as_str()),
            (from_uri.issuer.as_str(), from_uri.name.as_str()),
            "{name:?} / {issuer:?}"
        );
    }
    let split = migration::decode(&migration_uri(vec![entry("GitHub:alice", "", 1, 1, 2, 0)])).unwrap();
    assert_eq!(
        (split.accounts[0].issuer.as_str(), split.accounts[0].name.as_str()),
        ("GitHub", "alice")
    );
    // Our own export writes an issuer-less name with ':' as ':name', so it reads back whole.
    let odd = draft("", "a:b", totp(PI));
    let uris = migration::encode(std::slice::from_ref(&odd), 10, 3);
    assert_eq!(migration::decode(&uris[0]).unwrap().accounts, vec![odd]);
}

#[test]
fn one_bad_entry_does_not_sink_the_batch() {
    let uri = migration_uri(vec![
        entry("md5", "", 4, 1, 2, 0),
        entry("good", "", 1, 1, 2, 0),
        entry("bad", "", 1, 9, 2, 0),
    ]);
    let batch = migration::decode(&uri).unwrap();
    assert_eq!(
        batch.accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["good"]
    );
    let skipped: Vec<(usize, UriError)> = batch.skipped.into_iter().map(|s| (s.index, s.error)).collect();
    assert_eq!(
        skipped,
        [
            (0, UriError::UnsupportedAlgorithm("MD5".into())),
            (
                2,
                UriError::UnsupportedMigrationValue {
                    field: "digits",
                    value: 9
                }
            )
        ]
    );
    assert_eq!(parse(&uri).unwrap().len(), 1);
    // Nothing readable: the first entry's error.
    let all_bad = migration_uri(vec![entry("md5", "", 4, 1, 2, 0), entry("bad", "", 1, 9, 2, 0)]);
    assert_eq!(parse(&all_bad), Err(UriError::UnsupportedAlgorithm("MD5".into())));
}

#[test]
fn invalid_migration_payloads() {
    use MigrationProblem::*;
    let table = [
        ("otpauth-migration://offline", MissingData),
        ("otpauth-migration://offline?data=", MissingData),
        ("otpauth-migration://offline?dat=CjUK", MissingData),
        ("otpauth-migration://offline?data=%%%", NotBase64),
        ("otpauth-migration://offline?data=Cj!UK", NotBase64),
        ("otpauth-migration://offline?data=CgUK", NotProtobuf), // a 5-byte message, 2 bytes given
        ("otpauth-migration://offline?data=EAEYASAA", NoAccounts), // only version/size/index
    ];
    for (uri, problem) in table {
        assert_eq!(parse(uri), Err(UriError::InvalidMigrationData(problem)), "{uri}");
    }
    assert_eq!(
        migration::decode("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP"),
        Err(UriError::NotOtpauth)
    );
}

#[test]
fn encode_splits_into_batches_and_skips_what_it_cannot_carry() {
    let accounts: Vec<AccountDraft> = (0..7)
        .map(|i| {
            draft(
                "Acme",
                &format!("user{i}"),
                otp(OtpKind::Totp, HELLO, Algorithm::Sha1, 6, 30, 0),
            )
        })
        .collect();
    let mut with_odd = accounts.clone();
    let odd = [
        draft("", "steam", otp(OtpKind::Steam, HELLO, Algorithm::Sha1, 5, 30, 0)),
        draft("", "seven", otp(OtpKind::Totp, HELLO, Algorithm::Sha1, 7, 30, 0)),
        draft("", "sixty", otp(OtpKind::Totp, HELLO, Algorithm::Sha1, 6, 60, 0)),
        draft(
            "",
            "huge counter",
            otp(OtpKind::Hotp, HELLO, Algorithm::Sha1, 6, 30, u64::MAX),
        ),
        AccountDraft {
            name: "recovery codes only".into(),
            ..AccountDraft::default()
        },
    ];
    for d in &odd {
        assert!(!migration::can_encode(d), "{}", d.name);
    }
    with_odd.splice(3..3, odd);
    let uris = migration::encode(&with_odd, 3, -42);
    assert_eq!(uris.len(), 3);
    let mut set = BatchSet::new();
    for (i, uri) in uris.iter().enumerate() {
        let batch = migration::decode(uri).unwrap();
        assert_eq!(
            (batch.batch_size, batch.batch_index, batch.batch_id, batch.version),
            (3, i as i32, -42, 1)
        );
        assert!(batch.accounts.len() <= 3);
        set.add(batch);
    }
    assert!(set.is_complete());
    assert_eq!(set.accounts(), accounts);
    assert_eq!(migration::encode(&[], 10, 1).len(), 0);
    assert_eq!(migration::encode(&accounts, 0, 1).len(), 7, "0 per batch counts as 1");
}

#[test]
fn batch_set_tracks_missing_batches() {
    let accounts: Vec<AccountDraft> = (0..5)
        .map(|i| {
            draft(
                "",
                &format!("u{i}"),
                otp(OtpKind::Hotp, HELLO, Algorithm::Sha1, 8, 30, i),
            )
        })
        .collect();
    let first: Vec<MigrationBatch> = migration::encode(&accounts, 2, 1)
        .iter()
        .map(|u| migration::decode(u).unwrap())
        .collect();
    let second: Vec<MigrationBatch> = migration::encode(&accounts[..1], 2, 2)
        .iter()
        .map(|u| migration::decode(u).unwrap())
        .collect();
    assert_eq!((first.len(), second.len()), (3, 1));

    let mut set = BatchSet::new();
    assert!(!set.is_complete());
    assert_eq!(set.missing(), vec![]);
    set.add(first[2].clone());
    assert_eq!(set.missing(), vec![(1, vec![0, 1])]);
    set.add(second[0].clone());
    set.add(first[0].clone());
    set.add(first[0].clone()); // scanned twice: no duplicate
    assert_eq!(set.missing(), vec![(1, vec![1])]);
    assert!(!set.is_complete());
    set.add(first[1].clone());
    assert!(set.is_complete());
    let mut want = accounts.clone();
    want.push(accounts[0].clone());
    assert_eq!(set.accounts(), want);

    // A hostile batch_size is capped.
    let mut hostile = first[0].clone();
    hostile.batch_id = 9;
    hostile.batch_size = i32::MAX;
    let mut set = BatchSet::new();
    set.add(hostile);
    assert_eq!(set.missing()[0].1.len(), migration::MAX_BATCH_SIZE as usize - 1);
}

/// Review finding (data loss): `BatchSet::add` replaced a batch at an already-filled index, so two
/// different single-URI exports with the same `batch_id` and `batch_index` (both 0, the protobuf
/// default that exporters which omit those fields produce) kept only the last one's accounts.
#[test]
fn review_batch_set_keeps_every_single_uri_export() {
    let decode = |entries, size| migration::decode(&migration_uri_in_batch(entries, size, 0, 0)).unwrap();
    // Fields omitted (size 0) and written (size 1): both are single-URI exports.
    let a = decode(vec![entry("alice", "A", 1, 1, 2, 0), entry("ann", "A", 1, 1, 2, 0)], 0);
    let b = decode(vec![entry("bob", "B", 1, 1, 2, 0)], 0);
    let c = decode(vec![entry("carol", "C", 1, 2, 1, 5)], 1);
    assert_eq!((a.batch_size, a.batch_index, a.batch_id), (0, 0, 0));
    assert_eq!((c.batch_size, c.batch_index, c.batch_id), (1, 0, 0));

    let mut set = BatchSet::new();
    set.add(a.clone());
    set.add(b.clone());
    set.add(a.clone()); // scanned again: a rescan, not a new export
    set.add(c.clone());
    let mut want = a.accounts.clone();
    want.extend(b.accounts.clone());
    want.extend(c.accounts.clone());
    assert_eq!(set.accounts(), want);
    assert!(set.is_complete());
    assert_eq!(set.missing(), vec![]);
    assert_eq!(set.conflicts(), vec![], "single-URI exports never conflict");
}

/// Issue 14: two multi-URI exports without a `batch_id` (0) were merged into one, so their
/// parts conflicted and their missing parts were reported as one export's. They are kept apart
/// (by size, and by a filled index holding other accounts) and each names its own missing parts.
#[test]
fn issue14_exports_without_a_batch_id_are_told_apart() {
    let accounts = |prefix: &str, n: usize| -> Vec<AccountDraft> {
        (0..n)
            .map(|i| draft("X", &format!("{prefix}{i}"), totp(HELLO)))
            .collect()
    };
    let batches = |accounts: &[AccountDraft]| -> Vec<MigrationBatch> {
        migration::encode(accounts, 2, 0)
            .iter()
            .map(|u| migration::decode(u).unwrap())
            .collect()
    };
    // Export X: 3 parts; export Y: 3 parts; export Z: 2 parts. None has an id.
    let (x, y, z) = (
        batches(&accounts("x", 6)),
        batches(&accounts("y", 6)),
        batches(&accounts("z", 4)),
    );
    assert_eq!((x.len(), y.len(), z.len(), x[0].batch_id), (3, 3, 2, 0));

    let mut set = BatchSet::new();
    for batch in [&x[0], &y[0], &x[1], &z[1], &y[0], &x[2]] {
        set.add(batch.clone());
    }
    assert_eq!(set.conflicts(), vec![], "two exports, not a conflict");
    // X is complete; Y has its first part only; Z its second only.
    let part = |size, found: Vec<i32>, missing: Vec<i32>| migration::MissingParts {
        batch_id: None,
        size,
        found,
        missing,
    };
    assert_eq!(
        set.missing_parts(),
        vec![part(3, vec![0], vec![1, 2]), part(2, vec![1], vec![0])]
    );
    assert_eq!(set.missing(), vec![(0, vec![1, 2]), (0, vec![0])]);
    let mut want: Vec<AccountDraft> = accounts("x", 6);
    want.extend(accounts("y", 6)[..2].to_vec());
    want.extend(accounts("z", 4)[2..].to_vec());
    assert_eq!(set.accounts(), want);

    // With an id, the same batches still merge by id (and the id names the export).
    let with_id: Vec<MigrationBatch> = migration::encode(&accounts("w", 6), 2, 44)
        .iter()
        .map(|u| migration::decode(u).unwrap())
        .collect();
    let mut set = BatchSet::new();
    set.add(with_id[2].clone());
    assert_eq!(
        set.missing_parts(),
        vec![migration::MissingParts {
            batch_id: Some(44),
            size: 3,
            found: vec![2],
            missing: vec![0, 1],
        }]
    );
}

/// Review finding (data loss): in a multi-URI export, a second batch with different accounts at an
/// index already filled replaced the first one. Both are now kept (no account is ever dropped)
/// and the index is reported by `BatchSet::conflicts`; the same batch again is a rescan.
#[test]
fn review_batch_set_keeps_both_batches_at_a_conflicting_index() {
    let make = |prefix: &str| -> Vec<AccountDraft> {
        (0..4)
            .map(|i| draft("X", &format!("{prefix}{i}"), totp(HELLO)))
            .collect()
    };
    let (ours, theirs) = (make("ours"), make("theirs"));
    let batches = |accounts: &[AccountDraft]| -> Vec<MigrationBatch> {
        migration::encode(accounts, 2, 5)
            .iter()
            .map(|u| migration::decode(u).unwrap())
            .collect()
    };
    let (ours_b, theirs_b) = (batches(&ours), batches(&theirs));
    assert_eq!((ours_b.len(), theirs_b[0].batch_index, theirs_b[0].batch_id), (2, 0, 5));

    let mut set = BatchSet::new();
    set.add(ours_b[0].clone());
    set.add(theirs_b[0].clone());
    set.add(ours_b[0].clone()); // a rescan of the first one
    set.add(theirs_b[0].clone()); // and of the second one
    assert_eq!(set.missing(), vec![(5, vec![1])]);
    assert_eq!(set.conflicts(), vec![(5, 0)]);
    let mut want: Vec<AccountDraft> = ours[..2].to_vec();
    want.extend_from_slice(&theirs[..2]);
    assert_eq!(set.accounts(), want);

    set.add(ours_b[1].clone());
    assert!(set.is_complete());
    assert_eq!(set.conflicts(), vec![(5, 0)]);
    want.extend_from_slice(&ours[2..]);
    assert_eq!(set.accounts(), want);
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Names and issuers with the characters that break naive URI code, and the control, bidi and
/// zero-width characters parsing removes (round trips compare with `clean_label` of them).
fn label_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" "),
        Just(":"),
        Just("&"),
        Just("?"),
        Just("%"),
        Just("#"),
        Just("+"),
        Just("="),
        Just("/"),
        Just("%3A"),
        Just("@"),
        Just("ü"),
        Just("Ωμέγα"),
        Just("東京"),
        Just("🔐"),
        Just("a"),
        Just("Bank"),
        Just("\n"),
        Just("\t"),
        Just("  "),
        Just("\u{1b}[31m"),
        Just("\u{1b}"),
        Just("\u{202e}"),
        Just("\u{2066}"),
        Just("\u{200b}"),
        Just("\u{85}"),
    ];
    prop_oneof![
        proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat()),
        any::<String>(),
    ]
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)]
}

fn secret() -> impl Strategy<Value = Secret> {
    proptest::collection::vec(any::<u8>(), 1..=64).prop_map(Secret::new)
}

fn any_otp() -> impl Strategy<Value = OtpConfig> {
    prop_oneof![
        (secret(), algorithm(), 6u8..=8, 1u32..=3600).prop_map(|(secret, algorithm, digits, period)| OtpConfig {
            kind: OtpKind::Totp,
            secret,
            algorithm,
            digits,
            period,
            counter: 0
        }),
        (secret(), algorithm(), 6u8..=8, 0..u64::MAX).prop_map(|(secret, algorithm, digits, counter)| OtpConfig {
            kind: OtpKind::Hotp,
            secret,
            algorithm,
            digits,
            period: 30,
            counter
        }),
        secret().prop_map(|secret| OtpConfig {
            kind: OtpKind::Steam,
            secret,
            algorithm: Algorithm::Sha1,
            digits: 5,
            period: 30,
            counter: 0
        }),
    ]
}

fn encodable_otp() -> impl Strategy<Value = OtpConfig> {
    (
        secret(),
        algorithm(),
        prop_oneof![Just(6u8), Just(8u8)],
        prop_oneof![Just(None), (0..=i64::MAX as u64).prop_map(Some)],
    )
        .prop_map(|(secret, algorithm, digits, counter)| OtpConfig {
            kind: if counter.is_some() {
                OtpKind::Hotp
            } else {
                OtpKind::Totp
            },
            secret,
            algorithm,
            digits,
            period: 30,
            counter: counter.unwrap_or(0),
        })
}

/// A valid URI with some bytes replaced, inserted or removed.
fn mutated_uri() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        Just("otpauth://totp/ACME%20Co:john%40example.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30".to_string()),
        Just("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=5&digits=8".to_string()),
        Just("otpauth://steam/S:me?secret=JBSWY3DPEHPK3PXP".to_string()),
        Just(SCITO_TWO.to_string()),
        Just(CALLAHAN.to_string()),
    ];
    let edit = (any::<prop::sample::Index>(), 0u8..3, any::<char>());
    (base, proptest::collection::vec(edit, 1..6)).prop_map(|(base, edits)| {
        let mut chars: Vec<char> = base.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len().max(1)).min(chars.len());
            match op {
                0 if i < chars.len() => chars[i] = c,
                1 => chars.insert(i, c),
                _ if i < chars.len() => {
                    chars.remove(i);
                }
                _ => {}
            }
        }
        chars.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn otpauth_round_trips(issuer in label_text(), name in label_text(), otp in any_otp()) {
        let uri = to_otpauth(&issuer, &name, &otp);
        let want = draft(&clean_label(&issuer), &clean_label(&name), otp);
        prop_assert_eq!(parse_otpauth(&uri), Ok(want.clone()), "{}", uri.as_str());
        prop_assert_eq!(parse(&uri), Ok(vec![want]));
    }

    #[test]
    fn migration_round_trips(
        accounts in proptest::collection::vec((label_text(), label_text(), encodable_otp()), 1..25),
        per_batch in 1usize..12,
        batch_id in any::<i32>(),
    ) {
        let drafts: Vec<AccountDraft> = accounts.into_iter().map(|(i, n, o)| draft(&i, &n, o)).collect();
        let uris = migration::encode(&drafts, per_batch, batch_id);
        let drafts: Vec<AccountDraft> = drafts
            .into_iter()
            .map(|d| AccountDraft { issuer: clean_label(&d.issuer), name: clean_label(&d.name), ..d })
            .collect();
        prop_assert_eq!(uris.len(), drafts.len().div_ceil(per_batch));
        let mut set = BatchSet::new();
        let mut flat = Vec::new();
        for uri in uris.iter().rev() {
            let batch = migration::decode(uri).unwrap();
            prop_assert!(batch.skipped.is_empty());
            flat.splice(0..0, parse(uri).unwrap());
            set.add(batch);
        }
        prop_assert!(set.is_complete());
        prop_assert_eq!(&set.accounts(), &drafts);
        prop_assert_eq!(&flat, &drafts);
    }

    #[test]
    fn no_string_panics(text in any::<String>()) {
        let _ = parse(&text);
        let _ = parse(&format!("otpauth://totp/{text}"));
        let _ = parse(&format!("otpauth://hotp/a?{text}"));
        let _ = parse(&format!("otpauth-migration://offline?data={text}"));
    }

    #[test]
    fn no_mutated_uri_panics(uri in mutated_uri()) {
        let _ = parse(&uri);
        let _ = migration::decode(&uri);
    }

    #[test]
    fn no_byte_payload_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let data = data_encoding::BASE64.encode(&bytes);
        let _ = parse(&format!("otpauth-migration://offline?data={data}"));
    }
}
