//! Command-layer tests of the settings and of the vault-file commands (choose another vault,
//! restore the backup, change the password), through the real registration and IPC.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::test_support::{call, mock_app, state};
use super::vault_file::use_vault_file;

const PASSWORD: &str = "correct horse battery staple";
const URI: &str = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";

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

fn add_account(webview: &Webview) {
    ok(webview, "read_uri", json!({ "text": URI }));
    ok(webview, "add_pending", json!({ "indexes": [0] }));
}

#[test]
fn update_settings_applies_the_auto_lock_at_once_and_saves_it() {
    let (app, w, dir) = mock_app();
    ok(&w, "create_vault", json!({ "password": PASSWORD }));
    let mut settings = ok(&w, "get_settings", json!({}));
    assert_eq!(settings["auto_lock_seconds"], 300);
    assert_eq!(settings["clipboard_clear_seconds"], 30);
    assert_eq!(settings["theme"], "system");

    settings["auto_lock_seconds"] = json!(10);
    settings["clipboard_clear_seconds"] = json!(5);
    settings["theme"] = json!("dark");
    let answer = ok(&w, "update_settings", json!({ "settings": settings }));
    assert_eq!(answer, settings);
    let state = state(&app);
    let now = Instant::now();
    assert!(state.is_unlocked(now));
    assert!(
        !state.is_unlocked(now + Duration::from_secs(11)),
        "idle past 10 s locks"
    );
    assert_eq!(ok(&w, "vault_status", json!({}))["auto_lock_seconds"], 10);

    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).expect("saved")).expect("JSON");
    assert_eq!(
        (
            &saved["auto_lock_seconds"],
            &saved["clipboard_clear_seconds"],
            &saved["theme"]
        ),
        (&json!(10), &json!(5), &json!("dark"))
    );
    assert_eq!(ok(&w, "get_settings", json!({})), settings);

    // Bad values are refused and change nothing.
    for (key, value) in [("clipboard_clear_seconds", json!(4)), ("auto_lock_seconds", json!(9))] {
        let mut bad = settings.clone();
        bad[key] = value;
        assert_eq!(err(&w, "update_settings", json!({ "settings": bad })).0, "Invalid");
    }
    let mut elsewhere = settings.clone();
    elsewhere["vault_path"] = json!(dir.path().join("other.spv"));
    let (kind, message) = err(&w, "update_settings", json!({ "settings": elsewhere }));
    assert_eq!(kind, "Invalid");
    assert!(message.contains("another vault file"), "{message}");
    assert_eq!(ok(&w, "get_settings", json!({})), settings);

    // "Never", through the shortcut command, is saved too.
    ok(&w, "unlock", json!({ "password": PASSWORD })); // the idle check above locked it
    ok(&w, "set_auto_lock", json!({ "seconds": null }));
    assert_eq!(ok(&w, "get_settings", json!({}))["auto_lock_seconds"], Value::Null);
    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).expect("saved")).expect("JSON");
    assert_eq!(saved["auto_lock_seconds"], Value::Null);
    assert!(state.is_unlocked(Instant::now() + Duration::from_secs(100_000)));
    assert_eq!(
        ok(&w, "first_screen", json!({ "rows": 0 }))["settings_notice"],
        Value::Null
    );
}

#[test]
fn change_password_checks_the_current_one_and_the_new_one_opens_the_vault() {
    let (_app, w, _dir) = mock_app();
    ok(&w, "create_vault", json!({ "password": PASSWORD }));
    add_account(&w);
    let change = |current: &str, new: &str| json!({ "current": current, "newPassword": new, "kdf": null });

    let (kind, message) = err(&w, "change_password", change("not it", "new password 1"));
    assert_eq!(
        (kind.as_str(), message.as_str()),
        ("WrongPassword", "the current password is wrong")
    );
    assert_eq!(err(&w, "change_password", change(PASSWORD, "")).0, "Invalid");

    ok(&w, "change_password", change(PASSWORD, "new password 1"));
    // Still unlocked, and the vault in memory saves over the re-encrypted file.
    add_account(&w);
    assert_eq!(ok(&w, "list_accounts", json!({})).as_array().map(Vec::len), Some(2));

    ok(&w, "lock", json!({}));
    assert_eq!(err(&w, "unlock", json!({ "password": PASSWORD })).0, "WrongPassword");
    ok(&w, "unlock", json!({ "password": "new password 1" }));
    assert_eq!(ok(&w, "list_accounts", json!({})).as_array().map(Vec::len), Some(2));

    ok(&w, "lock", json!({}));
    assert_eq!(
        err(&w, "change_password", change("new password 1", "x")).0,
        "NotUnlocked"
    );
}

#[test]
fn the_kdf_strength_changes_through_change_password_with_the_same_password() {
    let (_app, w, _dir) = mock_app();
    ok(&w, "create_vault", json!({ "password": PASSWORD }));
    let kdf = ok(&w, "vault_kdf", json!({}));
    assert_eq!(
        kdf["strength"],
        Value::Null,
        "tests create vaults with the minimum: {kdf}"
    );
    assert_eq!(kdf["memory_mib"], 19);

    ok(
        &w,
        "change_password",
        json!({ "current": PASSWORD, "newPassword": PASSWORD, "kdf": "standard" }),
    );
    let kdf = ok(&w, "vault_kdf", json!({}));
    assert_eq!(
        kdf,
        json!({ "strength": "standard", "memory_mib": 64, "iterations": 3, "parallelism": 4 })
    );
    ok(&w, "lock", json!({}));
    ok(&w, "unlock", json!({ "password": PASSWORD }));
    assert_eq!(ok(&w, "vault_kdf", json!({}))["strength"], "standard");

    let ms = ok(&w, "measure_kdf", json!({ "strength": "standard" }));
    assert!(ms.as_u64().is_some(), "{ms}");
}

#[test]
fn a_damaged_vault_is_set_aside_and_its_backup_restored() {
    let (_app, w, dir) = mock_app();
    let path = dir.path().join("vault.spv");
    ok(&w, "create_vault", json!({ "password": PASSWORD }));
    add_account(&w); // a save: the empty first version becomes the backup
    let (kind, _) = err(&w, "restore_backup", json!({}));
    assert_eq!(kind, "Invalid", "not while unlocked");
    ok(&w, "lock", json!({}));

    let mut bytes = std::fs::read(&path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(err(&w, "unlock", json!({ "password": PASSWORD })).0, "Damaged");

    let aside = ok(&w, "restore_backup", json!({}));
    let aside = std::path::PathBuf::from(aside.as_str().expect("the damaged file's new name"));
    assert!(
        aside
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("vault.spv.damaged-")),
        "{}",
        aside.display()
    );
    assert_eq!(
        std::fs::read(&aside).expect("kept"),
        bytes,
        "the damaged file is kept as it was"
    );
    assert_eq!(err(&w, "unlock", json!({ "password": "wrong" })).0, "WrongPassword");
    ok(&w, "unlock", json!({ "password": PASSWORD }));
    assert_eq!(
        ok(&w, "list_accounts", json!({})),
        json!([]),
        "the version before the last save"
    );

    // Without a backup there is nothing to restore, and nothing moves.
    ok(&w, "lock", json!({}));
    std::fs::remove_file(smartpush_core::vault::Vault::backup_path(&path)).expect("remove");
    let (kind, message) = err(&w, "restore_backup", json!({}));
    assert!(message.contains("cannot be restored"), "{kind}: {message}");
    assert!(path.is_file());
}

#[test]
fn another_vault_file_is_checked_remembered_and_used() {
    let (app, w, dir) = mock_app();
    ok(&w, "create_vault", json!({ "password": PASSWORD }));
    let state = state(&app);

    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = other_dir.path().join("work.spv");
    smartpush_core::vault::Vault::create(
        &other,
        &smartpush_core::SecretString::new("other password"),
        smartpush_core::vault::KdfParams::MINIMUM,
    )
    .expect("create");
    let notes = other_dir.path().join("notes.txt");
    std::fs::write(&notes, "not a vault").expect("write");

    let refused = use_vault_file(&state, notes.clone()).expect_err("not a vault");
    assert!(
        refused.to_string().contains("is not a SmartPush Authenticator vault"),
        "{refused}"
    );
    assert!(ok(&w, "vault_status", json!({}))["unlocked"] == true, "nothing changed");

    assert_eq!(
        use_vault_file(&state, other.clone()).expect("a vault"),
        other.display().to_string()
    );
    let status = ok(&w, "vault_status", json!({}));
    assert_eq!(status["path"], json!(other.display().to_string()));
    assert_eq!(status["unlocked"], false, "switching locks the open vault");
    assert_eq!(ok(&w, "get_settings", json!({}))["vault_path"], json!(other));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).expect("saved")).expect("JSON");
    assert_eq!(saved["vault_path"], json!(other));
    assert_eq!(err(&w, "unlock", json!({ "password": PASSWORD })).0, "WrongPassword");
    ok(&w, "unlock", json!({ "password": "other password" }));

    // Clearing the choice goes back to the default vault (and locks this one).
    let mut settings = ok(&w, "get_settings", json!({}));
    settings["vault_path"] = Value::Null;
    ok(&w, "update_settings", json!({ "settings": settings }));
    let status = ok(&w, "vault_status", json!({}));
    assert_eq!(
        status["path"],
        json!(crate::settings::vault_path(&crate::settings::Settings::default()).map(|p| p.display().to_string()))
    );
    assert_eq!(status["unlocked"], false);
}

#[test]
fn without_a_dialog_plugin_choosing_a_file_is_an_error_not_a_hang() {
    let (_app, w, _dir) = mock_app();
    let (kind, message) = err(&w, "choose_vault_file", json!({}));
    assert_eq!(kind, "Io");
    assert!(message.contains("file dialog"), "{message}");
}
