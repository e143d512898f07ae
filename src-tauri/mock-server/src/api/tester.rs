//! Tester controls under `/mock` (mounted behind [`crate::extract::loopback_only`]).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{BodyProblems, TesterProblems};
use crate::AppState;
use crate::error::{AppError, AppResult, Problem, ProblemKind};
use crate::extract::ApiJson;
use crate::model::{
    ClockRequest, ClockView, EmailRequest, EventView, EventsQuery, MockAccountView, OutboxMessage, OutboxNextQuery,
    OutboxQuery, RiskRequest, SeedAccount, SeededAccount, SupportReset,
};
use crate::service;

/// True when the client prefers HTML to JSON (a browser): the hook for the outbox page.
pub fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let html = accept.find("text/html");
    let json = accept.find("application/json");
    matches!((html, json), (Some(_), None)) || matches!((html, json), (Some(h), Some(j)) if h < j)
}

/// The e-mails the server sent, newest first (optionally to one address); a browser asking for
/// `text/html` gets them as a page.
#[utoipa::path(
    get,
    path = "/mock/outbox",
    tag = "mock",
    params(OutboxQuery),
    responses(
        (status = 200, description = "The e-mails, newest first (a web page when the client prefers \
`text/html`)", content((Vec<OutboxMessage> = "application/json"), (String = "text/html"))),
        (status = 400, description = "`bad_request`: unreadable query", body = Problem,
            content_type = "application/problem+json"),
        TesterProblems,
    )
)]
pub async fn outbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<OutboxQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(query) =
        query.map_err(|_| AppError::new(ProblemKind::BadRequest, "The query string could not be read."))?;
    if wants_html(&headers) {
        return Ok(crate::pages::tester::outbox_page(&state, &headers, query.to).await);
    }
    service::tester::outbox(&state, query.to)
        .await
        .map(|messages| Json(messages).into_response())
}

/// Empties the outbox.
#[utoipa::path(
    delete,
    path = "/mock/outbox",
    tag = "mock",
    responses((status = 204, description = "Emptied"), TesterProblems)
)]
pub async fn clear_outbox(State(state): State<AppState>) -> AppResult<StatusCode> {
    service::tester::clear_outbox(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The server clock.
#[utoipa::path(
    get,
    path = "/mock/clock",
    tag = "mock",
    responses((status = 200, description = "The clock", body = ClockView), TesterProblems)
)]
pub async fn clock(State(state): State<AppState>) -> Json<ClockView> {
    Json(service::tester::clock(&state))
}

/// Sets the server clock: real time + `offset_seconds` (absolute; 0 restores real time), or
/// `frozen_at` a Unix time (it stands still), or `advance_seconds` (moves the running or frozen
/// clock). Moving it back forgets the TOTP steps recorded as used that now lie in the future.
#[utoipa::path(
    post,
    path = "/mock/clock",
    tag = "mock",
    request_body = ClockRequest,
    responses(
        (status = 200, description = "The clock", body = ClockView),
        (status = 422, description = "`invalid_value`: beyond ±100 years, or `invalid_body`", body = Problem,
            content_type = "application/problem+json"),
        TesterProblems,
        BodyProblems,
    )
)]
pub async fn set_clock(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ClockRequest>,
) -> AppResult<Json<ClockView>> {
    service::tester::change_clock(&state, body).await.map(Json)
}

/// Every account as a test suite checks it: 2FA, risk, lock, failures, known devices.
#[utoipa::path(
    get,
    path = "/mock/accounts",
    tag = "mock",
    responses((status = 200, description = "The accounts, by e-mail", body = Vec<MockAccountView>), TesterProblems)
)]
pub async fn accounts(State(state): State<AppState>) -> AppResult<Json<Vec<MockAccountView>>> {
    service::tester::mock_accounts(&state).await.map(Json)
}

/// Creates an account in the state asked for at once (2FA on without the wizard or an
/// e-mail); a given TOTP secret and recovery codes are used as given, missing ones generated
/// and answered.
#[utoipa::path(
    post,
    path = "/mock/accounts",
    tag = "mock",
    request_body = SeedAccount,
    responses(
        (status = 201, description = "Created", body = SeededAccount),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_email`, `weak_password`, `invalid_value`, `invalid_device_id` or \
`invalid_body`", body = Problem, content_type = "application/problem+json"),
        TesterProblems,
        BodyProblems,
    )
)]
pub async fn create_account(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SeedAccount>,
) -> AppResult<(StatusCode, Json<SeededAccount>)> {
    service::tester::create_account(&state, body)
        .await
        .map(|created| (StatusCode::CREATED, Json(created)))
}

/// Clears an account's lock and failure count.
#[utoipa::path(
    post,
    path = "/mock/unlock",
    tag = "mock",
    request_body = EmailRequest,
    responses(
        (status = 204, description = "Unlocked"),
        (status = 404, description = "`unknown_account`", body = Problem, content_type = "application/problem+json"),
        TesterProblems,
        BodyProblems,
    )
)]
pub async fn unlock(State(state): State<AppState>, ApiJson(body): ApiJson<EmailRequest>) -> AppResult<StatusCode> {
    service::tester::unlock(&state, &body.email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Long poll: the first message to `to` newer than message `after` (or than the call) as soon
/// as it is sent; 204 after `timeout` seconds (at most 30, default 10).
#[utoipa::path(
    get,
    path = "/mock/outbox/next",
    tag = "mock",
    params(OutboxNextQuery),
    responses(
        (status = 200, description = "The message", body = OutboxMessage),
        (status = 204, description = "Nothing arrived in time"),
        (status = 400, description = "`bad_request`: unreadable query", body = Problem,
            content_type = "application/problem+json"),
        TesterProblems,
    )
)]
pub async fn outbox_next(
    State(state): State<AppState>,
    query: Result<Query<OutboxNextQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(query) = query.map_err(|_| {
        AppError::new(
            ProblemKind::BadRequest,
            "The query string could not be read: give to=EMAIL, and optionally after=ID and timeout=S.",
        )
    })?;
    let timeout = query.timeout.unwrap_or(10);
    match service::tester::outbox_next(&state, &query.to, query.after, timeout).await? {
        Some(message) => Ok(Json(message).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// What happened, oldest first: for a test suite to assert on.
#[utoipa::path(
    get,
    path = "/mock/events",
    tag = "mock",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events, oldest first", body = Vec<EventView>),
        (status = 400, description = "`bad_request`: unreadable query", body = Problem,
            content_type = "application/problem+json"),
        TesterProblems,
    )
)]
pub async fn events(
    State(state): State<AppState>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Vec<EventView>>> {
    let Query(query) =
        query.map_err(|_| AppError::new(ProblemKind::BadRequest, "The query string could not be read."))?;
    service::tester::events(&state, query.after, query.email)
        .await
        .map(Json)
}

/// Sets an account's risk (and that of its sessions).
#[utoipa::path(
    post,
    path = "/mock/risk",
    tag = "mock",
    request_body = RiskRequest,
    responses(
        (status = 200, description = "Set", body = RiskRequest),
        (status = 404, description = "`unknown_account`", body = Problem, content_type = "application/problem+json"),
        TesterProblems,
        BodyProblems,
    )
)]
pub async fn set_risk(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RiskRequest>,
) -> AppResult<Json<RiskRequest>> {
    service::tester::set_risk(&state, &body.email, body.level).await?;
    Ok(Json(RiskRequest {
        email: body.email.trim().to_lowercase(),
        level: body.level,
    }))
}

/// What SmartPush support does for a lost device: 2FA off, an e-mail to the user.
#[utoipa::path(
    post,
    path = "/mock/support/reset-2fa",
    tag = "mock",
    request_body = EmailRequest,
    responses(
        (status = 200, description = "2FA is off", body = SupportReset),
        (status = 404, description = "`unknown_account`", body = Problem, content_type = "application/problem+json"),
        TesterProblems,
        BodyProblems,
    )
)]
pub async fn support_reset_2fa(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EmailRequest>,
) -> AppResult<Json<SupportReset>> {
    service::tester::support_reset_2fa(&state, &body.email).await.map(Json)
}

/// Empties every table, puts the clock back to real time and re-creates the accounts the
/// server was started with (`--demo`, `--seed`).
#[utoipa::path(
    post,
    path = "/mock/reset",
    tag = "mock",
    responses((status = 204, description = "Everything is gone"), TesterProblems)
)]
pub async fn reset(State(state): State<AppState>) -> AppResult<StatusCode> {
    service::tester::reset(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!wants_html(&h));
        h.insert(
            header::ACCEPT,
            "text/html,application/xhtml+xml,*/*;q=0.8".parse().unwrap(),
        );
        assert!(wants_html(&h));
        h.insert(header::ACCEPT, "application/json, text/html".parse().unwrap());
        assert!(!wants_html(&h));
        h.insert(header::ACCEPT, "*/*".parse().unwrap());
        assert!(!wants_html(&h));
    }
}
