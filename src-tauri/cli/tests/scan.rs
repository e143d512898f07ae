//! `scan` and `add --scan` end to end: the real binary on image files made with the core's
//! QR generator, plus a check that the binary links no GTK/WebKit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use smartpush_core::qr;

const PASSWORD: &str = "correct horse battery staple";
const SECRET: &str = "JBSWY3DPEHPK3PXP";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("SMARTPUSH_AUTH_VAULT", self.dir.path().join("vault.spv"))
            .env("SMARTPUSH_AUTH_PASSWORD", PASSWORD)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run smartpush-auth")
    }

    fn init(&self) {
        let out = self.run(&[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ]);
        assert_ok(&out);
    }

    /// Writes a PNG with one QR code per payload, side by side.
    fn image(&self, name: &str, payloads: &[&str]) -> PathBuf {
        let codes: Vec<image::GrayImage> = payloads.iter().map(|p| qr::to_image(p, 4).expect("encode")).collect();
        let width = codes.iter().map(|c| c.width()).sum::<u32>().max(64);
        let height = codes.iter().map(|c| c.height()).max().unwrap_or(64);
        let mut canvas = image::GrayImage::from_pixel(width, height, image::Luma([255]));
        let mut x = 0;
        for code in &codes {
            image::imageops::overlay(&mut canvas, code, i64::from(x), 0);
            x += code.width();
        }
        let path = self.dir.path().join(name);
        canvas.save(&path).expect("save png");
        path
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

fn assert_fails(out: &Output, needle: &str) {
    assert!(!out.status.success(), "unexpected success: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "stderr lacks {needle:?}: {err}"
    );
    assert!(
        err.trim()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("smartpush-auth: error:")),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

#[test]
fn scan_prints_every_payload_once_per_line_without_a_vault() {
    let env = Env::new();
    let uri = format!("otpauth://totp/ACME:alice@example.com?secret={SECRET}&issuer=ACME");
    let one = env.image("one.png", &[&uri]);
    let two = env.image("two.png", &["https://example.com/help", &uri]);
    let out = env.run(&["scan", p(&one), p(&two)]);
    assert_ok(&out);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines.contains(&uri.as_str()) && lines.contains(&"https://example.com/help"),
        "{stdout}"
    );
    assert!(
        !env.dir.path().join("vault.spv").exists(),
        "scan must not create a vault"
    );
}

#[test]
fn scan_json_gives_account_fields_and_the_payload_only() {
    let env = Env::new();
    let uri = format!("otpauth://hotp/Bank:bob?secret={SECRET}&issuer=Bank&counter=5&digits=8&algorithm=SHA256");
    let img = env.image("code.png", &[&uri, "just some text"]);
    let out = env.run(&["scan", p(&img), "--json"]);
    assert_ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let payloads = v["payloads"].as_array().expect("payloads");
    assert_eq!(payloads.len(), 2);
    let account = payloads
        .iter()
        .find(|p| p["kind"] == "otpauth")
        .expect("the otpauth payload");
    assert_eq!(account["payload"], uri.as_str());
    assert_eq!(account["accounts"][0]["issuer"], "Bank");
    assert_eq!(account["accounts"][0]["account"], "bob");
    assert_eq!(account["accounts"][0]["type"], "hotp");
    assert_eq!(account["accounts"][0]["algorithm"], "SHA256");
    assert_eq!(account["accounts"][0]["digits"], 8);
    assert_eq!(account["accounts"][0]["counter"], 5);
    assert!(
        payloads
            .iter()
            .any(|p| p["kind"] == "text" && p["accounts"].as_array().is_some_and(Vec::is_empty))
    );
    // The secret appears once: inside the payload the user asked to decode, nowhere else.
    assert_eq!(text(&out.stdout).matches(SECRET).count(), 1);
}

#[test]
fn scan_reports_bad_files_and_empty_images_clearly() {
    let env = Env::new();
    let not_image = env.dir.path().join("notes.png");
    std::fs::write(&not_image, "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").expect("write");
    assert_fails(&env.run(&["scan", p(&not_image)]), "not an image");
    let blank = env.image("blank.png", &[]);
    assert_fails(&env.run(&["scan", p(&blank)]), "no QR code found");
    assert_fails(&env.run(&["scan", "/nonexistent/x.png"]), "cannot read");
    let out = env.run(&["scan"]);
    assert_eq!(out.status.code(), Some(2), "no source is a usage error");
    // Secrets of an unreadable file never reach the error.
    assert!(!text(&env.run(&["scan", p(&not_image)]).stderr).contains(SECRET));
}

#[test]
fn add_scan_adds_every_account_and_notes_the_rest() {
    let env = Env::new();
    env.init();
    let a = format!("otpauth://totp/ACME:alice?secret={SECRET}&issuer=ACME");
    let b = format!("otpauth://totp/Zo%C3%AB:zoe?secret={SECRET}&issuer=Zo%C3%AB");
    let img = env.image("two.png", &[&a, &b, "https://example.com"]);
    let out = env.run(&["add", "--scan", p(&img), "--json"]);
    assert_ok(&out);
    let added: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(added.as_array().map(Vec::len), Some(2), "{added}");
    assert!(text(&out.stderr).contains("web address"), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&env.run(&["list", "--json"]).stdout).expect("JSON");
    let issuers: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["issuer"].as_str())
        .collect();
    assert!(issuers.contains(&"ACME") && issuers.contains(&"Zoë"), "{list}");
    // Scanning again adds nothing new.
    let again: Value = serde_json::from_slice(&env.run(&["add", "--scan", p(&img), "--json"]).stdout).expect("JSON");
    assert!(
        again
            .as_array()
            .expect("array")
            .iter()
            .all(|r| r["status"] == "duplicate")
    );
}

#[test]
fn add_scan_of_a_partial_google_export_adds_what_is_there_and_names_the_missing_parts() {
    let env = Env::new();
    env.init();
    let drafts: Vec<_> = (0..3)
        .map(|i| {
            smartpush_core::uri::parse_otpauth(&format!("otpauth://totp/S{i}:u{i}?secret={SECRET}&issuer=S{i}"))
                .expect("uri")
        })
        .collect();
    let batches = smartpush_core::uri::migration::encode(&drafts, 1, 9);
    let img = env.image("export.png", &[&batches[0], &batches[2]]);
    let out = env.run(&["add", "--scan", p(&img)]);
    assert_ok(&out);
    assert!(text(&out.stderr).contains("missing part(s) 2"), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().filter(|l| l.starts_with("Added")).count(), 2);
}

#[test]
fn add_scan_of_an_image_without_accounts_adds_nothing() {
    let env = Env::new();
    env.init();
    let img = env.image("url.png", &["https://example.com"]);
    assert_fails(&env.run(&["add", "--scan", p(&img)]), "no account");
}

#[test]
fn the_binary_links_no_gtk_or_webkit() {
    let Ok(out) = Command::new("ldd").arg(env!("CARGO_BIN_EXE_smartpush-auth")).output() else {
        eprintln!("ldd not available; skipped");
        return;
    };
    let libs = text(&out.stdout).to_lowercase();
    for bad in ["gtk", "webkit", "gdk", "glib", "wayland", "pipewire", "libxcb"] {
        assert!(!libs.contains(bad), "smartpush-auth links {bad}:\n{libs}");
    }
}
