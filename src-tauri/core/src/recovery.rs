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
/// holding a digit or being all upper case and at least 10 long (so `2F7KQ9XW3MPA` and
/// `abcd-1234` are codes while `Recovery codes`, `SmartPush` or `Keep these safe.` are not), and
/// none of them a date. Blank lines, headings, sentences, dates (`2026-11-27`, `27/11/2026`,
/// `2026.11.27`, `27-11-26`, `2026-11-27T16`) and times (`16:00`; `:` is never part of a code)
/// are skipped. A line of groups of 3 to 5 digits (`1234 5678`) is one code. Codes keep their
/// original spelling; duplicates are dropped.
///
/// Then, when at least 4 candidates were found and at least 75% of them have the same length
/// (counting letters and digits only), candidates of other lengths are dropped: a downloaded
/// file holds one kind of code (SmartPush's ten are all 12 characters), so a code-like token of
/// another length is a reference number, an order id or a stray word. (A service mixing code
/// lengths in one file, which none is known to do, would lose its rarer kind.)
///
/// Limitation: the test is one of shape. An all-capital word as long as the codes (`CONFIDENTIAL`
/// next to SmartPush's 12-character codes) cannot be told from a code that happens to have no
/// digit, and is kept; so are code-shaped tokens when the file has fewer than 4 codes. People
/// should review the list before saving it.
pub fn parse_codes_text(text: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    let mut keep = |code: String| {
        if !codes.iter().any(|c| normalize(c) == normalize(&code)) {
            codes.push(code);
        }
    };
    for line in text.lines() {
        let line = strip_list_marker(line.trim().trim_start_matches('\u{feff}'));
        if line.is_empty() {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.iter().all(|t| is_code_token(t)) {
            tokens.into_iter().map(str::to_string).for_each(&mut keep);
        } else if let Some(joined) = spaced_code(&tokens) {
            // Google-style "1234 5678": one code written in groups.
            keep(joined);
        }
    }
    keep_the_usual_length(&mut codes);
    codes
}

/// The smallest number of candidates for [`keep_the_usual_length`] to act: with fewer, one
/// stray token would be too large a share to tell apart.
const MIN_CODES_FOR_LENGTH_FILTER: usize = 4;

/// Drops the codes whose normalised length differs from the one at least 75% of them share
/// (when there are at least [`MIN_CODES_FOR_LENGTH_FILTER`]).
fn keep_the_usual_length(codes: &mut Vec<String>) {
    if codes.len() < MIN_CODES_FOR_LENGTH_FILTER {
        return;
    }
    let lengths: Vec<usize> = codes.iter().map(|c| normalize(c).len()).collect();
    let share = |len: usize| lengths.iter().filter(|&&l| l == len).count();
    let Some(usual) = lengths.iter().copied().max_by_key(|&len| share(len)) else {
        return;
    };
    if share(usual) * 4 >= codes.len() * 3 {
        codes.retain(|c| normalize(c).len() == usual);
    }
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
    if token.starts_with('-')
        || token.ends_with('-')
        || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || is_date(token)
    {
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

/// A calendar date written with `-`, `.` or `/` (one kind per date), possibly followed by
/// `T` and a time: year-month-day (`2026-11-27`), day-month-year or month-day-year with a
/// 4- or 2-digit year (`27/11/2026`, `11.27.2026`, `27-11-26`). Months 1–12, days 1–31; digit
/// groups outside those ranges (`2026-13-27`) are not dates.
fn is_date(token: &str) -> bool {
    let date = token.split_once(['T', 't']).map_or(token, |(date, _)| date);
    let Some(separator) = date.chars().find(|c| matches!(c, '-' | '.' | '/')) else {
        return false;
    };
    let parts: Vec<&str> = date.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return false;
    };
    if ![a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let value = |p: &str| p.parse::<u32>().unwrap_or(0);
    let month = |p: &str| p.len() <= 2 && (1..=12).contains(&value(p));
    let day = |p: &str| p.len() <= 2 && (1..=31).contains(&value(p));
    match (a.len(), c.len()) {
        (4, _) => month(b) && day(c),
        (1 | 2, 2 | 4) => (day(a) && month(b)) || (month(a) && day(b)),
        _ => false,
    }
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

    /// Review finding: a date on its own line (`2026-11-27`) was stored as a recovery code. No
    /// spelling of a date, a date and time, or a time may be taken as a code.
    #[test]
    fn review_dates_and_times_are_never_codes() {
        let lines = [
            "2026-11-27",
            "27/11/2026",
            "2026.11.27",
            "16:00",
            "16:00:59",
            "27-11-2026",
            "11-27-2026",
            "27.11.2026",
            "2026/11/27",
            "2026-1-7",
            "27-11-26",
            "2026-11-27T16",
            "2026-11-27T1600Z",
            "2026-11-27 16:00",
            "1. 2026-11-27",
            "- 2026-11-27",
            "2026-11-27 2026-11-28",
        ];
        for line in lines {
            assert_eq!(parse_codes_text(line), Vec::<String>::new(), "{line}");
            let text = format!("2F7KQ9XW3MPA\n{line}\nHJ4N8RT2VXCE\n");
            assert_eq!(parse_codes_text(&text), ["2F7KQ9XW3MPA", "HJ4N8RT2VXCE"], "{line}");
        }
        // Digit groups that cannot be a date stay codes.
        for code in [
            "1234-5678",
            "2026-1127",
            "2026-13-27",
            "2026-11-32",
            "123456-7890",
            "20261127",
        ] {
            assert_eq!(parse_codes_text(code), [code], "{code}");
        }
    }

    /// Review finding: a code-like line of another length (a reference number, an order id) was
    /// stored next to the real codes. A downloaded file holds one kind of code, so when at least 4
    /// candidates were found and at least 75% share one length, the others are dropped.
    #[test]
    fn review_a_file_holds_one_kind_of_code() {
        let ten = [
            "2F7KQ9XW3MPA",
            "HJ4N8RT2VXCE",
            "Q9XW-3MPA-2F7K",
            "BCDF4GHJ5KMN",
            "7PQR8STV9WXY",
            "M3N4P5Q6R7S8",
            "ZX9CV8BN7MLK",
            "4TGB6YHN8UJM",
            "WS2ED3RF4TG5",
            "QAZ2WSX3EDC4",
        ];
        let text = format!(
            "SmartPush recovery codes\nREF-2026-AB12\n{}\nOrder: A1B2C3\nA1B2C3\n",
            ten.join("\n")
        );
        assert_eq!(parse_codes_text(&text), ten);
        // Exactly 75% (3 of 4): filtered.
        let text = "2F7KQ9XW3MPA\nHJ4N8RT2VXCE\nBCDF4GHJ5KMN\nabcd-1234\n";
        assert_eq!(parse_codes_text(text), ["2F7KQ9XW3MPA", "HJ4N8RT2VXCE", "BCDF4GHJ5KMN"]);
        // Below 75% (3 of 5), or fewer than 4 candidates: everything is kept.
        let text = "2F7KQ9XW3MPA\nHJ4N8RT2VXCE\nBCDF4GHJ5KMN\nabcd-1234\nefgh-5678\n";
        assert_eq!(parse_codes_text(text).len(), 5);
        let text = "2F7KQ9XW3MPA\nHJ4N8RT2VXCE\nabcd-1234\n";
        assert_eq!(parse_codes_text(text).len(), 3);
        // Google-style grouped codes count by their digits (8), like the dashed ones.
        let text = "1234 5678\n2345 6789\n3456-7890\n45678901\nREF123\n";
        assert_eq!(
            parse_codes_text(text),
            ["1234 5678", "2345 6789", "3456-7890", "45678901"]
        );
    }

    /// The limitation stated on `parse_codes_text`: an all-capital word as long as the codes is
    /// a code by shape alone.
    #[test]
    fn an_all_caps_word_of_the_codes_length_is_a_known_limitation() {
        let text = "CONFIDENTIAL\n2F7KQ9XW3MPA\nHJ4N8RT2VXCE\nBCDF4GHJ5KMN\n";
        assert_eq!(parse_codes_text(text).first().map(String::as_str), Some("CONFIDENTIAL"));
    }

    proptest::proptest! {
        /// Whatever the text, no date is returned and no two codes are the same once
        /// normalised.
        #[test]
        fn parsed_codes_are_distinct_and_never_dates(
            lines in proptest::collection::vec(
                "([0-9]{1,4}[-./][0-9]{1,2}[-./][0-9]{1,4})|([A-Za-z0-9]{3,6}(-[A-Za-z0-9]{3,6})?)|[ -~]{0,20}",
                0..20,
            )
        ) {
            let codes = parse_codes_text(&lines.join("\n"));
            for code in &codes {
                proptest::prop_assert!(!is_date(code), "{}", code);
            }
            let mut normalised: Vec<String> = codes.iter().map(|c| normalize(c)).collect();
            normalised.sort();
            normalised.dedup();
            proptest::prop_assert_eq!(normalised.len(), codes.len());
        }
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
