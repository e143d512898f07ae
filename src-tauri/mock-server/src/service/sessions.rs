//! Sign-in (password, then a challenge when 2FA is on or the risk is high), sessions and
//! sign-out.

use rusqlite::{OptionalExtension, Transaction, params};
use smartpush_core::SecretString;
use zeroize::Zeroizing;

use super::challenge::{self, NewChallenge, Purpose};
use super::{AccountRow, account_by_email, account_by_id, at, ensure_unlocked, event, reserve_check, settle};
use crate::AppState;
use crate::config::rules;
use crate::crypto;
use crate::db::sql;
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{Method, RiskLevel, SignIn, SignInStatus, VerifyRequest};

/// A signed-in session, as an authenticated request sees it.
#[derive(Clone)]
pub struct SessionInfo {
    /// SHA-256 of the bearer token (the token itself is never kept).
    pub token_hash: [u8; 32],
    /// The account.
    pub account_id: i64,
    /// Its address.
    pub email: String,
    /// The session's risk level.
    pub risk: RiskLevel,
    /// Step-up for exports lasts until then.
    pub step_up_until: Option<i64>,
}

impl std::fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionInfo")
            .field("account_id", &self.account_id)
            .field("risk", &self.risk)
            .finish_non_exhaustive()
    }
}

/// The session of a bearer token; 401 `unauthorized` when it is unknown, signed out or expired.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<SessionInfo> {
    let token_hash = crypto::sha256(token.as_bytes());
    let now = state.now();
    state
        .db()
        .read(move |conn| {
            conn.query_row(
                "SELECT s.account_id, a.email, s.risk, s.step_up_until, s.expires_at \
                 FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?1",
                [token_hash.to_vec()],
                |r| {
                    let risk: String = r.get(2)?;
                    Ok((
                        SessionInfo {
                            token_hash,
                            account_id: r.get(0)?,
                            email: r.get(1)?,
                            risk: RiskLevel::parse(&risk),
                            step_up_until: r.get(3)?,
                        },
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(sql)
        })
        .await?
        .filter(|(_, expires_at)| *expires_at > now)
        .map(|(session, _)| session)
        .ok_or_else(|| {
            AppError::new(
                ProblemKind::Unauthorized,
                "Sign in first: the bearer token is missing, unknown, signed out or expired.",
            )
        })
}

fn invalid_credentials() -> AppError {
    AppError::new(ProblemKind::InvalidCredentials, "The e-mail or password is incorrect.")
}

/// Where a password is checked: signing in, or confirming who you are inside a signed-in flow
/// (enabling or disabling 2FA), where a wrong password is not a lost session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PasswordCheck {
    /// `POST /api/session`: a wrong password answers 401 `invalid_credentials`.
    SignIn,
    /// Step 1 of enabling or disabling 2FA: 403 `wrong_password`.
    Reauthenticate(&'static str),
}

impl PasswordCheck {
    fn refusal(self) -> AppError {
        match self {
            PasswordCheck::SignIn => invalid_credentials(),
            PasswordCheck::Reauthenticate(_) => AppError::new(ProblemKind::WrongPassword, "The password is incorrect."),
        }
    }

    fn failed_event(self) -> (&'static str, serde_json::Value) {
        match self {
            PasswordCheck::SignIn => ("signin_failed", serde_json::json!({ "reason": "wrong_password" })),
            PasswordCheck::Reauthenticate(purpose) => (
                "password_failed",
                serde_json::json!({ "reason": "wrong_password", "purpose": purpose }),
            ),
        }
    }
}

/// Checks a password for the address `key` (the account's, or the address typed at sign-in):
/// reserves the check first ([`reserve_check`], in one write transaction with the look-up of
/// the lock and of the account, so no more than 10 checks run per window whatever the
/// concurrency and a locked address gets `locked` whatever the password), then hashes off the
/// async threads (an unknown address against a dummy hash: same time, same answers, lockout
/// included), then settles the reservation. Returns the account the password opened.
pub(crate) async fn check_password(
    state: &AppState,
    key: String,
    password: &SecretString,
    check: PasswordCheck,
) -> AppResult<AccountRow> {
    // A check waits while the failures and the checks running make the threshold (see
    // `reserve_check`); the running ones end within a hash time, so this wait is short.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let (reservation, account) = loop {
        // Registered before trying, so a check ending meanwhile is not missed.
        let settled = state.checks_settled().notified();
        let now = state.now();
        let reserve_key = key.clone();
        let reserved = state
            .db()
            .transaction_keep(move |tx| match reserve_check(tx, &reserve_key, now) {
                Ok(Some(reservation)) => Ok(Some((reservation, account_by_email(tx, &reserve_key)?))),
                Ok(None) => Ok(None),
                Err(refusal) => {
                    let kind = match check {
                        PasswordCheck::SignIn => "signin_failed",
                        PasswordCheck::Reauthenticate(_) => "password_failed",
                    };
                    event(
                        tx,
                        Some(&reserve_key),
                        kind,
                        serde_json::json!({ "reason": "locked" }),
                        now,
                    )?;
                    Err(refusal)
                }
            })
            .await?;
        match reserved {
            Some(reserved) => break reserved,
            None if tokio::time::Instant::now() < deadline => {
                let _ = tokio::time::timeout(std::time::Duration::from_millis(100), settled).await;
            }
            None => return Err(super::locked(rules::LOCKOUT_DURATION)),
        }
    };
    let bytes = Zeroizing::new(password.expose().as_bytes().to_vec());
    let too_long = password.expose().len() > rules::PASSWORD_MAX_BYTES;
    let verified = match &account {
        Some(account) if !too_long => state.hasher().verify(bytes, account.password_hash.clone()).await,
        _ => state.hasher().verify_dummy(bytes).await,
    };
    let ok = matches!(verified, Ok(true)) && account.is_some();
    // A check that could not run (an internal error) is not counted against the address.
    let uncounted = verified.is_err();
    let now = state.now();
    let settle_key = key.clone();
    let lock = state
        .db()
        .transaction(move |tx| {
            if !ok && !uncounted {
                let (kind, detail) = check.failed_event();
                event(tx, Some(&settle_key), kind, detail, now)?;
            }
            settle(tx, &settle_key, reservation, ok || uncounted, now)
        })
        .await;
    state.checks_settled().notify_waiters();
    let lock = lock?;
    verified?;
    match account {
        Some(account) if ok => Ok(account),
        _ => {
            tracing::info!("wrong password");
            Err(lock.unwrap_or_else(|| check.refusal()))
        }
    }
}

/// `POST /api/session`: checks the password, then answers `authenticated` (2FA off, low risk),
/// `second_factor_required` (2FA on) or `email_verification_required` (2FA off, high risk).
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &SecretString,
    device_id: Option<String>,
) -> AppResult<SignIn> {
    let account = check_password(state, super::throttle_key(email), password, PasswordCheck::SignIn).await?;
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_id(tx, account.id)?;
            ensure_unlocked(&account, now)?;
            let new_device = match &device_id {
                Some(device) => !known_device(tx, account.id, device)?,
                None => false,
            };
            let risk = if account.risk == RiskLevel::High || new_device {
                RiskLevel::High
            } else {
                RiskLevel::Low
            };
            let (status, methods) = match (account.tfa_method, risk) {
                (Some(method), _) => (
                    SignInStatus::SecondFactorRequired,
                    vec![method.method(), Method::RecoveryCode],
                ),
                (None, RiskLevel::High) => (SignInStatus::EmailVerificationRequired, vec![Method::Email]),
                (None, RiskLevel::Low) => {
                    let token = create_session(tx, account.id, risk, device_id.as_deref(), now)?;
                    event(
                        tx,
                        Some(&account.email),
                        "signin_succeeded",
                        serde_json::json!({ "second_factor": null, "risk": risk.as_str() }),
                        now,
                    )?;
                    tracing::info!(account_id = account.id, "signed in");
                    return Ok(SignIn {
                        status: SignInStatus::Authenticated,
                        token: Some(token),
                        challenge_id: None,
                        methods: None,
                        expires_at: None,
                        recovery_codes_remaining: None,
                    });
                }
            };
            let challenge = challenge::create(
                tx,
                &account,
                Purpose::SignIn,
                &methods,
                NewChallenge {
                    risk: Some(risk),
                    device_id,
                    ..NewChallenge::default()
                },
                now,
            )?;
            tracing::info!(
                account_id = account.id,
                risk = risk.as_str(),
                "password accepted, challenge sent"
            );
            Ok(SignIn {
                status,
                token: None,
                challenge_id: Some(challenge.id),
                methods: Some(methods),
                expires_at: Some(at(challenge.expires_at)),
                recovery_codes_remaining: None,
            })
        })
        .await
}

/// `POST /api/session/verify`: answers a sign-in challenge and issues the session.
pub async fn verify_sign_in(state: &AppState, request: VerifyRequest) -> AppResult<SignIn> {
    challenge::answer(state, Purpose::SignIn, None, request, |tx, answered, now| {
        let challenge = answered.challenge;
        tx.execute("UPDATE challenges SET state = 'done' WHERE id = ?1", [&challenge.id])
            .map_err(sql)?;
        let token = create_session(
            tx,
            answered.account.id,
            challenge.risk,
            challenge.device_id.as_deref(),
            now,
        )?;
        event(
            tx,
            Some(&answered.account.email),
            "signin_succeeded",
            serde_json::json!({ "second_factor": answered.method.as_str(), "risk": challenge.risk.as_str() }),
            now,
        )?;
        tracing::info!(account_id = answered.account.id, "signed in");
        Ok(SignIn {
            status: SignInStatus::Authenticated,
            token: Some(token),
            challenge_id: None,
            methods: None,
            expires_at: None,
            recovery_codes_remaining: answered.recovery_codes_remaining,
        })
    })
    .await
}

fn known_device(tx: &Transaction<'_>, account_id: i64, device: &str) -> AppResult<bool> {
    tx.query_row(
        "SELECT 1 FROM devices WHERE account_id = ?1 AND device_id = ?2",
        params![account_id, device],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
    .map_err(sql)
}

/// Creates a session (and remembers the device a sign-in was completed from); returns the
/// token, which is stored only as its SHA-256.
fn create_session(
    tx: &Transaction<'_>,
    account_id: i64,
    risk: RiskLevel,
    device_id: Option<&str>,
    now: i64,
) -> AppResult<SecretString> {
    let (token, hash) = crypto::new_token()?;
    tx.execute(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, risk) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash.to_vec(), account_id, now, now + rules::SESSION_TTL, risk.as_str()],
    )
    .map_err(sql)?;
    if let Some(device) = device_id {
        tx.execute(
            "INSERT OR IGNORE INTO devices (account_id, device_id, first_seen) VALUES (?1, ?2, ?3)",
            params![account_id, device, now],
        )
        .map_err(sql)?;
    }
    Ok(SecretString::new(token.as_str()))
}

/// `DELETE /api/session`: the token stops working.
pub async fn sign_out(state: &AppState, session: &SessionInfo) -> AppResult<()> {
    let hash = session.token_hash;
    let account_id = session.account_id;
    state
        .db()
        .transaction(move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash.to_vec()])
                .map_err(sql)?;
            Ok(())
        })
        .await?;
    tracing::info!(account_id, "signed out");
    Ok(())
}

/// Checks an `X-Device-Id` value: 1–200 printable ASCII characters.
pub fn check_device_id(value: &str) -> AppResult<String> {
    let ok = !value.is_empty()
        && value.len() <= rules::DEVICE_ID_MAX_BYTES
        && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AppError::new(
            ProblemKind::InvalidDeviceId,
            format!(
                "X-Device-Id must be 1 to {} printable ASCII characters.",
                rules::DEVICE_ID_MAX_BYTES
            ),
        ))
    }
}
