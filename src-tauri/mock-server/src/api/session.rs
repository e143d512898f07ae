//! `POST /api/session`, `POST /api/session/verify`, `POST /api/challenges/{id}/resend`,
//! `DELETE /api/session`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::{AuthProblems, BodyProblems};
use crate::AppState;
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, Auth, DeviceId};
use crate::model::{Credentials, Resent, SignIn, VerifyRequest};
use crate::service;

/// Signs in with e-mail and password.
///
/// Answers `authenticated` with a token (2FA off, low risk), `second_factor_required` (2FA on:
/// the account's method or a recovery code; an e-mail code is sent for the e-mail method) or
/// `email_verification_required` (2FA off, high risk: a code is e-mailed). Risk is high for an
/// account set high through `/mock/risk`, or for an `X-Device-Id` the account never completed a
/// sign-in from.
#[utoipa::path(
    post,
    path = "/api/session",
    tag = "session",
    request_body = Credentials,
    params(("X-Device-Id" = Option<String>, Header, min_length = 1, max_length = 200, pattern = "^[ -~]+$",
        description = "The client's device (printable ASCII); one the account never completed a sign-in from \
raises the risk")),
    responses(
        (status = 200, description = "Signed in, or the second step to take", body = SignIn),
        (status = 401, description = "`invalid_credentials` (the same for an unknown e-mail and a wrong password)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_device_id`, `invalid_body`", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "`locked`, or `too_many_codes` (a code e-mail would exceed the address's \
limit), with `retry_after`", body = Problem,
            content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    DeviceId(device): DeviceId,
    ApiJson(body): ApiJson<Credentials>,
) -> AppResult<Json<SignIn>> {
    service::sessions::sign_in(&state, &body.email, &body.password, device)
        .await
        .map(Json)
}

/// Answers the sign-in challenge and receives the session token.
#[utoipa::path(
    post,
    path = "/api/session/verify",
    operation_id = "session_verify",
    tag = "session",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "`authenticated` with a token", body = SignIn),
        (status = 401, description = "`invalid_code` with `attempts_remaining` (and `reason`: `expired`, \
`replayed`, `used`, `voided`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`unknown_challenge`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`expired`: expired, voided after 5 wrong codes, or already used",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unsupported_method` (with `methods`), `invalid_body`", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "`locked` with `retry_after`", body = Problem,
            content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn verify(State(state): State<AppState>, ApiJson(body): ApiJson<VerifyRequest>) -> AppResult<Json<SignIn>> {
    service::sessions::verify_sign_in(&state, body).await.map(Json)
}

/// E-mails a new code for a challenge (the previous code stops working); at most once per 30 s.
#[utoipa::path(
    post,
    path = "/api/challenges/{id}/resend",
    tag = "session",
    params(("id" = String, Path, description = "The challenge")),
    responses(
        (status = 202, description = "A new code was e-mailed", body = Resent),
        (status = 404, description = "`unknown_challenge`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resend_unavailable`: the challenge sends no e-mail", body = Problem,
            content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`resend_cooldown`, `too_many_codes` or `locked`, with `retry_after`", body = Problem,
            content_type = "application/problem+json"),
    )
)]
pub async fn resend(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<(StatusCode, Json<Resent>)> {
    let (expires, retry_after) = service::challenge::resend(&state, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Resent {
            code_expires_at: crate::clock::rfc3339(expires),
            retry_after,
        }),
    ))
}

/// Signs out: the token stops working.
#[utoipa::path(
    delete,
    path = "/api/session",
    tag = "session",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), AuthProblems)
)]
pub async fn sign_out(State(state): State<AppState>, Auth(session): Auth) -> AppResult<StatusCode> {
    service::sessions::sign_out(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}
