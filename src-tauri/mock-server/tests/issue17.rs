//! Issue 17: the bugs a tester's automated suite ran into, the holes a burst of requests or a
//! web page could use, and the second edition's controls for test suites. Each test names the
//! item it pins.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{Mock, PASSWORD, Resp, totp, wrong};
use serde_json::{Value, json};
use smartpush_core::Secret;
use smartpush_mock_server::{AppState, DbLocation, ServerConfig, app};

/// A fixed TOTP secret, as a suite would hard-code it (RFC 6238's, in base32).
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const CODES: [&str; 3] = ["ABCD-EFGH-JKLM", "NPQRSTUVWXYZ", "23456789ABCD"];

fn secret() -> Secret {
    Secret::from_base32(SECRET).unwrap()
}

async fn seed_totp(mock: &Mock, email: &str) -> Value {
    mock.post(
        "/mock/accounts",
        json!({
            "email": email,
            "password": PASSWORD,
            "two_factor": { "method": "totp", "secret": SECRET, "recovery_codes": CODES },
        }),
    )
    .await
    .ok(201)
}

async fn seed_email(mock: &Mock, email: &str) {
    mock.post(
        "/mock/accounts",
        json!({ "email": email, "password": PASSWORD, "two_factor": { "method": "email" } }),
    )
    .await
    .ok(201);
}

async fn sign_in_with(mock: &Mock, email: &str, password: &str) -> Resp {
    mock.post("/api/session", json!({ "email": email, "password": password }))
        .await
}

async fn verify(mock: &Mock, challenge: &str, method: &str, code: &str) -> Resp {
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": challenge, "method": method, "code": code }),
    )
    .await
}

async fn events(mock: &Mock, query: &str) -> Vec<Value> {
    mock.call(Method::GET, &format!("/mock/events{query}"), None, None)
        .await
        .ok(200)
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

async fn clock(mock: &Mock, body: Value) -> Value {
    mock.post("/mock/clock", body).await.ok(200)
}

// ---- Bugs ----

#[tokio::test]
async fn bug1_moving_the_clock_back_does_not_refuse_current_codes_as_already_used() {
    let mock = Mock::new();
    seed_totp(&mock, "ada@example.com").await;
    let later = clock(&mock, json!({ "advance_seconds": 3600 })).await["now_unix"]
        .as_i64()
        .unwrap();
    let first = sign_in_with(&mock, "ada@example.com", PASSWORD).await.ok(200);
    let code = totp(&secret(), later);
    verify(&mock, first["challenge_id"].as_str().unwrap(), "totp", &code)
        .await
        .ok(200);

    let now = clock(&mock, json!({ "offset_seconds": 0 })).await["now_unix"]
        .as_i64()
        .unwrap();
    let again = sign_in_with(&mock, "ada@example.com", PASSWORD).await.ok(200);
    let code = totp(&secret(), now);
    let answer = verify(&mock, again["challenge_id"].as_str().unwrap(), "totp", &code).await;
    assert_eq!(answer.ok(200)["status"], "authenticated");
    // The replay rule still holds for the code just accepted.
    let third = sign_in_with(&mock, "ada@example.com", PASSWORD).await.ok(200);
    let doc = verify(&mock, third["challenge_id"].as_str().unwrap(), "totp", &code)
        .await
        .problem(401, "invalid_code");
    assert_eq!(doc["reason"], "replayed");
}

#[tokio::test]
async fn bug2_an_unknown_email_is_locked_exactly_as_a_known_one() {
    let mock = Mock::new();
    mock.register("known@example.com").await;
    for email in ["known@example.com", "nobody@example.com"] {
        for _ in 0..9 {
            sign_in_with(&mock, email, "wrong password!")
                .await
                .problem(401, "invalid_credentials");
        }
        let tenth = sign_in_with(&mock, email, "wrong password!").await;
        let doc = tenth.problem(429, "locked");
        assert_eq!(doc["retry_after"], 900, "{email}");
        let right = sign_in_with(&mock, email, PASSWORD).await;
        right.problem(429, "locked");
    }
}

#[tokio::test]
async fn bug3_a_new_sign_in_voids_the_older_codes_and_code_emails_are_limited_per_address() {
    let mut mock = Mock::new();
    seed_email(&mock, "eve@example.com").await;
    let first = sign_in_with(&mock, "eve@example.com", PASSWORD).await.ok(200);
    let first_code = mock.last_code("eve@example.com").await;
    // Within 30 s: no second e-mail.
    let doc = sign_in_with(&mock, "eve@example.com", PASSWORD)
        .await
        .problem(429, "too_many_codes");
    assert!(doc["retry_after"].as_i64().unwrap() <= 30);
    mock.advance(31).await;
    let second = sign_in_with(&mock, "eve@example.com", PASSWORD).await.ok(200);
    let second_code = mock.last_code("eve@example.com").await;
    verify(&mock, first["challenge_id"].as_str().unwrap(), "email", &first_code)
        .await
        .problem(401, "invalid_code");
    verify(&mock, second["challenge_id"].as_str().unwrap(), "email", &second_code)
        .await
        .ok(200);
    // Ten code e-mails an hour at most.
    for _ in 0..8 {
        mock.advance(31).await;
        sign_in_with(&mock, "eve@example.com", PASSWORD).await.ok(200);
    }
    mock.advance(31).await;
    sign_in_with(&mock, "eve@example.com", PASSWORD)
        .await
        .problem(429, "too_many_codes");
    let sent = mock
        .call(Method::GET, "/mock/outbox?to=eve@example.com", None, None)
        .await
        .ok(200);
    assert_eq!(sent.as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn bug4_support_reset_ends_the_sessions_and_clears_the_lock() {
    let mock = Mock::new();
    let token = mock.account("sam@example.com").await;
    for _ in 0..10 {
        sign_in_with(&mock, "sam@example.com", "wrong password!").await;
    }
    sign_in_with(&mock, "sam@example.com", PASSWORD)
        .await
        .problem(429, "locked");
    mock.post("/mock/support/reset-2fa", json!({ "email": "sam@example.com" }))
        .await
        .ok(200);
    mock.get_auth("/api/account/security", &token)
        .await
        .problem(401, "unauthorized");
    sign_in_with(&mock, "sam@example.com", PASSWORD).await.ok(200);
    assert!(kinds(&events(&mock, "?email=sam@example.com").await).contains(&"support_reset"));
}

#[tokio::test]
async fn bug6_a_reused_recovery_code_is_already_used_and_a_wrong_password_in_a_flow_is_not_a_lost_session() {
    let mock = Mock::new();
    seed_totp(&mock, "rae@example.com").await;
    let first = sign_in_with(&mock, "rae@example.com", PASSWORD).await.ok(200);
    let signed = verify(
        &mock,
        first["challenge_id"].as_str().unwrap(),
        "recovery_code",
        CODES[0],
    )
    .await
    .ok(200);
    let again = sign_in_with(&mock, "rae@example.com", PASSWORD).await.ok(200);
    let doc = verify(
        &mock,
        again["challenge_id"].as_str().unwrap(),
        "recovery_code",
        CODES[0],
    )
    .await
    .problem(401, "invalid_code");
    assert_eq!(doc["reason"], "used");
    assert!(doc["detail"].as_str().unwrap().contains("already used"), "{doc}");

    let token = signed["token"].as_str().unwrap();
    let doc = mock
        .post_auth("/api/2fa/disable", token, json!({ "password": "not the password" }))
        .await
        .problem(403, "wrong_password");
    assert_eq!(doc["detail"], "The password is incorrect.");
    mock.get_auth("/api/account/security", token).await.ok(200);
    let other = mock.account("otto@example.com").await;
    mock.post_auth("/api/2fa/enrollment", &other, json!({ "password": "not the password" }))
        .await
        .problem(403, "wrong_password");
}

// ---- Security ----

#[tokio::test]
async fn two_hundred_parallel_wrong_passwords_run_exactly_ten_checks() {
    let state = AppState::open(&DbLocation::Memory, ServerConfig::default()).unwrap();
    let mock = Mock::over(state);
    mock.register("burst@example.com").await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let mock = mock.clone();
        requests.spawn(async move { sign_in_with(&mock, "burst@example.com", "wrong password!").await });
    }
    let statuses: Vec<u16> = requests.join_all().await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 9, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 191, "{statuses:?}");
    let log = events(&mock, "?email=burst@example.com").await;
    let checks = log
        .iter()
        .filter(|e| e["kind"] == "signin_failed" && e["detail"]["reason"] == "wrong_password")
        .count();
    assert_eq!(checks, 10);
    assert_eq!(log.iter().filter(|e| e["kind"] == "locked").count(), 1);
}

#[tokio::test]
async fn parallel_wrong_passwords_run_at_most_ten_checks_and_the_right_one_is_locked_out_too() {
    // The default (real) hash cost, so the checks overlap as they did for the tester.
    let state = AppState::open(&DbLocation::Memory, ServerConfig::default()).unwrap();
    let mock = Mock::over(state);
    mock.register("pat@example.com").await;
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..200 {
        let password = if i == 150 { PASSWORD } else { "wrong password!" };
        let mock = mock.clone();
        requests.spawn(async move { sign_in_with(&mock, "pat@example.com", password).await });
    }
    let answers = requests.join_all().await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert!(unauthorized <= 10, "{unauthorized} answered 401");
    assert_eq!(
        unauthorized + locked + statuses.iter().filter(|s| **s == 200).count(),
        200
    );
    let checks = events(&mock, "?email=pat@example.com")
        .await
        .iter()
        .filter(|e| {
            (e["kind"] == "signin_failed" && e["detail"]["reason"] == "wrong_password")
                || e["kind"] == "signin_succeeded"
        })
        .count();
    assert!(checks <= 10, "{checks} password checks ran");
    // Locked now, whatever the password.
    sign_in_with(&mock, "pat@example.com", PASSWORD)
        .await
        .problem(429, "locked");
}

#[tokio::test]
async fn a_cross_site_form_cannot_drive_the_tester_controls() {
    let mock = Mock::new();
    mock.register("keep@example.com").await;
    let form = Request::builder()
        .method(Method::POST)
        .uri("/mock/reset")
        .header("host", "127.0.0.1:8790")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("x=1"))
        .unwrap();
    mock.send(form).await.problem(403, "forbidden");
    let from_elsewhere = Request::builder()
        .method(Method::POST)
        .uri("/mock/reset")
        .header("host", "127.0.0.1:8790")
        .header("origin", "http://evil.example")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    mock.send(from_elsewhere).await.problem(403, "forbidden");
    let bare = Request::builder()
        .method(Method::DELETE)
        .uri("/mock/outbox")
        .body(Body::empty())
        .unwrap();
    mock.send(bare).await.problem(403, "forbidden");
    assert_eq!(mock.count("SELECT COUNT(*) FROM accounts").await, 1);
    // The same origin, with JSON, is fine.
    mock.call_with(
        Method::POST,
        "/mock/reset",
        None,
        Some(json!({})),
        &[("host", "localhost:8790"), ("origin", "http://localhost:8790")],
    )
    .await
    .ok(204);
    assert_eq!(mock.count("SELECT COUNT(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn a_method_a_tester_route_does_not_have_is_still_405() {
    let mock = Mock::new();
    mock.call(Method::PUT, "/mock/clock", None, None)
        .await
        .problem(405, "method_not_allowed");
}

#[tokio::test]
async fn dns_rebinding_gets_nothing() {
    let mock = Mock::new();
    mock.register("ray@example.com").await;
    for path in ["/mock/outbox", "/signin", "/openapi.json", "/api/account/security"] {
        let request = Request::builder()
            .uri(path)
            .header("host", "attacker.example:8790")
            .body(Body::empty())
            .unwrap();
        mock.send(request).await.problem(421, "misdirected_request");
    }
    let sign_in = Request::builder()
        .method(Method::POST)
        .uri("/signin")
        .header("host", "attacker.example:8790")
        .header("origin", "http://attacker.example:8790")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "email=ray%40example.com&password={PASSWORD}&csrf=x"
        )))
        .unwrap();
    mock.send(sign_in).await.problem(421, "misdirected_request");
    for host in ["localhost:8790", "127.0.0.1:8790", "[::1]:8790", "LOCALHOST:8790"] {
        let request = Request::builder()
            .uri("/mock/outbox")
            .header("host", host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(mock.send(request).await.status.as_u16(), 200, "{host}");
    }
}

#[tokio::test]
async fn on_a_real_listener_the_host_must_carry_the_servers_port() {
    let state = AppState::open(&DbLocation::Memory, ServerConfig::for_tests()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(smartpush_mock_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let get = |host: String| async move {
        tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            let request = format!("GET /mock/clock HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            answer.split(' ').nth(1).unwrap().to_owned()
        })
        .await
        .unwrap()
    };
    assert_eq!(get(format!("127.0.0.1:{}", addr.port())).await, "200");
    assert_eq!(get(format!("localhost:{}", addr.port())).await, "200");
    assert_eq!(get("localhost:1".to_owned()).await, "421");
    assert_eq!(get(format!("rebind.example:{}", addr.port())).await, "421");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

// ---- For test suites (second edition) ----

#[tokio::test]
async fn seeded_accounts_are_born_in_their_state() {
    let mock = Mock::new();
    let created = seed_totp(&mock, "Seed@Example.com").await;
    assert_eq!(created["email"], "seed@example.com");
    assert_eq!(created["two_factor"]["method"], "totp");
    assert_eq!(created["two_factor"]["secret"], SECRET);
    assert!(
        created["two_factor"]["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/SmartPush:seed@example.com?secret=")
    );
    assert_eq!(
        created["two_factor"]["recovery_codes"],
        json!(["ABCDEFGHJKLM", "NPQRSTUVWXYZ", "23456789ABCD"])
    );
    let generated = mock
        .post(
            "/mock/accounts",
            json!({ "email": "gen@example.com", "password": PASSWORD, "two_factor": { "method": "totp" },
                    "risk": "high", "known_devices": ["laptop"] }),
        )
        .await
        .ok(201);
    assert_eq!(generated["two_factor"]["recovery_codes"].as_array().unwrap().len(), 10);
    assert!(Secret::from_base32(generated["two_factor"]["secret"].as_str().unwrap()).is_some());
    mock.post(
        "/mock/accounts",
        json!({ "email": "gen@example.com", "password": PASSWORD }),
    )
    .await
    .problem(409, "email_taken");
    mock.post(
        "/mock/accounts",
        json!({ "email": "bad@example.com", "password": PASSWORD, "two_factor": { "method": "totp", "secret": "!!" } }),
    )
    .await
    .problem(422, "invalid_value");
    mock.post(
        "/mock/accounts",
        json!({ "email": "bad@example.com", "password": PASSWORD,
                "two_factor": { "method": "email", "recovery_codes": ["0000"] } }),
    )
    .await
    .problem(422, "invalid_value");
    assert!(mock.outbox_is_empty().await, "seeding sends no e-mail");

    let listed = mock.call(Method::GET, "/mock/accounts", None, None).await.ok(200);
    let found = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "gen@example.com")
        .unwrap();
    assert_eq!(
        found["two_factor"],
        json!({ "enabled": true, "method": "totp", "recovery_codes_remaining": 10 })
    );
    assert_eq!(found["risk"], "high");
    assert_eq!(found["known_devices"], json!(["laptop"]));
    assert_eq!(found["failed_attempts"], 0);
    assert_eq!(found["locked_until"], Value::Null);
    assert!(found["created_at"].as_str().unwrap().ends_with('Z'));

    // The seeded secret signs in at once.
    let now = mock.now();
    let challenge = sign_in_with(&mock, "seed@example.com", PASSWORD).await.ok(200);
    assert_eq!(challenge["status"], "second_factor_required");
    verify(
        &mock,
        challenge["challenge_id"].as_str().unwrap(),
        "totp",
        &totp(&secret(), now),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn a_frozen_clock_stands_still_steps_and_is_read_back() {
    let mock = Mock::new();
    let view = clock(&mock, json!({ "frozen_at": 1_900_000_000 })).await;
    assert_eq!(view["now_unix"], 1_900_000_000);
    assert_eq!(view["frozen"], true);
    assert_eq!(view["now"], "2030-03-17T17:46:40Z");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let read = mock.call(Method::GET, "/mock/clock", None, None).await.ok(200);
    assert_eq!(read["now_unix"], 1_900_000_000);
    let stepped = clock(&mock, json!({ "advance_seconds": 601 })).await;
    assert_eq!(stepped["now_unix"], 1_900_000_601);
    assert_eq!(stepped["frozen"], true);
    mock.post("/mock/clock", json!({ "offset_seconds": 0, "advance_seconds": 1 }))
        .await
        .problem(422, "invalid_value");
    mock.post("/mock/clock", json!({})).await.problem(422, "invalid_value");
    let running = clock(&mock, json!({ "offset_seconds": 0 })).await;
    assert_eq!(running["frozen"], false);
    assert_eq!(running["offset_seconds"], 0);
}

#[tokio::test]
async fn an_email_code_expires_on_a_frozen_clock() {
    let mock = Mock::new();
    seed_email(&mock, "exp@example.com").await;
    clock(&mock, json!({ "frozen_at": 1_900_000_000 })).await;
    let challenge = sign_in_with(&mock, "exp@example.com", PASSWORD).await.ok(200);
    let code = mock.last_code("exp@example.com").await;
    // Ten minutes on, the code and its challenge are over (the flow restarts).
    clock(&mock, json!({ "advance_seconds": 600 })).await;
    verify(&mock, challenge["challenge_id"].as_str().unwrap(), "email", &code)
        .await
        .problem(410, "expired");
}

#[tokio::test]
async fn unlock_clears_the_lock_and_the_count() {
    let mock = Mock::new();
    mock.register("lou@example.com").await;
    for _ in 0..10 {
        sign_in_with(&mock, "lou@example.com", "wrong password!").await;
    }
    let listed = mock.call(Method::GET, "/mock/accounts", None, None).await.ok(200);
    assert!(listed[0]["locked_until"].is_string());
    mock.post("/mock/unlock", json!({ "email": "LOU@example.com" }))
        .await
        .ok(204);
    sign_in_with(&mock, "lou@example.com", PASSWORD).await.ok(200);
    mock.post("/mock/unlock", json!({ "email": "nobody@example.com" }))
        .await
        .problem(404, "unknown_account");
    let kinds = kinds(&events(&mock, "?email=lou@example.com").await).join(",");
    assert!(kinds.contains("locked,unlocked,signin_succeeded"), "{kinds}");
}

#[tokio::test]
async fn outbox_next_waits_for_the_next_message() {
    let mut mock = Mock::new();
    seed_email(&mock, "wait@example.com").await;
    mock.call(
        Method::GET,
        "/mock/outbox/next?to=wait@example.com&timeout=1",
        None,
        None,
    )
    .await
    .ok(204);
    let waiting = mock.call(
        Method::GET,
        "/mock/outbox/next?to=wait@example.com&timeout=10",
        None,
        None,
    );
    let sending = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sign_in_with(&mock, "wait@example.com", PASSWORD).await.ok(200)
    };
    let (message, _) = tokio::join!(waiting, sending);
    let message = message.ok(200);
    assert_eq!(message["to"], "wait@example.com");
    assert_eq!(message["code"].as_str().unwrap().len(), 6);
    // With after=ID, a message already there is answered at once.
    let id = message["id"].as_i64().unwrap();
    mock.call(
        Method::GET,
        &format!("/mock/outbox/next?to=wait@example.com&after={}&timeout=0", id - 1),
        None,
        None,
    )
    .await
    .ok(200);
    mock.advance(31).await;
    mock.call(Method::GET, "/mock/outbox/next?timeout=0", None, None)
        .await
        .problem(400, "bad_request");
}

#[tokio::test]
async fn events_tell_the_story_of_a_sign_in() {
    let mock = Mock::new();
    seed_totp(&mock, "tell@example.com").await;
    let challenge = sign_in_with(&mock, "tell@example.com", PASSWORD).await.ok(200);
    let id = challenge["challenge_id"].as_str().unwrap();
    let code = totp(&secret(), mock.now());
    verify(&mock, id, "totp", &wrong(&code))
        .await
        .problem(401, "invalid_code");
    verify(&mock, id, "totp", &code).await.ok(200);
    let all = events(&mock, "?email=tell@example.com").await;
    assert_eq!(
        kinds(&all),
        [
            "signup",
            "challenge_sent",
            "second_factor_failed",
            "second_factor_succeeded",
            "signin_succeeded"
        ]
    );
    let after = all[2]["id"].as_i64().unwrap();
    assert_eq!(
        kinds(&events(&mock, &format!("?after={after}")).await),
        ["second_factor_succeeded", "signin_succeeded"]
    );
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(&code) && !text.contains(SECRET) && !text.contains(PASSWORD));
}

#[tokio::test]
async fn reset_restores_the_accounts_the_server_started_with_and_real_time() {
    let mock = Mock::new();
    let seed: smartpush_mock_server::model::SeedAccount = serde_json::from_value(json!({
        "email": "start@example.com", "password": PASSWORD, "two_factor": { "method": "totp", "secret": SECRET }
    }))
    .unwrap();
    let created = smartpush_mock_server::service::tester::create_account(&mock.state, seed.clone())
        .await
        .unwrap();
    let remembered = smartpush_mock_server::service::tester::as_seed(&seed, &created);
    mock.state.update_startup(|s| {
        s.demo = true;
        s.seed.push(remembered);
    });
    mock.register("gone@example.com").await;
    clock(&mock, json!({ "frozen_at": 1_900_000_000 })).await;
    mock.post("/mock/reset", json!({})).await.ok(204);
    let listed = mock.call(Method::GET, "/mock/accounts", None, None).await.ok(200);
    let emails: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["demo@example.com", "start@example.com"]);
    assert_eq!(listed[1]["two_factor"]["recovery_codes_remaining"], 10);
    let view = mock.call(Method::GET, "/mock/clock", None, None).await.ok(200);
    assert_eq!(view["frozen"], false);
    // The same secret as before the reset.
    let challenge = sign_in_with(&mock, "start@example.com", PASSWORD).await.ok(200);
    verify(
        &mock,
        challenge["challenge_id"].as_str().unwrap(),
        "totp",
        &totp(&secret(), mock.now()),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn openapi_has_a_server_and_the_second_edition_paths() {
    let mock = Mock::new();
    let doc = mock.call(Method::GET, "/openapi.json", None, None).await.ok(200);
    assert!(doc["servers"][0]["url"].is_string(), "{}", doc["servers"]);
    for path in [
        "/mock/accounts",
        "/mock/unlock",
        "/mock/outbox/next",
        "/mock/events",
        "/mock/clock",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["paths"]["/mock/accounts"]["post"].is_object());
    assert!(doc["paths"]["/mock/clock"]["get"].is_object());
}

#[tokio::test]
async fn with_a_listener_known_the_app_still_builds() {
    // `app` works before `serve` has recorded an address (the panel's tests, oneshot suites).
    let state = AppState::open(&DbLocation::Memory, ServerConfig::for_tests()).unwrap();
    let _ = app(state);
}

#[tokio::test]
async fn with_allow_remote_the_public_host_names_are_accepted_too() {
    let config = ServerConfig {
        allow_remote: true,
        public_hosts: vec!["mock.lan".to_owned(), "box.lan:9000".to_owned()],
        ..ServerConfig::for_tests()
    };
    let mock = Mock::over(AppState::open(&DbLocation::Memory, config).unwrap());
    for (host, status) in [
        ("mock.lan:8790", 200),
        ("box.lan:9000", 200),
        ("box.lan:9001", 421),
        ("other.lan:8790", 421),
        ("localhost:8790", 200),
    ] {
        let request = Request::builder()
            .uri("/openapi.json")
            .header("host", host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(mock.send(request).await.status.as_u16(), status, "{host}");
    }
    // Without --allow-remote the same names are refused.
    let closed = Mock::new();
    let request = Request::builder()
        .uri("/openapi.json")
        .header("host", "mock.lan:8790")
        .body(Body::empty())
        .unwrap();
    closed.send(request).await.problem(421, "misdirected_request");
}
