//! Commands of the account details dialog: read one account, edit its labels, note and tags,
//! star it, and the two explicit reveals — the secret key as text, and the account as a QR code
//! to scan with a phone.
//!
//! [`reveal_secret`] and [`account_qr`] are the only commands whose answer carries an account's
//! secret; the UI calls them on an explicit click only and hides the answer again.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smartpush_core::account::clean_label;
use smartpush_core::{Account, qr, uri};
use tauri::State;
use ts_rs::TS;

use super::accounts::{FieldIssue, count};
use super::codes::unknown;
use super::{blocking, instant, timestamp};
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Longest issuer or account name, in characters.
pub const MAX_LABEL: usize = 200;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 4000;
/// Longest tag, in characters.
pub const MAX_TAG: usize = 40;
/// Most tags on one account.
pub const MAX_TAGS: usize = 20;

/// One account as the details dialog shows it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountDetails {
    /// Stable id.
    pub id: String,
    /// The service.
    pub issuer: String,
    /// The user's name at that service.
    pub name: String,
    /// Free-text note (several lines).
    pub note: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// Shown first in the list.
    pub favourite: bool,
    /// `totp`, `hotp`, `steam`; `None` for an account with recovery codes only.
    pub kind: Option<String>,
    /// `SHA1`, `SHA256` or `SHA512` (accounts with a secret).
    pub algorithm: Option<String>,
    /// Code length (accounts with a secret).
    pub digits: Option<u32>,
    /// Time step in seconds (TOTP and Steam).
    pub period: Option<u32>,
    /// Recovery codes not used yet.
    pub recovery_left: u32,
    /// All recovery codes.
    pub recovery_total: u32,
}

impl From<&Account> for AccountDetails {
    fn from(a: &Account) -> AccountDetails {
        let otp = a.otp.as_ref();
        AccountDetails {
            id: a.id.0.clone(),
            issuer: a.issuer.clone(),
            name: a.name.clone(),
            note: a.note.clone(),
            tags: a.tags.clone(),
            favourite: a.favourite,
            kind: otp.map(|o| o.kind.as_str().to_owned()),
            algorithm: otp.map(|o| o.algorithm.as_str().to_owned()),
            digits: otp.map(|o| u32::from(o.digits)),
            period: otp
                .filter(|o| o.kind != smartpush_core::OtpKind::Hotp)
                .map(|o| o.period),
            recovery_left: count(a.recovery_codes_left()),
            recovery_total: count(a.recovery_codes.len()),
        }
    }
}

/// The editable part of an account, as typed. Labels are cleaned like the core cleans labels
/// from URIs ([`clean_label`]); tags one by one.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AccountEdit {
    /// The service.
    pub issuer: String,
    /// The user's name at that service.
    pub name: String,
    /// Free-text note (line breaks kept).
    pub note: String,
    /// Tags, one per entry (the UI splits its text field on commas).
    pub tags: Vec<String>,
}

/// The cleaned values of a valid [`AccountEdit`].
#[derive(Debug, PartialEq, Eq)]
struct Cleaned {
    issuer: String,
    name: String,
    note: String,
    tags: Vec<String>,
}

/// One account's details.
#[tauri::command]
pub fn account_details(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<AccountDetails> {
    state.with_vault(instant(), |vault| {
        vault
            .data()
            .get(&id)
            .map(AccountDetails::from)
            .ok_or_else(|| unknown(&id))
    })
}

/// Checks and saves an edit of the account's issuer, name, note and tags. Answers the problems
/// field by field without saving anything when there are some; an empty list means saved.
#[tauri::command]
pub async fn update_account(
    state: State<'_, Arc<AppState>>,
    id: String,
    edit: AccountEdit,
) -> IpcResult<Vec<FieldIssue>> {
    let cleaned = match clean_edit(&edit) {
        Ok(cleaned) => cleaned,
        Err(issues) => return Ok(issues),
    };
    let state = Arc::clone(&state);
    blocking(move || {
        change(&state, &id, move |account| {
            account.issuer = cleaned.issuer;
            account.name = cleaned.name;
            account.note = cleaned.note;
            account.tags = cleaned.tags;
        })?;
        Ok(Vec::new())
    })
    .await
}

/// Stars or unstars the account (favourites come first in the list) and saves.
#[tauri::command]
pub async fn set_favourite(state: State<'_, Arc<AppState>>, id: String, favourite: bool) -> IpcResult<()> {
    let state = Arc::clone(&state);
    blocking(move || change(&state, &id, move |account| account.favourite = favourite)).await
}

/// The account's secret key as base32 (what a service shows as its "setup key"). An explicit
/// reveal: the UI asks only when the user clicks, and hides it again after 30 s.
#[tauri::command]
pub fn reveal_secret(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<String> {
    state.with_vault(instant(), |vault| {
        let account = vault.data().get(&id).ok_or_else(|| unknown(&id))?;
        let otp = account.otp.as_ref().ok_or_else(|| no_secret(&id))?;
        Ok(otp.secret.to_base32().as_str().to_owned())
    })
}

/// The account as an SVG QR code of its canonical `otpauth://` URI, to move it to a phone. It
/// holds the secret: an explicit reveal like [`reveal_secret`].
#[tauri::command]
pub fn account_qr(state: State<'_, Arc<AppState>>, id: String) -> IpcResult<String> {
    state.with_vault(instant(), |vault| {
        let account = vault.data().get(&id).ok_or_else(|| unknown(&id))?;
        let otp = account.otp.as_ref().ok_or_else(|| no_secret(&id))?;
        let link = uri::to_otpauth(&account.issuer, &account.name, otp);
        qr::to_svg(&link).map_err(|e| IpcError::Invalid(format!("no QR code for this account: {e}")))
    })
}

/// Applies `f` to the account and saves; on a failed save the account is put back as it was,
/// so what the window shows stays what the file holds.
fn change(state: &AppState, id: &str, f: impl FnOnce(&mut Account)) -> IpcResult<()> {
    state.with_vault(instant(), |vault| {
        let account = vault.data_mut().get_mut(id).ok_or_else(|| unknown(id))?;
        let before = account.clone();
        f(account);
        account.updated_at = timestamp();
        if let Err(e) = vault.save() {
            if let Some(account) = vault.data_mut().get_mut(id) {
                *account = before;
            }
            return Err(e.into());
        }
        Ok(())
    })
}

fn no_secret(id: &str) -> IpcError {
    IpcError::Invalid(format!("account {id} holds only recovery codes: it has no secret key"))
}

/// Cleans and checks an edit; the problems by field when it is not acceptable.
fn clean_edit(edit: &AccountEdit) -> Result<Cleaned, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut issue = |field: &str, message: String| {
        issues.push(FieldIssue {
            field: field.into(),
            message,
        })
    };
    let issuer = clean_label(&edit.issuer);
    let name = clean_label(&edit.name);
    if issuer.is_empty() && name.is_empty() {
        issue("issuer", "Enter the service's name (or at least the account's).".into());
    }
    for (field, value) in [("issuer", &issuer), ("name", &name)] {
        if value.chars().count() > MAX_LABEL {
            issue(field, format!("Use at most {MAX_LABEL} characters."));
        }
    }
    let note = clean_note(&edit.note);
    if note.chars().count() > MAX_NOTE {
        issue("note", format!("Keep the note under {MAX_NOTE} characters."));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in edit.tags.iter().map(|t| clean_label(t)).filter(|t| !t.is_empty()) {
        if tag.contains(',') {
            issue("tags", "A tag cannot contain a comma: commas separate tags.".into());
        } else if tag.chars().count() > MAX_TAG {
            issue("tags", format!("Keep each tag under {MAX_TAG} characters."));
        } else if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        issue("tags", format!("Use at most {MAX_TAGS} tags."));
    }
    if issues.is_empty() {
        Ok(Cleaned {
            issuer,
            name,
            note,
            tags,
        })
    } else {
        // One message per field is enough to fix it.
        issues.dedup_by(|a, b| a.field == b.field);
        Err(issues)
    }
}

/// A note keeps its lines and tabs; other control characters and the bidi controls that can
/// reorder what is shown are removed, line ends trimmed, blank lines at both ends dropped.
fn clean_note(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            line.chars()
                .filter(|&c| c == '\t' || !(c.is_control() || is_bidi_control(c)))
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(issuer: &str, name: &str, note: &str, tags: &[&str]) -> AccountEdit {
        AccountEdit {
            issuer: issuer.into(),
            name: name.into(),
            note: note.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    fn fields(result: Result<Cleaned, Vec<FieldIssue>>) -> Vec<String> {
        result.err().unwrap_or_default().into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn labels_and_tags_are_cleaned_like_the_core_cleans_labels() {
        let cleaned = clean_edit(&edit(
            "  \u{1b}[31mACME\u{1b}[0m   Bank ",
            "me\n\u{202e}x",
            "",
            &[" work ", "Work", "", "  ", "prod\u{200b}"],
        ))
        .expect("valid");
        assert_eq!(cleaned.issuer, "ACME Bank");
        assert_eq!(cleaned.name, "me x");
        assert_eq!(
            cleaned.tags,
            vec!["work", "prod"],
            "trimmed, empties and case-duplicates dropped"
        );
    }

    #[test]
    fn a_note_keeps_its_lines_and_loses_controls() {
        assert_eq!(
            clean_note("\r\n first  \r\n\tsecond\u{7}\u{202e}  \r\n\n"),
            " first\n\tsecond"
        );
        assert_eq!(clean_note("a\rb"), "a\nb");
        assert_eq!(clean_note(""), "");
    }

    #[test]
    fn each_bad_field_gets_one_message() {
        assert_eq!(fields(clean_edit(&edit(" ", "\t", "", &[]))), ["issuer"]);
        assert!(clean_edit(&edit("", "only a name", "", &[])).is_ok());
        let long = "x".repeat(MAX_LABEL + 1);
        assert_eq!(fields(clean_edit(&edit(&long, &long, "", &[]))), ["issuer", "name"]);
        assert!(clean_edit(&edit(&"x".repeat(MAX_LABEL), "", "", &[])).is_ok());
        assert_eq!(
            fields(clean_edit(&edit("A", "", &"n".repeat(MAX_NOTE + 1), &[]))),
            ["note"]
        );
        assert_eq!(fields(clean_edit(&edit("A", "", "", &["a,b", "c"]))), ["tags"]);
        assert_eq!(
            fields(clean_edit(&edit("A", "", "", &[&"t".repeat(MAX_TAG + 1)]))),
            ["tags"]
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(fields(clean_edit(&edit("A", "", "", &many))), ["tags"]);
        assert!(clean_edit(&edit("A", "", "", &many[..MAX_TAGS])).is_ok());
    }
}
