//! The whole story over a real listener on 127.0.0.1:0: register → enable 2FA with TOTP (the
//! secret read by decoding the served QR PNG with the core's scanner) → sign out → sign in with
//! a code from the core → a recovery code once (the second use refused) → an export under high
//! risk → disable.

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use smartpush_core::OtpConfig;
use smartpush_mock_server::{AppState, DbLocation, ServerConfig, serve};

struct Live {
    base: String,
    http: Client,
    state: AppState,
    offset: i64,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Live {
    async fn start() -> Live {
        let state = AppState::open(&DbLocation::Memory, ServerConfig::for_tests()).unwrap();
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Live {
            base: format!("http://{addr}"),
            http: Client::new(),
            state,
            offset: 0,
            _stop: stop,
        }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: Value, status: StatusCode) -> Value {
        let response = self.post(path, token, body).await;
        let got = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn last_code(&self, email: &str) -> String {
        let outbox: Value = self
            .http
            .get(format!("{}/mock/outbox?to={email}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        outbox[0]["code"].as_str().unwrap().to_owned()
    }

    /// Moves the mock clock to the start (+3 s) of a step at least 30 s after the last one.
    async fn next_step(&mut self) -> i64 {
        let now = self.state.now();
        let target = (now / 30 + 1) * 30 + 3;
        self.offset += target - now;
        self.post_json(
            "/mock/clock",
            None,
            json!({ "offset_seconds": self.offset }),
            StatusCode::OK,
        )
        .await;
        target
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_enable_sign_in_recover_export_disable() {
    let mut live = Live::start().await;
    let email = "tester@example.com";
    let password = "a long enough password";

    // Register and sign in (2FA off, no device header: low risk).
    live.post_json(
        "/api/accounts",
        None,
        json!({ "email": email, "password": password }),
        StatusCode::CREATED,
    )
    .await;
    let signed = live
        .post_json(
            "/api/session",
            None,
            json!({ "email": email, "password": password }),
            StatusCode::OK,
        )
        .await;
    let token = signed["token"].as_str().unwrap().to_owned();

    // Enable with TOTP: password, e-mail code, method, then the secret from the served QR PNG.
    let started = live
        .post_json(
            "/api/2fa/enrollment",
            Some(&token),
            json!({ "password": password }),
            StatusCode::CREATED,
        )
        .await;
    let id = started["enrollment_id"].as_str().unwrap().to_owned();
    let code = live.last_code(email).await;
    live.post_json(
        &format!("/api/2fa/enrollment/{id}/email"),
        Some(&token),
        json!({ "code": code }),
        StatusCode::OK,
    )
    .await;
    live.post_json(
        &format!("/api/2fa/enrollment/{id}/method"),
        Some(&token),
        json!({ "method": "totp" }),
        StatusCode::OK,
    )
    .await;
    let qr = live
        .http
        .get(format!("{}/api/2fa/enrollment/{id}/qr.png", live.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()["content-type"], "image/png");
    let png = qr.bytes().await.unwrap();
    let payloads = smartpush_core::qr::decode_image_bytes(&png).unwrap();
    assert_eq!(payloads.len(), 1, "{payloads:?}");
    let drafts = smartpush_core::uri::parse(&payloads[0]).unwrap();
    let draft = &drafts[0];
    assert_eq!(draft.issuer, "SmartPush");
    assert_eq!(draft.name, email);
    let otp: OtpConfig = draft.otp.clone().unwrap();
    let code_at = |t: i64| smartpush_core::otp::code_at(&otp, u64::try_from(t).unwrap()).unwrap();

    let now = live.next_step().await;
    let enabled = live
        .post_json(
            &format!("/api/2fa/enrollment/{id}/confirm"),
            Some(&token),
            json!({ "code": code_at(now) }),
            StatusCode::OK,
        )
        .await;
    let recovery: Vec<String> = enabled["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);

    // Sign out: the token stops working.
    let out = live
        .http
        .delete(format!("{}/api/session", live.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let gone = live
        .http
        .get(format!("{}/api/account/security", live.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);

    // Sign in with a code from the core.
    let sign_in = |live: &Live| {
        let body = json!({ "email": email, "password": password });
        let request = live.http.post(format!("{}/api/session", live.base)).json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let first = sign_in(&live).await;
    assert_eq!(first["status"], "second_factor_required");
    assert_eq!(first["methods"], json!(["totp", "recovery_code"]));
    let now = live.next_step().await;
    let done = live
        .post_json(
            "/api/session/verify",
            None,
            json!({ "challenge_id": first["challenge_id"], "method": "totp", "code": code_at(now) }),
            StatusCode::OK,
        )
        .await;
    let token = done["token"].as_str().unwrap().to_owned();

    // A recovery code works once.
    let first = sign_in(&live).await;
    live.post_json(
        "/api/session/verify",
        None,
        json!({ "challenge_id": first["challenge_id"], "method": "recovery_code", "code": recovery[0] }),
        StatusCode::OK,
    )
    .await;
    let first = sign_in(&live).await;
    let refused = live
        .post_json(
            "/api/session/verify",
            None,
            json!({ "challenge_id": first["challenge_id"], "method": "recovery_code", "code": recovery[0] }),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert_eq!(refused["type"], "invalid_code");

    // An export under high risk: step-up with the authenticator, no suggestion header (2FA on).
    live.post_json(
        "/mock/risk",
        None,
        json!({ "email": email, "level": "high" }),
        StatusCode::OK,
    )
    .await;
    let challenge = live
        .post_json(
            "/api/exports",
            Some(&token),
            json!({ "kind": "contacts" }),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(challenge["type"], "verification_required");
    let now = live.next_step().await;
    let export = live
        .post(
            "/api/exports/verify",
            Some(&token),
            json!({ "challenge_id": challenge["challenge_id"], "method": "totp", "code": code_at(now) }),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(export.headers().get("x-suggest-2fa").is_none());
    assert!(export.text().await.unwrap().starts_with("email,"));

    // Disable: password, a code, confirm.
    let started = live
        .post_json(
            "/api/2fa/disable",
            Some(&token),
            json!({ "password": password }),
            StatusCode::OK,
        )
        .await;
    let now = live.next_step().await;
    live.post_json(
        "/api/2fa/disable/verify",
        Some(&token),
        json!({ "challenge_id": started["challenge_id"], "method": "totp", "code": code_at(now) }),
        StatusCode::OK,
    )
    .await;
    let off = live
        .post_json(
            "/api/2fa/disable/confirm",
            Some(&token),
            json!({ "challenge_id": started["challenge_id"] }),
            StatusCode::OK,
        )
        .await;
    assert_eq!(off["enabled"], false);
    let view: Value = live
        .http
        .get(format!("{}/api/account/security", live.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["two_factor"]["enabled"], false);
}
