//! What the desktop app's server panel uses besides the HTTP API: the account summaries
//! (`service::tester::accounts`) and closing the database after a graceful stop
//! (`AppState::close`).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Mock, PASSWORD};
use serde_json::json;
use smartpush_mock_server::model::{RiskLevel, TwoFactorMethod};
use smartpush_mock_server::service::tester;
use smartpush_mock_server::{AppState, DbError, DbLocation, ServerConfig, serve};

#[tokio::test]
async fn accounts_lists_each_account_with_its_2fa_risk_recovery_codes_and_lock() {
    let mut mock = Mock::new();
    assert!(tester::accounts(&mock.state).await.unwrap().is_empty());
    let token = mock.account("zoe@example.com").await;
    mock.register("ada@example.com").await;
    mock.register("bob@example.com").await;

    let (_secret, codes) = mock.enable_totp(&token, "zoe@example.com").await;
    tester::set_risk(&mock.state, "ADA@example.com", RiskLevel::High)
        .await
        .unwrap();
    // One recovery code used at sign-in.
    let first = mock.sign_in("zoe@example.com", None).await.ok(200);
    mock.post(
        "/api/session/verify",
        json!({ "challenge_id": first["challenge_id"], "method": "recovery_code", "code": codes[0] }),
    )
    .await
    .ok(200);
    // Bob locks himself out.
    let bad = json!({ "email": "bob@example.com", "password": "not the password" });
    for _ in 0..10 {
        mock.post("/api/session", bad.clone()).await;
    }

    let list = tester::accounts(&mock.state).await.unwrap();
    let emails: Vec<&str> = list.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(
        emails,
        ["ada@example.com", "bob@example.com", "zoe@example.com"],
        "by e-mail"
    );
    let [ada, bob, zoe] = &list[..] else {
        panic!("three accounts: {list:?}");
    };
    assert!(!ada.two_factor_enabled && ada.method.is_none());
    assert_eq!(ada.risk, RiskLevel::High);
    assert_eq!(ada.recovery_codes_remaining, 0);
    assert!(ada.locked_until.is_none());
    assert!(bob.locked_until.is_some(), "locked after 10 failures");
    assert_eq!(bob.risk, RiskLevel::Low);
    assert!(zoe.two_factor_enabled);
    assert_eq!(zoe.method, Some(TwoFactorMethod::Totp));
    assert_eq!(zoe.recovery_codes_remaining, 9);

    // The lock ends with time; support's reset turns 2FA off.
    mock.advance(16 * 60).await;
    tester::support_reset_2fa(&mock.state, "zoe@example.com").await.unwrap();
    let list = tester::accounts(&mock.state).await.unwrap();
    assert!(list[1].locked_until.is_none(), "the lock is over on the mock clock");
    assert!(!list[2].two_factor_enabled);
    assert_eq!(list[2].recovery_codes_remaining, 0);
    // No secret or hash reaches the summary.
    let text = format!("{list:?}");
    assert!(!text.contains("argon2") && !text.contains(PASSWORD), "{text}");
}

#[tokio::test]
async fn close_after_a_graceful_stop_checkpoints_the_file_and_waits_for_the_last_clone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mock-server.sqlite3");
    let wal = dir.path().join("mock-server.sqlite3-wal");
    let state = AppState::open(&DbLocation::File(path.clone()), ServerConfig::for_tests()).unwrap();
    smartpush_mock_server::service::accounts::ensure_demo_account(&state)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    let answer = reqwest::get(format!("http://{addr}/openapi.json")).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(wal.exists());

    // A clone held elsewhere: close waits, then gives up without closing anything.
    let held = state.clone();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let refused = held.clone().close(Duration::from_millis(50)).await;
    assert!(matches!(refused, Err(DbError::InUse)), "{refused:?}");
    assert_eq!(tester::accounts(&state).await.unwrap().len(), 1, "still open");
    // Dropped while close waits: it closes.
    let dropper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(held);
    });
    state.close(Duration::from_secs(5)).await.unwrap();
    dropper.await.unwrap();
    assert!(!wal.exists(), "the WAL was checkpointed into the file and removed");
    let reopened = AppState::open(&DbLocation::File(path), ServerConfig::for_tests()).unwrap();
    assert_eq!(tester::accounts(&reopened).await.unwrap()[0].email, "demo@example.com");
}
