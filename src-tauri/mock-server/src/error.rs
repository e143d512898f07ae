//! The server's one error type, answered as RFC 9457 `application/problem+json`.
//!
//! Every refusal goes through [`AppError`]: a [`ProblemKind`] (which fixes `type`, `status` and
//! `title`), a `detail` sentence written by this crate, and extra members such as
//! `attempts_remaining` or `retry_after`. Nothing from inside (SQL, I/O, library messages) ever
//! reaches a client: [`AppError::internal`] logs the cause and answers a fixed 500. No detail
//! carries a password, secret, code or token: details are written here, never echoed from input.
//!
//! `type` is the problem's short name (`"invalid_code"`), a relative URI reference as RFC 9457
//! allows, so clients can compare it as a plain string.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every kind of problem the server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// 400: the body is not JSON.
    MalformedJson,
    /// 400: a query string or header could not be read.
    BadRequest,
    /// 401: no session token, or one that is unknown, signed out or expired.
    Unauthorized,
    /// 401: the e-mail and password do not match an account (same answer for both cases).
    InvalidCredentials,
    /// 401: the code is wrong, expired, already used, or not a code at all.
    InvalidCode,
    /// 403: the password typed to confirm a change (enabling or disabling 2FA) is wrong; the
    /// session is still valid.
    WrongPassword,
    /// 403: the export needs a second verification first.
    VerificationRequired,
    /// 403: tester controls asked for from another machine.
    Forbidden,
    /// 404: no such route.
    NotFound,
    /// 404: no open challenge with this id (for this session).
    UnknownChallenge,
    /// 404: no enrollment with this id for this account.
    UnknownEnrollment,
    /// 404: no account with this e-mail (tester controls).
    UnknownAccount,
    /// 405: the route exists with other methods.
    MethodNotAllowed,
    /// 409: an account with this e-mail exists.
    EmailTaken,
    /// 409: a wizard step out of order.
    WrongStep,
    /// 409: 2FA is already on.
    AlreadyEnabled,
    /// 409: 2FA is off.
    NotEnabled,
    /// 409: the challenge sends no e-mail, so there is nothing to resend.
    ResendUnavailable,
    /// 410: the challenge or enrollment expired, was voided after too many wrong codes, or
    /// was already completed: the flow restarts.
    Expired,
    /// 413: the body is over 64 KiB.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: the JSON does not have the expected fields and types.
    InvalidBody,
    /// 422: not an e-mail address.
    InvalidEmail,
    /// 422: the password is too short (or absurdly long).
    WeakPassword,
    /// 422: the `X-Device-Id` header is too long or not printable ASCII.
    InvalidDeviceId,
    /// 422: the method is not one this challenge accepts.
    UnsupportedMethod,
    /// 422: a value out of range (e.g. a clock offset).
    InvalidValue,
    /// 429: the account is locked after too many failures.
    Locked,
    /// 429: a new code was asked for within the resend cool-down.
    ResendCooldown,
    /// 429: too many code e-mails to one address (one per 30 s, ten per hour).
    TooManyCodes,
    /// 421: the request's `Host` is not a name of this server (DNS rebinding).
    MisdirectedRequest,
    /// 500: something broke inside; the cause is in the server's log only.
    Internal,
}

impl ProblemKind {
    /// The problem's `type` member.
    pub fn type_name(self) -> &'static str {
        self.describe().0
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        self.describe().1
    }

    /// The problem's `title` member: the same for every occurrence of the kind.
    pub fn title(self) -> &'static str {
        self.describe().2
    }

    fn describe(self) -> (&'static str, StatusCode, &'static str) {
        use ProblemKind as K;
        use StatusCode as S;
        match self {
            K::MalformedJson => ("malformed_json", S::BAD_REQUEST, "The body is not valid JSON"),
            K::BadRequest => ("bad_request", S::BAD_REQUEST, "The request could not be read"),
            K::Unauthorized => ("unauthorized", S::UNAUTHORIZED, "Sign in first"),
            K::InvalidCredentials => (
                "invalid_credentials",
                S::UNAUTHORIZED,
                "The e-mail or password is incorrect",
            ),
            K::InvalidCode => ("invalid_code", S::UNAUTHORIZED, "The verification code is incorrect"),
            K::WrongPassword => ("wrong_password", S::FORBIDDEN, "The password is incorrect"),
            K::VerificationRequired => (
                "verification_required",
                S::FORBIDDEN,
                "Verify your identity to continue",
            ),
            K::Forbidden => ("forbidden", S::FORBIDDEN, "Not allowed from this address"),
            K::NotFound => ("not_found", S::NOT_FOUND, "No such resource"),
            K::UnknownChallenge => ("unknown_challenge", S::NOT_FOUND, "No such verification challenge"),
            K::UnknownEnrollment => ("unknown_enrollment", S::NOT_FOUND, "No such 2FA enrollment"),
            K::UnknownAccount => ("unknown_account", S::NOT_FOUND, "No such account"),
            K::MethodNotAllowed => ("method_not_allowed", S::METHOD_NOT_ALLOWED, "Method not allowed"),
            K::EmailTaken => ("email_taken", S::CONFLICT, "An account with this e-mail already exists"),
            K::WrongStep => ("wrong_step", S::CONFLICT, "This step is out of order"),
            K::AlreadyEnabled => (
                "already_enabled",
                S::CONFLICT,
                "Two-factor authentication is already enabled",
            ),
            K::NotEnabled => ("not_enabled", S::CONFLICT, "Two-factor authentication is not enabled"),
            K::ResendUnavailable => ("resend_unavailable", S::CONFLICT, "This verification sends no e-mail"),
            K::Expired => ("expired", S::GONE, "This verification is no longer valid"),
            K::PayloadTooLarge => (
                "payload_too_large",
                S::PAYLOAD_TOO_LARGE,
                "The request body is too large",
            ),
            K::UnsupportedMediaType => (
                "unsupported_media_type",
                S::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as application/json",
            ),
            K::InvalidBody => (
                "invalid_body",
                S::UNPROCESSABLE_ENTITY,
                "The body does not have the expected fields",
            ),
            K::InvalidEmail => ("invalid_email", S::UNPROCESSABLE_ENTITY, "Not a valid e-mail address"),
            K::WeakPassword => (
                "weak_password",
                S::UNPROCESSABLE_ENTITY,
                "The password is not acceptable",
            ),
            K::InvalidDeviceId => (
                "invalid_device_id",
                S::UNPROCESSABLE_ENTITY,
                "The X-Device-Id is not valid",
            ),
            K::UnsupportedMethod => (
                "unsupported_method",
                S::UNPROCESSABLE_ENTITY,
                "This verification method is not offered here",
            ),
            K::InvalidValue => ("invalid_value", S::UNPROCESSABLE_ENTITY, "A value is out of range"),
            K::Locked => ("locked", S::TOO_MANY_REQUESTS, "The account is temporarily locked"),
            K::ResendCooldown => (
                "resend_cooldown",
                S::TOO_MANY_REQUESTS,
                "Wait before asking for a new code",
            ),
            K::TooManyCodes => (
                "too_many_codes",
                S::TOO_MANY_REQUESTS,
                "Too many codes sent to this address",
            ),
            K::MisdirectedRequest => (
                "misdirected_request",
                S::MISDIRECTED_REQUEST,
                "This server does not answer to this host name",
            ),
            K::Internal => ("internal_error", S::INTERNAL_SERVER_ERROR, "Internal server error"),
        }
    }
}

/// A refusal, answered as `application/problem+json`.
///
/// `Display` is the detail sentence, which never holds a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct AppError {
    kind: ProblemKind,
    detail: String,
    extra: Map<String, Value>,
}

impl AppError {
    /// A problem of `kind` with a detail sentence (written by this crate, never from input).
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> AppError {
        AppError {
            kind,
            detail: detail.into(),
            extra: Map::new(),
        }
    }

    /// Adds an extension member (`attempts_remaining`, `retry_after`, `challenge_id`, …).
    #[must_use]
    pub fn with(mut self, member: &str, value: impl Into<Value>) -> AppError {
        self.extra.insert(member.to_owned(), value.into());
        self
    }

    /// A failure inside the server. The cause goes to the log (it must not hold a secret:
    /// callers pass library errors, never values); the client gets a fixed 500.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %cause, "internal error");
        AppError::new(ProblemKind::Internal, "The server could not complete the request.")
    }

    /// The kind.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// The detail sentence.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// An extension member, if set.
    pub fn member(&self, name: &str) -> Option<&Value> {
        self.extra.get(name)
    }

    /// The whole problem document.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), self.kind.type_name().into());
        body.insert("title".into(), self.kind.title().into());
        body.insert("status".into(), self.kind.status().as_u16().into());
        body.insert("detail".into(), self.detail.clone().into());
        for (name, value) in &self.extra {
            body.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Value::Object(body)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.to_json()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.extra.get("retry_after").and_then(Value::as_i64)
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        if self.kind == ProblemKind::Unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The shape of every error body, for the OpenAPI description.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// The problem's short name, e.g. `invalid_code`, `locked`, `wrong_step`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A fixed sentence for the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// `invalid_code`: wrong codes left before the challenge or step is voided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_remaining: Option<u32>,
    /// `locked`, `resend_cooldown`: seconds to wait (also the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
    /// `verification_required`: the challenge to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// `verification_required`: the methods the challenge accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<crate::model::Method>>,
    /// `verification_required`: when the challenge expires (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// `invalid_code`: why, when it is not simply wrong (`expired`, `replayed`, `voided`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Result alias for the server.
pub type AppResult<T> = Result<T, AppError>;
