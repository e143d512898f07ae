//! The service layer: every flow of the mock, independent of HTTP.
//!
//! Handlers (the JSON API in [`crate::api`], and the web pages) parse their input, call one
//! function here, and render its result or its [`AppError`]. All security rules live here:
//! attempt limits, lockout, expiry, replay refusal, single-use codes, risk.
//!
//! Pattern: state is read and written in short SQLite transactions on the blocking pool
//! ([`crate::db::Db`]); Argon2 runs between them on the hasher's pool, never holding the
//! database. A refusal that must leave a trace (a failure counted, a challenge voided) is
//! committed through [`crate::db::Db::transaction_keep`].

pub mod accounts;
pub mod challenge;
pub mod disable;
pub mod enrollment;
pub mod exports;
pub mod sessions;
pub mod tester;

use rusqlite::{OptionalExtension, Transaction, params};
use smartpush_core::Secret;

use crate::clock::rfc3339;
use crate::config::rules;
use crate::db::sql;
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{RiskLevel, TwoFactorMethod};

/// An account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// Row id.
    pub id: i64,
    /// Lower-case address.
    pub email: String,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
    /// The 2FA method, `None` while 2FA is off.
    pub tfa_method: Option<TwoFactorMethod>,
    /// When 2FA was enabled.
    pub tfa_enabled_at: Option<i64>,
    /// The TOTP secret (method `totp`).
    pub totp_secret: Option<Secret>,
    /// The last accepted TOTP time step (replay refusal).
    pub last_totp_step: Option<i64>,
    /// Risk set through `/mock/risk`.
    pub risk: RiskLevel,
    /// Locked until then.
    pub locked_until: Option<i64>,
}

const ACCOUNT_COLUMNS: &str = "id, email, password_hash, tfa_method, tfa_enabled_at, totp_secret, last_totp_step, \
     risk, locked_until";

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    let method: Option<String> = row.get(3)?;
    let secret: Option<Vec<u8>> = row.get(5)?;
    let risk: String = row.get(7)?;
    Ok(AccountRow {
        id: row.get(0)?,
        email: row.get(1)?,
        password_hash: row.get(2)?,
        tfa_method: method.as_deref().and_then(TwoFactorMethod::parse),
        tfa_enabled_at: row.get(4)?,
        totp_secret: secret.map(Secret::new),
        last_totp_step: row.get(6)?,
        risk: RiskLevel::parse(&risk),
        locked_until: row.get(8)?,
    })
}

/// The account with this (normalized) e-mail.
pub fn account_by_email(conn: &rusqlite::Connection, email: &str) -> AppResult<Option<AccountRow>> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ?1"),
        [email],
        account_from_row,
    )
    .optional()
    .map_err(sql)
}

/// The account with this id (it must exist: sessions and challenges reference it).
pub fn account_by_id(conn: &rusqlite::Connection, id: i64) -> AppResult<AccountRow> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
        [id],
        account_from_row,
    )
    .optional()
    .map_err(sql)?
    .ok_or_else(|| AppError::new(ProblemKind::Unauthorized, "The account no longer exists."))
}

/// 429 `locked` when the account is locked at `now`.
pub fn ensure_unlocked(account: &AccountRow, now: i64) -> AppResult<()> {
    match account.locked_until {
        Some(until) if until > now => Err(locked(until - now)),
        _ => Ok(()),
    }
}

/// The `locked` problem.
pub fn locked(retry_after: i64) -> AppError {
    AppError::new(
        ProblemKind::Locked,
        format!(
            "Too many failed sign-ins or codes: the account is locked for {} more minute(s).",
            (retry_after + 59) / 60
        ),
    )
    .with("retry_after", retry_after.max(1))
}

/// Counts a failed sign-in or code for the account. When it is the 10th within 15 minutes the
/// account is locked for 15 minutes and the failures are cleared; the error to answer is then
/// returned (the caller answers it instead of its own refusal).
pub fn record_failure(tx: &Transaction<'_>, account_id: i64, now: i64) -> AppResult<Option<AppError>> {
    tx.execute(
        "INSERT INTO failures (account_id, at) VALUES (?1, ?2)",
        params![account_id, now],
    )
    .map_err(sql)?;
    tx.execute(
        "DELETE FROM failures WHERE account_id = ?1 AND at <= ?2",
        params![account_id, now - rules::LOCKOUT_WINDOW],
    )
    .map_err(sql)?;
    let count: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM failures WHERE account_id = ?1",
            [account_id],
            |r| r.get(0),
        )
        .map_err(sql)?;
    if count < i64::from(rules::LOCKOUT_THRESHOLD) {
        return Ok(None);
    }
    let until = now + rules::LOCKOUT_DURATION;
    tx.execute(
        "UPDATE accounts SET locked_until = ?2 WHERE id = ?1",
        params![account_id, until],
    )
    .map_err(sql)?;
    tx.execute("DELETE FROM failures WHERE account_id = ?1", [account_id])
        .map_err(sql)?;
    tracing::warn!(account_id, "account locked after repeated failures");
    Ok(Some(locked(rules::LOCKOUT_DURATION)))
}

/// Puts an e-mail in the outbox (the mock's mail delivery).
pub fn send_email(
    tx: &Transaction<'_>,
    to: &str,
    subject: &str,
    body: &str,
    code: Option<&str>,
    now: i64,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO outbox (to_email, subject, body, code, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![to, subject, body, code, now],
    )
    .map_err(sql)?;
    tracing::info!(subject, "e-mail sent to the outbox");
    Ok(())
}

/// The body of an e-mail carrying a code.
pub fn code_email_body(purpose: &str, code: &str) -> String {
    format!(
        "Your SmartPush verification code {purpose} is {code}.\n\n\
         It is valid for {} minutes and works once. If you did not ask for it, change your password.",
        rules::EMAIL_CODE_TTL / 60
    )
}

/// RFC 3339, for answers.
pub fn at(unix: i64) -> String {
    rfc3339(unix)
}
