//! Verification challenges: the second step of a sign-in, of disabling 2FA and of a
//! high-risk export. One code path answers all three, so every rule holds everywhere: the
//! method must be offered, e-mail codes expire and are single-use, TOTP codes are checked
//! ±1 step and never accepted twice, recovery codes work once, 5 wrong codes void the
//! challenge, and failures count towards the account lock.

use rusqlite::{OptionalExtension, Transaction, params};
use zeroize::Zeroizing;

use super::{AccountRow, account_by_id, ensure_unlocked, event, record_failure, send_email};
use crate::AppState;
use crate::config::rules;
use crate::crypto::{self, TotpCheck};
use crate::db::sql;
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{Method, RiskLevel, VerifyRequest};

/// What a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The second step of a sign-in (answered without a session).
    SignIn,
    /// Disabling 2FA (bound to the session that started it).
    Disable,
    /// A high-risk export (bound to the session that asked for it).
    Export,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::Disable => "disable",
            Purpose::Export => "export",
        }
    }

    fn email_subject(self) -> &'static str {
        match self {
            Purpose::SignIn => "Your SmartPush sign-in verification code",
            Purpose::Disable => "Your code to disable two-step verification",
            Purpose::Export => "Your code to confirm a SmartPush data export",
        }
    }

    fn email_purpose(self) -> &'static str {
        match self {
            Purpose::SignIn => "for signing in",
            Purpose::Disable => "for disabling two-step verification",
            Purpose::Export => "for exporting data",
        }
    }
}

/// The state of a challenge row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeState {
    /// Waiting for a code.
    Open,
    /// A code was accepted; a disable challenge now waits for the confirmation.
    Verified,
    /// Completed: it cannot be used again.
    Done,
    /// Voided after too many wrong codes.
    Void,
}

impl ChallengeState {
    fn parse(name: &str) -> ChallengeState {
        match name {
            "open" => ChallengeState::Open,
            "verified" => ChallengeState::Verified,
            "done" => ChallengeState::Done,
            _ => ChallengeState::Void,
        }
    }
}

/// A challenge as stored.
#[derive(Debug, Clone)]
pub struct ChallengeRow {
    /// The id (a capability: 128 random bits).
    pub id: String,
    /// The account.
    pub account_id: i64,
    /// The methods it accepts.
    pub methods: Vec<Method>,
    /// Sign-in: the risk the new session inherits.
    pub risk: RiskLevel,
    /// Sign-in: the device to remember once completed.
    pub device_id: Option<String>,
    /// Export: what to export.
    pub export_kind: Option<String>,
    /// When it expires.
    pub expires_at: i64,
    /// Wrong codes so far.
    pub attempts: u32,
    /// Its state.
    pub state: ChallengeState,
    code_hash: Option<Vec<u8>>,
    code_expires_at: Option<i64>,
    code_sent_at: Option<i64>,
}

/// Options of a new challenge.
#[derive(Debug, Clone, Default)]
pub struct NewChallenge {
    /// Disable/export: the session it is bound to.
    pub session_hash: Option<[u8; 32]>,
    /// Sign-in: the risk the session will inherit.
    pub risk: Option<RiskLevel>,
    /// Sign-in: the device.
    pub device_id: Option<String>,
    /// Export: the kind.
    pub export_kind: Option<String>,
}

/// Creates a challenge; when it accepts `email`, a code is e-mailed now.
pub fn create(
    tx: &Transaction<'_>,
    account: &AccountRow,
    purpose: Purpose,
    methods: &[Method],
    options: NewChallenge,
    now: i64,
) -> AppResult<ChallengeRow> {
    if methods.contains(&Method::Email) {
        super::ensure_email_budget(tx, account.id, &account.email, true, now)?;
    }
    let id = crypto::new_id()?;
    let methods_text = methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",");
    let risk = options.risk.unwrap_or(RiskLevel::Low);
    tx.execute(
        "INSERT INTO challenges (id, account_id, purpose, session_hash, methods, risk, device_id, export_kind, \
         created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            account.id,
            purpose.as_str(),
            options.session_hash.map(|h| h.to_vec()),
            methods_text,
            risk.as_str(),
            options.device_id,
            options.export_kind,
            now,
            now + rules::CHALLENGE_TTL
        ],
    )
    .map_err(sql)?;
    super::void_older_codes(tx, account.id, &id)?;
    if methods.contains(&Method::Email) {
        email_new_code(tx, &id, purpose, &account.email, now)?;
    }
    let kind = match purpose {
        Purpose::Export => "step_up_required",
        Purpose::SignIn | Purpose::Disable => "challenge_sent",
    };
    event(
        tx,
        Some(&account.email),
        kind,
        serde_json::json!({
            "purpose": purpose.as_str(),
            "methods": methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "risk": risk.as_str(),
        }),
        now,
    )?;
    load(tx, &id, purpose, options.session_hash.as_ref())?.ok_or_else(|| AppError::internal("a new challenge vanished"))
}

/// Generates a fresh e-mail code for the challenge (voiding the previous one), extends the
/// challenge to the code's lifetime and sends the e-mail.
fn email_new_code(tx: &Transaction<'_>, id: &str, purpose: Purpose, to: &str, now: i64) -> AppResult<i64> {
    let code = crypto::new_email_code()?;
    let expires = now + rules::EMAIL_CODE_TTL;
    tx.execute(
        "UPDATE challenges SET code_hash = ?2, code_expires_at = ?3, code_sent_at = ?4, \
         expires_at = MAX(expires_at, ?3) WHERE id = ?1",
        params![id, crypto::email_code_hash(id, &code).to_vec(), expires, now],
    )
    .map_err(sql)?;
    send_email(
        tx,
        to,
        purpose.email_subject(),
        &super::code_email_body(purpose.email_purpose(), &code),
        Some(&code),
        now,
    )?;
    Ok(expires)
}

/// Loads a challenge of `purpose`; for session-bound purposes only the session's own.
pub fn load(
    conn: &rusqlite::Connection,
    id: &str,
    purpose: Purpose,
    session_hash: Option<&[u8; 32]>,
) -> AppResult<Option<ChallengeRow>> {
    Ok(load_raw(conn, id)?.and_then(|(challenge, session, row_purpose)| {
        let session_ok = match session_hash {
            None => true,
            Some(expected) => session.as_deref().is_some_and(|s| crypto::ct_eq(s, expected)),
        };
        (row_purpose == purpose && session_ok).then_some(challenge)
    }))
}

/// Loads a challenge of any purpose.
pub fn load_any(conn: &rusqlite::Connection, id: &str) -> AppResult<Option<(ChallengeRow, Purpose)>> {
    Ok(load_raw(conn, id)?.map(|(challenge, _, purpose)| (challenge, purpose)))
}

type RawChallenge = (ChallengeRow, Option<Vec<u8>>, Purpose);

fn load_raw(conn: &rusqlite::Connection, id: &str) -> AppResult<Option<RawChallenge>> {
    let row = conn
        .query_row(
            "SELECT id, account_id, methods, risk, device_id, export_kind, expires_at, attempts, state, \
             code_hash, code_expires_at, code_sent_at, session_hash, purpose FROM challenges WHERE id = ?1",
            [id],
            |r| {
                let methods: String = r.get(2)?;
                let risk: String = r.get(3)?;
                let state: String = r.get(8)?;
                let attempts: i64 = r.get(7)?;
                let purpose: String = r.get(13)?;
                let purpose = match purpose.as_str() {
                    "sign_in" => Purpose::SignIn,
                    "disable" => Purpose::Disable,
                    _ => Purpose::Export,
                };
                Ok((
                    ChallengeRow {
                        id: r.get(0)?,
                        account_id: r.get(1)?,
                        methods: methods.split(',').filter_map(Method::parse).collect(),
                        risk: RiskLevel::parse(&risk),
                        device_id: r.get(4)?,
                        export_kind: r.get(5)?,
                        expires_at: r.get(6)?,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                        state: ChallengeState::parse(&state),
                        code_hash: r.get(9)?,
                        code_expires_at: r.get(10)?,
                        code_sent_at: r.get(11)?,
                    },
                    r.get::<_, Option<Vec<u8>>>(12)?,
                    purpose,
                ))
            },
        )
        .optional()
        .map_err(sql)?;
    Ok(row)
}

/// 404 for an id that is not an open challenge of this kind (for this session).
pub fn unknown() -> AppError {
    AppError::new(
        ProblemKind::UnknownChallenge,
        "There is no such verification challenge; start again.",
    )
}

/// Refuses a challenge that is not waiting for a code: expired, voided or completed (410).
pub fn ensure_open(challenge: &ChallengeRow, now: i64) -> AppResult<()> {
    match challenge.state {
        ChallengeState::Void => Err(AppError::new(
            ProblemKind::Expired,
            "Too many wrong codes voided this verification; start again.",
        )),
        ChallengeState::Done | ChallengeState::Verified => Err(AppError::new(
            ProblemKind::Expired,
            "This verification was already completed; start again.",
        )),
        ChallengeState::Open if challenge.expires_at <= now => Err(AppError::new(
            ProblemKind::Expired,
            "This verification expired; start again.",
        )),
        ChallengeState::Open => Ok(()),
    }
}

/// The result of a successful answer, handed to the purpose's completion.
#[derive(Debug)]
pub struct Answered<'a> {
    /// The challenge (still in its pre-answer state in the database).
    pub challenge: &'a ChallengeRow,
    /// The account.
    pub account: &'a AccountRow,
    /// The method that succeeded.
    pub method: Method,
    /// The unused recovery codes left, when one was just used.
    pub recovery_codes_remaining: Option<u32>,
}

/// Answers a challenge of `purpose` (bound to `session_hash` when given). On success, runs
/// `complete` in the same transaction that consumed the code.
pub async fn answer<T, F>(
    state: &AppState,
    purpose: Purpose,
    session_hash: Option<[u8; 32]>,
    request: VerifyRequest,
    complete: F,
) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>, Answered<'_>, i64) -> AppResult<T> + Send + 'static,
{
    let VerifyRequest {
        challenge_id,
        method,
        code,
    } = request;
    let code = Zeroizing::new(code.expose().to_owned());

    // 1. The challenge must exist, be open, offer the method; the account must be unlocked.
    let now = state.now();
    let id = challenge_id.clone();
    let recovery_hashes = state
        .db()
        .read(move |conn| {
            let challenge = load(conn, &id, purpose, session_hash.as_ref())?.ok_or_else(unknown)?;
            let account = account_by_id(conn, challenge.account_id)?;
            ensure_unlocked(&account, now)?;
            ensure_open(&challenge, now)?;
            if !challenge.methods.contains(&method) {
                return Err(unsupported_method(&challenge.methods));
            }
            if method != Method::RecoveryCode {
                return Ok(Vec::new());
            }
            let mut stmt = conn
                // Used codes too (unused first), so a code typed again is answered "already used"
                // rather than "incorrect".
                .prepare("SELECT id, hash FROM recovery_codes WHERE account_id = ?1 ORDER BY used_at IS NOT NULL, id")
                .map_err(sql)?;
            let rows = stmt
                .query_map([account.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(sql)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sql)
        })
        .await?;

    // 2. A recovery code is matched against the Argon2id hashes outside the database.
    let recovery_id = if method == Method::RecoveryCode {
        match crypto::canonical_recovery_code(&code) {
            None => None,
            Some(canonical) => {
                let (ids, hashes): (Vec<i64>, Vec<String>) = recovery_hashes.into_iter().unzip();
                let bytes = Zeroizing::new(canonical.as_bytes().to_vec());
                state
                    .hasher()
                    .find(bytes, hashes)
                    .await?
                    .and_then(|i| ids.get(i).copied())
            }
        }
    } else {
        None
    };

    // 3. Consume the code (or count the failure) atomically, then complete.
    let now = state.now();
    state
        .db()
        .transaction_keep(move |tx| {
            let challenge = load(tx, &challenge_id, purpose, session_hash.as_ref())?.ok_or_else(unknown)?;
            let account = account_by_id(tx, challenge.account_id)?;
            ensure_unlocked(&account, now)?;
            ensure_open(&challenge, now)?;
            let outcome = match method {
                Method::Totp => match &account.totp_secret {
                    Some(secret) => match crypto::check_totp(secret, &code, now, account.last_totp_step) {
                        TotpCheck::Accepted(step) => {
                            tx.execute(
                                "UPDATE accounts SET last_totp_step = ?2 WHERE id = ?1",
                                params![account.id, step],
                            )
                            .map_err(sql)?;
                            CodeOutcome::Accepted
                        }
                        TotpCheck::Replayed => CodeOutcome::Wrong(Some("replayed")),
                        TotpCheck::Wrong => CodeOutcome::Wrong(None),
                    },
                    None => CodeOutcome::Wrong(None),
                },
                Method::Email => check_email_code(
                    &challenge.id,
                    challenge.code_hash.as_deref(),
                    challenge.code_expires_at,
                    &code,
                    now,
                ),
                Method::RecoveryCode => match recovery_id {
                    Some(id) => {
                        let used = tx
                            .execute(
                                "UPDATE recovery_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
                                params![id, now],
                            )
                            .map_err(sql)?;
                        if used == 1 {
                            CodeOutcome::Accepted
                        } else {
                            CodeOutcome::Wrong(Some("used"))
                        }
                    }
                    None => CodeOutcome::Wrong(None),
                },
            };
            match outcome {
                CodeOutcome::Accepted => {
                    let recovery_codes_remaining = if method == Method::RecoveryCode {
                        Some(unused_recovery_codes(tx, account.id)?)
                    } else {
                        None
                    };
                    if method == Method::Email {
                        tx.execute("UPDATE challenges SET code_hash = NULL WHERE id = ?1", [&challenge.id])
                            .map_err(sql)?;
                    }
                    let kind = match purpose {
                        Purpose::Export => "step_up_succeeded",
                        Purpose::SignIn | Purpose::Disable => "second_factor_succeeded",
                    };
                    event(
                        tx,
                        Some(&account.email),
                        kind,
                        serde_json::json!({ "purpose": purpose.as_str(), "method": method.as_str() }),
                        now,
                    )?;
                    if let Some(remaining) = recovery_codes_remaining {
                        event(
                            tx,
                            Some(&account.email),
                            "recovery_code_used",
                            serde_json::json!({ "purpose": purpose.as_str(), "remaining": remaining }),
                            now,
                        )?;
                    }
                    tracing::info!(
                        account_id = account.id,
                        method = method.as_str(),
                        purpose = purpose.as_str(),
                        "challenge answered"
                    );
                    complete(
                        tx,
                        Answered {
                            challenge: &challenge,
                            account: &account,
                            method,
                            recovery_codes_remaining,
                        },
                        now,
                    )
                }
                CodeOutcome::Expired => Err(AppError::new(
                    ProblemKind::InvalidCode,
                    "The code has expired; ask for a new one.",
                )
                .with("reason", "expired")
                .with(
                    "attempts_remaining",
                    rules::MAX_CODE_ATTEMPTS.saturating_sub(challenge.attempts),
                )),
                CodeOutcome::Wrong(reason) => Err(wrong_code(
                    tx,
                    Table::Challenges,
                    &challenge.id,
                    challenge.attempts,
                    (account.id, &account.email),
                    reason,
                    now,
                )?),
            }
        })
        .await
}

/// 422 naming the methods the challenge accepts.
fn unsupported_method(methods: &[Method]) -> AppError {
    let names: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
    AppError::new(
        ProblemKind::UnsupportedMethod,
        format!("This verification accepts: {}.", names.join(", ")),
    )
    .with("methods", names)
}

/// What checking a code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeOutcome {
    /// Right.
    Accepted,
    /// The e-mail code's 10 minutes are over (not counted as a failure: nothing was guessed).
    Expired,
    /// Wrong, with the reason to report when it is more than "wrong".
    Wrong(Option<&'static str>),
}

/// Checks an e-mailed code against its stored hash (constant time) and expiry.
pub(crate) fn check_email_code(
    owner_id: &str,
    stored: Option<&[u8]>,
    expires_at: Option<i64>,
    code: &str,
    now: i64,
) -> CodeOutcome {
    let Some(stored) = stored else {
        // No code outstanding (already used): whatever was typed is wrong.
        return CodeOutcome::Wrong(None);
    };
    if expires_at.is_none_or(|t| t <= now) {
        return CodeOutcome::Expired;
    }
    let typed = crypto::email_code_hash(owner_id, code.trim());
    if crypto::ct_eq(&typed, stored) {
        CodeOutcome::Accepted
    } else {
        CodeOutcome::Wrong(None)
    }
}

/// The tables whose rows count wrong codes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Table {
    Challenges,
    Enrollments,
}

/// Counts a wrong code: on the challenge or enrollment (voided at the 5th) and towards the
/// account lock. Returns the error to answer: `locked` when this failure locked the account,
/// else `invalid_code` with `attempts_remaining`.
pub(crate) fn wrong_code(
    tx: &Transaction<'_>,
    table: Table,
    id: &str,
    attempts_before: u32,
    (account_id, email): (i64, &str),
    reason: Option<&'static str>,
    now: i64,
) -> AppResult<AppError> {
    let attempts = attempts_before.saturating_add(1);
    let void = attempts >= rules::MAX_CODE_ATTEMPTS;
    let table_name = match table {
        Table::Challenges => "challenges",
        Table::Enrollments => "enrollments",
    };
    tx.execute(
        &format!(
            "UPDATE {table_name} SET attempts = ?2, state = CASE WHEN ?3 THEN 'void' ELSE state END WHERE id = ?1"
        ),
        params![id, attempts, void],
    )
    .map_err(sql)?;
    let kind = match table {
        Table::Challenges => "second_factor_failed",
        Table::Enrollments => "enrollment_code_failed",
    };
    event(
        tx,
        Some(email),
        kind,
        serde_json::json!({ "reason": reason.unwrap_or("wrong"), "attempts": attempts, "voided": void }),
        now,
    )?;
    if let Some(lock) = record_failure(tx, email, now)? {
        return Ok(lock);
    }
    let remaining = rules::MAX_CODE_ATTEMPTS.saturating_sub(attempts);
    let detail = match (void, reason) {
        (true, _) => "The code is incorrect. Too many wrong codes: this verification is void; start again.",
        (false, Some("replayed")) => "This code was already used; wait for the next one.",
        (false, Some("used")) => "This recovery code was already used.",
        (false, _) => "The code is incorrect.",
    };
    let mut error = AppError::new(ProblemKind::InvalidCode, detail).with("attempts_remaining", remaining);
    if void {
        error = error.with("reason", "voided");
    } else if let Some(reason) = reason {
        error = error.with("reason", reason);
    }
    tracing::info!(account_id, attempts, void, "wrong code");
    Ok(error)
}

/// Unused recovery codes of the account.
pub fn unused_recovery_codes(conn: &rusqlite::Connection, account_id: i64) -> AppResult<u32> {
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL",
            [account_id],
            |r| r.get(0),
        )
        .map_err(sql)?;
    Ok(u32::try_from(n).unwrap_or(0))
}

/// `POST /api/challenges/{id}/resend`: a new e-mail code, voiding the previous one, at most
/// once per [`rules::RESEND_COOLDOWN`]. Returns when the new code expires.
pub async fn resend(state: &AppState, challenge_id: String) -> AppResult<(i64, i64)> {
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let (challenge, purpose) = load_any(tx, &challenge_id)?.ok_or_else(unknown)?;
            ensure_open(&challenge, now)?;
            let account = account_by_id(tx, challenge.account_id)?;
            ensure_unlocked(&account, now)?;
            if !challenge.methods.contains(&Method::Email) {
                return Err(AppError::new(
                    ProblemKind::ResendUnavailable,
                    "This verification uses an authenticator app or a recovery code; no e-mail is sent.",
                ));
            }
            ensure_cooldown_over(challenge.code_sent_at, now)?;
            super::ensure_email_budget(tx, account.id, &account.email, false, now)?;
            let expires = email_new_code(tx, &challenge.id, purpose, &account.email, now)?;
            Ok((expires, rules::RESEND_COOLDOWN))
        })
        .await
}

/// 429 `resend_cooldown` within 30 s of the last code.
pub(crate) fn ensure_cooldown_over(last_sent: Option<i64>, now: i64) -> AppResult<()> {
    match last_sent {
        Some(sent) if now < sent + rules::RESEND_COOLDOWN => {
            let wait = sent + rules::RESEND_COOLDOWN - now;
            Err(AppError::new(
                ProblemKind::ResendCooldown,
                format!("A code was sent moments ago; ask again in {wait} s."),
            )
            .with("retry_after", wait))
        }
        _ => Ok(()),
    }
}
