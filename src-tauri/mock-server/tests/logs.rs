//! No password, secret, code or token ever reaches the log, at any level.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::Method;
use common::{Mock, PASSWORD, totp, wrong};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_never_holds_a_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .init();

    let mut mock = Mock::new();
    let email = "ada@example.com";
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned()];

    // Risk-based e-mail verification, then a session.
    mock.register(email).await;
    let first = mock.sign_in(email, Some("laptop-1")).await.ok(200);
    let code = mock.last_code(email).await;
    let done = mock
        .post(
            "/api/session/verify",
            json!({ "challenge_id": first["challenge_id"], "method": "email", "code": code }),
        )
        .await
        .ok(200);
    let token = done["token"].as_str().unwrap().to_owned();
    secrets.extend([code, token.clone(), first["challenge_id"].as_str().unwrap().to_owned()]);

    // Enrollment with TOTP.
    mock.align_to_step(0).await;
    let id = mock.enroll_to_method(&token, email).await;
    let chosen = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/method"),
            &token,
            json!({ "method": "totp" }),
        )
        .await
        .ok(200);
    let secret_b32 = chosen["secret"].as_str().unwrap().to_owned();
    let secret = smartpush_core::Secret::from_base32(&secret_b32).unwrap();
    let confirm_code = totp(&secret, mock.now());
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/confirm"),
        &token,
        json!({ "code": wrong(&confirm_code) }),
    )
    .await
    .problem(401, "invalid_code");
    let enabled = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/confirm"),
            &token,
            json!({ "code": confirm_code }),
        )
        .await
        .ok(200);
    secrets.extend([secret_b32.clone(), confirm_code, wrong(&totp(&secret, mock.now()))]);
    for code in enabled["recovery_codes"].as_array().unwrap() {
        secrets.push(code.as_str().unwrap().to_owned());
    }
    let recovery = secrets.last().unwrap().clone();

    // Sign in with TOTP and with a recovery code; a wrong password.
    let now = mock.align_to_step(60).await;
    let first = mock.sign_in(email, None).await.ok(200);
    let code = totp(&secret, now);
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": first["challenge_id"], "method": "totp", "code": code }),
    )
    .await
    .ok(200);
    secrets.push(code);
    let first = mock.sign_in(email, None).await.ok(200);
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": first["challenge_id"], "method": "recovery_code", "code": recovery }),
    )
    .await
    .ok(200);
    // Step-up for an export under high risk, then disable 2FA: password, a code, confirm.
    mock.post("/mock/risk", json!({ "email": email, "level": "high" }))
        .await
        .ok(200);
    let challenge = mock
        .post_auth("/api/exports", &token, json!({ "kind": "contacts" }))
        .await
        .problem(403, "verification_required");
    let now = mock.align_to_step(30).await;
    let code = totp(&secret, now);
    let export = mock
        .post_auth(
            "/api/exports/verify",
            &token,
            json!({ "challenge_id": challenge["challenge_id"], "method": "totp", "code": code }),
        )
        .await;
    assert_eq!(export.status.as_u16(), 200, "the step-up export went through");
    secrets.extend([code, challenge["challenge_id"].as_str().unwrap().to_owned()]);
    let started = mock
        .post_auth("/api/2fa/disable", &token, json!({ "password": PASSWORD }))
        .await
        .ok(200);
    let now = mock.align_to_step(30).await;
    let code = totp(&secret, now);
    mock.post_auth(
        "/api/2fa/disable/verify",
        &token,
        json!({ "challenge_id": started["challenge_id"], "method": "totp", "code": code }),
    )
    .await
    .ok(200);
    let off = mock
        .post_auth(
            "/api/2fa/disable/confirm",
            &token,
            json!({ "challenge_id": started["challenge_id"] }),
        )
        .await
        .ok(200);
    assert_eq!(off["enabled"], false);
    secrets.extend([code, started["challenge_id"].as_str().unwrap().to_owned()]);

    mock.post(
        "/api/session",
        json!({ "email": email, "password": "Sup3r-Secret-Guess" }),
    )
    .await
    .problem(401, "invalid_credentials");
    secrets.push("Sup3r-Secret-Guess".to_owned());
    // A malformed body that carries a secret-looking value.
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": "x", "method": "totp", "code": 918_273 }),
    )
    .await
    .problem(422, "invalid_body");
    secrets.push("918273".to_owned());
    mock.call(Method::DELETE, "/api/session", Some(&token), None)
        .await
        .ok(204);

    // The second edition's controls: a seeded account's secret and recovery codes, the event
    // log, the long poll, a lock and an unlock (issue 17).
    let seeded = mock
        .post(
            "/mock/accounts",
            json!({ "email": "seed@example.com", "password": "Seeded-Secret-Pass",
                    "two_factor": { "method": "totp", "secret": "JBSWY3DPEHPK3PXPJBSWY3DP" } }),
        )
        .await
        .ok(201);
    secrets.extend(["Seeded-Secret-Pass".to_owned(), "JBSWY3DPEHPK3PXPJBSWY3DP".to_owned()]);
    for code in seeded["two_factor"]["recovery_codes"].as_array().unwrap() {
        secrets.push(code.as_str().unwrap().to_owned());
    }
    for _ in 0..10 {
        mock.post(
            "/api/session",
            json!({ "email": "seed@example.com", "password": "Wrong-Secret-Pass" }),
        )
        .await;
    }
    secrets.push("Wrong-Secret-Pass".to_owned());
    mock.post("/mock/unlock", json!({ "email": "seed@example.com" }))
        .await
        .ok(204);
    mock.call(Method::GET, "/mock/events", None, None).await.ok(200);
    mock.call(
        Method::GET,
        "/mock/outbox/next?to=ada@example.com&after=0&timeout=0",
        None,
        None,
    )
    .await
    .ok(200);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("signed in"), "the flow was logged:\n{log}");
    assert!(
        log.contains("route=\"/api/session/verify\""),
        "requests are logged by route:\n{log}"
    );
    // Request durations are numbers that a 6-digit code could match by chance: drop them.
    let log: String = log
        .split(' ')
        .filter(|field| !field.starts_with("micros="))
        .collect::<Vec<_>>()
        .join(" ");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log holds a secret ({} chars):\n{log}",
            secret.len()
        );
    }
    assert!(!log.contains(&secret_b32.to_lowercase()));
    // The raw key in hex, either case.
    let hex: String = secret.expose().iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        !log.to_lowercase().contains(&hex),
        "the log holds the raw secret in hex"
    );
}
