//! Disabling 2FA, the three steps of the help article: password, the current method (or a
//! recovery code), then confirm.

use rusqlite::params;
use smartpush_core::SecretString;

use super::challenge::{self, ChallengeState, NewChallenge, Purpose};
use super::sessions::{PasswordCheck, SessionInfo, check_password};
use super::{account_by_id, at, ensure_unlocked, send_email};
use crate::AppState;
use crate::db::sql;
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{DisableStarted, DisableVerified, Disabled, Method, VerifyRequest};

/// What the password is checked for here (in the event log).
const PURPOSE: &str = "disable_2fa";

fn not_enabled() -> AppError {
    AppError::new(ProblemKind::NotEnabled, "Two-factor authentication is not enabled.")
}

/// Step 1, `POST /api/2fa/disable`: checks the password and opens a challenge for the account's
/// method or a recovery code (an e-mail code is sent now for the e-mail method).
pub async fn start(state: &AppState, session: &SessionInfo, password: &SecretString) -> AppResult<DisableStarted> {
    let account_id = session.account_id;
    let session_hash = session.token_hash;
    let account = state.db().read(move |conn| account_by_id(conn, account_id)).await?;
    if account.tfa_method.is_none() {
        return Err(not_enabled());
    }
    ensure_unlocked(&account, state.now())?;
    check_password(
        state,
        account.email.clone(),
        password,
        PasswordCheck::Reauthenticate(PURPOSE),
    )
    .await?;
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_id(tx, account_id)?;
            let method = account.tfa_method.ok_or_else(not_enabled)?;
            let methods = vec![method.method(), Method::RecoveryCode];
            let challenge = challenge::create(
                tx,
                &account,
                Purpose::Disable,
                &methods,
                NewChallenge {
                    session_hash: Some(session_hash),
                    ..NewChallenge::default()
                },
                now,
            )?;
            Ok(DisableStarted {
                challenge_id: challenge.id,
                methods,
                expires_at: at(challenge.expires_at),
            })
        })
        .await
}

/// Step 2, `POST /api/2fa/disable/verify`.
pub async fn verify(state: &AppState, session: &SessionInfo, request: VerifyRequest) -> AppResult<DisableVerified> {
    challenge::answer(
        state,
        Purpose::Disable,
        Some(session.token_hash),
        request,
        |tx, answered, _now| {
            tx.execute(
                "UPDATE challenges SET state = 'verified' WHERE id = ?1",
                [&answered.challenge.id],
            )
            .map_err(sql)?;
            Ok(DisableVerified {
                step: "confirm".to_owned(),
            })
        },
    )
    .await
}

/// Step 3, `POST /api/2fa/disable/confirm`: 2FA off; the secret and every recovery code are
/// deleted.
pub async fn confirm(state: &AppState, session: &SessionInfo, challenge_id: String) -> AppResult<Disabled> {
    let session_hash = session.token_hash;
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let challenge = challenge::load(tx, &challenge_id, Purpose::Disable, Some(&session_hash))?
                .ok_or_else(challenge::unknown)?;
            let live = challenge.expires_at > now;
            match challenge.state {
                ChallengeState::Verified if live => {}
                ChallengeState::Open if live => {
                    return Err(AppError::new(
                        ProblemKind::WrongStep,
                        "Verify with your current method or a recovery code first.",
                    ));
                }
                ChallengeState::Open | ChallengeState::Verified => {
                    return Err(AppError::new(
                        ProblemKind::Expired,
                        "This verification expired; start again.",
                    ));
                }
                ChallengeState::Done | ChallengeState::Void => {
                    challenge::ensure_open(&challenge, now)?;
                    return Err(challenge::unknown());
                }
            }
            let account = account_by_id(tx, challenge.account_id)?;
            if account.tfa_method.is_none() {
                return Err(not_enabled());
            }
            turn_off(tx, account.id)?;
            tx.execute("UPDATE challenges SET state = 'done' WHERE id = ?1", [&challenge.id])
                .map_err(sql)?;
            send_email(
                tx,
                &account.email,
                "Two-step verification is off",
                "Two-Factor Authentication was disabled on your SmartPush account. If this was not you, \
                 change your password and contact support.",
                None,
                now,
            )?;
            super::event(
                tx,
                Some(&account.email),
                "two_factor_disabled",
                serde_json::json!({}),
                now,
            )?;
            tracing::info!(account_id = account.id, "2FA disabled");
            Ok(Disabled { enabled: false })
        })
        .await
}

/// Turns 2FA off: method, secret, replay step and recovery codes go; open challenges and
/// enrollments of the account are voided.
pub(crate) fn turn_off(tx: &rusqlite::Transaction<'_>, account_id: i64) -> AppResult<()> {
    tx.execute(
        "UPDATE accounts SET tfa_method = NULL, tfa_enabled_at = NULL, totp_secret = NULL, last_totp_step = NULL \
         WHERE id = ?1",
        params![account_id],
    )
    .map_err(sql)?;
    tx.execute("DELETE FROM recovery_codes WHERE account_id = ?1", [account_id])
        .map_err(sql)?;
    tx.execute(
        "UPDATE challenges SET state = 'void' WHERE account_id = ?1 AND state IN ('open', 'verified')",
        [account_id],
    )
    .map_err(sql)?;
    tx.execute(
        "UPDATE enrollments SET state = 'void' WHERE account_id = ?1",
        [account_id],
    )
    .map_err(sql)?;
    Ok(())
}
