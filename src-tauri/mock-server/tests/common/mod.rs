//! Test harness: the router driven with `tower::ServiceExt::oneshot`, time moved with the mock
//! clock, codes computed by the core (never by the server's own code).

#![allow(dead_code)]

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use smartpush_core::{OtpConfig, Secret};
use smartpush_mock_server::{AppState, DbLocation, ServerConfig, app};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

/// One answer.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer of this status and type; returns the document.
    #[track_caller]
    pub fn problem(&self, status: u16, kind: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let doc = self.json();
        assert_eq!(doc["type"], kind, "{doc}");
        assert_eq!(doc["status"], status, "{doc}");
        assert!(doc["title"].as_str().is_some_and(|t| !t.is_empty()), "{doc}");
        assert!(doc["detail"].as_str().is_some_and(|t| !t.is_empty()), "{doc}");
        doc
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        if self.bytes.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

/// A server in memory, answering as if from `peer`.
#[derive(Clone)]
pub struct Mock {
    pub state: AppState,
    pub app: Router,
    /// The offset of the mock clock the tests set last.
    pub offset: i64,
}

impl Mock {
    pub fn new() -> Mock {
        Mock::with_peer(SocketAddr::from(([127, 0, 0, 1], 40_000)))
    }

    pub fn with_peer(peer: SocketAddr) -> Mock {
        let state = AppState::open(&DbLocation::Memory, ServerConfig::for_tests()).unwrap();
        let app = app(state.clone()).layer(MockConnectInfo(peer));
        Mock { state, app, offset: 0 }
    }

    /// A server over `state`, answering a loopback peer.
    pub fn over(state: AppState) -> Mock {
        let app = app(state.clone()).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        Mock { state, app, offset: 0 }
    }

    /// True when nothing was e-mailed.
    pub async fn outbox_is_empty(&self) -> bool {
        let doc = self.call(Method::GET, "/mock/outbox", None, None).await.ok(200);
        doc.as_array().unwrap().is_empty()
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp { status, headers, bytes }
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, None, Some(body)).await
    }

    pub async fn post_auth(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Sets the mock clock through the API (absolute offset from real time).
    pub async fn set_offset(&mut self, offset: i64) {
        self.post("/mock/clock", json!({ "offset_seconds": offset }))
            .await
            .ok(200);
        self.offset = offset;
    }

    /// Moves the mock clock by `seconds` from where the tests last put it.
    pub async fn advance(&mut self, seconds: i64) {
        let offset = self.offset + seconds;
        self.set_offset(offset).await;
    }

    /// Puts the clock 3 s into a fresh 30-second TOTP step, at least `ahead` seconds from now,
    /// and returns that time (the tests run in well under 27 s, so the step does not change).
    pub async fn align_to_step(&mut self, ahead: i64) -> i64 {
        let now = self.state.now();
        let target = ((now + ahead) / 30 + 1) * 30 + 3;
        self.advance(target - now).await;
        target
    }

    pub fn now(&self) -> i64 {
        self.state.now()
    }

    pub async fn register(&self, email: &str) {
        self.post("/api/accounts", json!({ "email": email, "password": PASSWORD }))
            .await
            .ok(201);
    }

    pub async fn sign_in(&self, email: &str, device: Option<&str>) -> Resp {
        let headers: Vec<(&str, &str)> = device.map(|d| ("x-device-id", d)).into_iter().collect();
        self.call_with(
            Method::POST,
            "/api/session",
            None,
            Some(json!({ "email": email, "password": PASSWORD })),
            &headers,
        )
        .await
    }

    /// Registers and signs in (2FA off, no device header: low risk); returns the token.
    pub async fn account(&self, email: &str) -> String {
        self.register(email).await;
        let doc = self.sign_in(email, None).await.ok(200);
        assert_eq!(doc["status"], "authenticated");
        doc["token"].as_str().unwrap().to_owned()
    }

    /// The newest e-mail to `email`.
    pub async fn last_email(&self, email: &str) -> Value {
        let doc = self
            .call(Method::GET, &format!("/mock/outbox?to={email}"), None, None)
            .await
            .ok(200);
        doc[0].clone()
    }

    /// The code of the newest e-mail to `email`.
    pub async fn last_code(&self, email: &str) -> String {
        self.last_email(email).await["code"].as_str().unwrap().to_owned()
    }

    /// Enables 2FA with TOTP; returns the secret and the recovery codes. Uses the current
    /// step's code for confirmation.
    pub async fn enable_totp(&self, token: &str, email: &str) -> (Secret, Vec<String>) {
        let id = self.enroll_to_method(token, email).await;
        let chosen = self
            .post_auth(
                &format!("/api/2fa/enrollment/{id}/method"),
                token,
                json!({ "method": "totp" }),
            )
            .await
            .ok(200);
        let secret = Secret::from_base32(chosen["secret"].as_str().unwrap()).unwrap();
        let code = totp(&secret, self.now());
        let enabled = self
            .post_auth(
                &format!("/api/2fa/enrollment/{id}/confirm"),
                token,
                json!({ "code": code }),
            )
            .await
            .ok(200);
        assert_eq!(enabled["enabled"], true);
        let codes = enabled["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (secret, codes)
    }

    /// Steps 1 and 2 of the enrollment; returns its id.
    pub async fn enroll_to_method(&self, token: &str, email: &str) -> String {
        let started = self
            .post_auth("/api/2fa/enrollment", token, json!({ "password": PASSWORD }))
            .await
            .ok(201);
        assert_eq!(started["step"], "verify_email");
        let id = started["enrollment_id"].as_str().unwrap().to_owned();
        let code = self.last_code(email).await;
        let step = self
            .post_auth(
                &format!("/api/2fa/enrollment/{id}/email"),
                token,
                json!({ "code": code }),
            )
            .await
            .ok(200);
        assert_eq!(step["step"], "choose_method");
        id
    }

    /// Runs SQL returning one integer.
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.state
            .db()
            .call(move |conn| Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap()))
            .await
            .unwrap()
    }
}

/// The TOTP code of `secret` at `unix` (SHA1, 6 digits, 30 s), from the core.
pub fn totp(secret: &Secret, unix: i64) -> String {
    smartpush_core::otp::code_at(&OtpConfig::totp(secret.clone()), u64::try_from(unix).unwrap()).unwrap()
}

/// A 6-digit code that differs from `code`.
pub fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}
