//! Sensitive operations: contact and campaign exports, with step-up verification decided by
//! 2FA status and risk (the help article's "Using 2FA During Sensitive Operations"):
//!
//! | 2FA | risk | answer |
//! |---|---|---|
//! | off | low | the export |
//! | off | high | a challenge by e-mail; after it, the export and a suggestion to enable 2FA |
//! | on | low | the export, no extra code |
//! | on | high | a challenge (the account's method or a recovery code); after it, the export |
//!
//! A successful step-up covers the session's exports for 10 minutes.

use rusqlite::{OptionalExtension, params};

use super::challenge::{self, NewChallenge, Purpose};
use super::sessions::SessionInfo;
use super::{account_by_id, at};
use crate::AppState;
use crate::config::rules;
use crate::db::sql;
use crate::error::{AppError, AppResult};
use crate::model::{ExportFile, ExportKind, Method, RiskLevel, StepUpChallenge, VerifyRequest};

/// What `POST /api/exports` answers.
#[derive(Debug, Clone)]
pub enum ExportOutcome {
    /// The file.
    File(ExportFile),
    /// A verification is needed first (403 `verification_required`).
    VerificationRequired(StepUpChallenge),
}

/// `POST /api/exports`.
pub async fn export(state: &AppState, session: &SessionInfo, kind: ExportKind) -> AppResult<ExportOutcome> {
    let account_id = session.account_id;
    let session_hash = session.token_hash;
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let account = account_by_id(tx, account_id)?;
            let (risk, step_up_until): (String, Option<i64>) = tx
                .query_row(
                    "SELECT risk, step_up_until FROM sessions WHERE token_hash = ?1",
                    [session_hash.to_vec()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(sql)?
                .ok_or_else(|| AppError::new(crate::error::ProblemKind::Unauthorized, "The session ended."))?;
            let high = RiskLevel::parse(&risk) == RiskLevel::High;
            let stepped_up = step_up_until.is_some_and(|t| t > now);
            let two_factor = account.tfa_method;
            if !high || stepped_up {
                super::event(
                    tx,
                    Some(&account.email),
                    "export",
                    serde_json::json!({ "kind": kind.as_str(), "stepped_up": stepped_up }),
                    now,
                )?;
                tracing::info!(account_id, kind = kind.as_str(), stepped_up, "export");
                return Ok(ExportOutcome::File(file(kind, high && two_factor.is_none())));
            }
            let methods = match two_factor {
                None => vec![Method::Email],
                Some(method) => vec![method.method(), Method::RecoveryCode],
            };
            let challenge = challenge::create(
                tx,
                &account,
                Purpose::Export,
                &methods,
                NewChallenge {
                    session_hash: Some(session_hash),
                    export_kind: Some(kind.as_str().to_owned()),
                    ..NewChallenge::default()
                },
                now,
            )?;
            tracing::info!(account_id, kind = kind.as_str(), "export needs step-up");
            Ok(ExportOutcome::VerificationRequired(StepUpChallenge {
                challenge_id: challenge.id,
                methods,
                expires_at: at(challenge.expires_at),
            }))
        })
        .await
}

/// `POST /api/exports/verify`: answers the step-up challenge; the session is stepped up for 10
/// minutes and the export asked for is returned.
pub async fn verify(state: &AppState, session: &SessionInfo, request: VerifyRequest) -> AppResult<ExportFile> {
    let session_hash = session.token_hash;
    challenge::answer(
        state,
        Purpose::Export,
        Some(session.token_hash),
        request,
        move |tx, answered, now| {
            tx.execute(
                "UPDATE challenges SET state = 'done' WHERE id = ?1",
                [&answered.challenge.id],
            )
            .map_err(sql)?;
            tx.execute(
                "UPDATE sessions SET step_up_until = ?2 WHERE token_hash = ?1",
                params![session_hash.to_vec(), now + rules::STEP_UP_TTL],
            )
            .map_err(sql)?;
            let kind = answered
                .challenge
                .export_kind
                .as_deref()
                .and_then(ExportKind::parse)
                .unwrap_or(ExportKind::Contacts);
            super::event(
                tx,
                Some(&answered.account.email),
                "export",
                serde_json::json!({ "kind": kind.as_str(), "stepped_up": true }),
                now,
            )?;
            Ok(file(kind, answered.account.tfa_method.is_none()))
        },
    )
    .await
}

/// The (fixed, fictional) export data.
fn file(kind: ExportKind, suggest_2fa: bool) -> ExportFile {
    let csv = match kind {
        ExportKind::Contacts => "email,first_name,last_name,subscribed,created_at\r\n\
             ada.lovelace@example.com,Ada,Lovelace,true,2025-01-15T09:30:00Z\r\n\
             alan.turing@example.com,Alan,Turing,true,2025-02-03T14:05:00Z\r\n\
             grace.hopper@example.com,Grace,Hopper,false,2025-03-21T08:45:00Z\r\n\
             edsger.dijkstra@example.com,Edsger,Dijkstra,true,2025-04-30T17:20:00Z\r\n"
            .to_owned(),
        ExportKind::Campaigns => "campaign_id,name,channel,sent_at,recipients,opens,clicks\r\n\
             1001,Spring sale,email,2025-03-01T10:00:00Z,12840,5311,902\r\n\
             1002,Cart reminder,sms,2025-03-08T18:30:00Z,2210,0,318\r\n\
             1003,New arrivals,web_push,2025-03-15T12:00:00Z,7406,2930,611\r\n"
            .to_owned(),
    };
    ExportFile { kind, csv, suggest_2fa }
}
