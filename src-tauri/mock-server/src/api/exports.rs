//! `POST /api/exports`, `POST /api/exports/verify`.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{AuthProblems, BodyProblems};
use crate::AppState;
use crate::error::{AppError, AppResult, Problem, ProblemKind};
use crate::extract::{ApiJson, Auth};
use crate::model::{ExportFile, ExportRequest, VerifyRequest};
use crate::service::{self, exports::ExportOutcome};

/// The `X-Suggest-2FA` header sent with an export verified by e-mail while 2FA is off.
pub const SUGGEST_2FA_HEADER: &str = "x-suggest-2fa";

/// The CSV answer of an export (also the web pages' download).
pub fn csv_response(file: ExportFile) -> Response {
    let disposition = format!("attachment; filename=\"smartpush-{}.csv\"", file.kind.as_str());
    let mut response = file.csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if file.suggest_2fa {
        headers.insert(SUGGEST_2FA_HEADER, HeaderValue::from_static("enable"));
    }
    response
}

/// Exports contacts or campaign data. Whether a verification comes first depends on 2FA and
/// risk: 2FA off + low risk, or 2FA on + low risk: the CSV; high risk: 403
/// `verification_required` with a challenge (2FA off: `["email"]`, a code is e-mailed; 2FA on:
/// the account's method and `recovery_code`). A step-up lasts 10 minutes for the session.
#[utoipa::path(
    post,
    path = "/api/exports",
    tag = "exports",
    security(("bearer" = [])),
    request_body = ExportRequest,
    responses(
        (status = 200, description = "The export", content_type = "text/csv", body = String,
            headers(("X-Suggest-2FA" = String, description = "`enable` when 2FA is off and the session was \
verified by e-mail"))),
        (status = 403, description = "`verification_required` with `challenge_id`, `methods`, `expires_at`",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_codes` with `retry_after`: the step-up code e-mail would exceed \
the address's limit", body = Problem, content_type = "application/problem+json"),
        AuthProblems,
        BodyProblems,
    )
)]
pub async fn export(
    State(state): State<AppState>,
    Auth(session): Auth,
    ApiJson(body): ApiJson<ExportRequest>,
) -> AppResult<Response> {
    match service::exports::export(&state, &session, body.kind).await? {
        ExportOutcome::File(file) => Ok(csv_response(file)),
        ExportOutcome::VerificationRequired(challenge) => {
            let methods: Vec<&str> = challenge.methods.iter().map(|m| m.as_str()).collect();
            Err(AppError::new(
                ProblemKind::VerificationRequired,
                "This export needs a second verification; answer the challenge at POST /api/exports/verify.",
            )
            .with("challenge_id", challenge.challenge_id)
            .with("methods", methods)
            .with("expires_at", challenge.expires_at))
        }
    }
}

/// Answers an export's step-up challenge; returns the export asked for and steps the session up
/// for 10 minutes.
#[utoipa::path(
    post,
    path = "/api/exports/verify",
    operation_id = "export_verify",
    tag = "exports",
    security(("bearer" = [])),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The export", content_type = "text/csv", body = String,
            headers(("X-Suggest-2FA" = String, description = "`enable` when 2FA is off"))),
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
pub async fn verify(
    State(state): State<AppState>,
    Auth(session): Auth,
    ApiJson(body): ApiJson<VerifyRequest>,
) -> AppResult<Response> {
    service::exports::verify(&state, &session, body).await.map(csv_response)
}
