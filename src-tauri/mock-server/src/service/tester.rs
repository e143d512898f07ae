//! Tester controls (`/mock/…`, loopback only): the outbox, the clock, risk, what support does
//! for a lost device, and a full reset.

use rusqlite::params;

use super::challenge::unused_recovery_codes;
use super::{ACCOUNT_COLUMNS, account_by_email, account_from_row, at, send_email};
use crate::AppState;
use crate::clock::MAX_OFFSET_SECONDS;
use crate::db::{TABLES, sql};
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{AccountSummary, ClockView, OutboxMessage, RiskLevel, SupportReset};

fn unknown_account() -> AppError {
    AppError::new(ProblemKind::UnknownAccount, "There is no account with this e-mail.")
}

/// `GET /mock/outbox[?to=EMAIL]`: e-mails, newest first.
pub async fn outbox(state: &AppState, to: Option<String>) -> AppResult<Vec<OutboxMessage>> {
    let to = to.map(|t| t.trim().to_lowercase());
    state
        .db()
        .read(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT id, to_email, subject, body, code, sent_at FROM outbox \
                     WHERE ?1 IS NULL OR to_email = ?1 ORDER BY id DESC",
                )
                .map_err(sql)?;
            let rows = stmt
                .query_map([to], |r| {
                    Ok(OutboxMessage {
                        id: r.get(0)?,
                        to: r.get(1)?,
                        subject: r.get(2)?,
                        body: r.get(3)?,
                        code: r.get(4)?,
                        sent_at: at(r.get(5)?),
                    })
                })
                .map_err(sql)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sql)
        })
        .await
}

/// Every account, by e-mail, as the desktop app's server panel lists it: 2FA on or off, risk,
/// unused recovery codes, a lock in force. Reads no secret out of the row into the answer.
pub async fn accounts(state: &AppState) -> AppResult<Vec<AccountSummary>> {
    let now = state.now();
    state
        .db()
        .read(move |conn| {
            let mut stmt = conn
                .prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY email"))
                .map_err(sql)?;
            let rows = stmt
                .query_map([], account_from_row)
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            rows.into_iter()
                .map(|account| {
                    let enabled = account.tfa_method.is_some();
                    Ok(AccountSummary {
                        recovery_codes_remaining: if enabled {
                            unused_recovery_codes(conn, account.id)?
                        } else {
                            0
                        },
                        two_factor_enabled: enabled,
                        method: account.tfa_method,
                        risk: account.risk,
                        locked_until: account.locked_until.filter(|until| *until > now).map(at),
                        email: account.email,
                    })
                })
                .collect()
        })
        .await
}

/// `DELETE /mock/outbox`.
pub async fn clear_outbox(state: &AppState) -> AppResult<()> {
    state
        .db()
        .transaction(|tx| tx.execute("DELETE FROM outbox", []).map(drop).map_err(sql))
        .await
}

/// The clock now.
pub fn clock(state: &AppState) -> ClockView {
    let now = state.now();
    ClockView {
        offset_seconds: state.clock().offset(),
        now: at(now),
        now_unix: now,
    }
}

/// `POST /mock/clock`: real time + `offset_seconds` (absolute).
pub fn set_clock(state: &AppState, offset_seconds: i64) -> AppResult<ClockView> {
    if !state.clock().set_offset(offset_seconds) {
        return Err(AppError::new(
            ProblemKind::InvalidValue,
            format!("offset_seconds must be within ±{MAX_OFFSET_SECONDS}."),
        ));
    }
    tracing::info!(offset_seconds, "mock clock set");
    Ok(clock(state))
}

/// `POST /mock/risk`: the account's risk, applied to its open sessions too.
pub async fn set_risk(state: &AppState, email: &str, level: RiskLevel) -> AppResult<()> {
    let email = email.trim().to_lowercase();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_email(tx, &email)?.ok_or_else(unknown_account)?;
            tx.execute(
                "UPDATE accounts SET risk = ?2 WHERE id = ?1",
                params![account.id, level.as_str()],
            )
            .map_err(sql)?;
            tx.execute(
                "UPDATE sessions SET risk = ?2 WHERE account_id = ?1",
                params![account.id, level.as_str()],
            )
            .map_err(sql)?;
            tracing::info!(account_id = account.id, level = level.as_str(), "mock risk set");
            Ok(())
        })
        .await
}

/// `POST /mock/support/reset-2fa`: 2FA off (secret and recovery codes deleted) and an e-mail
/// to the user, as SmartPush support does for a lost device.
pub async fn support_reset_2fa(state: &AppState, email: &str) -> AppResult<SupportReset> {
    let email = email.trim().to_lowercase();
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_email(tx, &email)?.ok_or_else(unknown_account)?;
            super::disable::turn_off(tx, account.id)?;
            send_email(
                tx,
                &account.email,
                "SmartPush support reset your two-step verification",
                "At your request, SmartPush support turned off Two-Factor Authentication on your account. \
                 Sign in with your password and enable two-step verification again.",
                None,
                now,
            )?;
            tracing::info!(account_id = account.id, "support reset 2FA");
            Ok(SupportReset {
                email: account.email,
                two_factor_enabled: false,
            })
        })
        .await
}

/// `POST /mock/reset`: empties every table.
pub async fn reset(state: &AppState) -> AppResult<()> {
    state
        .db()
        .transaction(|tx| {
            for table in TABLES {
                tx.execute(&format!("DELETE FROM {table}"), []).map_err(sql)?;
            }
            Ok(())
        })
        .await?;
    tracing::info!("mock reset");
    Ok(())
}
