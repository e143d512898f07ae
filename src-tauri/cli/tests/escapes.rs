//! Issue 14, "No terminal escapes from data": a recovery code read from an imported note kept
//! `ESC]0;…BEL ESC]52;c;…BEL ESC[2J`, and `recovery list` printed it raw (it set the terminal's
//! title, wrote the clipboard through OSC 52 and cleared the screen). The vault here is written
//! through the core, bypassing every import-time clean-up, so the CLI's own output is what is
//! tested: no printed byte is a control character (but the line ends), text shows them as
//! visible escapes, and `--json` keeps the exact data.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;
use smartpush_core::vault::{KdfParams, Vault};
use smartpush_core::{AccountDraft, OtpConfig, RecoveryCode, Secret, SecretString};

const PASSWORD: &str = "correct horse battery staple";
const FILE_PASSWORD: &str = "export password";
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/// The note (title, OSC 52 clipboard write, clear screen), then C1 controls (CSI, OSC,
/// ST), DEL and a right-to-left override.
const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2J\u{9b}31m\u{9d}0;t\u{9c}\u{7f}\u{202e}dlrow\u{85}x\r\ny\t";
/// How the part of [`HOSTILE`] shows in text.
const HOSTILE_SHOWN: &str = "\\x1b]0;pwned\\x07\\x1b]52;c;aGFja2Vk\\x07\\x1b[2J\\u{009b}31m";
const GOOD_CODE: &str = "GOOD-CODE-1234";

struct Env {
    dir: tempfile::TempDir,
    vault: PathBuf,
    /// The hostile account's id.
    id: String,
}

impl Env {
    /// A vault written through the core: one account whose every text field holds [`HOSTILE`],
    /// and a second one whose issuer does, so a query matches both.
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.spv");
        let password = SecretString::new(PASSWORD.to_owned());
        let mut v = Vault::create(&vault, &password, KdfParams::MINIMUM).unwrap();
        let draft = AccountDraft {
            issuer: "Evil".into(),
            name: "me".into(),
            otp: Some(OtpConfig::totp(Secret::from_base32(RFC_SECRET).unwrap())),
            ..AccountDraft::default()
        };
        let id = v.data_mut().add(draft.clone(), 0).0;
        let other = v.data_mut().add(draft, 0).0;
        // Written field by field after `add`, so no clean-up on the way in can hide them.
        let account = v.data_mut().get_mut(&id).unwrap();
        account.issuer = format!("Evil{HOSTILE}");
        account.name = format!("me{HOSTILE}");
        account.note = HOSTILE.to_owned();
        account.tags = vec![HOSTILE.to_owned()];
        account.recovery_codes = vec![
            RecoveryCode {
                code: SecretString::new(HOSTILE.to_owned()),
                used_at: None,
                note: HOSTILE.to_owned(),
            },
            RecoveryCode {
                code: SecretString::new(GOOD_CODE.to_owned()),
                used_at: None,
                note: String::new(),
            },
        ];
        let account = v.data_mut().get_mut(&other).unwrap();
        account.issuer = format!("Evil two{HOSTILE}");
        v.save().unwrap();
        drop(v);
        Env { dir, vault, id }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    fn cmd(&self) -> Command {
        let mut c = common::isolated(self.dir.path());
        c.env("SMARTPUSH_AUTH_VAULT", &self.vault)
            .env("SMARTPUSH_AUTH_PASSWORD", PASSWORD)
            .env("SMARTPUSH_AUTH_FILE_PASSWORD", FILE_PASSWORD);
        c
    }

    /// Runs `args`; both streams must be free of control characters.
    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd().args(args).output().unwrap();
        assert_clean(&format!("{args:?} stdout"), &out.stdout);
        assert_clean(&format!("{args:?} stderr"), &out.stderr);
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

/// No byte of `bytes` is a control character (C0 but the newline, DEL, C1) or a bidi control.
fn assert_clean(what: &str, bytes: &[u8]) {
    assert!(
        !bytes.contains(&0x1b) && !bytes.contains(&0x07),
        "{what}: ESC or BEL in {bytes:?}"
    );
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8 ({e})"));
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        let raw = (c.is_control() && c != '\n') || bidi;
        assert!(!raw, "{what}: {c:?} printed raw in {text:?}");
    }
}

#[test]
fn recovery_list_shows_escapes_instead_of_running_them() {
    let env = Env::new();
    let shown = env.ok(&["recovery", "list", &env.id]);
    assert!(shown.contains(HOSTILE_SHOWN), "visible, not dropped: {shown}");
    assert!(shown.contains(&format!("{GOOD_CODE}  unused")), "{shown}");
    assert_eq!(shown.lines().count(), 2, "one line per code: {shown}");
    // JSON keeps the very same data.
    let v = env.json(&["recovery", "list", &env.id, "--json"]);
    assert_eq!(v[0]["code"], HOSTILE);
    assert_eq!(v[0]["note"], HOSTILE);
    assert_eq!(v[1]["code"], GOOD_CODE);
}

#[test]
fn listings_codes_and_errors_print_no_control_characters() {
    let env = Env::new();
    let listed = env.ok(&["list"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    let v = env.json(&["list", "--json"]);
    assert_eq!(v[0]["issuer"], format!("Evil{HOSTILE}"));
    assert_eq!(v[0]["account"], format!("me{HOSTILE}"));
    assert_eq!(v[0]["note"], HOSTILE);
    assert_eq!(v[0]["tags"][0], HOSTILE);

    let codes = env.ok(&["code", "--all", "--at", "59"]);
    assert_eq!(codes.lines().count(), 2, "{codes}");
    assert!(codes.contains("287082"), "{codes}");
    let v = env.json(&["code", &env.id, "--at", "59", "--json"]);
    assert_eq!(v["issuer"], format!("Evil{HOSTILE}"));
    env.json(&["code", "--all", "--at", "59", "--json"]);

    // Errors that name accounts, or echo what was asked for.
    let out = env.run(&["code", "evil"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches 2 accounts"));
    let out = env.run(&["code", "\u{1b}]0;query\u{7}"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\x1b]0;query\\x07"));
    let out = env.run(&["recovery", "use", &env.id, "NOT-A-CODE"]);
    assert!(!out.status.success());
}

#[test]
fn recovery_use_add_and_remove_print_no_control_characters() {
    let env = Env::new();
    let file = env.path("code.txt");
    std::fs::write(&file, HOSTILE.replace(['\r', '\n'], "")).unwrap();
    // Marking the hostile code used names the account: cleaned.
    let out = env.run(&["recovery", "use", &env.id, "--code-file", &file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = env.run(&["recovery", "use", &env.id, GOOD_CODE]);
    assert!(out.status.success());
    // Fewer than four left: the warning names the account too.
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
    let listed = env.ok(&["recovery", "list", &env.id]);
    assert_eq!(listed.matches(" used ").count(), 2, "{listed}");
    env.ok(&["recovery", "add", &env.id, "NEW-CODE-5678"]);
    env.ok(&["remove", &env.id]);
    env.json(&["list", "--json"]);
}

#[test]
fn exports_and_import_reports_print_no_control_characters() {
    let env = Env::new();
    let uris = env.path("accounts.txt");
    env.ok(&["export", &uris, "--format", "uris", "--plaintext"]);
    env.ok(&["export", &env.path("accounts.aegis"), "--format", "aegis"]);
    env.ok(&["export", &env.path("google"), "--format", "google", "--plaintext"]);
    env.json(&[
        "export",
        &env.path("a2.txt"),
        "--format",
        "uris",
        "--plaintext",
        "--json",
    ]);
    // The exported files back in: every account a duplicate or added, each report line clean.
    env.ok(&["import", &uris]);
    env.ok(&["import", &env.path("accounts.aegis")]);
    env.json(&["import", &env.path("accounts.aegis"), "--json"]);
    // A URI list whose labels carry escapes, with a broken entry among them.
    let hostile = env.path("hostile.txt");
    std::fs::write(
        &hostile,
        format!(
            "otpauth://totp/%1B%5D0%3Bt%07New:x%C2%9B2J?secret={RFC_SECRET}&issuer=%1B%5D0%3Bt%07New\notpauth://totp/%1B%5B2JBroken?secret=!!\n"
        ),
    )
    .unwrap();
    env.run(&["import", &hostile]);
    env.run(&["add", "--uri-file", &hostile]);
}

/// The QR decoder believes no text with a control character but tab, CR and LF; those still
/// forged lines in `scan`'s one-payload-per-line output.
#[test]
fn scan_shows_a_payload_on_one_line() {
    let env = Env::new();
    let image = env.path("lines.png");
    let payload = "hello\tworld\r\n123456  Forged line";
    std::fs::write(&image, smartpush_core::qr::to_png(payload).unwrap()).unwrap();
    let shown = env.ok(&["scan", &image]);
    assert_eq!(shown, "hello\\x09world\\x0d\\x0a123456  Forged line\n");
    let v = env.json(&["scan", &image, "--json"]);
    assert_eq!(v["payloads"][0]["payload"], payload);
    let escaped = env.path("escaped.png");
    std::fs::write(&escaped, smartpush_core::qr::to_png("a\u{1b}[2J").unwrap()).unwrap();
    env.run(&["scan", &escaped]);
}

#[test]
fn add_with_password_stdin_reports_clean_labels() {
    let env = Env::new();
    let mut child = env
        .cmd()
        .args(["add", "--uri-file", "-", "--password-stdin"])
        .env_remove("SMARTPUSH_AUTH_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\notpauth://totp/A%1B%5B2J:b%07?secret={RFC_SECRET}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_clean("add stdout", &out.stdout);
    assert_clean("add stderr", &out.stderr);
}
