//! Enabling 2FA, the four steps of the help article: verify the password, verify the current
//! e-mail, choose the method, confirm with a code; then ten recovery codes, shown once.

use rusqlite::{OptionalExtension, Transaction, params};
use smartpush_core::{Secret, SecretString};
use zeroize::Zeroizing;

use super::challenge::{CodeOutcome, Table, check_email_code, ensure_cooldown_over, wrong_code};
use super::sessions::{PasswordCheck, SessionInfo, check_password};
use super::{account_by_id, at, code_email_body, ensure_unlocked, send_email};
use crate::AppState;
use crate::config::rules;
use crate::crypto::{self, TotpCheck};
use crate::db::sql;
use crate::error::{AppError, AppResult, ProblemKind};
use crate::model::{Enabled, EnrollmentStarted, EnrollmentStep, MethodChosen, StepAnswer, TwoFactorMethod};

/// Where an enrollment stands (the database's `step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    VerifyEmail,
    ChooseMethod,
    Confirm,
    /// The confirmation code was accepted; recovery codes are being made.
    Confirmed,
}

impl Step {
    fn parse(name: &str) -> Step {
        match name {
            "verify_email" => Step::VerifyEmail,
            "choose_method" => Step::ChooseMethod,
            "confirm" => Step::Confirm,
            _ => Step::Confirmed,
        }
    }
}

struct EnrollmentRow {
    id: String,
    expires_at: i64,
    step: Step,
    void: bool,
    attempts: u32,
    method: Option<TwoFactorMethod>,
    pending_secret: Option<Secret>,
    code_hash: Option<Vec<u8>>,
    code_expires_at: Option<i64>,
    code_sent_at: Option<i64>,
}

/// Loads the account's enrollment `id` and checks it is usable at `now`: 404 when it is not
/// this account's, 410 when it expired (15 minutes after step 1) or was voided.
fn load(conn: &rusqlite::Connection, account_id: i64, id: &str, now: i64) -> AppResult<EnrollmentRow> {
    let row = conn
        .query_row(
            "SELECT id, expires_at, step, state, attempts, method, pending_secret, code_hash, code_expires_at, \
             code_sent_at FROM enrollments WHERE id = ?1 AND account_id = ?2",
            params![id, account_id],
            |r| {
                let step: String = r.get(2)?;
                let state: String = r.get(3)?;
                let attempts: i64 = r.get(4)?;
                let method: Option<String> = r.get(5)?;
                let secret: Option<Vec<u8>> = r.get(6)?;
                Ok(EnrollmentRow {
                    id: r.get(0)?,
                    expires_at: r.get(1)?,
                    step: Step::parse(&step),
                    void: state == "void",
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    method: method.as_deref().and_then(TwoFactorMethod::parse),
                    pending_secret: secret.map(Secret::new),
                    code_hash: r.get(7)?,
                    code_expires_at: r.get(8)?,
                    code_sent_at: r.get(9)?,
                })
            },
        )
        .optional()
        .map_err(sql)?
        .ok_or_else(|| {
            AppError::new(
                ProblemKind::UnknownEnrollment,
                "There is no such enrollment for this account; start again.",
            )
        })?;
    if row.void {
        return Err(AppError::new(
            ProblemKind::Expired,
            "Too many wrong codes voided this enrollment; start again.",
        ));
    }
    if row.expires_at <= now {
        return Err(AppError::new(
            ProblemKind::Expired,
            "This enrollment expired (15 minutes); start again.",
        ));
    }
    Ok(row)
}

/// What the password is checked for here (in the event log).
const PURPOSE: &str = "enable_2fa";

fn wrong_step(expected: &str) -> AppError {
    AppError::new(
        ProblemKind::WrongStep,
        format!("This step is out of order: {expected}."),
    )
    .with("expected", expected.to_owned())
}

fn already_enabled() -> AppError {
    AppError::new(
        ProblemKind::AlreadyEnabled,
        "Two-factor authentication is already enabled.",
    )
}

/// E-mails a fresh code for the enrollment (voiding the previous one).
fn email_code(tx: &Transaction<'_>, id: &str, to: &str, (subject, purpose): (&str, &str), now: i64) -> AppResult<i64> {
    let code = crypto::new_email_code()?;
    let expires = now + rules::EMAIL_CODE_TTL;
    tx.execute(
        "UPDATE enrollments SET code_hash = ?2, code_expires_at = ?3, code_sent_at = ?4 WHERE id = ?1",
        params![id, crypto::email_code_hash(id, &code).to_vec(), expires, now],
    )
    .map_err(sql)?;
    send_email(tx, to, subject, &code_email_body(purpose, &code), Some(&code), now)?;
    Ok(expires)
}

const VERIFY_SUBJECT: &str = "Verify your e-mail to enable two-step verification";
const VERIFY_PURPOSE: &str = "for verifying your e-mail";
const METHOD_SUBJECT: &str = "Confirm e-mail codes for two-step verification";
const METHOD_PURPOSE: &str = "for confirming e-mail as your two-step verification method";

/// Step 1, `POST /api/2fa/enrollment`: checks the password, e-mails a code to the current
/// address. Voids any earlier enrollment of the account.
pub async fn start(state: &AppState, session: &SessionInfo, password: &SecretString) -> AppResult<EnrollmentStarted> {
    let account_id = session.account_id;
    let account = state.db().read(move |conn| account_by_id(conn, account_id)).await?;
    if account.tfa_method.is_some() {
        return Err(already_enabled());
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
            if account.tfa_method.is_some() {
                return Err(already_enabled());
            }
            super::ensure_email_budget(tx, account_id, &account.email, true, now)?;
            tx.execute(
                "UPDATE enrollments SET state = 'void' WHERE account_id = ?1 AND state = 'open'",
                [account_id],
            )
            .map_err(sql)?;
            let id = crypto::new_id()?;
            let expires_at = now + rules::ENROLLMENT_TTL;
            tx.execute(
                "INSERT INTO enrollments (id, account_id, created_at, expires_at, step) \
                 VALUES (?1, ?2, ?3, ?4, 'verify_email')",
                params![id, account_id, now, expires_at],
            )
            .map_err(sql)?;
            super::void_older_codes(tx, account_id, &id)?;
            email_code(tx, &id, &account.email, (VERIFY_SUBJECT, VERIFY_PURPOSE), now)?;
            super::event(
                tx,
                Some(&account.email),
                "enrollment_started",
                serde_json::json!({}),
                now,
            )?;
            tracing::info!(account_id, "enrollment started");
            Ok(EnrollmentStarted {
                enrollment_id: id,
                step: EnrollmentStep::VerifyEmail,
                expires_at: at(expires_at),
            })
        })
        .await
}

/// Step 2, `POST /api/2fa/enrollment/{id}/email`: the code e-mailed at step 1.
pub async fn verify_email(
    state: &AppState,
    session: &SessionInfo,
    id: String,
    code: SecretString,
) -> AppResult<StepAnswer> {
    let account_id = session.account_id;
    let now = state.now();
    state
        .db()
        .transaction_keep(move |tx| {
            let enrollment = load(tx, account_id, &id, now)?;
            if enrollment.step != Step::VerifyEmail {
                return Err(wrong_step("the e-mail is already verified"));
            }
            let account = account_by_id(tx, account_id)?;
            ensure_unlocked(&account, now)?;
            match check_email_code(
                &enrollment.id,
                enrollment.code_hash.as_deref(),
                enrollment.code_expires_at,
                code.expose(),
                now,
            ) {
                CodeOutcome::Accepted => {
                    tx.execute(
                        "UPDATE enrollments SET step = 'choose_method', attempts = 0, code_hash = NULL WHERE id = ?1",
                        [&enrollment.id],
                    )
                    .map_err(sql)?;
                    Ok(StepAnswer {
                        step: EnrollmentStep::ChooseMethod,
                    })
                }
                CodeOutcome::Expired => Err(expired_code(enrollment.attempts)),
                CodeOutcome::Wrong(reason) => Err(wrong_code(
                    tx,
                    Table::Enrollments,
                    &enrollment.id,
                    enrollment.attempts,
                    (account_id, &account.email),
                    reason,
                    now,
                )?),
            }
        })
        .await
}

fn expired_code(attempts: u32) -> AppError {
    AppError::new(ProblemKind::InvalidCode, "The code has expired; ask for a new one.")
        .with("reason", "expired")
        .with("attempts_remaining", rules::MAX_CODE_ATTEMPTS.saturating_sub(attempts))
}

/// The otpauth URI of SmartPush for `email`:
/// `otpauth://totp/SmartPush:<email>?secret=…&issuer=SmartPush&algorithm=SHA1&digits=6&period=30`.
/// The e-mail is written as is (`@` is allowed in a URI path); any other character outside
/// RFC 3986's unreserved set is percent-encoded.
pub fn otpauth_uri(email: &str, secret: &Secret) -> Zeroizing<String> {
    let mut label = String::new();
    for byte in email.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            label.push(char::from(byte));
        } else {
            label.push_str(&format!("%{byte:02X}"));
        }
    }
    let mut uri = Zeroizing::new(format!("otpauth://totp/{}:{label}?secret=", rules::ISSUER));
    uri.push_str(&secret.to_base32());
    uri.push_str(&format!(
        "&issuer={}&algorithm=SHA1&digits=6&period={}",
        rules::ISSUER,
        rules::TOTP_PERIOD
    ));
    uri
}

/// Step 3, `POST /api/2fa/enrollment/{id}/method`: TOTP gets a fresh 160-bit secret (answered
/// with its otpauth URI and QR code); e-mail gets a code. Choosing again from the confirm step
/// replaces the earlier choice.
pub async fn choose_method(
    state: &AppState,
    session: &SessionInfo,
    id: String,
    method: TwoFactorMethod,
) -> AppResult<MethodChosen> {
    let account_id = session.account_id;
    let now = state.now();
    let secret = match method {
        TwoFactorMethod::Totp => Some(crypto::new_totp_secret()?),
        TwoFactorMethod::Email => None,
    };
    let stored_secret = secret.as_ref().map(|s| Zeroizing::new(s.expose().to_vec()));
    let email = state
        .db()
        .transaction(move |tx| {
            let enrollment = load(tx, account_id, &id, now)?;
            match enrollment.step {
                Step::VerifyEmail => return Err(wrong_step("verify the e-mail code first")),
                Step::Confirmed => return Err(wrong_step("the enrollment is being completed")),
                Step::ChooseMethod | Step::Confirm => {}
            }
            let account = account_by_id(tx, account_id)?;
            if account.tfa_method.is_some() {
                return Err(already_enabled());
            }
            tx.execute(
                "UPDATE enrollments SET step = 'confirm', attempts = 0, method = ?2, pending_secret = ?3, \
                 code_hash = NULL, code_expires_at = NULL WHERE id = ?1",
                params![
                    enrollment.id,
                    method.as_str(),
                    stored_secret.as_ref().map(|s| s.to_vec())
                ],
            )
            .map_err(sql)?;
            if method == TwoFactorMethod::Email {
                super::ensure_email_budget(tx, account_id, &account.email, false, now)?;
                email_code(
                    tx,
                    &enrollment.id,
                    &account.email,
                    (METHOD_SUBJECT, METHOD_PURPOSE),
                    now,
                )?;
            }
            Ok(account.email)
        })
        .await?;
    match secret {
        Some(secret) => totp_answer(&email, &secret).await,
        None => Ok(MethodChosen {
            step: EnrollmentStep::Confirm,
            method,
            secret: None,
            otpauth_uri: None,
            qr_png: None,
        }),
    }
}

/// The confirm-step answer for a TOTP secret: the manual key, the otpauth URI and its QR code.
async fn totp_answer(email: &str, secret: &Secret) -> AppResult<MethodChosen> {
    let uri = otpauth_uri(email, secret);
    let png = render_qr(uri.clone()).await?;
    let mut data_url = Zeroizing::new(String::from("data:image/png;base64,"));
    data_url.push_str(&data_encoding::BASE64.encode(&png));
    Ok(MethodChosen {
        step: EnrollmentStep::Confirm,
        method: TwoFactorMethod::Totp,
        secret: Some(SecretString::new(secret.to_base32().as_str())),
        otpauth_uri: Some(SecretString::new(uri.as_str())),
        qr_png: Some(SecretString::new(data_url.as_str())),
    })
}

async fn render_qr(uri: Zeroizing<String>) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || crate::qr::png(&uri))
        .await
        .map_err(|e| AppError::internal(format_args!("QR task: {e}")))?
}

/// The account's e-mail and the pending TOTP secret of enrollment `id` (confirm step, TOTP).
async fn pending_secret(state: &AppState, session: &SessionInfo, id: String) -> AppResult<(String, Secret)> {
    let account_id = session.account_id;
    let now = state.now();
    state
        .db()
        .read(move |conn| {
            let enrollment = load(conn, account_id, &id, now)?;
            match (enrollment.step, enrollment.method, enrollment.pending_secret) {
                (Step::Confirm, Some(TwoFactorMethod::Totp), Some(secret)) => {
                    Ok((account_by_id(conn, account_id)?.email, secret))
                }
                _ => Err(wrong_step("choose the authenticator app first")),
            }
        })
        .await
}

/// `GET /api/2fa/enrollment/{id}/qr.png`: the QR code of the pending TOTP secret.
pub async fn qr_png(state: &AppState, session: &SessionInfo, id: String) -> AppResult<Vec<u8>> {
    let (email, secret) = pending_secret(state, session, id).await?;
    render_qr(otpauth_uri(&email, &secret)).await
}

/// The confirm step of a TOTP enrollment again (what step 3 answered: manual key, otpauth URI,
/// QR code), for the web page to show it once more after a wrong code.
pub async fn pending_totp(state: &AppState, session: &SessionInfo, id: String) -> AppResult<MethodChosen> {
    let (email, secret) = pending_secret(state, session, id).await?;
    totp_answer(&email, &secret).await
}

/// `POST /api/2fa/enrollment/{id}/resend`: a new e-mail code for step 2, or for step 4 with
/// the e-mail method, at most once per 30 s.
pub async fn resend(state: &AppState, session: &SessionInfo, id: String) -> AppResult<(i64, i64)> {
    let account_id = session.account_id;
    let now = state.now();
    state
        .db()
        .transaction(move |tx| {
            let enrollment = load(tx, account_id, &id, now)?;
            let (subject, purpose) = match (enrollment.step, enrollment.method) {
                (Step::VerifyEmail, _) => (VERIFY_SUBJECT, VERIFY_PURPOSE),
                (Step::Confirm, Some(TwoFactorMethod::Email)) => (METHOD_SUBJECT, METHOD_PURPOSE),
                _ => {
                    return Err(AppError::new(
                        ProblemKind::ResendUnavailable,
                        "This step does not use an e-mailed code.",
                    ));
                }
            };
            let account = account_by_id(tx, account_id)?;
            ensure_unlocked(&account, now)?;
            ensure_cooldown_over(enrollment.code_sent_at, now)?;
            super::ensure_email_budget(tx, account_id, &account.email, false, now)?;
            let expires = email_code(tx, &enrollment.id, &account.email, (subject, purpose), now)?;
            Ok((expires, rules::RESEND_COOLDOWN))
        })
        .await
}

/// Step 4, `POST /api/2fa/enrollment/{id}/confirm`: a code of the chosen method turns 2FA on
/// and answers ten recovery codes (stored only as Argon2id hashes).
pub async fn confirm(state: &AppState, session: &SessionInfo, id: String, code: SecretString) -> AppResult<Enabled> {
    let account_id = session.account_id;
    let now = state.now();
    let enrollment_id = id.clone();
    // 1. Check and consume the code.
    let (method, accepted_step) = state
        .db()
        .transaction_keep(move |tx| {
            let enrollment = load(tx, account_id, &enrollment_id, now)?;
            if enrollment.step != Step::Confirm {
                return Err(wrong_step("choose a method first"));
            }
            let account = account_by_id(tx, account_id)?;
            if account.tfa_method.is_some() {
                return Err(already_enabled());
            }
            ensure_unlocked(&account, now)?;
            let (outcome, step) = match (enrollment.method, &enrollment.pending_secret) {
                (Some(TwoFactorMethod::Totp), Some(secret)) => {
                    match crypto::check_totp(secret, code.expose(), now, account.last_totp_step) {
                        TotpCheck::Accepted(step) => (CodeOutcome::Accepted, Some(step)),
                        TotpCheck::Replayed => (CodeOutcome::Wrong(Some("replayed")), None),
                        TotpCheck::Wrong => (CodeOutcome::Wrong(None), None),
                    }
                }
                (Some(TwoFactorMethod::Email), _) => (
                    check_email_code(
                        &enrollment.id,
                        enrollment.code_hash.as_deref(),
                        enrollment.code_expires_at,
                        code.expose(),
                        now,
                    ),
                    None,
                ),
                _ => return Err(wrong_step("choose a method first")),
            };
            match outcome {
                CodeOutcome::Accepted => {
                    tx.execute(
                        "UPDATE enrollments SET step = 'confirmed', code_hash = NULL WHERE id = ?1",
                        [&enrollment.id],
                    )
                    .map_err(sql)?;
                    let method = enrollment.method.unwrap_or(TwoFactorMethod::Email);
                    Ok((method, step))
                }
                CodeOutcome::Expired => Err(expired_code(enrollment.attempts)),
                CodeOutcome::Wrong(reason) => Err(wrong_code(
                    tx,
                    Table::Enrollments,
                    &enrollment.id,
                    enrollment.attempts,
                    (account_id, &account.email),
                    reason,
                    now,
                )?),
            }
        })
        .await?;

    // 2. Ten recovery codes, hashed off the database.
    let codes = (0..rules::RECOVERY_CODE_COUNT)
        .map(|_| crypto::new_recovery_code())
        .collect::<AppResult<Vec<_>>>()?;
    let hashes = state.hasher().hash_all(codes.clone()).await?;

    // 3. Turn 2FA on.
    let now = state.now();
    let enabled_at = state
        .db()
        .transaction(move |tx| {
            let enrollment = load(tx, account_id, &id, now)?;
            if enrollment.step != Step::Confirmed {
                return Err(wrong_step("confirm with a code first"));
            }
            let account = account_by_id(tx, account_id)?;
            if account.tfa_method.is_some() {
                return Err(already_enabled());
            }
            let secret = match method {
                TwoFactorMethod::Totp => enrollment.pending_secret.as_ref().map(|s| s.expose().to_vec()),
                TwoFactorMethod::Email => None,
            };
            tx.execute(
                "UPDATE accounts SET tfa_method = ?2, tfa_enabled_at = ?3, totp_secret = ?4, last_totp_step = ?5 \
                 WHERE id = ?1",
                params![account_id, method.as_str(), now, secret, accepted_step],
            )
            .map_err(sql)?;
            tx.execute("DELETE FROM recovery_codes WHERE account_id = ?1", [account_id])
                .map_err(sql)?;
            for hash in &hashes {
                tx.execute(
                    "INSERT INTO recovery_codes (account_id, hash) VALUES (?1, ?2)",
                    params![account_id, hash],
                )
                .map_err(sql)?;
            }
            tx.execute("DELETE FROM enrollments WHERE account_id = ?1", [account_id])
                .map_err(sql)?;
            send_email(
                tx,
                &account.email,
                "Two-step verification is on",
                "Two-Factor Authentication is now enabled on your SmartPush account. \
                 Keep your recovery codes somewhere safe: each works once.",
                None,
                now,
            )?;
            super::event(
                tx,
                Some(&account.email),
                "two_factor_enabled",
                serde_json::json!({ "method": method.as_str() }),
                now,
            )?;
            tracing::info!(account_id, method = method.as_str(), "2FA enabled");
            Ok(now)
        })
        .await?;
    Ok(Enabled {
        enabled: true,
        method,
        recovery_codes: codes.iter().map(|c| SecretString::new(c.as_str())).collect(),
        enabled_at: at(enabled_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_uri_matches_the_contract_and_parses_back() {
        let secret = Secret::new(b"12345678901234567890".to_vec());
        let uri = otpauth_uri("ada+x@example.com", &secret);
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/SmartPush:ada%2Bx@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=SmartPush&algorithm=SHA1&digits=6&period=30"
        );
        let draft = smartpush_core::uri::parse_otpauth(&uri).unwrap();
        assert_eq!(draft.issuer, "SmartPush");
        assert_eq!(draft.name, "ada+x@example.com");
        assert_eq!(draft.otp.unwrap().secret.expose(), secret.expose());
    }
}
