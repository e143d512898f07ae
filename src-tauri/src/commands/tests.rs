//! Command-layer tests: every command through the real registration and IPC (mock runtime),
//! on real vault files in temporary folders.

use serde_json::{Value, json};
use smartpush_core::vault::Vault;
use smartpush_core::{OtpConfig, Secret, SecretString, otp};

use super::test_support::{call, mock_app, state};
use super::unix_now;

const URI: &str = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";
const HOTP_URI: &str = "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQ&issuer=Bank&counter=0";
const PASSWORD: &str = "correct horse battery staple";

type Mock = (
    tauri::App<tauri::test::MockRuntime>,
    tauri::WebviewWindow<tauri::test::MockRuntime>,
    tempfile::TempDir,
);

fn ok(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Value {
    call(webview, cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
}

fn err_type(webview: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> String {
    let err = call(webview, cmd, args).expect_err(&format!("{cmd} should fail"));
    err["type"]
        .as_str()
        .unwrap_or_else(|| panic!("not an IpcError: {err}"))
        .to_owned()
}

/// A mock app with a new, unlocked vault.
fn unlocked() -> Mock {
    let mock = mock_app();
    ok(&mock.1, "create_vault", json!({ "password": PASSWORD }));
    mock
}

/// Adds the accounts of `uri` and returns their ids.
fn add_uri(mock: &Mock, uri: &str) -> Vec<String> {
    let found = ok(&mock.1, "read_uri", json!({ "text": uri }));
    let n = found["candidates"].as_array().map_or(0, Vec::len);
    let ids = ok(&mock.1, "add_pending", json!({ "indexes": (0..n).collect::<Vec<_>>() }));
    serde_json::from_value(ids).expect("ids")
}

fn totp_code(secret: &str, at: u64) -> String {
    let cfg = OtpConfig::totp(Secret::from_base32(secret).expect("base32"));
    otp::code_at(&cfg, at).expect("code")
}

#[test]
fn create_then_status_then_lock_then_unlock() {
    let (_app, w, dir) = mock_app();
    let status = ok(&w, "vault_status", json!({}));
    assert_eq!(status["exists"], false);
    assert_eq!(status["unlocked"], false);
    assert_eq!(status["auto_lock_seconds"], 300);

    ok(&w, "create_vault", json!({ "password": PASSWORD }));
    let status = ok(&w, "vault_status", json!({}));
    assert_eq!(
        (status["exists"].clone(), status["unlocked"].clone()),
        (json!(true), json!(true))
    );
    assert!(dir.path().join("vault.spv").is_file());
    assert_eq!(
        err_type(&w, "create_vault", json!({ "password": PASSWORD })),
        "AlreadyExists"
    );

    ok(&w, "lock", json!({}));
    assert_eq!(ok(&w, "vault_status", json!({}))["unlocked"], false);
    assert_eq!(err_type(&w, "list_accounts", json!({})), "NotUnlocked");
    assert_eq!(err_type(&w, "unlock", json!({ "password": "nope" })), "WrongPassword");
    ok(&w, "unlock", json!({ "password": PASSWORD }));
    assert_eq!(ok(&w, "list_accounts", json!({})), json!([]));
    assert_eq!(ok(&w, "touch", json!({})), true);
}

#[test]
fn unlock_reports_a_missing_and_a_damaged_vault_with_its_backup() {
    let mock = unlocked();
    let w = &mock.1;
    let path = mock.2.path().join("vault.spv");
    add_uri(&mock, URI); // a save: the first version becomes the backup
    ok(w, "lock", json!({}));
    let mut bytes = std::fs::read(&path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, bytes).expect("write");
    let err = call(w, "unlock", json!({ "password": PASSWORD })).expect_err("damaged");
    assert_eq!(err["type"], "Damaged", "{err}");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("vault.spv.bak")),
        "{err}"
    );
    assert_eq!(
        ok(w, "vault_status", json!({}))["backup"],
        json!(Vault::backup_path(&path).display().to_string())
    );

    let (_app, fresh, _dir) = mock_app();
    assert_eq!(err_type(&fresh, "unlock", json!({ "password": PASSWORD })), "NoVault");
}

#[test]
fn the_idle_timer_locks_the_vault() {
    let mock = unlocked();
    let state = state(&mock.0);
    let later = std::time::Instant::now() + std::time::Duration::from_secs(301);
    assert!(state.is_unlocked(std::time::Instant::now()));
    assert!(!state.is_unlocked(later), "idle past 5 minutes locks");
    assert_eq!(err_type(&mock.1, "list_codes", json!({})), "NotUnlocked");
    assert_eq!(err_type(&mock.1, "set_auto_lock", json!({ "seconds": 3 })), "Invalid");
    ok(&mock.1, "set_auto_lock", json!({ "seconds": null }));
    assert_eq!(ok(&mock.1, "vault_status", json!({}))["auto_lock_seconds"], Value::Null);
}

#[test]
fn a_uri_is_read_picked_added_and_listed_without_its_secret() {
    let mock = unlocked();
    let w = &mock.1;
    let found = ok(w, "read_uri", json!({ "text": URI }));
    assert_eq!(found["candidates"][0]["issuer"], "Example");
    assert_eq!(found["candidates"][0]["duplicate"], false);
    assert!(!found.to_string().contains("JBSWY3DP"), "no secret in the answer");
    let ids = ok(w, "add_pending", json!({ "indexes": [0] }));
    let accounts = ok(w, "list_accounts", json!({}));
    assert_eq!(accounts[0]["id"], ids[0]);
    assert_eq!(accounts[0]["name"], "alice@example.com");
    assert_eq!(accounts[0]["kind"], "totp");
    assert!(!accounts.to_string().contains("JBSWY3DP"));

    let again = ok(w, "read_uri", json!({ "text": URI }));
    assert_eq!(again["candidates"][0]["duplicate"], true, "a duplicate is flagged");
    assert_eq!(err_type(w, "add_pending", json!({ "indexes": [5] })), "Invalid");
    let url = ok(w, "read_uri", json!({ "text": "https://example.com" }));
    assert_eq!(url["candidates"], json!([]));
    assert!(!url["notes"].as_array().expect("notes").is_empty());

    // Saved: a second app opening the file sees the account.
    let vault = Vault::open(&mock.2.path().join("vault.spv"), &SecretString::new(PASSWORD)).expect("opens");
    assert_eq!(vault.data().accounts.len(), 1);
}

#[test]
fn an_image_with_a_qr_code_gives_its_account() {
    let mock = unlocked();
    let png = smartpush_core::qr::to_png(URI).expect("png");
    let base64 = data_encoding::BASE64.encode(&png);
    let found = ok(&mock.1, "read_image", json!({ "base64": base64 }));
    assert_eq!(found["candidates"][0]["issuer"], "Example", "{found}");
    assert_eq!(err_type(&mock.1, "read_image", json!({ "base64": "!!" })), "Invalid");
}

#[test]
fn codes_are_the_cores_with_their_expiry_and_next_code_on_demand() {
    let mock = unlocked();
    let id = add_uri(&mock, URI).remove(0);
    let before = unix_now();
    let codes = ok(&mock.1, "list_codes", json!({}));
    let after = unix_now();
    let view = &codes[0];
    assert_eq!(view["id"], json!(id));
    let code = view["code"].as_str().expect("a code");
    assert!(code == totp_code("JBSWY3DPEHPK3PXP", before) || code == totp_code("JBSWY3DPEHPK3PXP", after));
    let left = view["valid_for"].as_u64().expect("expiry");
    assert!((1..=30).contains(&left));
    assert_eq!(view["period"], 30);
    let next = ok(&mock.1, "next_code", json!({ "id": id }));
    assert!(
        next == json!(totp_code("JBSWY3DPEHPK3PXP", before + 30))
            || next == json!(totp_code("JBSWY3DPEHPK3PXP", after + 30))
    );
    assert_eq!(err_type(&mock.1, "next_code", json!({ "id": "nope" })), "Invalid");
}

#[test]
fn hotp_next_issues_the_counter_code_and_advances_it() {
    let mock = unlocked();
    let id = add_uri(&mock, HOTP_URI).remove(0);
    let codes = ok(&mock.1, "list_codes", json!({}));
    assert_eq!(codes[0]["hotp"], true);
    assert_eq!(codes[0]["code"], Value::Null, "no code before the first press");
    let secret = Secret::from_base32("GEZDGNBVGY3TQOJQ").expect("base32");
    let first = ok(&mock.1, "hotp_next", json!({ "id": id }));
    assert_eq!(
        first,
        json!(otp::hotp(secret.expose(), smartpush_core::Algorithm::Sha1, 0, 6))
    );
    let second = ok(&mock.1, "hotp_next", json!({ "id": id }));
    assert_eq!(
        second,
        json!(otp::hotp(secret.expose(), smartpush_core::Algorithm::Sha1, 1, 6))
    );
    assert_eq!(
        ok(&mock.1, "list_codes", json!({}))[0]["code"],
        second,
        "the list shows the last issued code"
    );
}

#[test]
fn copy_without_a_clipboard_is_a_clipboard_error() {
    // The mock runtime has no clipboard plugin; the real copy is covered end to end.
    let mock = unlocked();
    let id = add_uri(&mock, URI).remove(0);
    assert_eq!(err_type(&mock.1, "copy_code", json!({ "id": id })), "Clipboard");
    assert_eq!(err_type(&mock.1, "copy_code", json!({ "id": "nope" })), "Invalid");
}

#[test]
fn the_manual_form_reports_each_field_and_adds_a_valid_account() {
    let mock = unlocked();
    let form = |issuer: &str, secret: &str, digits: u32| {
        json!({ "form": { "issuer": issuer, "name": "me", "secret": secret, "kind": "totp",
                          "algorithm": "SHA1", "digits": digits, "period": 30, "counter": 0 } })
    };
    let issues = ok(&mock.1, "check_manual", form("", "not base32!", 6));
    let fields: Vec<&str> = issues
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["field"].as_str())
        .collect();
    assert_eq!(fields, ["issuer", "secret"]);
    let issues = ok(&mock.1, "check_manual", form("Shop", "JBSW Y3DP EHPK 3PXP", 9));
    assert_eq!(issues[0]["field"], "digits", "{issues}");
    assert_eq!(
        err_type(&mock.1, "add_manual", form("Shop", "JBSWY3DPEHPK3PXP", 9)),
        "Invalid"
    );
    assert_eq!(
        ok(&mock.1, "check_manual", form("Shop", "jbsw y3dp ehpk 3pxp", 6)),
        json!([])
    );
    let id = ok(&mock.1, "add_manual", form("Shop", "jbsw y3dp ehpk 3pxp", 6));
    assert_eq!(ok(&mock.1, "list_accounts", json!({}))[0]["id"], id);
    ok(&mock.1, "delete_account", json!({ "id": id }));
    assert_eq!(ok(&mock.1, "list_accounts", json!({})), json!([]));
    assert_eq!(err_type(&mock.1, "delete_account", json!({ "id": id })), "Invalid");
}

#[test]
fn recovery_codes_are_added_masked_marked_used_and_warned_about() {
    let mock = unlocked();
    let w = &mock.1;
    let id = add_uri(&mock, URI).remove(0);
    let text = "Your backup codes\n1. abcd-efgh-2345\n2. ijkl-mnop-6789\n3. qrst-uvwx-2468\n4. yzab-cdef-1357\n5. ghij-klmn-9753\n";
    assert_eq!(ok(w, "add_recovery", json!({ "id": id, "text": text })), 5);
    assert_eq!(
        ok(w, "add_recovery", json!({ "id": id, "text": text })),
        0,
        "known codes are skipped"
    );
    let list = ok(w, "list_recovery", json!({ "id": id }));
    assert_eq!(list["left"], 5);
    assert_eq!(list["low"], false);
    assert!(!list.to_string().contains("abcd"), "codes are masked: {list}");
    assert!(list["codes"][0]["masked"].as_str().is_some_and(|m| m.ends_with("45")));
    ok(w, "set_recovery_used", json!({ "id": id, "index": 0, "used": true }));
    ok(w, "set_recovery_used", json!({ "id": id, "index": 1, "used": true }));
    let list = ok(w, "list_recovery", json!({ "id": id }));
    assert_eq!((list["left"].clone(), list["low"].clone()), (json!(3), json!(true)));
    assert!(list["codes"][0]["used_at"].is_i64());
    ok(w, "set_recovery_used", json!({ "id": id, "index": 1, "used": false }));
    assert_eq!(ok(w, "list_recovery", json!({ "id": id }))["left"], 4);
    assert_eq!(
        err_type(w, "set_recovery_used", json!({ "id": id, "index": 99, "used": true })),
        "Invalid"
    );
    assert_eq!(
        err_type(w, "add_recovery", json!({ "id": id, "text": "nothing here" })),
        "Invalid"
    );
    assert_eq!(
        err_type(w, "copy_recovery_code", json!({ "id": id, "index": 0 })),
        "Clipboard"
    );
    let accounts = ok(w, "list_accounts", json!({}));
    assert_eq!(
        (
            accounts[0]["recovery_left"].clone(),
            accounts[0]["recovery_total"].clone()
        ),
        (json!(4), json!(5))
    );
}

#[test]
fn an_account_may_hold_only_recovery_codes() {
    let mock = unlocked();
    let w = &mock.1;
    let id = ok(
        w,
        "add_recovery_account",
        json!({ "issuer": "GitHub", "name": "me", "text": "a1b2c-d3e4f\nf5e6d-c7b8a" }),
    );
    let accounts = ok(w, "list_accounts", json!({}));
    assert_eq!(accounts[0]["id"], id);
    assert_eq!(accounts[0]["kind"], Value::Null);
    assert_eq!(accounts[0]["recovery_total"], 2);
    assert_eq!(
        ok(w, "list_codes", json!({})),
        json!([]),
        "no code for a recovery-only account"
    );
    assert_eq!(
        err_type(
            w,
            "add_recovery_account",
            json!({ "issuer": " ", "name": "", "text": "a1b2c-d3e4f" })
        ),
        "Invalid"
    );
}
