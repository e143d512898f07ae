//! Command-layer tests of import, export and backups, through the real registration and IPC
//! (mock runtime) on real files in temporary folders. The native dialogs are not driven here:
//! the commands after them take the chosen paths.

use std::path::Path;

use serde_json::{Value, json};
use smartpush_core::transfer::{self, ExportFormat};
use smartpush_core::vault::Vault;
use smartpush_core::{Account, AccountDraft, AccountId, OtpConfig, Secret, SecretString};

use super::test_support::{call, mock_app, state};
use crate::state::BackupSource;

const URI: &str = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";
const OTHER: &str = "otpauth://totp/Other:bob?secret=GEZDGNBVGY3TQOJQ&issuer=Other";
const PASSWORD: &str = "correct horse battery staple";

type Mock = (
    tauri::App<tauri::test::MockRuntime>,
    tauri::WebviewWindow<tauri::test::MockRuntime>,
    tempfile::TempDir,
);

fn ok(mock: &Mock, cmd: &str, args: Value) -> Value {
    call(&mock.1, cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
}

fn err(mock: &Mock, cmd: &str, args: Value) -> (String, String) {
    let err = call(&mock.1, cmd, args).expect_err(&format!("{cmd} should fail"));
    (
        err["type"].as_str().unwrap_or_default().to_owned(),
        err["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// A mock app with a new, unlocked vault and automatic backups into `<tmp>/backups`, settings
/// in `<tmp>/config/backups.json`.
fn unlocked() -> Mock {
    let mock = mock_app();
    state(&mock.0).set_backup_source(Some(BackupSource {
        settings_file: Some(mock.2.path().join("config").join("backups.json")),
        env_dir: Some(mock.2.path().join("backups").into_os_string()),
    }));
    ok(&mock, "create_vault", json!({ "password": PASSWORD }));
    mock
}

fn preview_text(mock: &Mock, text: &str) -> Value {
    ok(
        mock,
        "import_preview",
        json!({ "files": [], "text": text, "format": null, "password": null }),
    )
}

fn labels(mock: &Mock) -> Vec<String> {
    ok(mock, "list_accounts", json!({}))
        .as_array()
        .expect("list")
        .iter()
        .map(|a| {
            format!(
                "{}:{}",
                a["issuer"].as_str().unwrap_or(""),
                a["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn account(i: u8) -> Account {
    let draft = AccountDraft {
        issuer: format!("Service {i}"),
        name: format!("user{i}"),
        otp: Some(OtpConfig::totp(Secret::new(vec![i + 1; 20]))),
        ..AccountDraft::default()
    };
    Account::from_draft(AccountId(format!("a{i:07x}")), draft, 0)
}

#[test]
fn an_import_preview_marks_duplicates_and_the_commit_adds_the_rest_in_one_save() {
    let mock = unlocked();
    let found = ok(&mock, "read_uri", json!({ "text": URI }));
    assert_eq!(found["candidates"].as_array().map(Vec::len), Some(1));
    ok(&mock, "add_pending", json!({ "indexes": [0] }));

    let preview = preview_text(&mock, &format!("{URI}\n{OTHER}\notpauth://totp/Broken?secret=!!!\n"));
    assert_eq!(preview["format_id"], "uris");
    assert_eq!(preview["needs_password"], Value::Null);
    let entries = preview["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0]["issuer"].clone(), entries[0]["duplicate"].clone()),
        (json!("Example"), json!(true))
    );
    assert_eq!(
        (entries[1]["issuer"].clone(), entries[1]["duplicate"].clone()),
        (json!("Other"), json!(false))
    );
    let failed = preview["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["index"], 3);
    assert!(!preview.to_string().contains("JBSWY3DP"), "no secret crosses IPC");

    // Even if the duplicate is picked, it is not added twice.
    let result = ok(&mock, "import_commit", json!({ "indexes": [0, 1] }));
    assert_eq!(result, json!({ "added": 1, "skipped": 1 }));
    assert_eq!(labels(&mock), ["Example:alice@example.com", "Other:bob"]);
    // The preview is consumed.
    assert_eq!(err(&mock, "import_commit", json!({ "indexes": [0] })).0, "Invalid");
}

#[test]
fn missing_google_batches_are_reported() {
    let mock = unlocked();
    let many: Vec<Account> = (0..15).map(account).collect();
    let out = transfer::export_google(&many, 42);
    assert!(out.uris.len() >= 2);
    let preview = preview_text(&mock, &out.uris[0]);
    assert_eq!(preview["format_id"], "google");
    let warnings = preview["warnings"].to_string();
    assert!(warnings.contains("missing part"), "{warnings}");
}

fn encrypted_aegis(dir: &Path, password: &str) -> String {
    let accounts = [account(1), account(2)];
    let out = transfer::export(
        &accounts,
        ExportFormat::AegisEncrypted,
        Some(&SecretString::new(password)),
    )
    .expect("export");
    let path = dir.join("aegis.json");
    std::fs::write(&path, &*out.bytes).expect("write");
    path.display().to_string()
}

#[test]
fn an_encrypted_file_asks_for_its_password_and_a_wrong_one_imports_nothing() {
    let mock = unlocked();
    let file = encrypted_aegis(mock.2.path(), "file password");
    let args = |password: Value| json!({ "files": [file], "text": null, "format": null, "password": password });
    let preview = ok(&mock, "import_preview", args(Value::Null));
    assert_eq!(preview["needs_password"], "Aegis");
    assert_eq!(preview["entries"], json!([]));

    let (kind, message) = err(&mock, "import_preview", args(json!("wrong")));
    assert_eq!(kind, "WrongPassword");
    assert!(message.to_lowercase().contains("wrong password"), "{message}");
    assert_eq!(err(&mock, "import_commit", json!({ "indexes": [0, 1] })).0, "Invalid");
    assert!(labels(&mock).is_empty(), "nothing half-imported");

    let preview = ok(&mock, "import_preview", args(json!("file password")));
    assert_eq!(preview["entries"].as_array().map(Vec::len), Some(2));
    assert_eq!(ok(&mock, "import_commit", json!({ "indexes": [0, 1] }))["added"], 2);
    assert_eq!(labels(&mock), ["Service 1:user1", "Service 2:user2"]);
}

fn mode(path: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }
    #[cfg(not(unix))]
    0o600
}

#[test]
fn exports_are_private_files_our_importer_reads_back() {
    let mock = unlocked();
    ok(&mock, "read_uri", json!({ "text": format!("{URI}\n{OTHER}") }));
    ok(&mock, "add_pending", json!({ "indexes": [0, 1] }));
    let dir = mock.2.path();
    let export = |kind: &str, file: &Path, password: Value, confirmed: bool| {
        // What export_pick_file records when the person chooses `file` in the save dialog.
        state(&mock.0).grant_save_target(file.to_path_buf());
        call(
            &mock.1,
            "export_file",
            json!({ "path": file.display().to_string(), "kind": kind, "password": password, "plaintextConfirmed": confirmed }),
        )
    };

    let aegis = dir.join("out.json");
    let done = export("aegis", &aegis, json!("export pw"), false).expect("aegis");
    assert_eq!(done["count"], 2);
    assert_eq!(mode(&aegis), 0o600);
    let bytes = std::fs::read(&aegis).expect("read");
    assert!(!String::from_utf8_lossy(&bytes).contains("JBSWY3DP"));
    let back = transfer::import(&bytes, None, Some(&SecretString::new("export pw"))).expect("import");
    assert_eq!(back.accounts.len(), 2);

    let uris = dir.join("uris.txt");
    let refused = export("uris", &uris, Value::Null, false).expect_err("needs confirmation");
    assert_eq!(refused["type"], "Invalid");
    assert!(!uris.exists(), "nothing written without the confirmation");
    export("uris", &uris, Value::Null, true).expect("uris");
    assert_eq!(mode(&uris), 0o600);
    let back = transfer::import(&std::fs::read(&uris).expect("read"), None, None).expect("import");
    assert_eq!(back.accounts.len(), 2);
    let plain = dir.join("plain.json");
    export("aegis-plain", &plain, Value::Null, true).expect("plain");
    let back = transfer::import(&std::fs::read(&plain).expect("read"), None, None).expect("import");
    assert_eq!(back.accounts.len(), 2);

    let copy = dir.join("copy.spv");
    export("backup", &copy, Value::Null, false).expect("backup");
    assert_eq!(mode(&copy), 0o600);
    let opened = Vault::open(&copy, &SecretString::new(PASSWORD)).expect("open the copy");
    assert_eq!(opened.data().accounts.len(), 2);

    let qrs = ok(&mock, "export_google_qr", json!({}));
    assert_eq!(qrs["count"], 2);
    let svgs = qrs["svgs"].as_array().expect("svgs");
    assert_eq!(svgs.len(), 1);
    assert!(svgs[0].as_str().unwrap_or("").contains("<svg"));
}

#[test]
fn exports_go_only_where_the_person_chose_in_the_save_dialog() {
    let mock = unlocked();
    ok(&mock, "read_uri", json!({ "text": URI }));
    ok(&mock, "add_pending", json!({ "indexes": [0] }));
    let chosen = mock.2.path().join("chosen.json");
    let named = mock.2.path().join("named-by-the-page.json");
    std::fs::write(&named, b"the user's own file").expect("write");
    let export = |file: &Path| {
        call(
            &mock.1,
            "export_file",
            json!({ "path": file.display().to_string(), "kind": "aegis-plain", "password": null, "plaintextConfirmed": true }),
        )
    };

    // A path the web view makes up, never picked: refused, the file there untouched.
    let refused = export(&named).expect_err("not chosen in the dialog");
    assert_eq!(refused["type"], "Invalid");
    assert!(
        refused["message"].as_str().unwrap_or("").contains("save dialog"),
        "{refused}"
    );
    assert_eq!(std::fs::read(&named).expect("read"), b"the user's own file");
    let relative = export(Path::new("relative.json")).expect_err("relative");
    assert_eq!(relative["type"], "Invalid");

    state(&mock.0).grant_save_target(chosen.clone());
    assert_eq!(export(&chosen).expect("chosen")["count"], 1);
    assert!(chosen.exists());
    // Another file beside the chosen one is still refused.
    assert!(export(&mock.2.path().join("chosen.json.other")).is_err());
}

fn backups(mock: &Mock) -> Vec<Value> {
    ok(mock, "backup_info", json!({}))["backups"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn saves_back_up_and_a_restore_locks_and_opens_with_the_backups_password() {
    let mock = unlocked();
    let info = ok(&mock, "backup_info", json!({}));
    assert_eq!(info["dir_from_env"], true);
    assert_eq!(info["keep"], 10);
    assert!(backups(&mock).is_empty());

    ok(&mock, "read_uri", json!({ "text": URI }));
    ok(&mock, "add_pending", json!({ "indexes": [0] }));
    let listed = backups(&mock);
    assert_eq!(listed.len(), 1, "the app's save wrote a backup");
    assert!(listed[0]["size"].as_u64().unwrap_or(0) > 100);
    let with_one = listed[0]["path"].as_str().unwrap_or("").to_owned();
    assert_eq!(
        ok(&mock, "backup_now", json!({}))["backups"].as_array().map(Vec::len),
        Some(2)
    );

    ok(&mock, "read_uri", json!({ "text": OTHER }));
    ok(&mock, "add_pending", json!({ "indexes": [0] }));
    assert_eq!(labels(&mock).len(), 2);

    ok(&mock, "backup_restore", json!({ "path": with_one }));
    assert_eq!(
        ok(&mock, "vault_status", json!({}))["unlocked"],
        false,
        "a restore locks"
    );
    ok(&mock, "unlock", json!({ "password": PASSWORD }));
    assert_eq!(labels(&mock), ["Example:alice@example.com"]);
    // The vault as it was before the restore was backed up first.
    let newest = backups(&mock)[0]["path"].as_str().unwrap_or("").to_owned();
    let before = Vault::open(Path::new(&newest), &SecretString::new(PASSWORD)).expect("open");
    assert_eq!(before.data().accounts.len(), 2);

    // A file that is not a vault changes nothing.
    let junk = mock.2.path().join("junk.spv");
    std::fs::write(&junk, b"not a vault").expect("write");
    assert_eq!(
        err(&mock, "backup_restore", json!({ "path": junk.display().to_string() })).0,
        "Damaged"
    );
    assert_eq!(labels(&mock), ["Example:alice@example.com"]);
}

#[test]
fn the_keep_count_is_saved_for_both_front_ends_and_applied_at_once() {
    let mock = unlocked();
    let settings = mock.2.path().join("config").join("backups.json");
    assert_eq!(err(&mock, "backup_set", json!({ "dir": null, "keep": 0 })).0, "Invalid");
    assert!(!settings.exists());
    let info = ok(&mock, "backup_set", json!({ "dir": null, "keep": 2 }));
    assert_eq!(info["keep"], 2);
    let saved = smartpush_core::vault::backups::load_settings(&settings).expect("settings");
    assert_eq!(saved.keep, 2);
    for _ in 0..4 {
        ok(&mock, "backup_now", json!({}));
    }
    assert_eq!(backups(&mock).len(), 2);
}

#[test]
fn with_no_vault_a_backup_becomes_the_vault() {
    let source = unlocked();
    ok(&source, "read_uri", json!({ "text": URI }));
    ok(&source, "add_pending", json!({ "indexes": [0] }));
    let backup = backups(&source)[0]["path"].as_str().unwrap_or("").to_owned();

    let fresh = mock_app();
    let junk = fresh.2.path().join("junk.spv");
    std::fs::write(&junk, b"not a vault").expect("write");
    assert_eq!(
        err(
            &fresh,
            "restore_first_run",
            json!({ "path": junk.display().to_string() })
        )
        .0,
        "Damaged"
    );
    assert_eq!(ok(&fresh, "vault_status", json!({}))["exists"], false);

    ok(&fresh, "restore_first_run", json!({ "path": backup }));
    assert_eq!(ok(&fresh, "vault_status", json!({}))["exists"], true);
    assert_eq!(err(&fresh, "unlock", json!({ "password": "other" })).0, "WrongPassword");
    ok(&fresh, "unlock", json!({ "password": PASSWORD }));
    assert_eq!(labels(&fresh), ["Example:alice@example.com"]);
    assert_eq!(
        err(&fresh, "restore_first_run", json!({ "path": backup })).0,
        "AlreadyExists"
    );
}
