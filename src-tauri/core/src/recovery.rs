//! Recovery codes: reading the text files services offer for download, and matching a code a
//! person types against the stored ones.
//!
//! SmartPush's "Download code" gives a `.txt` with a heading, the ten codes and perhaps a line
//! of advice; other services number their codes (`1. abcd-efgh`), bullet them, or put two on a
//! line. [`parse_codes_text`] keeps the codes and skips everything else.

use crate::account::RecoveryCode;

/// Extracts the recovery codes from a downloaded recovery-codes text file.
///
/// A line yields codes when, after list numbering or a bullet is removed, it consists only of
/// code-like tokens: letters, digits and dashes, 6 to 64 characters of letters and digits, each
/// holding a digit or being all upper case and at least 10 long (so `2F7KQ9XW3MPA` and `abcd-1234` are codes while
/// `Recovery codes`, `SmartPush` or `Keep these safe.` are not). Blank lines, headings, dates
/// with punctuation and sentences are skipped. Codes keep their original spelling; duplicates
/// are dropped.
pub fn parse_codes_text(text: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = strip_list_marker(line.trim().trim_start_matches('\u{feff}'));
        if line.is_empty() {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.iter().all(|t| is_code_token(t)) {
            for t in tokens {
                if !codes.iter().any(|c| normalize(c) == normalize(t)) {
                    codes.push(t.to_string());
                }
            }
        } else if let Some(joined) = spaced_code(&tokens) {
            // Google-style "1234 5678": one code written in groups.
            if !codes.iter().any(|c| normalize(c) == normalize(&joined)) {
                codes.push(joined);
            }
        }
    }
    codes
}

/// Canonical form used to compare codes: upper case, without spaces or dashes.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Finds the stored code matching what a person typed (case, spaces and dashes ignored).
pub fn find_code<'a>(codes: &'a mut [RecoveryCode], typed: &str) -> Option<&'a mut RecoveryCode> {
    let wanted = normalize(typed);
    if wanted.is_empty() {
        return None;
    }
    codes.iter_mut().find(|c| normalize(c.code.expose()) == wanted)
}

/// The number of unused codes under which people are warned to generate new ones.
pub const LOW_WATER_MARK: usize = 4;

fn strip_list_marker(line: &str) -> &str {
    let line = line.trim_start_matches(['-', '*', '•', '·', '–']).trim_start();
    // "1." / "10)" / "3:" numbering followed by whitespace.
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        let rest = &line[digits..];
        if let Some(after) = rest.strip_prefix(['.', ')', ':'])
            && after.starts_with(char::is_whitespace)
        {
            return after.trim_start();
        }
    }
    line
}

fn is_code_token(token: &str) -> bool {
    if token.starts_with('-') || token.ends_with('-') || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return false;
    }
    let alnum = token.chars().filter(char::is_ascii_alphanumeric).count();
    if !(6..=64).contains(&alnum) {
        return false;
    }
    // A code without a digit must look machine-made: all upper case and at least 10 long
    // (SmartPush's 12-character codes are letters only about 3% of the time; headings such as
    // `RECOVERY` or `SMARTPUSH` are shorter).
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let all_upper = token
        .chars()
        .filter(char::is_ascii_alphabetic)
        .all(|c| c.is_ascii_uppercase());
    has_digit || (all_upper && alnum >= 10)
}

fn spaced_code(tokens: &[&str]) -> Option<String> {
    let short_groups = tokens.len() >= 2
        && tokens
            .iter()
            .all(|t| (3..=5).contains(&t.len()) && t.chars().all(|c| c.is_ascii_digit()));
    short_groups.then(|| tokens.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::SecretString;

    #[test]
    fn reads_a_smartpush_style_download() {
        let text = "SmartPush recovery codes\r\nAccount: demo@example.com\r\nGenerated: 2026-11-27 16:00 UTC\r\n\r\n\
                    2F7KQ9XW3MPA\r\nHJ4N8RT2VXCE\r\nABCDEFGHJKLM\r\n\r\nEach code can be used once. Keep them somewhere safe.\r\n";
        assert_eq!(parse_codes_text(text), ["2F7KQ9XW3MPA", "HJ4N8RT2VXCE", "ABCDEFGHJKLM"]);
    }

    #[test]
    fn reads_numbered_bulleted_and_grouped_codes() {
        let text =
            "\u{feff}Your backup codes\n1. abcd-1234\n2) efgh-5678\n- 9x8y7w6v\n• 1234 5678\nqwer1234 asdf5678\n";
        assert_eq!(
            parse_codes_text(text),
            [
                "abcd-1234",
                "efgh-5678",
                "9x8y7w6v",
                "1234 5678",
                "qwer1234",
                "asdf5678"
            ]
        );
    }

    #[test]
    fn skips_headings_sentences_and_duplicates() {
        let text = "RECOVERY\nRecovery codes\nSmartPush\nKeep these safe.\nabc\n2F7KQ9XW3MPA\n2f7k-q9xw-3mpa\n";
        assert_eq!(parse_codes_text(text), ["2F7KQ9XW3MPA"]);
    }

    #[test]
    fn matching_ignores_case_spaces_and_dashes() {
        let mut codes = vec![
            RecoveryCode {
                code: SecretString::new("2F7KQ9XW3MPA"),
                used_at: None,
                note: String::new(),
            },
            RecoveryCode {
                code: SecretString::new("abcd-1234"),
                used_at: None,
                note: String::new(),
            },
        ];
        assert!(find_code(&mut codes, "2f7k q9xw 3mpa").is_some());
        assert!(find_code(&mut codes, "ABCD1234").is_some());
        assert!(find_code(&mut codes, "ABCD123").is_none());
        assert!(find_code(&mut codes, " - ").is_none());
    }
}
