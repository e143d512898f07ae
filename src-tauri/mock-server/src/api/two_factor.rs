//! Enabling 2FA (`/api/2fa/enrollment…`) and disabling it (`/api/2fa/disable…`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AuthProblems, BodyProblems};
use crate::AppState;
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, Auth};
use crate::model::{
    ChallengeRef, CodeRequest, DisableStarted, DisableVerified, Disabled, Enabled, EnrollmentStarted, MethodChosen,
    MethodRequest, PasswordRequest, PngImage, Resent, StepAnswer, VerifyRequest,
};
use crate::service;

/// Step 1 of enabling 2FA: the password. A code is e-mailed to the current address; the
/// enrollment expires 15 minutes later. Starting again voids an earlier enrollment.
#[utoipa::path(
    post,
    path = "/api/2fa/enrollment",
    tag = "2fa",
    security(("bearer" = [])),
    request_body = PasswordRequest,
    responses(
        (status = 201, description = "Started; step `verify_email`", body = EnrollmentStarted),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_password` (the session stays valid)", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "`already_enabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked` or `too_many_codes`, with `retry_after`", body = Problem,
            content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn enrollment_start(
    State(state): State<AppState>,
    Auth(session): Auth,
    ApiJson(body): ApiJson<PasswordRequest>,
) -> AppResult<(StatusCode, Json<EnrollmentStarted>)> {
    let started = service::enrollment::start(&state, &session, &body.password).await?;
    Ok((StatusCode::CREATED, Json(started)))
}

/// Step 2 of enabling 2FA: the code e-mailed at step 1.
#[utoipa::path(
    post,
    path = "/api/2fa/enrollment/{id}/email",
    tag = "2fa",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The enrollment")),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Step `choose_method`", body = StepAnswer),
        (status = 401, description = "`invalid_code` with `attempts_remaining`, or `unauthorized`", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "`unknown_enrollment`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`wrong_step`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`expired`: 15 minutes passed, or 5 wrong codes voided it", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "`locked`", body = Problem, content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn enrollment_email(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CodeRequest>,
) -> AppResult<Json<StepAnswer>> {
    service::enrollment::verify_email(&state, &session, id, body.code)
        .await
        .map(Json)
}

/// Step 3 of enabling 2FA: the method. `totp` answers a fresh 160-bit secret, its otpauth URI and
/// QR code; `email` e-mails a code. Choosing again replaces the earlier choice.
#[utoipa::path(
    post,
    path = "/api/2fa/enrollment/{id}/method",
    tag = "2fa",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The enrollment")),
    request_body = MethodRequest,
    responses(
        (status = 200, description = "Step `confirm`", body = MethodChosen),
        (status = 404, description = "`unknown_enrollment`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`wrong_step`, `already_enabled`", body = Problem,
            content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_codes` with `retry_after` (e-mail method)", body = Problem,
            content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
    )
)]
pub async fn enrollment_method(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MethodRequest>,
) -> AppResult<Json<MethodChosen>> {
    service::enrollment::choose_method(&state, &session, id, body.method)
        .await
        .map(Json)
}

/// Step 4 of enabling 2FA: a code of the chosen method. Answers ten recovery codes, shown once.
#[utoipa::path(
    post,
    path = "/api/2fa/enrollment/{id}/confirm",
    tag = "2fa",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The enrollment")),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "2FA enabled", body = Enabled),
        (status = 401, description = "`invalid_code` with `attempts_remaining`, or `unauthorized`", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "`unknown_enrollment`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`wrong_step`, `already_enabled`", body = Problem,
            content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked`", body = Problem, content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn enrollment_confirm(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CodeRequest>,
) -> AppResult<Json<Enabled>> {
    service::enrollment::confirm(&state, &session, id, body.code)
        .await
        .map(Json)
}

/// The QR code of the pending TOTP secret, as a PNG image.
#[utoipa::path(
    get,
    path = "/api/2fa/enrollment/{id}/qr.png",
    tag = "2fa",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The enrollment")),
    responses(
        (status = 200, description = "The QR code", content_type = "image/png", body = PngImage),
        (status = 404, description = "`unknown_enrollment`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`wrong_step`: the authenticator app is not the chosen method", body = Problem,
            content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
    )
)]
pub async fn enrollment_qr(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let png = service::enrollment::qr_png(&state, &session, id).await?;
    let mut response = png.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// E-mails a new code for the current step (step 2, or step 4 with the e-mail method); the
/// previous code stops working. At most once per 30 s.
#[utoipa::path(
    post,
    path = "/api/2fa/enrollment/{id}/resend",
    tag = "2fa",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The enrollment")),
    responses(
        (status = 202, description = "A new code was e-mailed", body = Resent),
        (status = 404, description = "`unknown_enrollment`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resend_unavailable`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`resend_cooldown`, `too_many_codes` or `locked`, with `retry_after`", body = Problem,
            content_type = "application/problem+json"),
        AuthProblems,
    )
)]
pub async fn enrollment_resend(
    State(state): State<AppState>,
    Auth(session): Auth,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Resent>)> {
    let (expires, retry_after) = service::enrollment::resend(&state, &session, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Resent {
            code_expires_at: crate::clock::rfc3339(expires),
            retry_after,
        }),
    ))
}

/// Step 1 of disabling 2FA: the password. Opens a challenge for the account's method or a
/// recovery code (an e-mail code is sent for the e-mail method).
#[utoipa::path(
    post,
    path = "/api/2fa/disable",
    tag = "2fa",
    security(("bearer" = [])),
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "The challenge", body = DisableStarted),
        (status = 401, description = "`unauthorized`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_password` (the session stays valid)", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "`not_enabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked` or `too_many_codes`, with `retry_after`", body = Problem,
            content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn disable_start(
    State(state): State<AppState>,
    Auth(session): Auth,
    ApiJson(body): ApiJson<PasswordRequest>,
) -> AppResult<Json<DisableStarted>> {
    service::disable::start(&state, &session, &body.password)
        .await
        .map(Json)
}

/// Step 2 of disabling 2FA: the current method's code or a recovery code.
#[utoipa::path(
    post,
    path = "/api/2fa/disable/verify",
    tag = "2fa",
    security(("bearer" = [])),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Step `confirm`", body = DisableVerified),
        (status = 401, description = "`invalid_code` with `attempts_remaining`, or `unauthorized`", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "`unknown_challenge`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unsupported_method`, `invalid_body`", body = Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "`locked`", body = Problem, content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn disable_verify(
    State(state): State<AppState>,
    Auth(session): Auth,
    ApiJson(body): ApiJson<VerifyRequest>,
) -> AppResult<Json<DisableVerified>> {
    service::disable::verify(&state, &session, body).await.map(Json)
}

/// Step 3 of disabling 2FA: confirm. The secret and every recovery code are deleted.
#[utoipa::path(
    post,
    path = "/api/2fa/disable/confirm",
    tag = "2fa",
    security(("bearer" = [])),
    request_body = ChallengeRef,
    responses(
        (status = 200, description = "2FA disabled", body = Disabled),
        (status = 404, description = "`unknown_challenge`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`wrong_step` (not verified yet), `not_enabled`", body = Problem,
            content_type = "application/problem+json"),
        (status = 410, description = "`expired`", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
    )
)]
pub async fn disable_confirm(
    State(state): State<AppState>,
    Auth(session): Auth,
    ApiJson(body): ApiJson<ChallengeRef>,
) -> AppResult<Json<Disabled>> {
    service::disable::confirm(&state, &session, body.challenge_id)
        .await
        .map(Json)
}
