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
fn codes_can_be_asked_for_the_drawn_rows_only() {
    let mock = unlocked();
    let first = add_uri(&mock, URI).remove(0);
    let second = add_uri(&mock, HOTP_URI).remove(0);
    let ids = |codes: Value| -> Vec<String> {
        codes
            .as_array()
            .expect("a list")
            .iter()
            .map(|c| c["id"].as_str().expect("an id").to_owned())
            .collect()
    };
    assert_eq!(ids(ok(&mock.1, "list_codes", json!({}))), [first, second.clone()]);
    assert_eq!(ids(ok(&mock.1, "list_codes", json!({ "ids": null }))).len(), 2);
    assert_eq!(
        ids(ok(&mock.1, "list_codes", json!({ "ids": [second, "unknown"] }))),
        [second]
    );
    assert!(ids(ok(&mock.1, "list_codes", json!({ "ids": [] }))).is_empty());
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
    let issues = ok(&mock.1, "check_manual", form("Shop", "JBSW Y3DP EHPK 3PXP", 11));
    assert_eq!(issues[0]["field"], "digits", "{issues}");
    assert_eq!(
        err_type(&mock.1, "add_manual", form("Shop", "JBSWY3DPEHPK3PXP", 11)),
        "Invalid"
    );
    // Issue 14: 9 and 10 digits, and a secret whose length leaves a partial base32 group.
    for digits in [9, 10] {
        assert_eq!(
            ok(&mock.1, "check_manual", form("Shop", "JBSWY3DPEHPK3PXPJBSWY3", digits)),
            json!([])
        );
    }
    let issues = ok(&mock.1, "check_manual", form("Shop", "JBSW0Y3DP", 6));
    assert_eq!(issues[0]["field"], "secret", "{issues}");
    assert!(
        issues[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Character 5 of the secret is the digit"),
        "{issues}"
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

fn reopen(mock: &Mock) -> Vault {
    Vault::open(&mock.2.path().join("vault.spv"), &SecretString::new(PASSWORD)).expect("the saved vault opens")
}

#[test]
fn details_edit_reports_each_field_saves_nothing_bad_and_persists_a_good_edit() {
    let mock = unlocked();
    let w = &mock.1;
    let id = add_uri(&mock, URI).remove(0);
    let details = ok(w, "account_details", json!({ "id": id }));
    assert_eq!(
        (
            details["issuer"].clone(),
            details["name"].clone(),
            details["favourite"].clone()
        ),
        (json!("Example"), json!("alice@example.com"), json!(false))
    );
    assert_eq!(
        (details["kind"].clone(), details["digits"].clone()),
        (json!("totp"), json!(6))
    );
    assert!(!details.to_string().contains("JBSWY3DP"), "no secret in the details");

    let bad = json!({ "issuer": " \u{1b}[2K ", "name": "", "note": "n".repeat(5000), "tags": ["a,b"] });
    let issues = ok(w, "update_account", json!({ "id": id, "edit": bad }));
    let fields: Vec<&str> = issues
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["field"].as_str())
        .collect();
    assert_eq!(fields, ["issuer", "note", "tags"], "{issues}");
    assert!(issues[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(reopen(&mock).data().accounts[0].issuer, "Example", "nothing saved");

    let good = json!({
        "issuer": "  ACME\u{202e} \u{1b}[31mCorp ",
        "name": "alice\n@work",
        "note": "line one\r\nline two  ",
        "tags": ["work", " Work ", "2fa", ""],
    });
    assert_eq!(ok(w, "update_account", json!({ "id": id, "edit": good })), json!([]));
    let shown = ok(w, "account_details", json!({ "id": id }));
    assert_eq!(shown["issuer"], "ACME Corp");
    let vault = reopen(&mock);
    let saved = vault.data().get(&id).expect("still there");
    assert_eq!(
        (saved.issuer.as_str(), saved.name.as_str(), saved.note.as_str()),
        ("ACME Corp", "alice @work", "line one\nline two")
    );
    assert_eq!(saved.tags, ["work", "2fa"]);
    assert_eq!(
        saved.otp.as_ref().map(|o| o.secret.to_base32().as_str().to_owned()),
        Some("JBSWY3DPEHPK3PXP".into()),
        "the secret is untouched"
    );
    let edit = json!({ "issuer": "X", "name": "", "note": "", "tags": [] });
    assert_eq!(
        err_type(w, "update_account", json!({ "id": "nope", "edit": edit })),
        "Invalid"
    );
}

#[test]
fn reveal_secret_gives_that_accounts_secret_only_and_only_while_unlocked() {
    let mock = unlocked();
    let w = &mock.1;
    let totp = add_uri(&mock, URI).remove(0);
    let hotp = add_uri(&mock, HOTP_URI).remove(0);
    assert_eq!(ok(w, "reveal_secret", json!({ "id": totp })), "JBSWY3DPEHPK3PXP");
    assert_eq!(ok(w, "reveal_secret", json!({ "id": hotp })), "GEZDGNBVGY3TQOJQ");
    assert_eq!(err_type(w, "reveal_secret", json!({ "id": "nope" })), "Invalid");
    let codes_only = ok(
        w,
        "add_recovery_account",
        json!({ "issuer": "Forum", "name": "", "text": "abcd-efgh-2345\nijkl-mnop-6789" }),
    );
    assert_eq!(err_type(w, "reveal_secret", json!({ "id": codes_only })), "Invalid");
    assert_eq!(err_type(w, "account_qr", json!({ "id": codes_only })), "Invalid");
    ok(w, "lock", json!({}));
    assert_eq!(err_type(w, "reveal_secret", json!({ "id": totp })), "NotUnlocked");
    assert_eq!(err_type(w, "account_qr", json!({ "id": totp })), "NotUnlocked");
}

/// Draws the SVG's unit squares (`M{x} {y}h1v1h-1z`, in modules) as an image, 6 px a module.
fn rasterise(svg: &str) -> smartpush_core::qr::image::GrayImage {
    let side: u32 = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a viewBox");
    let path = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a path");
    let px = 6;
    let mut img = smartpush_core::qr::image::GrayImage::from_pixel(side * px, side * px, [255u8].into());
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let xy = square.trim_end_matches("h1v1h-1z");
        let (x, y) = xy.split_once(' ').expect("x y");
        let (x, y): (u32, u32) = (x.parse().expect("x"), y.parse().expect("y"));
        for dy in 0..px {
            for dx in 0..px {
                img.put_pixel(x * px + dx, y * px + dy, [0u8].into());
            }
        }
    }
    img
}

#[test]
fn the_qr_code_is_the_canonical_uri_and_scans_back_to_the_account() {
    let mock = unlocked();
    let w = &mock.1;
    let id = add_uri(
        &mock,
        "otpauth://totp/S%C3%A3o%20Bank:jo%C3%A3o?secret=GEZDGNBVGY3TQOJQ&issuer=S%C3%A3o%20Bank&digits=8&algorithm=SHA256&period=60",
    )
    .remove(0);
    let svg = ok(w, "account_qr", json!({ "id": id }));
    let svg = svg.as_str().expect("an SVG string");
    assert!(svg.contains("<svg") && svg.contains("viewBox"), "{svg}");

    // Exactly the core's drawing of the core's canonical URI of the saved account.
    let vault = reopen(&mock);
    let account = vault.data().get(&id).expect("saved");
    let otp = account.otp.as_ref().expect("otp");
    let canonical = smartpush_core::uri::to_otpauth(&account.issuer, &account.name, otp);
    assert_eq!(svg, smartpush_core::qr::to_svg(&canonical).expect("svg"));

    // And a phone would read it: the drawn modules decode to that URI, which parses back.
    let payloads =
        smartpush_core::qr::decode_image(&smartpush_core::qr::image::DynamicImage::ImageLuma8(rasterise(svg)));
    assert_eq!(payloads, vec![canonical.as_str().to_owned()]);
    let back = smartpush_core::uri::parse_otpauth(&payloads[0]).expect("parses");
    assert_eq!((back.issuer.as_str(), back.name.as_str()), ("São Bank", "joão"));
    assert_eq!(back.otp.as_ref(), Some(otp));
}

#[test]
fn a_favourite_is_listed_first_and_persists() {
    let mock = unlocked();
    let w = &mock.1;
    let first = add_uri(&mock, URI).remove(0);
    let second = add_uri(&mock, HOTP_URI).remove(0);
    let order = |w| -> Vec<String> {
        ok(w, "list_accounts", json!({}))
            .as_array()
            .expect("list")
            .iter()
            .map(|a| a["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(order(w), [first.clone(), second.clone()]);
    ok(w, "set_favourite", json!({ "id": second, "favourite": true }));
    assert_eq!(order(w), [second.clone(), first.clone()], "the favourite comes first");
    assert_eq!(ok(w, "list_accounts", json!({}))[0]["favourite"], true);
    assert_eq!(ok(w, "account_details", json!({ "id": second }))["favourite"], true);
    assert!(reopen(&mock).data().get(&second).expect("saved").favourite, "saved");
    assert!(!reopen(&mock).data().get(&first).expect("saved").favourite);

    // After a lock and an unlock (a fresh read of the file), still first.
    ok(w, "lock", json!({}));
    ok(w, "unlock", json!({ "password": PASSWORD }));
    assert_eq!(order(w), [second.clone(), first.clone()]);
    ok(w, "set_favourite", json!({ "id": second, "favourite": false }));
    assert_eq!(order(w), [first, second.clone()]);
    assert!(!reopen(&mock).data().get(&second).expect("saved").favourite);
    assert_eq!(
        err_type(w, "set_favourite", json!({ "id": "nope", "favourite": true })),
        "Invalid"
    );
}

#[test]
fn reading_the_clipboard_needs_an_unlocked_vault_and_a_clipboard() {
    // The mock runtime has no clipboard plugin: a clear error, not a hang or a panic.
    let mock = mock_app();
    ok(&mock.1, "create_vault", json!({ "password": PASSWORD }));
    let err = call(&mock.1, "read_clipboard", json!({})).expect_err("no clipboard");
    assert_eq!(err["type"], "Clipboard");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("clipboard")),
        "{err}"
    );
    ok(&mock.1, "lock", json!({}));
    assert_eq!(err_type(&mock.1, "read_clipboard", json!({})), "NotUnlocked");
}

#[test]
fn several_accounts_in_one_image_are_offered_with_the_duplicate_flagged() {
    let mock = unlocked();
    let w = &mock.1;
    add_uri(&mock, URI);
    let drafts: Vec<smartpush_core::AccountDraft> = [URI, HOTP_URI]
        .iter()
        .map(|u| smartpush_core::uri::parse_otpauth(u).expect("parses"))
        .collect();
    let batch = smartpush_core::uri::migration::encode(&drafts, 10, 1);
    let png = smartpush_core::qr::to_png(&batch[0]).expect("png");
    let found = ok(w, "read_image", json!({ "base64": data_encoding::BASE64.encode(&png) }));
    let candidates = found["candidates"].as_array().expect("candidates");
    assert_eq!(candidates.len(), 2, "{found}");
    assert_eq!(
        candidates.iter().map(|c| c["duplicate"].clone()).collect::<Vec<_>>(),
        [json!(true), json!(false)]
    );
    // The same migration link pasted gives the same pick list.
    let pasted = ok(w, "read_uri", json!({ "text": batch[0].as_str() }));
    assert_eq!(pasted["candidates"], found["candidates"]);
    ok(w, "add_pending", json!({ "indexes": [1] }));
    assert_eq!(ok(w, "list_accounts", json!({})).as_array().map(Vec::len), Some(2));
}

/// The only commands whose replies hold an account's secret, each an explicit reveal or export
/// the person clicks; docs/security.md and ARCHITECTURE.md name each of them.
const SECRET_REPLIES: [&str; 3] = ["reveal_secret", "account_qr", "export_google_qr"];

/// Whether `reply` holds `secret`: as text, or inside a QR code drawn as SVG (an `otpauth://` URI
/// or a Google Authenticator export, read back with the core's importer).
fn holds_secret(reply: &Value, secret: &[u8], texts: &[&str]) -> bool {
    let flat = reply.to_string();
    if texts.iter().any(|t| flat.contains(t)) {
        return true;
    }
    let mut svgs = Vec::new();
    let mut stack = vec![reply];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if s.contains("<svg") => svgs.push(s.as_str()),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    svgs.into_iter().any(|svg| {
        let image = smartpush_core::qr::image::DynamicImage::ImageLuma8(rasterise(svg));
        smartpush_core::qr::decode_image(&image).iter().any(|payload| {
            smartpush_core::transfer::import(payload.as_bytes(), None, None).is_ok_and(|read| {
                read.accounts
                    .iter()
                    .any(|a| a.otp.as_ref().is_some_and(|o| o.secret.expose() == secret))
            })
        })
    })
}

#[test]
fn only_the_documented_reveal_commands_reply_with_a_secret() {
    let mock = unlocked();
    let w = &mock.1;
    let id = add_uri(&mock, URI).remove(0);
    ok(
        w,
        "add_recovery",
        json!({ "id": id, "text": "abcd-efgh-2345\nijkl-mnop-6789" }),
    );
    let secret = Secret::from_base32("JBSWY3DPEHPK3PXP").expect("base32");
    let texts = ["JBSWY3DP", "abcd-efgh", "efgh-2345", PASSWORD];

    // Left out: commands that end the session, open native dialogs or reach the desktop (the
    // clipboard, the screen, the keychain, the mock server) — none of them reads the vault's
    // secrets into its reply.
    let leaves = [
        "lock",
        "delete_account",
        "scan_screen",
        "read_clipboard",
        "keychain_disable",
        "unlock_with_keychain",
    ];
    let mut holding = Vec::new();
    let mut swept = 0;
    for command in crate::bindings::commands() {
        let name = command.name;
        if leaves.contains(&name)
            || name.starts_with("server_")
            || name.contains("pick")
            || name.starts_with("palette_")
        {
            continue;
        }
        if matches!(name, "choose_vault_file" | "restore_backup") {
            continue;
        }
        let mut args = serde_json::Map::new();
        let mut callable = true;
        for (key, _) in &command.args {
            let value = match *key {
                "id" => json!(id),
                "ids" => json!([id]),
                "rows" => json!(40),
                "index" => json!(0),
                _ => {
                    callable = false;
                    break;
                }
            };
            args.insert((*key).to_owned(), value);
        }
        if !callable {
            continue;
        }
        swept += 1;
        let reply = match call(w, name, Value::Object(args)) {
            Ok(reply) => reply,
            Err(err) => err,
        };
        if holds_secret(&reply, secret.expose(), &texts) {
            holding.push(name);
        }
    }
    assert!(swept >= 15, "the sweep reached only {swept} commands");
    assert_eq!(holding, SECRET_REPLIES, "commands whose reply holds a secret");

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in ["docs/security.md", "ARCHITECTURE.md"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("read the document");
        for name in SECRET_REPLIES {
            assert!(text.contains(&format!("{name}`")), "{doc} does not name `{name}`");
        }
    }
}
