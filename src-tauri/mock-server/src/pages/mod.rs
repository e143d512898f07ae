//! The web pages: the same flows as the JSON API, server-rendered for a person with a browser,
//! styled after SmartPush's Account Management.
//!
//! Every page handler parses a form, calls the same [`crate::service`] function as the API
//! handler of that flow, and renders the result, or the [`AppError`] as a friendly sentence in
//! the page (never a problem document). The rules live in the service layer only.
//!
//! Security of the pages:
//! * The session is the API's bearer token, kept in the `sp_session` cookie: `HttpOnly`,
//!   `SameSite=Strict`, `Path=/`. It cannot be `Secure`: the mock serves plain HTTP on loopback,
//!   and a `Secure` cookie would not be sent back over it.
//! * CSRF: every form carries a token, checked on every POST: for a signed-in page it is derived
//!   from the session token (SHA-256 over a label and the token, so it changes with every
//!   session and cannot be computed without the `HttpOnly` cookie); before sign-in it is derived
//!   from a random `sp_pre` cookie. A POST whose `Origin` (or `Sec-Fetch-Site`) shows another
//!   origin is refused as well: `SameSite` alone does not separate two ports of `127.0.0.1`
//!   (they are the same site), while their origins differ.
//! * Pages change state only through POST; a GET never does.
//! * Every answer of the pages carries a strict Content-Security-Policy
//!   (`default-src 'self'; img-src 'self' data:` and no framing); there is no inline script
//!   or style, the little JavaScript is `/static/app.js`.

pub mod account;
mod assets;
pub mod auth;
pub mod exports;
mod layout;
pub mod tester;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use data_encoding::HEXLOWER;
use maud::Markup;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::config::rules;
use crate::crypto;
use crate::error::{AppError, ProblemKind};
use crate::extract;
use crate::service::sessions::{self, SessionInfo};

pub use account::recovery_codes_file;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "sp_session";
/// The cookie that anchors the CSRF token of the forms shown before sign-in.
pub const PRE_COOKIE: &str = "sp_pre";

/// The Content-Security-Policy of every page.
pub const CSP: &str =
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The web pages' routes (mounted beside the API by [`crate::app`]).
pub fn router() -> Router<AppState> {
    let tester = Router::new()
        .route("/tester", get(tester::controls))
        .route("/tester/risk", post(tester::set_risk))
        .route("/tester/clock", post(tester::set_clock))
        .route("/tester/support-reset", post(tester::support_reset))
        .route("/tester/unlock", post(tester::unlock))
        .route("/tester/outbox/clear", post(tester::clear_outbox))
        .route("/tester/reset", post(tester::reset))
        .route_layer(from_fn(extract::loopback_only));
    Router::new()
        .route("/", get(auth::home))
        .route("/signup", get(auth::sign_up_page).post(auth::sign_up))
        .route("/signin", get(auth::sign_in_page).post(auth::sign_in))
        .route("/signin/verify", post(auth::verify))
        .route("/signin/resend", post(auth::resend))
        .route("/signout", post(auth::sign_out))
        .route("/support", get(auth::support_page))
        .route("/account/security", get(account::security))
        .route(
            "/account/2fa/enable",
            get(account::enable_page).post(account::enable_start),
        )
        .route("/account/2fa/enable/email", post(account::enable_email))
        .route("/account/2fa/enable/method", post(account::enable_method))
        .route("/account/2fa/enable/confirm", post(account::enable_confirm))
        .route("/account/2fa/enable/resend", post(account::enable_resend))
        .route("/account/2fa/recovery-codes/download", post(account::download_codes))
        .route(
            "/account/2fa/disable",
            get(account::disable_page).post(account::disable_start),
        )
        .route("/account/2fa/disable/verify", post(account::disable_verify))
        .route("/account/2fa/disable/resend", post(account::disable_resend))
        .route("/account/2fa/disable/confirm", post(account::disable_confirm))
        .route("/exports", get(exports::page).post(exports::export))
        .route("/exports/verify", post(exports::verify))
        .route("/exports/resend", post(exports::resend))
        .route("/static/{file}", get(assets::serve))
        .merge(tester)
        .layer(from_fn(security_headers))
}

/// Middleware: the page security headers on every answer of the pages' routes.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    add_security_headers(&mut response);
    response
}

/// Adds the Content-Security-Policy and its companions to a page answer. HTML answers are
/// never cached (they can show codes and keys).
pub fn add_security_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html || !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty() && value.len() <= 512)
}

fn csrf_token(label: &str, anchor: &str) -> String {
    let mut input = Vec::with_capacity(label.len() + anchor.len() + 1);
    input.extend_from_slice(label.as_bytes());
    input.push(0);
    input.extend_from_slice(anchor.as_bytes());
    HEXLOWER.encode(&crypto::sha256(&input))
}

/// True unless the request says it comes from another origin: an `Origin` header that is not
/// this server's, or `Sec-Fetch-Site` other than `same-origin` / `none`.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_ok = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        Some(Ok(origin)) => host.is_some_and(|host| {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .is_some_and(|o| o.eq_ignore_ascii_case(host))
        }),
        Some(Err(_)) => false,
    };
    let fetch_ok = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        None => true,
        Some(site) => site == "same-origin" || site == "none",
    };
    origin_ok && fetch_ok
}

/// What every page handler knows about the request: the signed-in session (if any), the CSRF
/// token its forms carry, and the cookies to set on the answer.
#[derive(Debug, Clone)]
pub struct Page {
    /// The session of the `sp_session` cookie, when it is valid.
    pub session: Option<SessionInfo>,
    csrf: String,
    same_origin: bool,
    set_cookies: Vec<String>,
}

impl Page {
    /// Reads the cookies of a request: the session (checked through
    /// [`sessions::authenticate`], as the API's bearer tokens are) and the CSRF anchor.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Page {
        let token = cookie(headers, SESSION_COOKIE);
        let session = match token {
            Some(token) => sessions::authenticate(state, token).await.ok(),
            None => None,
        };
        let mut set_cookies = Vec::new();
        let csrf = match (&session, token) {
            (Some(_), Some(token)) => csrf_token("smartpush-csrf-session", token),
            _ => {
                if token.is_some() {
                    // A stale session cookie: forget it.
                    set_cookies.push(clear_cookie(SESSION_COOKIE));
                }
                match cookie(headers, PRE_COOKIE) {
                    Some(anchor) => csrf_token("smartpush-csrf-pre", anchor),
                    None => {
                        let anchor = crypto::new_id().unwrap_or_default();
                        set_cookies.push(format!("{PRE_COOKIE}={anchor}; Path=/; HttpOnly; SameSite=Strict"));
                        csrf_token("smartpush-csrf-pre", &anchor)
                    }
                }
            }
        };
        Page {
            session,
            csrf,
            same_origin: same_origin(headers),
            set_cookies,
        }
    }

    /// The token the page's forms carry.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Checks a submitted form: same origin and the right CSRF token (constant time).
    pub fn check(&self, submitted: &str) -> bool {
        self.same_origin && crypto::ct_eq(submitted.as_bytes(), self.csrf.as_bytes())
    }

    /// Sets the session cookie on the answer (after a completed sign-in).
    pub fn set_session(&mut self, token: &str) {
        self.set_cookies.push(format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
            rules::SESSION_TTL
        ));
    }

    /// Clears the session cookie on the answer (sign-out).
    pub fn clear_session(&mut self) {
        self.set_cookies.push(clear_cookie(SESSION_COOKIE));
    }

    /// Adds the cookies to an answer.
    pub fn finish(&self, mut response: Response) -> Response {
        for cookie in &self.set_cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }

    /// An HTML answer with this status.
    pub fn html(&self, status: StatusCode, markup: Markup) -> Response {
        let mut response = (status, markup.into_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        self.finish(response)
    }

    /// A 200 HTML answer.
    pub fn ok(&self, markup: Markup) -> Response {
        self.html(StatusCode::OK, markup)
    }

    /// A 303 to `to` (after a POST, so a reload does not post again).
    pub fn redirect(&self, to: &str) -> Response {
        self.finish(Redirect::to(to).into_response())
    }

    /// The answer to a signed-in page asked for without a session: to the sign-in page.
    pub fn to_sign_in(&self) -> Response {
        self.redirect("/signin")
    }

    /// The answer to a form whose CSRF token or origin is wrong: 403 with a page saying so.
    pub fn forbidden(&self) -> Response {
        self.html(
            StatusCode::FORBIDDEN,
            layout::message_page(
                self,
                "This form has expired",
                "The page was open too long, you signed in or out in another tab, or the form came from another \
             site. Go back, reload the page and try again.",
            ),
        )
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Page, Self::Rejection> {
        Ok(Page::from_headers(state, &parts.headers).await)
    }
}

fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// A submitted form (`application/x-www-form-urlencoded`); refusals are a 400 page, never a
/// problem document.
#[derive(Debug, Clone)]
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let too_large = match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => return Ok(PageForm(value)),
            Err(rejection) => rejection.status() == StatusCode::PAYLOAD_TOO_LARGE,
        };
        let page = Page::from_headers(state, &headers).await;
        let (title, text) = if too_large {
            (
                "That was too much",
                "The form sent more than 64 KiB. Go back and try again.",
            )
        } else {
            (
                "Something is missing",
                "The form was incomplete. Go back, reload the page and try again.",
            )
        };
        Err(page.html(StatusCode::BAD_REQUEST, layout::message_page(&page, title, text)))
    }
}

/// The sentence a page shows for a refusal of the service layer: its detail (written for
/// people), with the attempts left after a wrong code. Internal errors say only that
/// something went wrong.
pub fn friendly(error: &AppError) -> String {
    match error.kind() {
        ProblemKind::Internal => "Something went wrong on the server. Try again in a moment.".to_owned(),
        ProblemKind::Unauthorized => "Your session has ended. Sign in again.".to_owned(),
        ProblemKind::InvalidCode => {
            let remaining = error.member("attempts_remaining").and_then(|v| v.as_u64());
            let voided = error.member("reason").and_then(|v| v.as_str()) == Some("voided");
            match remaining {
                Some(n) if !voided && n > 0 => {
                    format!("{} {n} attempt{} left.", error.detail(), if n == 1 { "" } else { "s" })
                }
                _ => error.detail().to_owned(),
            }
        }
        ProblemKind::ResendCooldown => {
            let wait = error.member("retry_after").and_then(|v| v.as_i64()).unwrap_or(30);
            format!("A code was sent moments ago. You can ask for a new one in {wait} seconds.")
        }
        _ => error.detail().to_owned(),
    }
}

/// True when a refusal ends the flow (the challenge or enrollment is gone): the page starts over.
pub fn flow_over(error: &AppError) -> bool {
    matches!(
        error.kind(),
        ProblemKind::Expired | ProblemKind::UnknownChallenge | ProblemKind::UnknownEnrollment | ProblemKind::Locked
    ) || error.member("reason").and_then(|v| v.as_str()) == Some("voided")
}

/// The status a page answers a refusal with (the problem's, so scripts can tell).
pub fn status_of(error: &AppError) -> StatusCode {
    error.status()
}

/// The fallback for unknown addresses asked for by a browser: a 404 page.
pub async fn not_found_page(state: &AppState, headers: &HeaderMap) -> Response {
    let page = Page::from_headers(state, headers).await;
    let mut response = page.html(
        StatusCode::NOT_FOUND,
        layout::message_page(&page, "Page not found", "There is nothing at this address."),
    );
    add_security_headers(&mut response);
    response
}
