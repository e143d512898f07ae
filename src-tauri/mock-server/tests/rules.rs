//! Every rule of the spec, one test (or more) each, through the router with `oneshot`; time
//! is moved with the mock clock, never slept.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{Mock, PASSWORD, Resp, totp, wrong};
use serde_json::{Value, json};

/// Signs in an account with TOTP 2FA and answers the challenge with `code`.
async fn second_step(mock: &Mock, email: &str, method: &str, code: &str) -> Resp {
    let first = mock.sign_in(email, None).await.ok(200);
    assert_eq!(first["status"], "second_factor_required");
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": first["challenge_id"], "method": method, "code": code }),
    )
    .await
}

// ---------------------------------------------------------------- accounts and sessions

#[tokio::test]
async fn register_validates_and_refuses_duplicates() {
    let mock = Mock::new();
    let doc = mock
        .post(
            "/api/accounts",
            json!({ "email": "Ada@Example.com", "password": PASSWORD }),
        )
        .await
        .ok(201);
    assert_eq!(doc["email"], "ada@example.com");
    mock.post(
        "/api/accounts",
        json!({ "email": "ADA@example.com", "password": PASSWORD }),
    )
    .await
    .problem(409, "email_taken");
    mock.post(
        "/api/accounts",
        json!({ "email": "not-an-email", "password": PASSWORD }),
    )
    .await
    .problem(422, "invalid_email");
    mock.post(
        "/api/accounts",
        json!({ "email": "bob@example.com", "password": "1234567" }),
    )
    .await
    .problem(422, "weak_password");
    mock.post(
        "/api/accounts",
        json!({ "email": "bob@example.com", "password": "12345678" }),
    )
    .await
    .ok(201);
}

#[tokio::test]
async fn passwords_are_argon2id_hashes_and_tokens_are_stored_hashed() {
    let mock = Mock::new();
    let token = mock.account("ada@example.com").await;
    let (hash, stored_tokens) = mock
        .state
        .db()
        .call(move |conn| {
            let hash: String = conn
                .query_row("SELECT password_hash FROM accounts", [], |r| r.get(0))
                .unwrap();
            let mut stmt = conn.prepare("SELECT token_hash FROM sessions").unwrap();
            let tokens: Vec<Vec<u8>> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            Ok((hash, tokens))
        })
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
    assert_eq!(stored_tokens.len(), 1);
    assert_ne!(stored_tokens[0], token.as_bytes());
    assert_eq!(stored_tokens[0].len(), 32, "SHA-256");
    assert!(token.len() >= 22, "at least 128 bits of base64url");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let mock = Mock::new();
    mock.register("ada@example.com").await;
    let unknown = mock
        .post(
            "/api/session",
            json!({ "email": "nobody@example.com", "password": PASSWORD }),
        )
        .await;
    let wrong_pw = mock
        .post(
            "/api/session",
            json!({ "email": "ada@example.com", "password": "wrong password" }),
        )
        .await;
    let a = unknown.problem(401, "invalid_credentials");
    let b = wrong_pw.problem(401, "invalid_credentials");
    assert_eq!(a, b);
}

#[tokio::test]
async fn security_view_and_sign_out() {
    let mock = Mock::new();
    let token = mock.account("ada@example.com").await;
    let doc = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(doc["email"], "ada@example.com");
    assert_eq!(doc["two_factor"]["enabled"], false);
    assert_eq!(doc["two_factor"]["method"], Value::Null);
    assert_eq!(doc["two_factor"]["recovery_codes_remaining"], 0);

    mock.call(Method::GET, "/api/account/security", None, None)
        .await
        .problem(401, "unauthorized");
    mock.get_auth("/api/account/security", "not-a-token")
        .await
        .problem(401, "unauthorized");

    mock.call(Method::DELETE, "/api/session", Some(&token), None)
        .await
        .ok(204);
    mock.get_auth("/api/account/security", &token)
        .await
        .problem(401, "unauthorized");
    mock.call(Method::DELETE, "/api/session", Some(&token), None)
        .await
        .problem(401, "unauthorized");
}

// ---------------------------------------------------------------- risk

#[tokio::test]
async fn a_new_device_id_makes_the_sign_in_high_risk() {
    let mut mock = Mock::new();
    mock.register("ada@example.com").await;

    // Never completed a sign-in from device A: e-mail verification.
    let first = mock.sign_in("ada@example.com", Some("device-A")).await.ok(200);
    assert_eq!(first["status"], "email_verification_required");
    assert_eq!(first["methods"], json!(["email"]));
    assert!(first["expires_at"].as_str().is_some());
    let mail = mock.last_email("ada@example.com").await;
    let code = mail["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(mail["body"].as_str().unwrap().contains(&code));
    let done = mock
        .post(
            "/api/session/verify",
            json!({ "challenge_id": first["challenge_id"], "method": "email", "code": code }),
        )
        .await
        .ok(200);
    assert_eq!(done["status"], "authenticated");
    let high_token = done["token"].as_str().unwrap().to_owned();
    let view = mock.get_auth("/api/account/security", &high_token).await.ok(200);
    assert_eq!(
        view["session_risk"], "high",
        "a session inherits the risk of its sign-in"
    );

    // Device A is now known: low risk. No header: low risk. Device B: high again.
    mock.advance(1).await;
    assert_eq!(
        mock.sign_in("ada@example.com", Some("device-A")).await.ok(200)["status"],
        "authenticated"
    );
    assert_eq!(
        mock.sign_in("ada@example.com", None).await.ok(200)["status"],
        "authenticated"
    );
    assert_eq!(
        mock.sign_in("ada@example.com", Some("device-B")).await.ok(200)["status"],
        "email_verification_required"
    );
    // Not completing it does not make device B known (30 s on: the unused code holds back
    // another e-mail until then).
    mock.advance(31).await;
    assert_eq!(
        mock.sign_in("ada@example.com", Some("device-B")).await.ok(200)["status"],
        "email_verification_required"
    );

    // A malformed device id is refused, not ignored.
    let long = "x".repeat(201);
    mock.call_with(
        Method::POST,
        "/api/session",
        None,
        Some(json!({ "email": "ada@example.com", "password": PASSWORD })),
        &[("x-device-id", &long)],
    )
    .await
    .problem(422, "invalid_device_id");
}

#[tokio::test]
async fn mock_risk_applies_to_sign_ins_and_open_sessions() {
    let mock = Mock::new();
    let token = mock.account("ada@example.com").await;
    mock.post("/mock/risk", json!({ "email": "ada@example.com", "level": "high" }))
        .await
        .ok(200);
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(view["session_risk"], "high");
    assert_eq!(
        mock.sign_in("ada@example.com", None).await.ok(200)["status"],
        "email_verification_required"
    );
    mock.post("/mock/risk", json!({ "email": "ada@example.com", "level": "low" }))
        .await
        .ok(200);
    assert_eq!(
        mock.get_auth("/api/account/security", &token).await.ok(200)["session_risk"],
        "low"
    );
    assert_eq!(
        mock.sign_in("ada@example.com", None).await.ok(200)["status"],
        "authenticated"
    );
    mock.post("/mock/risk", json!({ "email": "nobody@example.com", "level": "high" }))
        .await
        .problem(404, "unknown_account");
}

// ---------------------------------------------------------------- TOTP

#[tokio::test]
async fn totp_is_accepted_within_one_step_either_side_only() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    let (secret, _) = mock.enable_totp(&token, email).await;
    // Far enough from the enrollment's step that no code below was accepted before.
    let now = mock.align_to_step(300).await;

    for outside in [now - 60, now + 60] {
        let doc = second_step(&mock, email, "totp", &totp(&secret, outside))
            .await
            .problem(401, "invalid_code");
        assert_eq!(doc["attempts_remaining"], 4);
    }
    let ok = second_step(&mock, email, "totp", &totp(&secret, now - 30))
        .await
        .ok(200);
    assert_eq!(ok["status"], "authenticated");
    assert!(ok["token"].as_str().is_some());
    let ok = second_step(&mock, email, "totp", &totp(&secret, now + 30))
        .await
        .ok(200);
    assert_eq!(ok["status"], "authenticated");
}

#[tokio::test]
async fn a_totp_code_is_never_accepted_twice() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    let (secret, _) = mock.enable_totp(&token, email).await;

    // The code that confirmed the enrollment cannot sign in.
    let doc = second_step(&mock, email, "totp", &totp(&secret, mock.now()))
        .await
        .problem(401, "invalid_code");
    assert_eq!(doc["reason"], "replayed");

    let now = mock.align_to_step(60).await;
    let code = totp(&secret, now);
    second_step(&mock, email, "totp", &code).await.ok(200);
    // Same code, same step, inside its window: refused.
    let doc = second_step(&mock, email, "totp", &code)
        .await
        .problem(401, "invalid_code");
    assert_eq!(doc["reason"], "replayed");
    // An earlier step's code, though within ±1, is older than the accepted one: refused.
    second_step(&mock, email, "totp", &totp(&secret, now - 30))
        .await
        .problem(401, "invalid_code");
    // The next step's code works.
    second_step(&mock, email, "totp", &totp(&secret, now + 30))
        .await
        .ok(200);
}

// ---------------------------------------------------------------- e-mail codes

#[tokio::test]
async fn email_codes_expire_after_ten_minutes() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    mock.register(email).await;

    // Answered 9:59 after sending: accepted.
    let first = mock.sign_in(email, Some("dev-1")).await.ok(200);
    let code = mock.last_code(email).await;
    mock.advance(599).await;
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": first["challenge_id"], "method": "email", "code": code }),
    )
    .await
    .ok(200);

    // Answered 10:01 after sending: the code and its challenge are over; start again.
    let second = mock.sign_in(email, Some("dev-2")).await.ok(200);
    let code = mock.last_code(email).await;
    mock.advance(601).await;
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": second["challenge_id"], "method": "email", "code": code }),
    )
    .await
    .problem(410, "expired");
}

#[tokio::test]
async fn an_enrollment_email_code_expires_after_ten_minutes_and_can_be_resent() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    let started = mock
        .post_auth("/api/2fa/enrollment", &token, json!({ "password": PASSWORD }))
        .await
        .ok(201);
    let id = started["enrollment_id"].as_str().unwrap().to_owned();
    let code = mock.last_code(email).await;
    mock.advance(601).await;
    let doc = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/email"),
            &token,
            json!({ "code": code }),
        )
        .await
        .problem(401, "invalid_code");
    assert_eq!(doc["reason"], "expired");
    assert_eq!(doc["attempts_remaining"], 5, "an expired code is not a guess");
    mock.call(
        Method::POST,
        &format!("/api/2fa/enrollment/{id}/resend"),
        Some(&token),
        None,
    )
    .await
    .ok(202);
    mock.call(
        Method::POST,
        &format!("/api/2fa/enrollment/{id}/resend"),
        Some(&token),
        None,
    )
    .await
    .problem(429, "resend_cooldown");
    let fresh = mock.last_code(email).await;
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/email"),
        &token,
        json!({ "code": fresh }),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn email_codes_are_single_use_and_a_new_code_voids_the_old() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    mock.register(email).await;
    let challenge = mock.sign_in(email, Some("dev-1")).await.ok(200)["challenge_id"].clone();
    let old = mock.last_code(email).await;

    // Resend within the cool-down: 429 with retry_after.
    let resend = format!("/api/challenges/{}/resend", challenge.as_str().unwrap());
    let doc = mock
        .call(Method::POST, &resend, None, None)
        .await
        .problem(429, "resend_cooldown");
    assert!(doc["retry_after"].as_i64().unwrap() > 0);

    mock.advance(31).await;
    mock.call(Method::POST, &resend, None, None).await.ok(202);
    let new = mock.last_code(email).await;
    if new != old {
        let verify = json!({ "challenge_id": challenge, "method": "email", "code": old });
        mock.post("/api/session/verify", verify)
            .await
            .problem(401, "invalid_code");
    }
    let verify = json!({ "challenge_id": challenge, "method": "email", "code": new });
    mock.post("/api/session/verify", verify.clone()).await.ok(200);
    // Used once: the challenge is done.
    mock.post("/api/session/verify", verify).await.problem(410, "expired");
}

#[tokio::test]
async fn resend_for_a_totp_challenge_is_refused_and_unknown_ids_are_404() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    mock.enable_totp(&token, email).await;
    let first = mock.sign_in(email, None).await.ok(200);
    let id = first["challenge_id"].as_str().unwrap();
    mock.call(Method::POST, &format!("/api/challenges/{id}/resend"), None, None)
        .await
        .problem(409, "resend_unavailable");
    mock.call(Method::POST, "/api/challenges/nope/resend", None, None)
        .await
        .problem(404, "unknown_challenge");
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": "0123456789abcdef0123456789abcdef", "method": "totp", "code": "123456" }),
    )
    .await
    .problem(404, "unknown_challenge");
    // A method the challenge does not offer.
    let doc = mock
        .post(
            "/api/session/verify",
            json!({ "challenge_id": id, "method": "email", "code": "123456" }),
        )
        .await
        .problem(422, "unsupported_method");
    assert_eq!(doc["methods"], json!(["totp", "recovery_code"]));
}

// ---------------------------------------------------------------- attempt limits and lockout

#[tokio::test]
async fn five_wrong_codes_void_a_challenge() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    let (secret, _) = mock.enable_totp(&token, email).await;
    let now = mock.align_to_step(120).await;
    let good = totp(&secret, now);

    let first = mock.sign_in(email, None).await.ok(200);
    let verify = |code: &str| json!({ "challenge_id": first["challenge_id"], "method": "totp", "code": code });
    for remaining in (0..5).rev() {
        let doc = mock
            .post("/api/session/verify", verify(&wrong(&good)))
            .await
            .problem(401, "invalid_code");
        assert_eq!(doc["attempts_remaining"], remaining);
    }
    // The right code no longer helps: the flow restarts.
    mock.post("/api/session/verify", verify(&good))
        .await
        .problem(410, "expired");
    second_step(&mock, email, "totp", &good).await.ok(200);
}

#[tokio::test]
async fn five_wrong_codes_void_an_enrollment_step() {
    let mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    let started = mock
        .post_auth("/api/2fa/enrollment", &token, json!({ "password": PASSWORD }))
        .await
        .ok(201);
    let id = started["enrollment_id"].as_str().unwrap().to_owned();
    let good = mock.last_code(email).await;
    let path = format!("/api/2fa/enrollment/{id}/email");
    for remaining in (0..5).rev() {
        let doc = mock
            .post_auth(&path, &token, json!({ "code": wrong(&good) }))
            .await
            .problem(401, "invalid_code");
        assert_eq!(doc["attempts_remaining"], remaining);
    }
    mock.post_auth(&path, &token, json!({ "code": good }))
        .await
        .problem(410, "expired");
    // Starting again works.
    mock.enroll_to_method(&token, email).await;
}

#[tokio::test]
async fn ten_failures_in_fifteen_minutes_lock_the_account_for_fifteen_minutes() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    mock.register(email).await;
    let bad = json!({ "email": email, "password": "not the password" });
    for _ in 0..9 {
        mock.post("/api/session", bad.clone())
            .await
            .problem(401, "invalid_credentials");
    }
    let doc = mock.post("/api/session", bad.clone()).await.problem(429, "locked");
    assert_eq!(doc["retry_after"], 900);
    // Even the right password is refused while locked, with the time left.
    mock.advance(600).await;
    let locked = mock.sign_in(email, None).await;
    let doc = locked.problem(429, "locked");
    let left = doc["retry_after"].as_i64().unwrap();
    assert!((299..=300).contains(&left), "{left}");
    assert_eq!(locked.header("retry-after"), Some(left.to_string().as_str()));
    mock.advance(299).await;
    mock.sign_in(email, None).await.problem(429, "locked");
    mock.advance(2).await;
    assert_eq!(mock.sign_in(email, None).await.ok(200)["status"], "authenticated");
}

#[tokio::test]
async fn failures_older_than_fifteen_minutes_do_not_count() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    mock.register(email).await;
    let bad = json!({ "email": email, "password": "not the password" });
    for _ in 0..9 {
        mock.post("/api/session", bad.clone())
            .await
            .problem(401, "invalid_credentials");
    }
    mock.advance(901).await;
    mock.post("/api/session", bad).await.problem(401, "invalid_credentials");
    assert_eq!(mock.sign_in(email, None).await.ok(200)["status"], "authenticated");
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lock() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    let (secret, _) = mock.enable_totp(&token, email).await;
    let now = mock.align_to_step(120).await;
    let good = totp(&secret, now);
    // 5 wrong passwords, then 4 wrong codes: 9 failures.
    for _ in 0..5 {
        mock.post("/api/session", json!({ "email": email, "password": "nope nope" }))
            .await
            .problem(401, "invalid_credentials");
    }
    let first = mock.sign_in(email, None).await.ok(200);
    let verify = |code: &str| json!({ "challenge_id": first["challenge_id"], "method": "totp", "code": code });
    for _ in 0..4 {
        mock.post("/api/session/verify", verify(&wrong(&good)))
            .await
            .problem(401, "invalid_code");
    }
    // The 10th failure locks; then even the right code is refused.
    mock.post("/api/session/verify", verify(&wrong(&good)))
        .await
        .problem(429, "locked");
    mock.post("/api/session/verify", verify(&good))
        .await
        .problem(429, "locked");
}

// ---------------------------------------------------------------- enrollment

#[tokio::test]
async fn enrollment_expires_fifteen_minutes_after_step_one() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    let id = mock.enroll_to_method(&token, email).await;
    mock.advance(14 * 60 + 58).await;
    let chosen = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/method"),
            &token,
            json!({ "method": "totp" }),
        )
        .await
        .ok(200);
    let secret = smartpush_core::Secret::from_base32(chosen["secret"].as_str().unwrap()).unwrap();
    mock.advance(3).await;
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/confirm"),
        &token,
        json!({ "code": totp(&secret, mock.now()) }),
    )
    .await
    .problem(410, "expired");
    mock.get_auth(&format!("/api/2fa/enrollment/{id}/qr.png"), &token)
        .await
        .problem(410, "expired");
    assert_eq!(
        mock.get_auth("/api/account/security", &token).await.ok(200)["two_factor"]["enabled"],
        false
    );
}

#[tokio::test]
async fn enrollment_answers_the_contract_and_refuses_steps_out_of_order() {
    let mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.post_auth("/api/2fa/enrollment", &token, json!({ "password": "wrong password" }))
        .await
        .problem(403, "wrong_password");
    let started = mock
        .post_auth("/api/2fa/enrollment", &token, json!({ "password": PASSWORD }))
        .await
        .ok(201);
    let id = started["enrollment_id"].as_str().unwrap().to_owned();
    assert_eq!(mock.last_email(email).await["to"], email);

    // Method and confirm before the e-mail step: 409 wrong_step. No QR yet.
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/method"),
        &token,
        json!({ "method": "totp" }),
    )
    .await
    .problem(409, "wrong_step");
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/confirm"),
        &token,
        json!({ "code": "123456" }),
    )
    .await
    .problem(409, "wrong_step");
    mock.get_auth(&format!("/api/2fa/enrollment/{id}/qr.png"), &token)
        .await
        .problem(409, "wrong_step");

    let code = mock.last_code(email).await;
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/email"),
        &token,
        json!({ "code": code }),
    )
    .await
    .ok(200);
    // The e-mail step again: out of order.
    mock.post_auth(
        &format!("/api/2fa/enrollment/{id}/email"),
        &token,
        json!({ "code": code }),
    )
    .await
    .problem(409, "wrong_step");

    let chosen = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/method"),
            &token,
            json!({ "method": "totp" }),
        )
        .await
        .ok(200);
    assert_eq!(chosen["step"], "confirm");
    let secret_b32 = chosen["secret"].as_str().unwrap();
    let secret = smartpush_core::Secret::from_base32(secret_b32).unwrap();
    assert_eq!(secret.len(), 20, "160 bits");
    assert_eq!(
        chosen["otpauth_uri"],
        format!(
            "otpauth://totp/SmartPush:{email}?secret={secret_b32}&issuer=SmartPush&algorithm=SHA1&digits=6&period=30"
        )
    );
    let data_url = chosen["qr_png"].as_str().unwrap();
    let png = data_encoding::BASE64
        .decode(data_url.strip_prefix("data:image/png;base64,").unwrap().as_bytes())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let served = mock.get_auth(&format!("/api/2fa/enrollment/{id}/qr.png"), &token).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.bytes, png, "the served QR is the same image");

    // Another account cannot see this enrollment.
    let other = mock.account("bob@example.com").await;
    mock.get_auth(&format!("/api/2fa/enrollment/{id}/qr.png"), &other)
        .await
        .problem(404, "unknown_enrollment");

    let enabled = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/confirm"),
            &token,
            json!({ "code": totp(&secret, mock.now()) }),
        )
        .await
        .ok(200);
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["method"], "totp");
    // Enabling when already enabled: 409.
    mock.post_auth("/api/2fa/enrollment", &token, json!({ "password": PASSWORD }))
        .await
        .problem(409, "already_enabled");
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(view["two_factor"]["enabled"], true);
    assert_eq!(view["two_factor"]["method"], "totp");
    assert!(view["two_factor"]["enabled_at"].as_str().is_some());
    assert_eq!(view["two_factor"]["recovery_codes_remaining"], 10);
}

#[tokio::test]
async fn enrollment_with_the_email_method_then_sign_in_by_email() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    let id = mock.enroll_to_method(&token, email).await;
    mock.advance(31).await;
    let chosen = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/method"),
            &token,
            json!({ "method": "email" }),
        )
        .await
        .ok(200);
    assert_eq!(chosen["step"], "confirm");
    assert!(chosen.get("secret").is_none());
    let code = mock.last_code(email).await;
    let enabled = mock
        .post_auth(
            &format!("/api/2fa/enrollment/{id}/confirm"),
            &token,
            json!({ "code": code }),
        )
        .await
        .ok(200);
    assert_eq!(enabled["method"], "email");

    let first = mock.sign_in(email, None).await.ok(200);
    assert_eq!(first["status"], "second_factor_required");
    assert_eq!(first["methods"], json!(["email", "recovery_code"]));
    let code = mock.last_code(email).await;
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": first["challenge_id"], "method": "email", "code": code }),
    )
    .await
    .ok(200);
}

// ---------------------------------------------------------------- recovery codes

#[tokio::test]
async fn recovery_codes_are_ten_hashed_single_use_and_warn_under_four() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    let (_, codes) = mock.enable_totp(&token, email).await;
    assert_eq!(codes.len(), 10);
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);
    for code in &codes {
        assert_eq!(code.len(), 12);
        assert!(
            code.bytes().all(|b| b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(&b)),
            "{code}"
        );
    }
    // Stored only as salted Argon2id hashes.
    let plain = codes.clone();
    let stored: Vec<String> = mock
        .state
        .db()
        .call(|conn| {
            let mut stmt = conn.prepare("SELECT hash FROM recovery_codes").unwrap();
            Ok(stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect())
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for hash in &stored {
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(plain.iter().all(|c| !hash.contains(c.as_str())));
    }

    // One works once (lower case and dashes are fine); the second use is refused.
    let dashed = format!("{}-{}", &codes[0][..6], &codes[0][6..]).to_lowercase();
    let ok = second_step(&mock, email, "recovery_code", &dashed).await.ok(200);
    assert_eq!(ok["status"], "authenticated");
    assert_eq!(ok["recovery_codes_remaining"], 9);
    let doc = second_step(&mock, email, "recovery_code", &codes[0])
        .await
        .problem(401, "invalid_code");
    assert_eq!(doc["attempts_remaining"], 4);
    second_step(&mock, email, "recovery_code", "ABCDEFGHJKLM")
        .await
        .problem(401, "invalid_code");

    for code in &codes[1..6] {
        second_step(&mock, email, "recovery_code", code).await.ok(200);
    }
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(view["two_factor"]["recovery_codes_remaining"], 4);
    assert_eq!(view["two_factor"]["recovery_codes_low"], false);
    second_step(&mock, email, "recovery_code", &codes[6]).await.ok(200);
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(view["two_factor"]["recovery_codes_remaining"], 3);
    assert_eq!(view["two_factor"]["recovery_codes_low"], true);
    assert!(view["two_factor"]["warning"].as_str().unwrap().contains('3'));
    // The failures above stay under the lock threshold; advance past the window anyway.
    mock.advance(901).await;
}

// ---------------------------------------------------------------- disable

#[tokio::test]
async fn disabling_takes_password_second_factor_and_confirmation() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.post_auth("/api/2fa/disable", &token, json!({ "password": PASSWORD }))
        .await
        .problem(409, "not_enabled");
    mock.align_to_step(0).await;
    let (secret, codes) = mock.enable_totp(&token, email).await;
    let now = mock.align_to_step(60).await;

    mock.post_auth("/api/2fa/disable", &token, json!({ "password": "wrong password" }))
        .await
        .problem(403, "wrong_password");
    let started = mock
        .post_auth("/api/2fa/disable", &token, json!({ "password": PASSWORD }))
        .await
        .ok(200);
    assert_eq!(started["methods"], json!(["totp", "recovery_code"]));
    let id = started["challenge_id"].clone();

    // Confirm before verifying: out of order.
    mock.post_auth("/api/2fa/disable/confirm", &token, json!({ "challenge_id": id }))
        .await
        .problem(409, "wrong_step");
    // Another session cannot use this challenge.
    let other = second_step(&mock, email, "recovery_code", &codes[0]).await.ok(200);
    let other = other["token"].as_str().unwrap();
    mock.post_auth(
        "/api/2fa/disable/verify",
        other,
        json!({ "challenge_id": id, "method": "totp", "code": totp(&secret, now) }),
    )
    .await
    .problem(404, "unknown_challenge");

    let verified = mock
        .post_auth(
            "/api/2fa/disable/verify",
            &token,
            json!({ "challenge_id": id, "method": "totp", "code": totp(&secret, now) }),
        )
        .await
        .ok(200);
    assert_eq!(verified["step"], "confirm");
    let done = mock
        .post_auth("/api/2fa/disable/confirm", &token, json!({ "challenge_id": id }))
        .await
        .ok(200);
    assert_eq!(done["enabled"], false);
    mock.post_auth("/api/2fa/disable/confirm", &token, json!({ "challenge_id": id }))
        .await
        .problem(410, "expired");
    assert_eq!(mock.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    assert_eq!(
        mock.count("SELECT COUNT(*) FROM accounts WHERE totp_secret IS NOT NULL")
            .await,
        0
    );
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert_eq!(view["two_factor"]["enabled"], false);
    assert_eq!(mock.sign_in(email, None).await.ok(200)["status"], "authenticated");
}

#[tokio::test]
async fn support_reset_turns_2fa_off_and_emails_the_user() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.align_to_step(0).await;
    mock.enable_totp(&token, email).await;
    let doc = mock
        .post("/mock/support/reset-2fa", json!({ "email": "ADA@example.com" }))
        .await
        .ok(200);
    assert_eq!(doc["two_factor_enabled"], false);
    let mail = mock.last_email(email).await;
    assert!(mail["subject"].as_str().unwrap().contains("support"));
    assert_eq!(mail["code"], Value::Null);
    assert_eq!(mock.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    assert_eq!(mock.sign_in(email, None).await.ok(200)["status"], "authenticated");
}

// ---------------------------------------------------------------- exports and step-up

async fn export(mock: &Mock, token: &str, kind: &str) -> Resp {
    mock.post_auth("/api/exports", token, json!({ "kind": kind })).await
}

#[tokio::test]
async fn exports_follow_the_2fa_and_risk_table() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;

    // 2FA off, low risk: the CSV.
    let csv = export(&mock, &token, "contacts").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text().starts_with("email,"));
    assert_eq!(csv.header("x-suggest-2fa"), None);
    let campaigns = export(&mock, &token, "campaigns").await;
    assert!(campaigns.text().starts_with("campaign_id,"));
    mock.post_auth("/api/exports", &token, json!({ "kind": "everything" }))
        .await
        .problem(422, "invalid_body");

    // 2FA off, high risk: e-mail verification, then the export with X-Suggest-2FA.
    mock.post("/mock/risk", json!({ "email": email, "level": "high" }))
        .await
        .ok(200);
    let doc = export(&mock, &token, "campaigns")
        .await
        .problem(403, "verification_required");
    assert_eq!(doc["methods"], json!(["email"]));
    let code = mock.last_code(email).await;
    let verified = mock
        .post_auth(
            "/api/exports/verify",
            &token,
            json!({ "challenge_id": doc["challenge_id"], "method": "email", "code": code }),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert!(verified.text().starts_with("campaign_id,"), "the export asked for");
    assert_eq!(verified.header("x-suggest-2fa"), Some("enable"));

    // 2FA on, high risk: the account's method or a recovery code, no header afterwards.
    mock.post("/mock/risk", json!({ "email": email, "level": "low" }))
        .await
        .ok(200);
    mock.align_to_step(0).await;
    let (secret, _) = mock.enable_totp(&token, email).await;
    // 2FA on, low risk: no extra code (this session's step-up expired long ago? make sure).
    mock.advance(601).await;
    assert_eq!(export(&mock, &token, "contacts").await.status, 200);
    mock.post("/mock/risk", json!({ "email": email, "level": "high" }))
        .await
        .ok(200);
    let doc = export(&mock, &token, "contacts")
        .await
        .problem(403, "verification_required");
    assert_eq!(doc["methods"], json!(["totp", "recovery_code"]));
    let now = mock.align_to_step(60).await;
    let verified = mock
        .post_auth(
            "/api/exports/verify",
            &token,
            json!({ "challenge_id": doc["challenge_id"], "method": "totp", "code": totp(&secret, now) }),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert!(verified.text().starts_with("email,"));
    assert_eq!(verified.header("x-suggest-2fa"), None);
}

#[tokio::test]
async fn a_step_up_lasts_ten_minutes_for_its_session() {
    let mut mock = Mock::new();
    let email = "ada@example.com";
    let token = mock.account(email).await;
    mock.post("/mock/risk", json!({ "email": email, "level": "high" }))
        .await
        .ok(200);
    let doc = export(&mock, &token, "contacts")
        .await
        .problem(403, "verification_required");
    let code = mock.last_code(email).await;
    let verified = mock
        .post_auth(
            "/api/exports/verify",
            &token,
            json!({ "challenge_id": doc["challenge_id"], "method": "email", "code": code }),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    let view = mock.get_auth("/api/account/security", &token).await.ok(200);
    assert!(view["step_up_until"].as_str().is_some());

    // Within 10 minutes: no second prompt.
    mock.advance(599).await;
    assert_eq!(export(&mock, &token, "campaigns").await.status, 200);
    // Another session of the same account is not stepped up.
    let other = mock.sign_in(email, None).await.ok(200);
    assert_eq!(
        other["status"], "email_verification_required",
        "risk is high for the account"
    );
    // After 10 minutes: prompted again (31 s on, so the other sign-in's unused e-mailed code
    // no longer holds back a new one).
    mock.advance(31).await;
    export(&mock, &token, "campaigns")
        .await
        .problem(403, "verification_required");
}

// ---------------------------------------------------------------- problems, limits, tester controls

#[tokio::test]
async fn malformed_bodies_are_4xx_problems() {
    let mock = Mock::new();
    let raw = |body: &'static str, content_type: Option<&'static str>| {
        let mut builder = Request::builder().method(Method::POST).uri("/api/accounts");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(Body::from(body)).unwrap()
    };
    mock.send(raw("{\"email\": ", Some("application/json")))
        .await
        .problem(400, "malformed_json");
    mock.send(raw("{\"email\": 5, \"password\": []}", Some("application/json")))
        .await
        .problem(422, "invalid_body");
    mock.send(raw("{}", Some("application/json")))
        .await
        .problem(422, "invalid_body");
    mock.send(raw(
        "{\"email\":\"a@b.co\",\"password\":\"12345678\"}",
        Some("text/plain"),
    ))
    .await
    .problem(415, "unsupported_media_type");
    mock.send(raw("{\"email\":\"a@b.co\",\"password\":\"12345678\"}", None))
        .await
        .problem(415, "unsupported_media_type");
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": 7, "method": "totp", "code": "1" }),
    )
    .await
    .problem(422, "invalid_body");
    mock.post("/mock/clock", json!({ "offset_seconds": "soon" }))
        .await
        .problem(422, "invalid_body");
    mock.post("/mock/clock", json!({ "offset_seconds": i64::MAX }))
        .await
        .problem(422, "invalid_value");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let mock = Mock::new();
    let big = json!({ "email": "a@b.co", "password": "x".repeat(70 * 1024) }).to_string();
    // With a Content-Length.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/accounts")
        .header("content-type", "application/json")
        .header("content-length", big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    mock.send(request).await.problem(413, "payload_too_large");
    // Streamed, without one.
    let stream = futures_stream(big);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/session")
        .header("content-type", "application/json")
        .body(stream)
        .unwrap();
    mock.send(request).await.problem(413, "payload_too_large");
    // Just under the limit is read (and refused for what it says, not for its size).
    let under = json!({ "email": "a@b.co", "password": "x".repeat(60 * 1024) });
    mock.post("/api/accounts", under).await.problem(422, "weak_password");
}

/// A body without a length: chunks of 8 KiB.
fn futures_stream(text: String) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text.into_bytes().chunks(8192).map(|c| Ok(c.to_vec())).collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let mock = Mock::new();
    mock.call(Method::GET, "/api/nothing", None, None)
        .await
        .problem(404, "not_found");
    mock.call(Method::PUT, "/api/accounts", None, None)
        .await
        .problem(405, "method_not_allowed");
}

#[tokio::test]
async fn tester_controls_answer_loopback_peers_only() {
    let remote = Mock::with_peer(std::net::SocketAddr::from(([192, 0, 2, 7], 5555)));
    for (method, path) in [
        (Method::GET, "/mock/outbox"),
        (Method::DELETE, "/mock/outbox"),
        (Method::POST, "/mock/reset"),
    ] {
        remote.call(method, path, None, None).await.problem(403, "forbidden");
    }
    remote
        .post("/mock/clock", json!({ "offset_seconds": 5 }))
        .await
        .problem(403, "forbidden");
    // The API itself answers.
    remote.register("ada@example.com").await;
    let v6 = Mock::with_peer("[::1]:5555".parse().unwrap());
    v6.call(Method::GET, "/mock/outbox", None, None).await.ok(200);
}

#[tokio::test]
async fn outbox_filters_orders_and_empties() {
    let mut mock = Mock::new();
    mock.register("ada@example.com").await;
    mock.register("bob@example.com").await;
    mock.sign_in("ada@example.com", Some("d1")).await.ok(200);
    mock.sign_in("bob@example.com", Some("d1")).await.ok(200);
    mock.advance(31).await;
    mock.sign_in("ada@example.com", Some("d2")).await.ok(200);
    let all = mock.call(Method::GET, "/mock/outbox", None, None).await.ok(200);
    assert_eq!(all.as_array().unwrap().len(), 3);
    let ids: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    for field in ["id", "to", "subject", "body", "code", "sent_at"] {
        assert!(all[0].get(field).is_some(), "{field}");
    }
    let ada = mock
        .call(Method::GET, "/mock/outbox?to=ada@example.com", None, None)
        .await
        .ok(200);
    assert_eq!(ada.as_array().unwrap().len(), 2);
    assert!(ada.as_array().unwrap().iter().all(|m| m["to"] == "ada@example.com"));
    mock.call(Method::DELETE, "/mock/outbox", None, Some(json!({})))
        .await
        .ok(204);
    let empty = mock.call(Method::GET, "/mock/outbox", None, None).await.ok(200);
    assert_eq!(empty, json!([]));
}

#[tokio::test]
async fn clock_offsets_are_absolute() {
    let mock = Mock::new();
    let a = mock
        .post("/mock/clock", json!({ "offset_seconds": 3600 }))
        .await
        .ok(200);
    let b = mock.post("/mock/clock", json!({ "offset_seconds": 60 })).await.ok(200);
    assert_eq!(b["offset_seconds"], 60);
    let delta = a["now_unix"].as_i64().unwrap() - b["now_unix"].as_i64().unwrap();
    assert!((3539..=3540).contains(&delta), "{delta}");
    let c = mock.post("/mock/clock", json!({ "offset_seconds": 0 })).await.ok(200);
    let real = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((c["now_unix"].as_i64().unwrap() - real).abs() <= 1);
    assert_eq!(
        mock.call(Method::GET, "/mock/clock", None, None).await.ok(200)["offset_seconds"],
        0
    );
}

#[tokio::test]
async fn reset_empties_every_table() {
    let mut mock = Mock::new();
    let token = mock.account("ada@example.com").await;
    mock.align_to_step(0).await;
    mock.enable_totp(&token, "ada@example.com").await;
    mock.call(Method::POST, "/mock/reset", None, Some(json!({})))
        .await
        .ok(204);
    for table in [
        "SELECT COUNT(*) FROM accounts",
        "SELECT COUNT(*) FROM sessions",
        "SELECT COUNT(*) FROM recovery_codes",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM enrollments",
        "SELECT COUNT(*) FROM challenges",
        "SELECT COUNT(*) FROM attempts",
        "SELECT COUNT(*) FROM locks",
        "SELECT COUNT(*) FROM events",
        "SELECT COUNT(*) FROM devices",
    ] {
        assert_eq!(mock.count(table).await, 0, "{table}");
    }
    mock.get_auth("/api/account/security", &token)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn openapi_lists_every_path_of_the_contract() {
    let mock = Mock::new();
    let doc = mock.call(Method::GET, "/openapi.json", None, None).await.ok(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/accounts", "post"),
        ("/api/session", "post"),
        ("/api/session", "delete"),
        ("/api/session/verify", "post"),
        ("/api/challenges/{id}/resend", "post"),
        ("/api/account/security", "get"),
        ("/api/2fa/enrollment", "post"),
        ("/api/2fa/enrollment/{id}/email", "post"),
        ("/api/2fa/enrollment/{id}/method", "post"),
        ("/api/2fa/enrollment/{id}/confirm", "post"),
        ("/api/2fa/enrollment/{id}/qr.png", "get"),
        ("/api/2fa/disable", "post"),
        ("/api/2fa/disable/verify", "post"),
        ("/api/2fa/disable/confirm", "post"),
        ("/api/exports", "post"),
        ("/api/exports/verify", "post"),
        ("/mock/outbox", "get"),
        ("/mock/outbox", "delete"),
        ("/mock/clock", "post"),
        ("/mock/risk", "post"),
        ("/mock/support/reset-2fa", "post"),
        ("/mock/reset", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let mut ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "operationId {id} repeated ({method} {path})");
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] == "path" {
                    let name = param["name"].as_str().unwrap();
                    assert!(path.contains(&format!("{{{name}}}")), "{name} is not in {path}");
                }
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
