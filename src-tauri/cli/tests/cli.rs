//! The command line end to end: the real binary against real vault files in a temp folder.
//! Expected codes come from RFC 4226/6238, never from our own engine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// RFC 4226/6238 test secret "12345678901234567890" in base32.
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const PASSWORD: &str = "correct horse battery staple";

struct Env {
    _dir: tempfile::TempDir,
    vault: PathBuf,
    data_home: PathBuf,
}

impl Env {
    /// A fresh folder with an initialised vault at the cheapest allowed KDF.
    fn new() -> Env {
        let env = Env::empty();
        let out = env.run(&[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ]);
        assert_ok(&out);
        env
    }

    fn empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v").join("vault.spv");
        let data_home = dir.path().join("data");
        Env {
            _dir: dir,
            vault,
            data_home,
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("XDG_DATA_HOME", &self.data_home)
            .env("HOME", self._dir.path())
            .env("SMARTPUSH_AUTH_VAULT", &self.vault)
            .env("SMARTPUSH_AUTH_PASSWORD", PASSWORD)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str, password_env: bool) -> Output {
        let mut c = self.cmd();
        if !password_env {
            c.env_remove("SMARTPUSH_AUTH_PASSWORD");
        }
        let mut child = c
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert_ok(&out);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
    }

    fn add(&self, uri: &str) -> String {
        let v = self.json(&["add", uri, "--json"]);
        v[0]["id"].as_str().unwrap().to_string()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "failed ({:?}): {}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn assert_fails(out: &Output, needle: &str) -> String {
    assert!(!out.status.success(), "unexpected success: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "stderr lacks {needle:?}: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "errors are one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn init_creates_and_never_overwrites() {
    let env = Env::new();
    let before = file_bytes(&env.vault);
    let out = env.run(&["init"]);
    assert_fails(&out, "already exists");
    assert_eq!(file_bytes(&env.vault), before, "init must not touch an existing vault");
    assert_eq!(env.json(&["list", "--json"]), serde_json::json!([]));
}

#[test]
fn init_refuses_kdf_below_owasp_minimum() {
    let env = Env::empty();
    let out = env.run(&["init", "--kdf-memory-mib", "8"]);
    assert!(!out.status.success());
    assert!(!env.vault.exists(), "no vault may be written with a refused KDF");
    let out = env.run(&[
        "init",
        "--kdf-memory-mib",
        "19",
        "--kdf-iterations",
        "1",
        "--kdf-parallelism",
        "1",
    ]);
    assert!(!out.status.success());
}

#[test]
fn totp_codes_match_rfc_6238() {
    let env = Env::new();
    let id = env.add(&format!(
        "otpauth://totp/Example:alice@example.com?secret={RFC_SECRET}&issuer=Example&digits=8"
    ));
    // RFC 6238 Appendix B, SHA1: T=59 → 94287082; the next step (counter 2) is 37359152.
    assert_eq!(
        text(&env.run(&["code", "alice", "--at", "59"]).stdout).trim(),
        "94287082"
    );
    let v = env.json(&["code", &id, "--at", "59", "--json"]);
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["issuer"], "Example");
    assert_eq!(v["account"], "alice@example.com");
    assert_eq!(v["code"], "94287082");
    assert_eq!(v["next_code"], "37359152");
    assert_eq!(v["valid_for_seconds"], 1);
    assert_eq!(
        text(&env.run(&["code", "example", "--at", "1111111109"]).stdout).trim(),
        "07081804"
    );
}

#[test]
fn hotp_code_advances_the_stored_counter() {
    let env = Env::new();
    let out = env.run(&[
        "add",
        "--issuer",
        "Bank",
        "--account",
        "bob",
        "--secret",
        RFC_SECRET,
        "--type",
        "hotp",
        "--counter",
        "0",
    ]);
    assert_ok(&out);
    // RFC 4226 Appendix D: counters 0, 1, 2.
    for want in ["755224", "287082", "359152"] {
        assert_eq!(text(&env.run(&["code", "bank"]).stdout).trim(), want);
    }
    let list = env.json(&["list", "--json"]);
    assert_eq!(list[0]["counter"], 3);
    assert_eq!(list[0]["type"], "hotp");
    let out = env.run(&[
        "add",
        "--issuer",
        "Bank",
        "--account",
        "x",
        "--secret",
        RFC_SECRET,
        "--type",
        "hotp",
    ]);
    assert_fails(&out, "--counter");
}

#[test]
fn steam_codes_use_steams_alphabet() {
    let env = Env::new();
    assert_ok(&env.run(&[
        "add",
        "--issuer",
        "Steam",
        "--account",
        "gamer",
        "--secret",
        RFC_SECRET,
        "--type",
        "steam",
    ]));
    let code = text(&env.run(&["code", "steam", "--at", "59"]).stdout)
        .trim()
        .to_string();
    assert_eq!(code.len(), 5, "{code}");
    assert!(code.chars().all(|c| "23456789BCDFGHJKMNPQRTVWXY".contains(c)), "{code}");
}

#[test]
fn query_matching_several_accounts_needs_all() {
    let env = Env::new();
    env.add(&format!(
        "otpauth://totp/SmartPush:alice?secret={RFC_SECRET}&issuer=SmartPush"
    ));
    env.add("otpauth://totp/SmartPush:bob?secret=JBSWY3DPEHPK3PXP&issuer=SmartPush");
    let err = assert_fails(&env.run(&["code", "smartpush"]), "matches 2 accounts");
    assert!(err.contains("alice") && err.contains("bob"), "{err}");
    let all = env.json(&["code", "smartpush", "--all", "--json", "--at", "59"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["code"], "287082");
    assert_fails(&env.run(&["code", "nobody"]), "no account matches");
    let every = env.json(&["code", "--all", "--json"]);
    assert_eq!(every.as_array().unwrap().len(), 2);
}

#[test]
fn wrong_password_damage_and_newer_version_are_told_apart() {
    let env = Env::new();
    env.add(&format!("otpauth://totp/X:y?secret={RFC_SECRET}"));
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_PASSWORD", "not it")
        .args(["list"])
        .output()
        .unwrap();
    let wrong = assert_fails(&out, "wrong password");
    assert_eq!(out.status.code(), Some(3));

    let original = file_bytes(&env.vault);
    let mut damaged = original.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x40;
    std::fs::write(&env.vault, &damaged).unwrap();
    let broken = assert_fails(&env.run(&["list"]), "damaged");
    assert_ne!(wrong, broken);

    std::fs::write(&env.vault, b"hello, I am not a vault").unwrap();
    assert_fails(&env.run(&["list"]), "not a SmartPush Authenticator vault");
    std::fs::write(&env.vault, &original).unwrap();
    assert_ok(&env.run(&["list"]));
}

#[test]
fn a_bad_uri_adds_nothing_and_leaks_nothing() {
    let env = Env::new();
    let before = file_bytes(&env.vault);
    let good = format!("otpauth://totp/A:b?secret={RFC_SECRET}");
    let bad = "otpauth://totp/C:d?secret=NOT-BASE32-1!&issuer=C";
    let out = env.run(&["add", &good, bad]);
    let err = assert_fails(&out, "URI 2");
    assert!(
        !err.contains("NOT-BASE32") && !err.contains(RFC_SECRET),
        "secret echoed: {err}"
    );
    assert_eq!(file_bytes(&env.vault), before, "nothing may be written");
    let out = env.run(&["add", "otpauth://hotp/C:d?secret=JBSWY3DPEHPK3PXP"]);
    assert_fails(&out, "counter");
    let out = env.run(&["add", "otpauth://totp/C:d?secret=JBSWY3DPEHPK3PXP&digits=12"]);
    assert_fails(&out, "digits");
}

#[test]
fn duplicates_are_skipped_and_reported() {
    let env = Env::new();
    let uri = format!("otpauth://totp/SmartPush:alice?secret={RFC_SECRET}&issuer=SmartPush");
    let id = env.add(&uri);
    let v = env.json(&["add", &uri, "--json"]);
    assert_eq!(v[0]["status"], "duplicate");
    assert_eq!(v[0]["id"], id.as_str());
    assert_eq!(env.json(&["list", "--json"]).as_array().unwrap().len(), 1);
}

#[test]
fn recovery_codes_from_a_downloaded_file() {
    let env = Env::new();
    let id = env.add(&format!(
        "otpauth://totp/SmartPush:alice@example.com?secret={RFC_SECRET}&issuer=SmartPush"
    ));
    let file = env.vault.with_file_name("smartpush-recovery-codes.txt");
    let codes = [
        "2F7KQ9XW3MPA",
        "HJ4N8RT2VXCE",
        "Q9W8E7R6T5YU",
        "ZX2CV3BN4M5K",
        "P2L3K4J5H6G7",
    ];
    std::fs::write(
        &file,
        format!(
            "SmartPush recovery codes\nAccount: alice@example.com\n\n{}\n\nKeep them safe.\n",
            codes.join("\n")
        ),
    )
    .unwrap();
    let v = env.json(&["recovery", "add", &id, "--file", file.to_str().unwrap(), "--json"]);
    assert_eq!(v["added"], 5);
    let listed = env.json(&["recovery", "list", &id, "--json"]);
    let got: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(got, codes);

    let out = env.run(&["recovery", "use", &id, "2f7k-q9xw-3mpa"]);
    assert_ok(&out);
    assert!(text(&out.stdout).contains("4 unused"), "{}", text(&out.stdout));
    assert_fails(&env.run(&["recovery", "use", &id, "2F7KQ9XW3MPA"]), "already used");
    assert_fails(&env.run(&["recovery", "use", &id, "AAAAAAAAAAAA"]), "not one of");
    let out = env.run(&["recovery", "use", &id, "HJ4N8RT2VXCE"]);
    assert!(
        text(&out.stderr).contains("only 3 unused"),
        "warning under 4: {}",
        text(&out.stderr)
    );
    let list = env.json(&["list", "--json"]);
    assert_eq!(list[0]["recovery_codes_left"], 3);
    assert_eq!(list[0]["recovery_codes_total"], 5);
    // Adding the same file again stores nothing new.
    let v = env.json(&["recovery", "add", &id, "--file", file.to_str().unwrap(), "--json"]);
    assert_eq!(v["added"], 0);
}

#[test]
fn the_mock_servers_download_code_file_reads_back() {
    // The very text the mock server's "Download code" serves, with codes from its generator
    // and one made of letters only (the hardest case for telling codes from words).
    let mut codes: Vec<String> = (0..9)
        .map(|_| smartpush_mock_server::crypto::new_recovery_code().unwrap().to_string())
        .collect();
    codes.push("ABCDEFGHJKLM".to_owned());
    let text = smartpush_mock_server::pages::recovery_codes_file("bob@example.com", &codes, 1_795_000_000);
    let env = Env::new();
    let id = env.add(&format!(
        "otpauth://totp/SmartPush:bob@example.com?secret={RFC_SECRET}&issuer=SmartPush"
    ));
    let file = env.vault.with_file_name("smartpush-recovery-codes.txt");
    std::fs::write(&file, &text).unwrap();
    let v = env.json(&["recovery", "add", &id, "--file", file.to_str().unwrap(), "--json"]);
    assert_eq!(v["added"], 10, "{text}");
    let listed = env.json(&["recovery", "list", &id, "--json"]);
    let got: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(got, codes, "{text}");
}

#[test]
fn recovery_only_accounts_are_first_class() {
    let env = Env::new();
    let v = env.json(&["add", "--issuer", "OldBank", "--account", "me", "--json"]);
    let id = v[0]["id"].as_str().unwrap().to_string();
    assert_ok(&env.run(&["recovery", "add", &id, "abcd-1234", "efgh-5678"]));
    let list = env.json(&["list", "--json"]);
    assert_eq!(list[0]["type"], Value::Null);
    assert_eq!(list[0]["recovery_codes_left"], 2);
    assert_fails(&env.run(&["code", "oldbank"]), "recovery codes only");
}

#[test]
fn remove_deletes_the_account() {
    let env = Env::new();
    let id = env.add(&format!("otpauth://totp/A:b?secret={RFC_SECRET}"));
    assert_ok(&env.run(&["remove", &id]));
    assert_eq!(env.json(&["list", "--json"]), serde_json::json!([]));
    assert_fails(&env.run(&["remove", &id]), "no account with id");
}

#[test]
fn passwd_with_password_stdin() {
    let env = Env::new();
    env.add(&format!("otpauth://totp/A:b?secret={RFC_SECRET}"));
    let out = env.run_with_stdin(
        &["passwd", "--password-stdin"],
        &format!("{PASSWORD}\nnew secret words\n"),
        false,
    );
    assert_ok(&out);
    assert_fails(&env.run(&["list"]), "wrong password");
    let out = env.run_with_stdin(&["list", "--json", "--password-stdin"], "new secret words\n", false);
    assert_ok(&out);
    assert!(text(&out.stdout).contains("\"issuer\""));
    // Stdin that ends early is a clear error.
    let out = env.run_with_stdin(&["passwd", "--password-stdin"], "new secret words\n", false);
    assert_fails(&out, "standard input ended");
}

#[test]
fn no_password_and_no_vault_are_clear() {
    let env = Env::new();
    let out = env
        .cmd()
        .env_remove("SMARTPUSH_AUTH_PASSWORD")
        .args(["list"])
        .output()
        .unwrap();
    assert_fails(&out, "--password-stdin");
    let out = env
        .cmd()
        .args(["list", "--vault", "/nonexistent/dir/v.spv"])
        .output()
        .unwrap();
    assert_fails(&out, "smartpush-auth init");
}

#[test]
fn default_vault_lives_under_the_data_dir() {
    let env = Env::empty();
    let out = env
        .cmd()
        .env_remove("SMARTPUSH_AUTH_VAULT")
        .args([
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(env.data_home.join("smartpush-auth").join("vault.spv").is_file());
    // Issue 14: every folder made for it is private.
    #[cfg(unix)]
    for dir in [env.data_home.clone(), env.data_home.join("smartpush-auth")] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}: {mode:o}", dir.display());
    }
}

#[test]
fn listing_never_prints_secrets() {
    let env = Env::new();
    env.add(&format!("otpauth://totp/A:b?secret={RFC_SECRET}"));
    for args in [&["list"][..], &["list", "--json"]] {
        let out = env.run(args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(RFC_SECRET) && !all.contains(PASSWORD), "{all}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(env.run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(env.run(&["add", "--digits", "7"]).status.code(), Some(2));
}

#[test]
fn version_runs_without_a_vault() {
    let env = Env::empty();
    let out = env.run(&["--version"]);
    assert_ok(&out);
    assert!(text(&out.stdout).starts_with("smartpush-auth "));
}

#[test]
fn concurrent_adds_from_two_processes_lose_nothing() {
    let env = Env::new();
    let spawn = |who: &str| {
        let uris: Vec<String> = (0..4)
            .map(|i| {
                format!(
                    "otpauth://totp/P:{who}{i}?secret=JBSWY3DPEHPK3PX{}",
                    ["A", "B", "C", "D"][i]
                )
            })
            .collect();
        let mut children = Vec::new();
        for uri in uris {
            children.push(
                env.cmd()
                    .args(["add", &uri])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        children
    };
    let mut all = spawn("a");
    all.extend(spawn("b"));
    for child in all {
        let out = child.wait_with_output().unwrap();
        assert_ok(&out);
    }
    assert_eq!(
        env.json(&["list", "--json"]).as_array().unwrap().len(),
        8,
        "an update was lost"
    );
}

#[test]
fn google_authenticator_exports_add_every_account_and_name_missing_parts() {
    use smartpush_core::uri::migration;
    use smartpush_core::{AccountDraft, OtpConfig, Secret};
    let draft = |issuer: &str, name: &str, secret: &str| AccountDraft {
        issuer: issuer.into(),
        name: name.into(),
        otp: Some(OtpConfig::totp(Secret::from_base32(secret).unwrap())),
        ..AccountDraft::default()
    };
    let drafts = [
        draft("SmartPush", "alice@example.com", RFC_SECRET),
        draft("GitHub", "alice", "JBSWY3DPEHPK3PXP"),
        draft("Ünïcode Bank", "ålice", "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"),
    ];
    let parts = migration::encode(&drafts, 1, 4242);
    assert_eq!(parts.len(), 3, "one account per batch");

    // Only two of the three parts: both accounts are added and the missing part is named.
    let env = Env::new();
    let out = env.run(&["add", parts[0].as_str(), parts[2].as_str()]);
    assert_ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("missing part(s) 2"), "{err}");
    let list = env.json(&["list", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["issuer"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["SmartPush", "Ünïcode Bank"]);

    // The missing part later: the third account arrives, the others are reported as duplicates.
    let v = env.json(&["add", "--json", parts[0].as_str(), parts[1].as_str(), parts[2].as_str()]);
    let statuses: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "added").count(), 1, "{v}");
    assert_eq!(
        env.json(&["code", "github", "--json", "--at", "59"])["account"],
        "alice"
    );
}

/// Scripts call the CLI in loops and testers run it on headless machines: it must not pull in
/// the desktop stack.
#[test]
fn the_cli_links_no_desktop_libraries() {
    let out = Command::new("ldd").arg(env!("CARGO_BIN_EXE_smartpush-auth")).output();
    let Ok(out) = out else {
        panic!("ldd is missing (Debian package libc-bin)");
    };
    let libs = text(&out.stdout);
    assert!(libs.contains("libc.so"), "ldd gave no library list: {libs}");
    for banned in ["gtk", "webkit", "javascriptcore", "soup", "gdk"] {
        assert!(!libs.contains(banned), "smartpush-auth links {banned}:\n{libs}");
    }
}

/// Review finding: `code --all` and `code --at` advanced HOTP counters, pushing them past the
/// service's look-ahead window.
#[test]
fn listing_codes_never_burns_hotp_counters() {
    let env = Env::new();
    let v = env.json(&[
        "add",
        "--json",
        "--issuer",
        "Bank",
        "--account",
        "bob",
        "--secret",
        RFC_SECRET,
        "--type",
        "hotp",
        "--counter",
        "0",
    ]);
    let id = v[0]["id"].as_str().unwrap().to_string();
    env.add(&format!("otpauth://totp/Mail:me?secret={RFC_SECRET}"));
    for _ in 0..3 {
        let out = env.run(&["code", "--all"]);
        assert_ok(&out);
        assert!(!text(&out.stdout).contains("Bank"), "{}", text(&out.stdout));
        assert!(text(&out.stderr).contains("HOTP"), "{}", text(&out.stderr));
    }
    let out = env.run(&["code", &id, "--at", "59"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(env.json(&["list", "--json"])[0]["counter"], 0, "no counter may move");
    assert_eq!(text(&env.run(&["code", &id]).stdout).trim(), "755224");
    assert_eq!(env.json(&["list", "--json"])[0]["counter"], 1);
}

/// Review finding: the CLI's own usage errors exited 1, and clap's were several lines long.
#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let env = Env::new();
    for args in [
        &["code"][..],
        &["add"],
        &[
            "add",
            "--issuer",
            "B",
            "--account",
            "b",
            "--secret",
            RFC_SECRET,
            "--type",
            "hotp",
        ],
        &[
            "add",
            "--issuer",
            "B",
            "--account",
            "b",
            "--secret",
            RFC_SECRET,
            "--counter",
            "3",
        ],
        &[
            "add",
            "--issuer",
            "B",
            "--account",
            "b",
            "--secret",
            RFC_SECRET,
            "--type",
            "hotp",
            "--counter",
            "0",
            "--period",
            "60",
        ],
        &[
            "add",
            "--issuer",
            "S",
            "--account",
            "s",
            "--secret",
            RFC_SECRET,
            "--type",
            "steam",
            "--algorithm",
            "SHA256",
        ],
        &["init", "--kdf-memory-mib", "4096"],
        &["frobnicate"],
        &["list", "--no-such-flag"],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("smartpush-auth: error: "), "{err}");
    }
    let err = text(&env.run(&["init", "--kdf-memory-mib", "4096"]).stderr);
    assert!(
        err.contains("MiB") && err.contains("2048"),
        "the message uses the flag's unit: {err}"
    );
}

/// Review finding: after the vault was lost, `init` created a new one whose first save
/// replaced the only backup.
#[test]
fn a_lost_vault_points_to_its_backup_and_init_keeps_it() {
    let env = Env::new();
    env.add(&format!("otpauth://totp/Bank:me?secret={RFC_SECRET}"));
    env.add("otpauth://totp/Mail:me?secret=JBSWY3DPEHPK3PXP");
    std::fs::remove_file(&env.vault).unwrap();
    let backup = env.vault.with_file_name("vault.spv.bak");
    let before = file_bytes(&backup);
    assert_fails(&env.run(&["list"]), "vault.spv.bak");
    assert_fails(&env.run(&["init"]), "backup");
    assert_eq!(file_bytes(&backup), before);
    std::fs::rename(&backup, &env.vault).unwrap();
    assert_eq!(
        env.json(&["list", "--json"]).as_array().unwrap().len(),
        1,
        "the backup holds the state before the last add"
    );
}

/// Review finding: `add -` read the password line as a URI.
#[test]
fn add_from_stdin_after_the_password_line() {
    let env = Env::new();
    let input =
        format!("{PASSWORD}\notpauth://totp/A:a?secret={RFC_SECRET}\n\notpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP\n");
    let out = env.run_with_stdin(&["add", "-", "--password-stdin", "--json"], &input, false);
    assert_ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
}

/// Review finding: an empty $SMARTPUSH_AUTH_VAULT was an error in the CLI but "unset" in the app.
#[test]
fn an_empty_vault_variable_means_the_default() {
    let env = Env::empty();
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_VAULT", "")
        .args([
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(env.data_home.join("smartpush-auth").join("vault.spv").is_file());
}

/// Review finding: ids were case-insensitive in `code` only.
#[test]
fn ids_work_in_any_case() {
    let env = Env::new();
    let id = env
        .add(&format!("otpauth://totp/A:a?secret={RFC_SECRET}"))
        .to_uppercase();
    assert_ok(&env.run(&["recovery", "add", &id, "abcd-1234"]));
    assert_ok(&env.run(&["recovery", "list", &id]));
    assert_ok(&env.run(&["remove", &id]));
}

/// Review finding: a hostile label could forge lines and recolour the terminal.
#[test]
fn labels_cannot_inject_lines_or_escape_sequences() {
    let env = Env::new();
    env.add("otpauth://totp/Bank:me%0A123456%20%20Evil%1B%5B2K?secret=JBSWY3DPEHPK3PXP&issuer=%1B%5B31mBank%1B%5B0m");
    let out = env.run(&["code", "--all"]);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    let listed = text(&env.run(&["list"]).stdout);
    assert!(!listed.contains('\u{1b}') && listed.lines().count() == 2, "{listed:?}");
}
