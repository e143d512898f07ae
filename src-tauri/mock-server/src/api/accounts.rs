//! `POST /api/accounts`, `GET /api/account/security`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::{AuthProblems, BodyProblems};
use crate::AppState;
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, Auth};
use crate::model::{NewAccount, Registered, SecurityView};
use crate::service;

/// Registers an account (2FA off).
#[utoipa::path(
    post,
    path = "/api/accounts",
    tag = "accounts",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Registered", body = Registered),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_email`, `weak_password` (under 8 characters), `invalid_body`",
            body = Problem, content_type = "application/problem+json"),
        BodyProblems,
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewAccount>,
) -> AppResult<(StatusCode, Json<Registered>)> {
    let registered = service::accounts::register(&state, &body.email, &body.password).await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// The account's security settings ("Account & security").
#[utoipa::path(
    get,
    path = "/api/account/security",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "2FA status; `recovery_codes_low` warns under 4 codes", body = SecurityView),
        AuthProblems,
    )
)]
pub async fn security(State(state): State<AppState>, Auth(session): Auth) -> AppResult<Json<SecurityView>> {
    service::accounts::security(&state, &session).await.map(Json)
}
