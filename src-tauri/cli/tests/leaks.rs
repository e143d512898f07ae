//! Leak check: the real binary through every vault flow (init, add, code, recovery add/use,
//! encrypted export, import, passwd, scan, and their common errors) with logging at its most
//! verbose, every byte of stdout and stderr captured. No password, secret (base32 either case,
//! raw hex), current code or recovery code may appear — except on the streams whose job is to
//! show one: `code`'s stdout (the code), `recovery list`'s stdout (the codes) and `scan`'s
//! stdout (the payloads), which are listed explicitly below.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use smartpush_core::qr;

const PASSWORD: &str = "Vault-Pass-7c1e-unique";
const NEW_PASSWORD: &str = "Newer-Pass-93ab-unique";
const FILE_PASSWORD: &str = "Export-Pass-4d2f-unique";
const WRONG_PASSWORD: &str = "Wrong-Guess-55e0-unique";
/// 20 random-looking bytes; every form of it is searched for.
const SECRET_B32: &str = "KRSXG5CTMVRXEZLUJNSXSMJSGM2DKNRXHA4TA";
const HAND_SECRET_B32: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZ";
const SCAN_SECRET_B32: &str = "ONSWG4TFOQQHGY3BNZXGKZBAMJ4SA4LS";
const RECOVERY: [&str; 3] = ["7QKD-M2XP-9VTA", "H4NW-8RCE-2JLB", "ZP6F-3GYS-KU5R"];

struct Env {
    dir: tempfile::TempDir,
    /// Every run: (what it was, stdout, stderr, whether stdout may show secrets by contract).
    runs: Vec<(String, String, String, bool)>,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            runs: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self, vault: &str, password: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"))
            .env("SMARTPUSH_AUTH_VAULT", self.path(vault))
            .env("SMARTPUSH_AUTH_PASSWORD", password)
            .env("SMARTPUSH_AUTH_FILE_PASSWORD", FILE_PASSWORD)
            .env("SMARTPUSH_AUTH_NEW_PASSWORD", NEW_PASSWORD)
            // The most verbose logging any part of the binary knows.
            .env("SMARTPUSH_LOG", "trace")
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null());
        c
    }

    /// Runs and records; `shows_secrets`: stdout shows a secret by contract (excluded from the check).
    fn run_as(&mut self, vault: &str, password: &str, args: &[&str], shows_secrets: bool) -> Output {
        let out = self
            .cmd(vault, password)
            .args(args)
            .output()
            .expect("run smartpush-auth");
        self.runs.push((
            format!("{args:?}"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            shows_secrets,
        ));
        out
    }

    fn ok(&mut self, args: &[&str]) -> String {
        let out = self.run_as("vault.spv", PASSWORD, args, false);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn fails(&mut self, vault: &str, password: &str, args: &[&str]) {
        let out = self.run_as(vault, password, args, false);
        assert!(!out.status.success(), "{args:?} should have failed");
        assert!(!out.stderr.is_empty(), "{args:?} failed without a message");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Every form of every secret the flows handled.
fn forbidden(codes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = [PASSWORD, NEW_PASSWORD, FILE_PASSWORD, WRONG_PASSWORD]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for b32 in [SECRET_B32, HAND_SECRET_B32, SCAN_SECRET_B32] {
        let raw = smartpush_core::Secret::from_base32(b32).expect("base32");
        out.extend([
            b32.to_owned(),
            b32.to_lowercase(),
            hex(raw.expose()),
            hex(raw.expose()).to_uppercase(),
        ]);
    }
    for code in RECOVERY {
        out.extend([code.to_owned(), code.replace('-', "")]);
    }
    out.extend(codes.iter().cloned());
    out
}

#[test]
fn no_secret_in_any_output_of_any_flow() {
    let mut env = Env::new();
    env.ok(&[
        "init",
        "--kdf-memory-mib",
        "19",
        "--kdf-iterations",
        "2",
        "--kdf-parallelism",
        "1",
    ]);
    let uri = format!("otpauth://totp/Leakcheck:ada%40example.com?secret={SECRET_B32}&issuer=Leakcheck&digits=8");
    env.ok(&["add", &uri]);
    env.ok(&[
        "add",
        "--issuer",
        "Handmade",
        "--account",
        "bob",
        "--secret",
        HAND_SECRET_B32,
        "--digits",
        "8",
    ]);
    env.ok(&["list"]);
    env.ok(&["list", "--json"]);

    // The codes: `code` prints them on stdout by contract (excluded), never on stderr.
    let mut codes = Vec::new();
    for query in ["Leakcheck", "Handmade"] {
        let out = env.run_as("vault.spv", PASSWORD, &["code", query, "--json"], true);
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("code --json");
        for key in ["code", "next_code"] {
            let code = v[key].as_str().expect("a code").to_owned();
            assert_eq!(code.len(), 8);
            codes.push(code);
        }
    }
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).expect("list --json");
    let id = listed
        .as_array()
        .and_then(|a| a.iter().find(|a| a["issuer"] == "Leakcheck"))
        .and_then(|a| a["id"].as_str())
        .expect("the account's id")
        .to_owned();

    // Recovery codes: add, list (shows them by contract), use, and the refusals.
    env.ok(&["recovery", "add", &id, RECOVERY[0], RECOVERY[1]]);
    let file = env.path("codes.txt");
    std::fs::write(&file, format!("Leakcheck recovery codes\n\n{}\n", RECOVERY[2])).expect("write codes");
    env.ok(&["recovery", "add", &id, "--file", s(&file)]);
    let out = env.run_as("vault.spv", PASSWORD, &["recovery", "list", &id], true);
    assert!(out.status.success());
    env.ok(&["recovery", "list", &id, "--json"]);
    env.runs.last_mut().expect("a run").3 = true;
    env.ok(&["recovery", "use", &id, RECOVERY[0]]);
    env.fails("vault.spv", PASSWORD, &["recovery", "use", &id, RECOVERY[0]]);

    // The same secrets from files (issue 14): reported as duplicates, used, refused, never shown.
    let secret_file = env.path("secret.txt");
    std::fs::write(&secret_file, format!("{HAND_SECRET_B32}\n")).expect("write secret");
    env.ok(&[
        "add",
        "--issuer",
        "Handmade",
        "--account",
        "bob",
        "--secret-file",
        s(&secret_file),
        "--digits",
        "8",
    ]);
    let uri_file = env.path("uri.txt");
    std::fs::write(&uri_file, format!("\n{uri}\n")).expect("write uri");
    env.ok(&["add", "--uri-file", s(&uri_file)]);
    let code_file = env.path("code.txt");
    std::fs::write(&code_file, RECOVERY[1]).expect("write code");
    env.ok(&["recovery", "use", &id, "--code-file", s(&code_file)]);
    env.fails(
        "vault.spv",
        PASSWORD,
        &["recovery", "use", &id, "--code-file", s(&code_file)],
    );
    std::fs::write(&secret_file, format!("{SECRET_B32}!\n{}", RECOVERY[2])).expect("write bad secret");
    env.fails(
        "vault.spv",
        PASSWORD,
        &[
            "add",
            "--issuer",
            "X",
            "--account",
            "x",
            "--secret-file",
            s(&secret_file),
        ],
    );
    env.fails("vault.spv", PASSWORD, &["add", "--uri-file", s(&secret_file)]);
    env.fails(
        "vault.spv",
        PASSWORD,
        &["recovery", "use", &id, "--code-file", s(&secret_file)],
    );

    // Encrypted export, import into a second vault, a wrong file password.
    let export = env.path("export.json");
    env.ok(&["export", s(&export), "--format", "aegis"]);
    let exported = std::fs::read_to_string(&export).expect("the export");
    for secret in [SECRET_B32, HAND_SECRET_B32] {
        assert!(
            !exported.contains(secret),
            "the encrypted export holds a secret in clear"
        );
    }
    let uris = env.path("uris.txt");
    env.ok(&["export", s(&uris), "--format", "uris", "--plaintext"]);
    let second = |env: &mut Env, args: &[&str]| {
        let out = env.run_as("second.spv", PASSWORD, args, false);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    second(
        &mut env,
        &[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ],
    );
    second(&mut env, &["import", s(&export)]);
    second(&mut env, &["import", s(&uris)]);
    let mut bad_pw = env.cmd("second.spv", PASSWORD);
    bad_pw.env("SMARTPUSH_AUTH_FILE_PASSWORD", WRONG_PASSWORD);
    let out = bad_pw.args(["import", s(&export)]).output().expect("run");
    assert!(!out.status.success());
    env.runs.push((
        "import with a wrong file password".into(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        false,
    ));

    // Scan: `scan` prints the payloads by contract (excluded); `add --scan` must not.
    let scan_uri = format!("otpauth://totp/Scanned:carol?secret={SCAN_SECRET_B32}&issuer=Scanned");
    let image = env.path("code.png");
    qr::to_png(&scan_uri)
        .map(|png| std::fs::write(&image, png))
        .expect("encode")
        .expect("write png");
    let out = env.run_as("vault.spv", PASSWORD, &["scan", s(&image)], true);
    assert!(out.status.success());
    let out = env.run_as("vault.spv", PASSWORD, &["scan", s(&image), "--json"], true);
    assert!(out.status.success());
    env.ok(&["add", "--scan", s(&image)]);

    // Errors that handle secrets: a wrong password, a bad URI carrying a secret, a bad file.
    env.fails("vault.spv", WRONG_PASSWORD, &["list"]);
    env.fails("vault.spv", WRONG_PASSWORD, &["code", "Leakcheck"]);
    let bad = format!("otpauth://totp/X?secret={SECRET_B32}&digits=99");
    env.fails("vault.spv", PASSWORD, &["add", &bad]);
    let bad = format!("otpauth://totp/X?secret={}!&issuer=X", SECRET_B32.to_lowercase());
    env.fails("vault.spv", PASSWORD, &["add", &bad]);
    let broken = env.path("broken.json");
    std::fs::write(
        &broken,
        format!("{{\"db\": {{\"entries\": [{{\"secret\": \"{SECRET_B32}\""),
    )
    .expect("write");
    env.fails("vault.spv", PASSWORD, &["import", s(&broken)]);

    // Changing the password, then the old one refused and the new one accepted.
    env.ok(&["passwd"]);
    env.fails("vault.spv", PASSWORD, &["list"]);
    let out = env.run_as("vault.spv", NEW_PASSWORD, &["list"], false);
    assert!(out.status.success());

    let forbidden = forbidden(&codes);
    let mut checked = 0;
    for (what, stdout, stderr, shows_secrets) in &env.runs {
        let mut streams = vec![("stderr", stderr)];
        if !shows_secrets {
            streams.push(("stdout", stdout));
        }
        for (name, text) in streams {
            checked += 1;
            for secret in &forbidden {
                assert!(
                    !text.contains(secret.as_str()),
                    "{what}: {name} holds a secret ({} chars):\n{text}",
                    secret.len()
                );
            }
        }
    }
    // The excluded streams did show what they are for (so the exclusion is not hiding nothing).
    let shown: String = env.runs.iter().filter(|r| r.3).map(|r| r.1.as_str()).collect();
    assert!(shown.contains(&codes[0]) && shown.contains(RECOVERY[1]) && shown.contains(SCAN_SECRET_B32));
    assert!(checked > 40, "only {checked} streams checked");
}
