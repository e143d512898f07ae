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
     risk, (SELECT locked_until FROM locks WHERE locks.email = accounts.email)";

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

/// The key failures and locks are kept under: the normalized address, or for text that is not
/// an address (it can have no account) a digest of it, so a long or odd string is not stored.
pub fn throttle_key(email: &str) -> String {
    match accounts::normalize_email(email) {
        Some(email) => email,
        None => format!(
            "invalid:{}",
            data_encoding::HEXLOWER.encode(&crate::crypto::sha256(email.as_bytes())[..16])
        ),
    }
}

/// The lock in force on an address at `now`, as its remaining seconds.
fn lock_remaining(tx: &rusqlite::Connection, key: &str, now: i64) -> AppResult<Option<i64>> {
    let until: Option<i64> = tx
        .query_row("SELECT locked_until FROM locks WHERE email = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    Ok(until.filter(|until| *until > now).map(|until| until - now))
}

/// A password or code check reserved by [`reserve_check`]: its `attempts` row.
#[derive(Debug, Clone, Copy)]
pub struct Reservation(i64);

/// Reserves one password check for an address before the (slow) check runs, in the same write
/// transaction as the look-up of the lock. Answers:
/// * `Err(locked)` while the address is locked (whatever the password);
/// * `Ok(None)` when the failures of the window and the checks running now already make
///   [`rules::LOCKOUT_THRESHOLD`]: the caller waits for a running check to end and asks again,
///   so no more than that many checks are counted per window, however many requests arrive at
///   once, and a right password is not refused for the others' checks in flight;
/// * `Ok(Some(reservation))`: the check may run; [`settle`] ends it.
pub fn reserve_check(tx: &Transaction<'_>, key: &str, now: i64) -> AppResult<Option<Reservation>> {
    if let Some(remaining) = lock_remaining(tx, key, now)? {
        return Err(locked(remaining));
    }
    tx.execute(
        "DELETE FROM attempts WHERE email = ?1 AND at <= ?2",
        params![key, now - rules::LOCKOUT_WINDOW],
    )
    .map_err(sql)?;
    let (failures, running): (i64, i64) = tx
        .query_row(
            "SELECT COALESCE(SUM(pending = 0), 0), COALESCE(SUM(pending = 1), 0) FROM attempts WHERE email = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql)?;
    let threshold = i64::from(rules::LOCKOUT_THRESHOLD);
    if failures >= threshold {
        // Only after a crash between a failure and its lock: lock now.
        return Err(lock_if_over(tx, key, now)?.unwrap_or_else(|| locked(rules::LOCKOUT_DURATION)));
    }
    if failures + running >= threshold {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO attempts (email, at, pending) VALUES (?1, ?2, 1)",
        params![key, now],
    )
    .map_err(sql)?;
    Ok(Some(Reservation(tx.last_insert_rowid())))
}

/// Ends a reserved check: a success removes the reservation; a failure turns it into a counted
/// failure, and when it is the 10th within 15 minutes the address is locked for 15 minutes
/// (its failures cleared): the `locked` error to answer is then returned.
pub fn settle(
    tx: &Transaction<'_>,
    key: &str,
    reservation: Reservation,
    succeeded: bool,
    now: i64,
) -> AppResult<Option<AppError>> {
    if succeeded {
        tx.execute("DELETE FROM attempts WHERE id = ?1", [reservation.0])
            .map_err(sql)?;
        return Ok(None);
    }
    tx.execute(
        "UPDATE attempts SET pending = 0, at = ?2 WHERE id = ?1",
        params![reservation.0, now],
    )
    .map_err(sql)?;
    lock_if_over(tx, key, now)
}

/// Counts a failed code check made inside the write transaction (no reservation needed: the
/// check and the count are one step); locks the address at the 10th failure as [`settle`].
pub fn record_failure(tx: &Transaction<'_>, key: &str, now: i64) -> AppResult<Option<AppError>> {
    tx.execute("INSERT INTO attempts (email, at) VALUES (?1, ?2)", params![key, now])
        .map_err(sql)?;
    lock_if_over(tx, key, now)
}

fn lock_if_over(tx: &Transaction<'_>, key: &str, now: i64) -> AppResult<Option<AppError>> {
    let count: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM attempts WHERE email = ?1 AND at > ?2 AND pending = 0",
            params![key, now - rules::LOCKOUT_WINDOW],
            |r| r.get(0),
        )
        .map_err(sql)?;
    if count < i64::from(rules::LOCKOUT_THRESHOLD) {
        return Ok(None);
    }
    let until = now + rules::LOCKOUT_DURATION;
    tx.execute(
        "INSERT INTO locks (email, locked_until) VALUES (?1, ?2) \
         ON CONFLICT (email) DO UPDATE SET locked_until = excluded.locked_until",
        params![key, until],
    )
    .map_err(sql)?;
    tx.execute("DELETE FROM attempts WHERE email = ?1 AND pending = 0", [key])
        .map_err(sql)?;
    event(
        tx,
        Some(key),
        "locked",
        serde_json::json!({ "until": at(until), "retry_after": rules::LOCKOUT_DURATION }),
        now,
    )?;
    tracing::warn!("account locked after repeated failures");
    Ok(Some(locked(rules::LOCKOUT_DURATION)))
}

/// Clears an address's lock and failure count (support's reset, `/mock/unlock`).
pub fn clear_lock(tx: &Transaction<'_>, key: &str) -> AppResult<bool> {
    let locks = tx.execute("DELETE FROM locks WHERE email = ?1", [key]).map_err(sql)?;
    let failures = tx
        .execute("DELETE FROM attempts WHERE email = ?1", [key])
        .map_err(sql)?;
    Ok(locks + failures > 0)
}

/// Failures counted for an address now (the window's `attempts` rows).
pub fn failure_count(conn: &rusqlite::Connection, key: &str, now: i64) -> AppResult<u32> {
    let count: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM attempts WHERE email = ?1 AND at > ?2 AND pending = 0",
            params![key, now - rules::LOCKOUT_WINDOW],
            |r| r.get(0),
        )
        .map_err(sql)?;
    Ok(u32::try_from(count).unwrap_or(0))
}

/// Writes one line of the event log (`GET /mock/events`): what happened, for a test suite to
/// assert on. `detail` never holds a password, secret, code or token.
pub fn event(
    tx: &Transaction<'_>,
    email: Option<&str>,
    kind: &str,
    detail: serde_json::Value,
    now: i64,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO events (at, email, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now, email, kind, detail.to_string()],
    )
    .map_err(sql)?;
    Ok(())
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

/// The per-address limit of code e-mails, checked before a new one is sent: no more than
/// [`rules::CODE_EMAILS_PER_HOUR`] per hour, and (when `spacing`) none while a code e-mailed to
/// the account less than [`rules::CODE_EMAIL_SPACING`] ago is still waiting to be used: 429
/// `too_many_codes` with `retry_after`. A code that was used (or voided by a wrong-code limit)
/// does not hold the next one back, so signing in with an e-mailed code and going straight on
/// to a step that e-mails another (enabling 2FA, a verified export) works, while repeated
/// sign-ins or resends without using the code do not flood the address. The enable wizard's
/// second code, asked for right after the first was answered, is not held to the spacing.
/// Counted on the mock clock.
pub fn ensure_email_budget(tx: &Transaction<'_>, account_id: i64, to: &str, spacing: bool, now: i64) -> AppResult<()> {
    let (count, oldest): (i64, Option<i64>) = tx
        .query_row(
            "SELECT COUNT(*), MIN(sent_at) FROM outbox \
             WHERE to_email = ?1 AND code IS NOT NULL AND sent_at > ?2 AND sent_at <= ?3",
            params![to, now - 3600, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql)?;
    let too_many =
        |wait: i64, detail: String| AppError::new(ProblemKind::TooManyCodes, detail).with("retry_after", wait.max(1));
    if count >= i64::from(rules::CODE_EMAILS_PER_HOUR) {
        let wait = oldest.map_or(3600, |t| t + 3600 - now);
        return Err(too_many(
            wait,
            format!(
                "{} codes were e-mailed to this address in the last hour; ask again in {wait} s.",
                rules::CODE_EMAILS_PER_HOUR
            ),
        ));
    }
    if !spacing {
        return Ok(());
    }
    let outstanding: Option<i64> = tx
        .query_row(
            "SELECT MAX(sent) FROM ( \
               SELECT code_sent_at AS sent FROM challenges WHERE account_id = ?1 AND state = 'open' \
                 AND code_hash IS NOT NULL AND code_sent_at > ?2 AND code_sent_at <= ?3 \
               UNION ALL \
               SELECT code_sent_at FROM enrollments WHERE account_id = ?1 AND state = 'open' \
                 AND code_hash IS NOT NULL AND code_sent_at > ?2 AND code_sent_at <= ?3)",
            params![account_id, now - rules::CODE_EMAIL_SPACING, now],
            |r| r.get(0),
        )
        .map_err(sql)?;
    if let Some(sent) = outstanding {
        let wait = sent + rules::CODE_EMAIL_SPACING - now;
        return Err(too_many(
            wait,
            format!(
                "A code was e-mailed to this address moments ago and is still unused; use it, or ask again in {wait} s."
            ),
        ));
    }
    Ok(())
}

/// A new challenge or enrollment voids the e-mailed codes of the account's older open ones:
/// only the newest code e-mailed works.
pub fn void_older_codes(tx: &Transaction<'_>, account_id: i64, keep: &str) -> AppResult<()> {
    tx.execute(
        "UPDATE challenges SET code_hash = NULL \
         WHERE account_id = ?1 AND id != ?2 AND state = 'open' AND code_hash IS NOT NULL",
        params![account_id, keep],
    )
    .map_err(sql)?;
    tx.execute(
        "UPDATE enrollments SET code_hash = NULL \
         WHERE account_id = ?1 AND id != ?2 AND state = 'open' AND code_hash IS NOT NULL",
        params![account_id, keep],
    )
    .map_err(sql)?;
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
