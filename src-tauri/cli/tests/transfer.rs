//! `import` and `export` end to end: the real binary, real files in a temp folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
const FILE_PASSWORD: &str = "export pässword";

struct Env {
    dir: tempfile::TempDir,
    vault: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.spv");
        let env = Env { dir, vault };
        let out = env.run(
            &[
                "init",
                "--kdf-memory-mib",
                "19",
                "--kdf-iterations",
                "2",
                "--kdf-parallelism",
                "1",
            ],
            None,
        );
        assert_ok(&out);
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], file_password: Option<&str>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("SMARTPUSH_AUTH_VAULT", &self.vault)
            .env("SMARTPUSH_AUTH_PASSWORD", PASSWORD)
            .stdin(Stdio::null());
        if let Some(pw) = file_password {
            c.env("SMARTPUSH_AUTH_FILE_PASSWORD", pw);
        }
        c.args(args).output().unwrap()
    }

    fn list(&self) -> Vec<Value> {
        let out = self.run(&["list", "--json"], None);
        assert_ok(&out);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn add(&self, uri: &str) {
        assert_ok(&self.run(&["add", uri], None));
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn assert_fails(out: &Output, needle: &str) {
    assert!(!out.status.success(), "succeeded: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

fn interop(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/interop")
        .join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent", p.display());
        None
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn import_interop_files_then_again_skips_duplicates() {
    let Some(aegis) = interop("aegis_encrypted.json") else {
        return;
    };
    let env = Env::new();
    // Without the file password (and no terminal) the import is refused, the vault untouched.
    let before = std::fs::read(&env.vault).unwrap();
    assert_fails(&env.run(&["import", s(&aegis)], None), "SMARTPUSH_AUTH_FILE_PASSWORD");
    let wrong = env.run(&["import", s(&aegis)], Some("nope"));
    assert_fails(&wrong, "wrong password");
    assert_eq!(wrong.status.code(), Some(3));
    assert_eq!(std::fs::read(&env.vault).unwrap(), before);

    let out = env.run(&["import", s(&aegis), "--json"], Some("test"));
    assert_ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["format"], "aegis");
    assert_eq!(report["added"].as_array().unwrap().len(), 7);
    assert_eq!(env.list().len(), 7);

    // The same accounts from another app: all skipped as already in the vault.
    let andotp = interop("andotp_plain.json").unwrap();
    let out = env.run(&["import", s(&andotp), "--json"], None);
    assert_ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["added"].as_array().unwrap().len(), 0);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 7);
    assert_eq!(env.list().len(), 7);

    // Every other file, with the format given explicitly, into a fresh vault each.
    for (file, format, count) in [
        ("2fas_authenticator_encrypted_v4.2fas", "2fas", 5),
        ("bitwarden.csv", "bitwarden-csv", 4),
        ("ente_auth.txt", "ente", 7),
        ("freeotp_plus.json", "freeotp-plus", 6),
        ("proton_authenticator.json", "proton", 3),
    ] {
        let env = Env::new();
        let out = env.run(
            &["import", s(&interop(file).unwrap()), "--format", format],
            Some("test"),
        );
        assert_ok(&out);
        assert!(
            text(&out.stdout).contains(&format!("{count} added, 0 skipped, 0 failed")),
            "{file}: {}",
            text(&out.stdout)
        );
        assert_eq!(env.list().len(), count, "{file}");
    }
}

#[test]
fn failed_imports_change_nothing() {
    let env = Env::new();
    env.add("otpauth://totp/Keep:me?secret=JBSWY3DPEHPK3PXP");
    let before = std::fs::read(&env.vault).unwrap();

    let truncated = env.path("truncated.json");
    std::fs::write(
        &truncated,
        br#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[{"type":"totp","#,
    )
    .unwrap();
    assert_fails(&env.run(&["import", s(&truncated)], None), "truncated");

    let malformed = env.path("bad.json");
    std::fs::write(&malformed, b"{\"services\": [1,,2], \"schemaVersion\": 4}").unwrap();
    assert_fails(&env.run(&["import", s(&malformed)], None), "malformed JSON at line 1");

    let absurd = env.path("absurd.json");
    std::fs::write(
        &absurd,
        br#"{"version":1,"header":{"slots":[{"type":1,"key":"00","key_params":{"nonce":"00","tag":"00"},"n":1099511627776,"r":8,"p":1,"salt":"00"}],"params":{"nonce":"00","tag":"00"}},"db":"AAAA"}"#,
    )
    .unwrap();
    let start = std::time::Instant::now();
    assert_fails(&env.run(&["import", s(&absurd)], Some("x")), "key-derivation settings");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));

    let big = env.path("big.txt");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let start = std::time::Instant::now();
    assert_fails(&env.run(&["import", s(&big)], None), "too large");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));

    let all_bad = env.path("bad.txt");
    std::fs::write(
        &all_bad,
        "otpauth://totp/A:a?secret=!!!!\notpauth://md5/x?secret=JBSWY3DP\n",
    )
    .unwrap();
    let out = env.run(&["import", s(&all_bad)], None);
    assert!(!out.status.success());
    assert!(text(&out.stdout).contains("Failed entry 1"), "{}", text(&out.stdout));
    assert!(!text(&out.stdout).contains("JBSWY3DP") && !text(&out.stderr).contains("JBSWY3DP"));

    assert_fails(
        &env.run(&["import", s(&all_bad), "--format", "lastpass"], None),
        "unknown import format",
    );
    assert_eq!(
        std::fs::read(&env.vault).unwrap(),
        before,
        "the vault is byte for byte unchanged"
    );
}

#[test]
fn export_is_encrypted_private_never_overwrites_and_imports_back() {
    let env = Env::new();
    env.add("otpauth://totp/SmartPush:ada?secret=JBSWY3DPEHPK3PXP");
    env.add("otpauth://hotp/VPN:ops?secret=KRSXG5CTMVRXEZLU&counter=42&digits=8");
    assert_ok(&env.run(
        &[
            "recovery",
            "add",
            env.list()[0]["id"].as_str().unwrap(),
            "AAAA-BBBB-CCCC",
        ],
        None,
    ));
    let file = env.path("out.json");

    // No password and no terminal: refused, nothing written.
    assert_fails(
        &env.run(&["export", s(&file), "--format", "aegis"], None),
        "nothing was written",
    );
    assert!(!file.exists());
    // URIs need --plaintext (a usage error).
    let out = env.run(&["export", s(&file), "--format", "uris"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(!file.exists());

    assert_ok(&env.run(&["export", s(&file), "--format", "aegis"], Some(FILE_PASSWORD)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !text(&bytes).contains("JBSWY3DP") && !text(&bytes).contains("AAAA-BBBB"),
        "secrets in clear"
    );

    // Never overwritten without --force.
    assert_fails(
        &env.run(&["export", s(&file), "--format", "aegis"], Some(FILE_PASSWORD)),
        "--force",
    );
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
    assert_ok(&env.run(
        &["export", s(&file), "--format", "aegis", "--force"],
        Some(FILE_PASSWORD),
    ));
    assert_ne!(std::fs::read(&file).unwrap(), bytes);

    // Into another vault: the same accounts, with the recovery code.
    let other = Env::new();
    assert_ok(&other.run(&["import", s(&file)], Some(FILE_PASSWORD)));
    let listed = other.list();
    assert_eq!(listed.len(), 2);
    let hotp = listed.iter().find(|a| a["issuer"] == "VPN").unwrap();
    assert_eq!((hotp["counter"].as_u64(), hotp["digits"].as_u64()), (Some(42), Some(8)));
    let sp = listed.iter().find(|a| a["issuer"] == "SmartPush").unwrap();
    assert_eq!(sp["recovery_codes_total"].as_u64(), Some(1));

    // Plain text only when asked for.
    let uris = env.path("uris.txt");
    let out = env.run(&["export", s(&uris), "--format", "uris", "--plaintext"], None);
    assert_ok(&out);
    assert!(text(&out.stderr).contains("clear text"));
    assert!(text(&std::fs::read(&uris).unwrap()).contains("secret=JBSWY3DPEHPK3PXP"));
}

#[test]
fn google_qr_export_and_vault_backup() {
    let env = Env::new();
    env.add("otpauth://totp/SmartPush:ada?secret=JBSWY3DPEHPK3PXP");
    env.add("otpauth://totp/Steam:gamer?secret=KRSXG5CTMVRXEZLU&encoder=steam");

    let dir = env.path("qr");
    assert_eq!(
        env.run(&["export", s(&dir), "--format", "google"], None).status.code(),
        Some(2)
    );
    assert!(!dir.exists());
    let out = env.run(&["export", s(&dir), "--format", "google", "--plaintext"], None);
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("Steam (gamer) cannot be exported"),
        "{}",
        text(&out.stderr)
    );
    let png = dir.join("google-export-1-of-1.png");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&png).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The image scans back into the account.
    let other = Env::new();
    assert_ok(&other.run(&["add", "--scan", s(&png)], None));
    assert_eq!(other.list()[0]["issuer"], "SmartPush");

    // The vault backup opens with the master password and holds both accounts.
    let backup = env.path("backup.spv");
    assert_ok(&env.run(&["export", s(&backup), "--format", "backup"], None));
    assert_eq!(std::fs::read(&backup).unwrap(), std::fs::read(&env.vault).unwrap());
    let out = env.run(&["list", "--json", "--vault", s(&backup)], None);
    assert_ok(&out);
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_fails(&env.run(&["export", s(&backup), "--format", "backup"], None), "--force");
}

#[test]
fn import_google_export_qr_images_together_and_name_missing_parts() {
    let env = Env::new();
    for i in 0..12 {
        env.add(&format!(
            "otpauth://totp/Svc{i}:u{i}?secret=JBSWY3DPEHPK3P{}",
            ["XP", "XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XI", "XJ", "XK"][i]
        ));
    }
    let dir = env.path("qr");
    assert_ok(&env.run(&["export", s(&dir), "--format", "google", "--plaintext"], None));
    let one = dir.join("google-export-1-of-2.png");
    let two = dir.join("google-export-2-of-2.png");

    let other = Env::new();
    let out = other.run(&["import", s(&one)], None);
    assert_ok(&out);
    assert!(text(&out.stderr).contains("missing part(s) 2"), "{}", text(&out.stderr));
    assert_eq!(other.list().len(), 10);
    let out = other.run(&["import", s(&two), s(&one)], None);
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("2 added, 10 skipped"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(other.list().len(), 12);
}

#[test]
fn several_files_join_only_as_images_or_uri_lists() {
    let env = Env::new();
    let list = env.path("list.txt");
    std::fs::write(&list, "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&issuer=A\n").unwrap();
    let json = env.path("aegis.json");
    std::fs::write(&json, "{\"db\": {\"entries\": []}}").unwrap();
    let out = env.run(&["import", s(&list), s(&json)], None);
    assert_fails(&out, "several files can be imported together only when");
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(env.list().is_empty(), "nothing imported");

    // An image with no account code among them is named.
    let site = env.path("site.png");
    std::fs::write(&site, smartpush_core::qr::to_png("https://example.com").unwrap()).unwrap();
    let out = env.run(&["import", s(&list), s(&site)], None);
    assert_fails(&out, "site.png: no account QR code found in the image");
    assert_eq!(out.status.code(), Some(1));
    assert!(env.list().is_empty());
}

#[test]
fn every_change_leaves_a_backup_the_last_ten_kept_and_restore_brings_one_back() {
    let env = Env::new();
    let backups = env.dir.path().join("data").join("smartpush-auth").join("backups");
    let listed = |env: &Env| -> Vec<Value> {
        let out = env.run(&["backup", "list", "--json"], None);
        assert_ok(&out);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    assert!(listed(&env).is_empty(), "init writes no backup");
    env.add("otpauth://totp/First:a?secret=JBSWY3DPEHPK3PXP");
    let first = listed(&env);
    assert_eq!(first.len(), 1);
    assert!(
        first[0]["path"]
            .as_str()
            .unwrap()
            .starts_with(backups.to_str().unwrap())
    );
    for i in 0..11 {
        env.add(&format!(
            "otpauth://totp/S{i}:b?secret=KRSXG5CTMVRXEZL{}",
            ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"][i]
        ));
    }
    assert_eq!(listed(&env).len(), 10, "the last ten are kept");
    assert_eq!(env.list().len(), 12);

    // The newest backup holds everything; restore the oldest kept (3 accounts).
    let oldest = listed(&env)[9]["path"].as_str().unwrap().to_string();
    let out = env.run(&["backup", "restore", "10"], None);
    assert_ok(&out);
    assert!(text(&out.stdout).contains(&oldest), "{}", text(&out.stdout));
    assert_eq!(env.list().len(), 3);
    // The restore is a change like any other: the state before it is in the newest backup.
    let newest = listed(&env)[0]["path"].as_str().unwrap().to_string();
    let out = env.run(&["list", "--json", "--vault", &newest], None);
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let before_restore = listed(&env)[1]["path"].as_str().unwrap().to_string();
    assert_ok(&env.run(&["backup", "restore", &before_restore], None));
    assert_eq!(env.list().len(), 12);
    assert_fails(&env.run(&["backup", "restore", "99"], None), "no backup number 99");
}

/// Issue #6: backups written before `passwd` still opened with the old password. Now every
/// backup opens with the new password and none with the old; the keep count comes from the
/// settings file the app writes.
#[test]
fn passwd_rekeys_the_backups_and_the_keep_count_comes_from_the_settings_file() {
    let env = Env::new();
    let config = env.dir.path().join(".config").join("smartpush-auth");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("backups.json"), br#"{"dir": null, "keep": 3}"#).unwrap();
    for (i, letter) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        env.add(&format!("otpauth://totp/S{i}:b?secret=KRSXG5CTMVRXEZL{letter}"));
    }
    let listed = |env: &Env, password: &str| -> Vec<String> {
        let out = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.dir.path())
            .env("XDG_DATA_HOME", env.dir.path().join("data"))
            .env("SMARTPUSH_AUTH_VAULT", &env.vault)
            .env("SMARTPUSH_AUTH_PASSWORD", password)
            .args(["backup", "list", "--json"])
            .output()
            .unwrap();
        assert_ok(&out);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed(&env, PASSWORD).len(), 3, "keep 3 from backups.json");

    let out = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("SMARTPUSH_AUTH_VAULT", &env.vault)
        .env("SMARTPUSH_AUTH_PASSWORD", PASSWORD)
        .env("SMARTPUSH_AUTH_NEW_PASSWORD", "a brand new password")
        .args(["passwd"])
        .output()
        .unwrap();
    assert_ok(&out);
    let after = listed(&env, "a brand new password");
    assert_eq!(after.len(), 3);
    for backup in &after {
        assert_fails(&env.run(&["list", "--json", "--vault", backup], None), "wrong password");
        let out = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.dir.path())
            .env("SMARTPUSH_AUTH_PASSWORD", "a brand new password")
            .args(["list", "--json", "--vault", backup])
            .output()
            .unwrap();
        assert_ok(&out);
    }
}

/// Issue 14 (import reports): `import --json` put "Issuer (account)" in `skipped[].issuer` and
/// left `account` empty, and `failed[].label` was empty for URI entries. Every reported entry
/// carries its issuer and account apart now; a code in Ente's trash is skipped with its reason.
#[test]
fn issue14_import_json_reports_issuer_and_account_apart() {
    let env = Env::new();
    let display = |trashed: bool| {
        format!(
            "&codeDisplay=%7B%22trashed%22%3A{trashed}%2C%22tags%22%3A%5B%22work%22%5D%2C%22note%22%3A%22hint%22%7D"
        )
    };
    let lines = [
        format!(
            "otpauth://totp/Bank:alice?secret=JBSWY3DPEHPK3PXP&issuer=Bank{}",
            display(false)
        ),
        format!(
            "otpauth://totp/Bank:alice?secret=JBSWY3DPEHPK3PXP&issuer=Bank{}",
            display(false)
        ),
        format!(
            "otpauth://totp/Old:bob?secret=KRSXG5CTMVRXEZLU&issuer=Old{}",
            display(true)
        ),
        format!(
            "otpauth://totp/Shop:carol?secret=KRSX1G5CT&issuer=Shop{}",
            display(false)
        ),
        // 30 characters (≡ 6 mod 8): refused before issue 14.
        format!(
            "otpauth://totp/Mail:dan?secret=MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2&issuer=Mail{}",
            display(false)
        ),
    ];
    let file = env.path("ente.txt");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = env.run(&["import", s(&file), "--json"], None);
    assert_ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["format"], "ente");
    let added: Vec<(&str, &str)> = report["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["issuer"].as_str().unwrap(), a["account"].as_str().unwrap()))
        .collect();
    assert_eq!(added, [("Bank", "alice"), ("Mail", "dan")]);
    assert_eq!(
        report["skipped"],
        serde_json::json!([
            {"issuer": "Bank", "account": "alice", "reason": "duplicate in the file"},
            {"issuer": "Old", "account": "bob", "reason": "in Ente's trash"},
        ])
    );
    let failed = &report["failed"][0];
    assert_eq!(report["failed"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &failed["index"],
            &failed["issuer"],
            &failed["account"],
            &failed["label"]
        ),
        (
            &serde_json::json!(4),
            &serde_json::json!("Shop"),
            &serde_json::json!("carol"),
            &serde_json::json!("Shop (carol)")
        )
    );
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .starts_with("character 5 of the secret is the digit"),
        "{failed}"
    );
    assert!(!text(&out.stdout).contains("KRSX1G5CT"));
    // Ente's note and tags reached the vault.
    let listed = env.list();
    let bank = listed.iter().find(|a| a["issuer"] == "Bank").unwrap();
    assert_eq!(bank["tags"], serde_json::json!(["work"]), "{bank}");

    // The same without --json: one line each, named.
    let env = Env::new();
    let out = env.run(&["import", s(&file)], None);
    assert_ok(&out);
    let stdout = text(&out.stdout);
    for line in [
        "Skipped Bank (alice): a duplicate of an earlier entry of the file",
        "Skipped Old (bob): in Ente's trash",
        "Failed entry 4 (Shop (carol)): character 5 of the secret",
        "2 added, 2 skipped, 1 failed (ente file)",
    ] {
        assert!(stdout.contains(line), "{line:?} not in {stdout}");
    }
}

/// Issue 14: `add --secret` takes a secret whose length leaves a partial base32 group, and
/// names what is wrong with one that is not base32 (without echoing it).
#[test]
fn issue14_add_secret_of_any_length_and_a_precise_error() {
    let env = Env::new();
    let add = |secret: &str| {
        env.run(
            &[
                "add",
                "--issuer",
                "Partial",
                "--account",
                "me",
                "--secret",
                secret,
                "--digits",
                "10",
            ],
            None,
        )
    };
    assert_ok(&add("MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2"));
    let listed = env.list();
    assert_eq!(listed[0]["digits"], 10);
    let bad = add("MFRGGZDFMZ8WQ2LK");
    assert_fails(&bad, "--secret: character 11 of the secret is the digit 0, 1, 8 or 9");
    assert!(!text(&bad.stderr).contains("MFRGGZDFMZ8WQ2LK"));
}
