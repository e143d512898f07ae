//! Request extractors and middleware whose refusals are problems: JSON bodies, the bearer
//! session, `X-Device-Id`, the body limit, the loopback guard and the request log.

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::config::rules;
use crate::error::{AppError, ProblemKind};
use crate::service::sessions::{self, SessionInfo};

/// A JSON body whose every refusal is a problem: 415 without a JSON content type, 413 over
/// 64 KiB, 400 when it is not JSON, 422 when fields are missing or of the wrong type. Details
/// name the field, never echo the value sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if !is_json(req.headers()) {
            return Err(AppError::new(
                ProblemKind::UnsupportedMediaType,
                "Send the body with Content-Type: application/json.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                AppError::new(ProblemKind::BadRequest, "The request body could not be read.")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body into `T`, mapping errors to 400 (syntax) or 422 (shape).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        json_error(&path, &error.into_inner())
    })?;
    deserializer.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

fn json_error(path: &str, error: &serde_json::Error) -> AppError {
    match error.classify() {
        serde_json::error::Category::Data => {
            AppError::new(ProblemKind::InvalidBody, describe_data_error(path, &error.to_string()))
        }
        _ => AppError::new(
            ProblemKind::MalformedJson,
            format!(
                "The body is not valid JSON (line {}, column {}).",
                error.line(),
                error.column()
            ),
        ),
    }
}

/// A sentence about a shape error that never repeats a value from the body: serde's messages
/// quote values ("invalid type: integer `123456`, expected a string"), so only its missing-field
/// and "expected …" parts (which come from our types) are kept.
fn describe_data_error(path: &str, message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(field) = message.strip_prefix("missing field ") {
        let place = if path == "." {
            String::new()
        } else {
            format!(" in `{path}`")
        };
        return format!("The field {field} is missing{place}.");
    }
    match message.split_once(", expected ").map(|(_, e)| e) {
        Some(expected) => format!("The field `{path}` has the wrong type or value; expected {expected}."),
        None => format!("The field `{path}` has the wrong type or value."),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn too_large() -> AppError {
    AppError::new(
        ProblemKind::PayloadTooLarge,
        format!("Request bodies are limited to {} KiB.", rules::BODY_LIMIT_BYTES / 1024),
    )
}

/// The signed-in session of a request: `Authorization: Bearer <token>`, else 401.
///
/// Hook for the web pages: they authenticate with a cookie instead; give them their own
/// extractor that reads the cookie (and checks CSRF) and calls
/// [`sessions::authenticate`] the same way.
#[derive(Debug, Clone)]
pub struct Auth(pub SessionInfo);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            AppError::new(
                ProblemKind::Unauthorized,
                "Sign in first and send the token as Authorization: Bearer <token>.",
            )
        })?;
        sessions::authenticate(state, token).await.map(Auth)
    }
}

/// The token of an `Authorization: Bearer` header (scheme case-insensitive), if well formed.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 512).then_some(token)
}

/// The optional `X-Device-Id` header, checked (422 when present but unusable).
#[derive(Debug, Clone)]
pub struct DeviceId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for DeviceId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        match parts.headers.get("x-device-id") {
            None => Ok(DeviceId(None)),
            Some(value) => {
                let text = value
                    .to_str()
                    .map_err(|_| AppError::new(ProblemKind::InvalidDeviceId, "X-Device-Id must be printable ASCII."))?;
                sessions::check_device_id(text).map(|id| DeviceId(Some(id)))
            }
        }
    }
}

/// Middleware: 413 as soon as a declared `Content-Length` is over the limit (bodies without
/// one are cut at the limit by `DefaultBodyLimit` while they are read).
pub async fn limit_body(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(len) if len > rules::BODY_LIMIT_BYTES as u64 => too_large().into_response(),
        _ => next.run(req).await,
    }
}

/// Middleware for `/mock/…`: only a loopback peer may use the tester controls, even when the
/// server listens on other addresses (`--allow-remote`). Without connection information the
/// request is refused.
pub async fn loopback_only(peer: Result<ConnectInfo<SocketAddr>, impl Sized>, req: Request, next: Next) -> Response {
    let loopback = peer.is_ok_and(|ConnectInfo(addr)| match addr.ip() {
        std::net::IpAddr::V4(ip) => ip.is_loopback(),
        std::net::IpAddr::V6(ip) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    });
    if loopback {
        next.run(req).await
    } else {
        AppError::new(
            ProblemKind::Forbidden,
            "The tester controls answer only on the loopback interface.",
        )
        .into_response()
    }
}

/// The loopback names a request's `Host` may use (with the server's port).
const LOOPBACK_NAMES: &[&str] = &["localhost", "127.0.0.1", "[::1]"];

/// Middleware on every request, pages and API alike ("Tester controls and the browser"): a web
/// page in the tester's own browser is a loopback client too, so
/// * a `Host` that is not the listening address or a loopback name (with the server's port) is
///   refused with 421 — a DNS-rebinding page reaches the server under its own name; with
///   `--allow-remote`, the `--public-host` names are accepted as well;
/// * an `Origin` other than the server's own (`http://` + the `Host`) is refused with 403;
/// * (on the `/mock` routes, [`json_only_changes`]) a state-changing request without
///   `Content-Type: application/json` is refused with 403.
///
/// A request without `Host` (HTTP/1.0, or a test calling the router directly) passes the first
/// check: browsers always send one.
pub async fn browser_guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    match check_browser_rules(&state, &req) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            tracing::info!(
                kind = refusal.kind().type_name(),
                "request refused by the browser rules"
            );
            refusal.into_response()
        }
    }
}

fn check_browser_rules(state: &AppState, req: &Request) -> Result<(), AppError> {
    let headers = req.headers();
    let host = match headers.get(header::HOST) {
        None => None,
        Some(value) => {
            let host = value.to_str().ok().filter(|h| host_allowed(state, h)).ok_or_else(|| {
                AppError::new(
                    ProblemKind::MisdirectedRequest,
                    "This server answers only to its own address and to localhost, 127.0.0.1 or [::1] \
                         with its port.",
                )
            })?;
            Some(host)
        }
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        let same = match (origin.to_str(), host) {
            (Ok(origin), Some(host)) => origin.eq_ignore_ascii_case(&format!("http://{host}")),
            _ => false,
        };
        if !same {
            return Err(AppError::new(
                ProblemKind::Forbidden,
                "Requests from another origin are refused: use the pages of this server, or a client \
                 that sends no Origin.",
            ));
        }
    }
    Ok(())
}

/// Route middleware of the tester controls: a POST, PUT, PATCH or DELETE without
/// `Content-Type: application/json` is refused with 403, bodyless ones included. A cross-site
/// form cannot send that type without a CORS preflight, which is refused. (A route layer, so
/// a method the route does not have still answers 405.)
pub async fn json_only_changes(req: Request, next: Next) -> Response {
    let changes_state = matches!(
        *req.method(),
        axum::http::Method::POST | axum::http::Method::PUT | axum::http::Method::PATCH | axum::http::Method::DELETE
    );
    if changes_state && !is_json(req.headers()) {
        return AppError::new(
            ProblemKind::Forbidden,
            "The tester controls need Content-Type: application/json on every request that changes \
             something (a web form cannot send it across sites).",
        )
        .into_response();
    }
    next.run(req).await
}

/// True when a `Host` value names this server: a loopback name or the listening address, with
/// the listening port (any port while it is unknown), or with `--allow-remote` one of the
/// `--public-host` names.
pub fn host_allowed(state: &AppState, host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let (name, port) = split_host(&host);
    let listen = state.listen_addr();
    let port_ok = match (listen, port) {
        (None, _) => true,
        (Some(addr), Some(port)) => port == addr.port().to_string(),
        (Some(addr), None) => addr.port() == 80,
    };
    let listen_name = listen.map(|addr| match addr.ip() {
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    });
    let local = LOOPBACK_NAMES.contains(&name) || listen_name.as_deref() == Some(name);
    if local && port_ok {
        return true;
    }
    let config = state.config();
    config.allow_remote
        && config.public_hosts.iter().any(|public| {
            let public = public.trim().to_ascii_lowercase();
            if split_host(&public).1.is_some() {
                public == host
            } else {
                public == name && port_ok
            }
        })
}

/// `name[:port]` or `[v6][:port]` into the name and the port.
fn split_host(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => {
                let (name, rest) = host.split_at(end + 1);
                (name, rest.strip_prefix(':'))
            }
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

/// Middleware: one debug line per request with the route template (never the raw path, which
/// may hold a challenge id), the status and the time taken. No header or body is logged.
pub async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if status >= 500 {
        tracing::warn!(%method, route, status, micros, "request");
    } else {
        tracing::debug!(%method, route, status, micros, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Credentials, VerifyRequest};

    fn problem<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> AppError {
        parse_json::<T>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn body_errors_name_fields_but_never_echo_values() {
        let e = problem::<Credentials>(r#"{"email": "a@b.co"}"#);
        assert_eq!(e.kind(), ProblemKind::InvalidBody);
        assert!(e.detail().contains("`password`"), "{}", e.detail());

        let e = problem::<VerifyRequest>(r#"{"challenge_id": "x", "method": "totp", "code": 918273}"#);
        assert_eq!(e.kind(), ProblemKind::InvalidBody);
        assert!(e.detail().contains("code"), "{}", e.detail());
        assert!(!e.detail().contains("918273"), "{}", e.detail());

        let e = problem::<VerifyRequest>(r#"{"challenge_id": "x", "method": "sms-7731", "code": "1"}"#);
        assert_eq!(e.kind(), ProblemKind::InvalidBody);
        assert!(!e.detail().contains("7731"), "{}", e.detail());

        let e = problem::<Credentials>(r#"{"email": "a@b.co", "password": "hunter2hunter2""#);
        assert_eq!(e.kind(), ProblemKind::MalformedJson);
        assert!(!e.detail().contains("hunter2"), "{}", e.detail());

        assert_eq!(problem::<Credentials>("").kind(), ProblemKind::MalformedJson);
        assert_eq!(problem::<Credentials>("[]").kind(), ProblemKind::InvalidBody);
        assert_eq!(
            problem::<Credentials>(r#"{"email":"a@b.co","password":"12345678"} x"#).kind(),
            ProblemKind::MalformedJson
        );
    }

    #[test]
    fn host_names_split() {
        assert_eq!(split_host("localhost:8790"), ("localhost", Some("8790")));
        assert_eq!(split_host("[::1]:8790"), ("[::1]", Some("8790")));
        assert_eq!(split_host("[::1]"), ("[::1]", None));
        assert_eq!(split_host("127.0.0.1"), ("127.0.0.1", None));
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer".parse().unwrap());
        assert_eq!(bearer_token(&h), None);
    }
}
