//! Tester controls (`/mock/…`, loopback only): the outbox, the clock, risk, what support does
//! for a lost device, and a full reset.

use rusqlite::{OptionalExtension, params};
use smartpush_core::{Secret, SecretString};
use zeroize::Zeroizing;

use super::challenge::unused_recovery_codes;
use super::{ACCOUNT_COLUMNS, account_by_email, account_from_row, at, send_email};
use crate::AppState;
use crate::clock::MAX_OFFSET_SECONDS;
use crate::config::rules;
use crate::crypto;
use crate::db::{TABLES, sql};
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{
    AccountSummary, ClockRequest, ClockView, EventView, MockAccountView, MockTwoFactorView, OutboxMessage, RiskLevel,
    SeedAccount, SeedTwoFactor, SeededAccount, SeededTwoFactor, SupportReset, TwoFactorMethod,
};

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
        frozen: state.clock().frozen(),
    }
}

/// Sets the clock to real time + `offset_seconds` (absolute), as [`change_clock`] does.
pub async fn set_clock(state: &AppState, offset_seconds: i64) -> AppResult<ClockView> {
    change_clock(
        state,
        ClockRequest {
            offset_seconds: Some(offset_seconds),
            ..ClockRequest::default()
        },
    )
    .await
}

/// `POST /mock/clock`: an absolute offset from real time, a frozen instant, or a step of the
/// running or frozen clock. Moving it back forgets the TOTP time steps recorded as used that
/// now lie in the future, so the codes of the time it now shows are not refused as "already
/// used" (nor counted towards the lockout).
pub async fn change_clock(state: &AppState, request: ClockRequest) -> AppResult<ClockView> {
    let before = state.now();
    let changed = match (request.offset_seconds, request.frozen_at, request.advance_seconds) {
        (Some(offset), None, None) => state.clock().set_offset(offset),
        (None, Some(frozen_at), None) => state.clock().freeze_at(frozen_at),
        (None, None, Some(step)) => state.clock().advance(step),
        _ => {
            return Err(AppError::new(
                ProblemKind::InvalidValue,
                "Send exactly one of offset_seconds, frozen_at and advance_seconds.",
            ));
        }
    };
    if !changed {
        return Err(AppError::new(
            ProblemKind::InvalidValue,
            format!("The clock must stay within ±{MAX_OFFSET_SECONDS} s of real time."),
        ));
    }
    let view = clock(state);
    let now = view.now_unix;
    let detail = serde_json::json!({
        "now": view.now,
        "offset_seconds": view.offset_seconds,
        "frozen": view.frozen,
    });
    state
        .db()
        .transaction(move |tx| {
            if now < before {
                let step = now.div_euclid(rules::TOTP_PERIOD);
                let forgotten = tx
                    .execute(
                        "UPDATE accounts SET last_totp_step = NULL WHERE last_totp_step > ?1",
                        [step],
                    )
                    .map_err(sql)?;
                if forgotten > 0 {
                    tracing::info!(forgotten, "clock moved back: future TOTP steps forgotten");
                }
            }
            super::event(tx, None, "clock_set", detail, now)
        })
        .await?;
    tracing::info!(
        offset_seconds = view.offset_seconds,
        frozen = view.frozen,
        "mock clock set"
    );
    Ok(view)
}

/// `POST /mock/unlock`: the account's lock and failure count are cleared.
pub async fn unlock(state: &AppState, email: &str) -> AppResult<()> {
    let key = super::throttle_key(email);
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_email(tx, &key)?.ok_or_else(unknown_account)?;
            super::clear_lock(tx, &account.email)?;
            super::event(tx, Some(&account.email), "unlocked", serde_json::json!({}), now)?;
            Ok(())
        })
        .await?;
    tracing::info!("account unlocked by the tester");
    Ok(())
}

/// `GET /mock/accounts`: every account as a test suite checks it (no secret, no hash).
pub async fn mock_accounts(state: &AppState) -> AppResult<Vec<MockAccountView>> {
    let now = state.now();
    state
        .db()
        .read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {ACCOUNT_COLUMNS}, created_at FROM accounts ORDER BY email"
                ))
                .map_err(sql)?;
            let rows = stmt
                .query_map([], |r| Ok((account_from_row(r)?, r.get::<_, i64>(9)?)))
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            let mut devices = conn
                .prepare("SELECT device_id FROM devices WHERE account_id = ?1 ORDER BY first_seen, device_id")
                .map_err(sql)?;
            rows.into_iter()
                .map(|(account, created_at)| {
                    let enabled = account.tfa_method.is_some();
                    let known_devices = devices
                        .query_map([account.id], |r| r.get::<_, String>(0))
                        .map_err(sql)?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(sql)?;
                    Ok(MockAccountView {
                        two_factor: MockTwoFactorView {
                            enabled,
                            method: account.tfa_method,
                            recovery_codes_remaining: if enabled {
                                unused_recovery_codes(conn, account.id)?
                            } else {
                                0
                            },
                        },
                        risk: account.risk,
                        locked_until: account.locked_until.filter(|until| *until > now).map(at),
                        failed_attempts: super::failure_count(conn, &account.email, now)?,
                        known_devices,
                        created_at: at(created_at),
                        email: account.email,
                    })
                })
                .collect()
        })
        .await
}

/// `POST /mock/accounts` (and `serve --seed`): an account that exists at once in the state
/// asked for, 2FA on without the wizard and without an e-mail. A given TOTP secret and
/// recovery codes are used as given; missing ones are generated. Answers the secrets, once.
pub async fn create_account(state: &AppState, request: SeedAccount) -> AppResult<SeededAccount> {
    let invalid = |detail: &str| AppError::new(ProblemKind::InvalidValue, detail.to_owned());
    let email = super::accounts::normalize_email(&request.email).ok_or_else(|| {
        AppError::new(
            ProblemKind::InvalidEmail,
            "Enter an e-mail address like name@example.com.",
        )
    })?;
    super::accounts::check_new_password(request.password.expose())?;
    let devices = request.known_devices.clone().unwrap_or_default();
    for device in &devices {
        super::sessions::check_device_id(device)?;
    }
    let mut secret = None;
    let mut codes = Vec::new();
    if let Some(two_factor) = &request.two_factor {
        secret = match (two_factor.method, &two_factor.secret) {
            (TwoFactorMethod::Totp, Some(text)) => Some(
                Secret::from_base32(text.expose())
                    .filter(|s| s.expose().len() >= 10)
                    .ok_or_else(|| invalid("two_factor.secret must be base32 of at least 80 bits."))?,
            ),
            (TwoFactorMethod::Totp, None) => Some(crypto::new_totp_secret()?),
            (TwoFactorMethod::Email, Some(_)) => {
                return Err(invalid("two_factor.secret is for the totp method only."));
            }
            (TwoFactorMethod::Email, None) => None,
        };
        codes = match &two_factor.recovery_codes {
            Some(given) => {
                if given.is_empty() || given.len() > 2 * rules::RECOVERY_CODE_COUNT {
                    return Err(invalid("two_factor.recovery_codes must hold 1 to 20 codes."));
                }
                given
                    .iter()
                    .map(|code| {
                        crypto::canonical_recovery_code(code.expose()).ok_or_else(|| {
                            invalid("each recovery code must be 12 characters from A-Z and 2-9 without 0, O, 1, I.")
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?
            }
            None => (0..rules::RECOVERY_CODE_COUNT)
                .map(|_| crypto::new_recovery_code())
                .collect::<AppResult<Vec<_>>>()?,
        };
    }
    let password_hash = state
        .hasher()
        .hash(Zeroizing::new(request.password.expose().as_bytes().to_vec()))
        .await?;
    let code_hashes = state.hasher().hash_all(codes.clone()).await?;
    let method = request.two_factor.as_ref().map(|t| t.method);
    let risk = request.risk.unwrap_or(RiskLevel::Low);
    let now = state.now();
    let stored_secret = secret.as_ref().map(|s| s.expose().to_vec());
    let stored_email = email.clone();
    state
        .db()
        .transaction(move |tx| {
            tx.execute(
                "INSERT INTO accounts (email, password_hash, created_at, tfa_method, tfa_enabled_at, totp_secret, risk) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    stored_email,
                    password_hash,
                    now,
                    method.map(|m| m.as_str()),
                    method.map(|_| now),
                    stored_secret,
                    risk.as_str()
                ],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => AppError::new(
                    ProblemKind::EmailTaken,
                    "An account with this e-mail already exists.",
                ),
                _ => sql(e),
            })?;
            let id = tx.last_insert_rowid();
            for hash in &code_hashes {
                tx.execute(
                    "INSERT INTO recovery_codes (account_id, hash) VALUES (?1, ?2)",
                    params![id, hash],
                )
                .map_err(sql)?;
            }
            for device in &devices {
                tx.execute(
                    "INSERT OR IGNORE INTO devices (account_id, device_id, first_seen) VALUES (?1, ?2, ?3)",
                    params![id, device, now],
                )
                .map_err(sql)?;
            }
            super::event(
                tx,
                Some(&stored_email),
                "signup",
                serde_json::json!({
                    "seeded": true,
                    "two_factor": method.map(|m| m.as_str()),
                    "risk": risk.as_str(),
                }),
                now,
            )
        })
        .await?;
    tracing::info!(method = method.map(|m| m.as_str()), "account seeded");
    let two_factor = method.map(|method| SeededTwoFactor {
        method,
        otpauth_uri: secret
            .as_ref()
            .map(|s| SecretString::new(super::enrollment::otpauth_uri(&email, s).as_str())),
        secret: secret.as_ref().map(|s| SecretString::new(s.to_base32().as_str())),
        recovery_codes: codes.iter().map(|c| SecretString::new(c.as_str())).collect(),
    });
    Ok(SeededAccount { email, two_factor })
}

/// The request that re-creates exactly this seeded account (secrets and codes filled in).
pub fn as_seed(request: &SeedAccount, created: &SeededAccount) -> SeedAccount {
    SeedAccount {
        email: created.email.clone(),
        password: request.password.clone(),
        two_factor: created.two_factor.as_ref().map(|t| SeedTwoFactor {
            method: t.method,
            secret: t.secret.clone(),
            recovery_codes: Some(t.recovery_codes.clone()),
        }),
        risk: request.risk,
        known_devices: request.known_devices.clone(),
    }
}

/// Creates the accounts the server was started with (`--demo`, `--seed`) unless they exist;
/// answers one line per account, saying which were already there.
pub async fn apply_startup(state: &AppState) -> AppResult<Vec<(String, bool)>> {
    let startup = state.startup();
    let mut created = Vec::new();
    if startup.demo {
        let new = super::accounts::ensure_demo_account(state).await?;
        created.push((super::accounts::DEMO_EMAIL.to_owned(), new));
    }
    for account in startup.seed {
        match create_account(state, account.clone()).await {
            Ok(done) => created.push((done.email, true)),
            Err(e) if e.kind() == ProblemKind::EmailTaken => {
                created.push((super::throttle_key(&account.email), false));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

/// `GET /mock/events`: the event log, oldest first (after an id, about one address).
pub async fn events(state: &AppState, after: Option<i64>, email: Option<String>) -> AppResult<Vec<EventView>> {
    let email = email.map(|e| super::throttle_key(&e));
    state
        .db()
        .read(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT id, at, email, kind, detail FROM events \
                     WHERE id > ?1 AND (?2 IS NULL OR email = ?2) ORDER BY id LIMIT 10000",
                )
                .map_err(sql)?;
            let rows = stmt
                .query_map(params![after.unwrap_or(0), email], |r| {
                    let detail: String = r.get(4)?;
                    Ok(EventView {
                        id: r.get(0)?,
                        at: at(r.get(1)?),
                        email: r.get(2)?,
                        kind: r.get(3)?,
                        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                    })
                })
                .map_err(sql)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sql)
        })
        .await
}

/// The longest wait of `GET /mock/outbox/next`.
pub const OUTBOX_WAIT_MAX: u64 = 30;

/// `GET /mock/outbox/next`: the first message to `to` newer than message `after` (or than the
/// call), as soon as it is in the outbox; `None` after `timeout` seconds (at most 30).
pub async fn outbox_next(
    state: &AppState,
    to: &str,
    after: Option<i64>,
    timeout: u64,
) -> AppResult<Option<OutboxMessage>> {
    let to = to.trim().to_lowercase();
    let after = match after {
        Some(after) => after,
        None => {
            state
                .db()
                .read(|conn| {
                    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0))
                        .map_err(sql)
                })
                .await?
        }
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(timeout.min(OUTBOX_WAIT_MAX));
    loop {
        let to = to.clone();
        let found = state
            .db()
            .read(move |conn| {
                conn.query_row(
                    "SELECT id, to_email, subject, body, code, sent_at FROM outbox \
                     WHERE to_email = ?1 AND id > ?2 ORDER BY id LIMIT 1",
                    params![to, after],
                    |r| {
                        Ok(OutboxMessage {
                            id: r.get(0)?,
                            to: r.get(1)?,
                            subject: r.get(2)?,
                            body: r.get(3)?,
                            code: r.get(4)?,
                            sent_at: at(r.get(5)?),
                        })
                    },
                )
                .optional()
                .map_err(sql)
            })
            .await?;
        if found.is_some() || tokio::time::Instant::now() >= deadline {
            return Ok(found);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `POST /mock/risk`: the account's risk, applied to its open sessions too.
pub async fn set_risk(state: &AppState, email: &str, level: RiskLevel) -> AppResult<()> {
    let email = email.trim().to_lowercase();
    let now = state.now();
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
            super::event(
                tx,
                Some(&account.email),
                "risk_set",
                serde_json::json!({ "level": level.as_str() }),
                now,
            )?;
            tracing::info!(account_id = account.id, level = level.as_str(), "mock risk set");
            Ok(())
        })
        .await
}

/// `POST /mock/support/reset-2fa`: 2FA off (secret and recovery codes deleted), the account's
/// sessions ended and its lock cleared, and an e-mail to the user, as SmartPush support does
/// for a lost device.
pub async fn support_reset_2fa(state: &AppState, email: &str) -> AppResult<SupportReset> {
    let email = email.trim().to_lowercase();
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_email(tx, &email)?.ok_or_else(unknown_account)?;
            super::disable::turn_off(tx, account.id)?;
            let sessions = tx
                .execute("DELETE FROM sessions WHERE account_id = ?1", [account.id])
                .map_err(sql)?;
            super::clear_lock(tx, &account.email)?;
            super::event(
                tx,
                Some(&account.email),
                "support_reset",
                serde_json::json!({ "sessions_ended": sessions }),
                now,
            )?;
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

/// `POST /mock/reset`: empties every table, puts the clock back to real time, then re-creates
/// what the server was started with (`--demo`, `--seed`).
pub async fn reset(state: &AppState) -> AppResult<()> {
    state.clock().set_offset(0);
    state
        .db()
        .transaction(|tx| {
            for table in TABLES {
                tx.execute(&format!("DELETE FROM {table}"), []).map_err(sql)?;
            }
            Ok(())
        })
        .await?;
    apply_startup(state).await?;
    tracing::info!("mock reset");
    Ok(())
}
