//! Registration and the account-security view.

use rusqlite::params;
use smartpush_core::SecretString;
use zeroize::Zeroizing;

use super::challenge::unused_recovery_codes;
use super::sessions::SessionInfo;
use super::{account_by_email, account_by_id, at};
use crate::AppState;
use crate::config::rules;
use crate::db::sql;
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{Registered, SecurityView, TwoFactorView};

/// The demo account `--demo` creates.
pub const DEMO_EMAIL: &str = "demo@example.com";
/// Its password.
pub const DEMO_PASSWORD: &str = "demo-password";

/// The canonical (lower-case, trimmed) form of an e-mail address, or `None` when it is not one:
/// one `@`, a local part of 1–64 characters, a dotted domain of letters, digits and hyphens,
/// at most 254 characters, no spaces or control characters.
pub fn normalize_email(input: &str) -> Option<String> {
    let email = input.trim();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let domain_ok = domain.len() >= 3
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let local_ok = !local.is_empty() && local.len() <= 64 && !local.contains('@');
    (domain_ok && local_ok).then(|| email.to_lowercase())
}

/// Checks a new password: 8 to 256 characters.
pub fn check_new_password(password: &str) -> AppResult<()> {
    let chars = password.chars().count();
    if chars < rules::PASSWORD_MIN_CHARS {
        return Err(AppError::new(
            ProblemKind::WeakPassword,
            format!(
                "The password must have at least {} characters.",
                rules::PASSWORD_MIN_CHARS
            ),
        ));
    }
    if chars > rules::PASSWORD_MAX_CHARS {
        return Err(AppError::new(
            ProblemKind::WeakPassword,
            format!(
                "The password must have at most {} characters.",
                rules::PASSWORD_MAX_CHARS
            ),
        ));
    }
    Ok(())
}

/// `POST /api/accounts`: a new account with 2FA off.
pub async fn register(state: &AppState, email: &str, password: &SecretString) -> AppResult<Registered> {
    let email = normalize_email(email).ok_or_else(|| {
        AppError::new(
            ProblemKind::InvalidEmail,
            "Enter an e-mail address like name@example.com.",
        )
    })?;
    check_new_password(password.expose())?;
    let lookup = email.clone();
    if state
        .db()
        .read(move |conn| account_by_email(conn, &lookup))
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let hash = state
        .hasher()
        .hash(Zeroizing::new(password.expose().as_bytes().to_vec()))
        .await?;
    let now = state.now();
    let stored = email.clone();
    let id = state
        .db()
        .transaction(move |tx| {
            tx.execute(
                "INSERT INTO accounts (email, password_hash, created_at) VALUES (?1, ?2, ?3)",
                params![stored, hash, now],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => taken(),
                _ => sql(e),
            })?;
            let id = tx.last_insert_rowid();
            super::event(tx, Some(&stored), "signup", serde_json::json!({}), now)?;
            Ok(id)
        })
        .await?;
    tracing::info!(account_id = id, "account registered");
    Ok(Registered { email })
}

fn taken() -> AppError {
    AppError::new(
        ProblemKind::EmailTaken,
        "An account with this e-mail already exists; sign in instead.",
    )
}

/// Creates the demo account (2FA off) unless it exists; true when it was created.
pub async fn ensure_demo_account(state: &AppState) -> AppResult<bool> {
    match register(state, DEMO_EMAIL, &SecretString::new(DEMO_PASSWORD)).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ProblemKind::EmailTaken => Ok(false),
        Err(e) => Err(e),
    }
}

/// `GET /api/account/security`.
pub async fn security(state: &AppState, session: &SessionInfo) -> AppResult<SecurityView> {
    let account_id = session.account_id;
    let (account, remaining) = state
        .db()
        .read(move |conn| {
            let account = account_by_id(conn, account_id)?;
            let remaining = unused_recovery_codes(conn, account_id)?;
            Ok((account, remaining))
        })
        .await?;
    let enabled = account.tfa_method.is_some();
    let low = enabled && remaining < rules::RECOVERY_WARN_BELOW;
    let now = state.now();
    Ok(SecurityView {
        email: account.email,
        two_factor: TwoFactorView {
            enabled,
            method: account.tfa_method,
            enabled_at: account.tfa_enabled_at.map(at),
            recovery_codes_remaining: if enabled { remaining } else { 0 },
            recovery_codes_low: low,
            warning: low.then(|| {
                format!(
                    "Only {remaining} recovery code(s) left. Disable and re-enable two-step verification \
                     to get a new set."
                )
            }),
        },
        session_risk: session.risk,
        step_up_until: session.step_up_until.filter(|t| *t > now).map(at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(normalize_email(" Ada@Example.COM ").as_deref(), Some("ada@example.com"));
        assert_eq!(
            normalize_email("a+tag@mail.example.org").as_deref(),
            Some("a+tag@mail.example.org")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa_mple.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@-example.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(65))).is_none());
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
        assert!(check_new_password("ééééééé").is_err(), "7 characters, 14 bytes");
        assert!(check_new_password(&"é".repeat(256)).is_ok());
        assert!(check_new_password(&"x".repeat(257)).is_err());
    }
}
