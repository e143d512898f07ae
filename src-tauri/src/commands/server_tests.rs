//! Command-layer tests of the mock server panel: the real registration and IPC (mock runtime),
//! a real listener on 127.0.0.1, and plain HTTP requests to check that what the commands do is
//! what the server's API then reports.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};
use smartpush_core::{OtpConfig, Secret, otp};

use crate::commands::test_support::{call, mock_app};
use crate::commands::unix_now;

type Webview = tauri::WebviewWindow<tauri::test::MockRuntime>;

fn ok(webview: &Webview, cmd: &str, args: Value) -> Value {
    call(webview, cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
}

fn err(webview: &Webview, cmd: &str, args: Value) -> (String, String) {
    let err = call(webview, cmd, args).expect_err(&format!("{cmd} should fail"));
    (
        err["type"].as_str().unwrap_or_default().to_owned(),
        err["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// `127.0.0.1:PORT` of a status answer.
fn host(status: &Value) -> String {
    status["url"]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no URL in {status}"))
        .to_owned()
}

/// One HTTP/1.1 request over a plain socket: the status and the JSON body (`Null` when empty).
fn http(host: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/json\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding: chunked"),
        "{head}"
    );
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line: {head}"));
    let json = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()))
    };
    (status, json)
}

/// The newest code the outbox holds for `to`, through the panel's command.
fn last_code(w: &Webview, to: &str) -> String {
    let outbox = ok(w, "server_outbox", json!({}));
    outbox
        .as_array()
        .and_then(|list| list.iter().find(|m| m["to"] == to && m["code"].is_string()))
        .and_then(|m| m["code"].as_str())
        .unwrap_or_else(|| panic!("no code for {to} in {outbox}"))
        .to_owned()
}

fn account<'a>(accounts: &'a Value, email: &str) -> &'a Value {
    accounts
        .as_array()
        .and_then(|list| list.iter().find(|a| a["email"] == email))
        .unwrap_or_else(|| panic!("no {email} in {accounts}"))
}

#[test]
fn start_serves_http_a_second_start_is_idempotent_and_stop_frees_the_port() {
    let (_app, w, dir) = mock_app();
    let stopped = ok(&w, "server_status", json!({}));
    assert_eq!(stopped["running"], false);
    assert_eq!(stopped["url"], Value::Null);
    assert!(
        stopped["database"]
            .as_str()
            .unwrap_or_default()
            .ends_with("mock-server.sqlite3")
    );
    let (kind, _) = err(&w, "server_outbox", json!({}));
    assert_eq!(kind, "Invalid", "nothing to read while stopped");
    let (kind, _) = err(&w, "server_open_browser", json!({}));
    assert_eq!(kind, "Invalid");
    assert_eq!(err(&w, "server_copy_url", json!({})).0, "Invalid");

    let status = ok(&w, "server_start", json!({ "port": 0 }));
    assert_eq!(status["running"], true);
    let at = host(&status);
    assert!(at.starts_with("127.0.0.1:"), "loopback only: {at}");
    let port = status["port"].as_u64().expect("a port");
    let (code, doc) = http(&at, "GET", "/openapi.json", None, None);
    assert_eq!(code, 200);
    assert!(doc["paths"]["/api/session"].is_object(), "the server's API description");
    let (code, _) = http(&at, "GET", "/api/account/security", None, None);
    assert_eq!(code, 401, "the API answers");
    // Running: the address is found (the mock runtime has no clipboard to put it on).
    assert_eq!(err(&w, "server_copy_url", json!({})).0, "Clipboard");

    // A second start with 0 or the same port answers the running server; another port is refused.
    assert_eq!(ok(&w, "server_start", json!({ "port": 0 })), status);
    assert_eq!(ok(&w, "server_start", json!({ "port": port })), status);
    let other = if port == 65_535 { port - 1 } else { port + 1 };
    let (kind, message) = err(&w, "server_start", json!({ "port": other }));
    assert_eq!(kind, "InUse");
    assert!(message.contains("already running"), "{message}");

    let after = ok(&w, "server_stop", json!({}));
    assert_eq!(after["running"], false);
    assert_eq!(ok(&w, "server_status", json!({}))["running"], false);
    let free =
        std::net::TcpListener::bind(("127.0.0.1", u16::try_from(port).expect("u16"))).expect("the port is free again");
    assert!(http_fails(&at), "the server answers no more");
    drop(free);
    let db = dir.path().join("mock-server.sqlite3");
    assert!(db.exists(), "the database is the configured file");
    assert!(
        !dir.path().join("mock-server.sqlite3-wal").exists(),
        "a clean close checkpoints and removes the WAL"
    );
    // Stopping again is a no-op; starting again finds the same database (the demo account).
    assert_eq!(ok(&w, "server_stop", json!({}))["running"], false);
    ok(&w, "server_start", json!({ "port": 0 }));
    let accounts = ok(&w, "server_accounts", json!({}));
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    ok(&w, "server_stop", json!({}));
}

/// True when a request to `at` gets no HTTP answer.
fn http_fails(at: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(at) else {
        return true;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
    let _ = stream.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut buf = [0_u8; 16];
    !matches!(stream.read(&mut buf), Ok(n) if n > 0)
}

#[test]
fn a_busy_port_is_refused_with_a_clear_error() {
    let (_app, w, _dir) = mock_app();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let (kind, message) = err(&w, "server_start", json!({ "port": port }));
    assert_eq!(kind, "InUse");
    assert!(
        message.contains(&port.to_string()) && message.contains("in use"),
        "{message}"
    );
    assert_eq!(ok(&w, "server_status", json!({}))["running"], false);
}

#[test]
fn outbox_risk_clock_and_support_reset_match_what_the_api_reports() {
    let (_app, w, _dir) = mock_app();
    let status = ok(&w, "server_start", json!({ "port": 0 }));
    let at = host(&status);
    let demo = "demo@example.com";
    let creds = json!({ "email": demo, "password": "demo-password" });

    // The demo account is seeded, 2FA off, low risk.
    let accounts = ok(&w, "server_accounts", json!({}));
    let seeded = account(&accounts, demo);
    assert_eq!(seeded["two_factor"], false);
    assert_eq!(seeded["risk"], "low");
    assert_eq!(seeded["recovery_codes_left"], 0);

    // Risk high through the panel: the API asks for an e-mailed code, which the panel's outbox shows.
    ok(&w, "server_set_risk", json!({ "email": demo, "level": "high" }));
    assert_eq!(account(&ok(&w, "server_accounts", json!({})), demo)["risk"], "high");
    let (code, signed) = http(&at, "POST", "/api/session", None, Some(creds.clone()));
    assert_eq!(code, 200);
    assert_eq!(signed["status"], "email_verification_required", "{signed}");
    let outbox = ok(&w, "server_outbox", json!({}));
    let newest = &outbox[0];
    assert_eq!(newest["to"], demo);
    let mail_code = newest["code"].as_str().expect("an e-mailed code").to_owned();
    assert_eq!(mail_code.len(), 6);
    assert!(newest["sent_at"].is_string() && newest["subject"].is_string());
    let (code, verified) = http(
        &at,
        "POST",
        "/api/session/verify",
        None,
        Some(json!({ "challenge_id": signed["challenge_id"], "method": "email", "code": mail_code })),
    );
    assert_eq!(code, 200, "{verified}");
    assert_eq!(verified["status"], "authenticated");
    let (kind, _) = err(
        &w,
        "server_set_risk",
        json!({ "email": "nobody@example.com", "level": "low" }),
    );
    assert_eq!(kind, "Invalid");
    ok(&w, "server_set_risk", json!({ "email": demo, "level": "low" }));

    // The clock: the panel's offset is what GET /mock/clock reports; 0 restores real time.
    let moved = ok(&w, "server_set_clock", json!({ "offset": 3600 }));
    assert_eq!(moved["clock_offset_seconds"], 3600);
    let (code, clock) = http(&at, "GET", "/mock/clock", None, None);
    assert_eq!(code, 200);
    assert_eq!(clock["offset_seconds"], 3600);
    let (kind, _) = err(&w, "server_set_clock", json!({ "offset": 9_000_000_000_i64 }));
    assert_eq!(kind, "Invalid", "beyond ±100 years");
    assert_eq!(
        ok(&w, "server_set_clock", json!({ "offset": 0 }))["clock_offset_seconds"],
        0
    );
    assert_eq!(http(&at, "GET", "/mock/clock", None, None).1["offset_seconds"], 0);

    // Enable 2FA through the API, with the e-mailed code read from the panel's outbox.
    let (_, signed) = http(&at, "POST", "/api/session", None, Some(creds.clone()));
    let token = signed["token"].as_str().expect("low risk, 2FA off: a token").to_owned();
    let (code, started) = http(
        &at,
        "POST",
        "/api/2fa/enrollment",
        Some(&token),
        Some(json!({ "password": "demo-password" })),
    );
    assert_eq!(code, 201, "{started}");
    let id = started["enrollment_id"].as_str().expect("id").to_owned();
    let (code, _) = http(
        &at,
        "POST",
        &format!("/api/2fa/enrollment/{id}/email"),
        Some(&token),
        Some(json!({ "code": last_code(&w, demo) })),
    );
    assert_eq!(code, 200);
    let (_, chosen) = http(
        &at,
        "POST",
        &format!("/api/2fa/enrollment/{id}/method"),
        Some(&token),
        Some(json!({ "method": "totp" })),
    );
    let secret = Secret::from_base32(chosen["secret"].as_str().expect("secret")).expect("base32");
    let totp = otp::code_at(&OtpConfig::totp(secret), unix_now()).expect("code");
    let (code, enabled) = http(
        &at,
        "POST",
        &format!("/api/2fa/enrollment/{id}/confirm"),
        Some(&token),
        Some(json!({ "code": totp })),
    );
    assert_eq!(code, 200, "{enabled}");
    let on = ok(&w, "server_accounts", json!({}));
    assert_eq!(account(&on, demo)["two_factor"], true);
    assert_eq!(account(&on, demo)["method"], "totp");
    assert_eq!(account(&on, demo)["recovery_codes_left"], 10);

    // Support's reset through the panel ends the account's sessions (the old token is refused),
    // the API reports 2FA off to a new sign-in, and the user got an e-mail.
    ok(&w, "server_support_reset", json!({ "email": demo }));
    let (code, _) = http(&at, "GET", "/api/account/security", Some(&token), None);
    assert_eq!(code, 401, "the sessions before the reset are ended");
    let (_, signed) = http(&at, "POST", "/api/session", None, Some(creds.clone()));
    let token = signed["token"].as_str().expect("2FA off again: a token").to_owned();
    let (code, security) = http(&at, "GET", "/api/account/security", Some(&token), None);
    assert_eq!(code, 200);
    assert_eq!(security["two_factor"]["enabled"], false, "{security}");
    assert_eq!(
        account(&ok(&w, "server_accounts", json!({})), demo)["two_factor"],
        false
    );
    let outbox = ok(&w, "server_outbox", json!({}));
    assert!(
        outbox[0]["subject"].as_str().unwrap_or_default().contains("support"),
        "{outbox}"
    );
    assert_eq!(outbox[0]["code"], Value::Null);
    let (kind, _) = err(&w, "server_support_reset", json!({ "email": "nobody@example.com" }));
    assert_eq!(kind, "Invalid");

    // Copy: the message is found and its code goes to the clipboard (absent in the mock
    // runtime, hence the Clipboard error); a message without a code or an unknown id is refused.
    let with_code = outbox
        .as_array()
        .and_then(|l| l.iter().find(|m| m["code"].is_string()))
        .expect("a message with a code")["id"]
        .clone();
    assert_eq!(err(&w, "server_copy_code", json!({ "id": with_code })).0, "Clipboard");
    assert_eq!(
        err(&w, "server_copy_code", json!({ "id": outbox[0]["id"] })).0,
        "Invalid"
    );
    assert_eq!(err(&w, "server_copy_code", json!({ "id": 999_999 })).0, "Invalid");

    // Clearing the outbox: the API's outbox is empty too.
    ok(&w, "server_clear_outbox", json!({}));
    assert_eq!(ok(&w, "server_outbox", json!({})), json!([]));
    assert_eq!(http(&at, "GET", "/mock/outbox", None, None).1, json!([]));
    ok(&w, "server_stop", json!({}));
}
