//! Issue 14, "Secrets off the command line": `add --secret`, a URI's `secret=`, `recovery add
//! CODE…` and `recovery use ID CODE` put secrets in argv, which every local user reads in
//! `/proc/PID/cmdline` while the key derivation runs. `--secret-file`, `--uri-file`,
//! `recovery add --file` and `recovery use --code-file` read them from a file or standard input
//! (`-`, after the password line with `--password-stdin`); `recovery use` with no code asks
//! for it without echo.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

mod common;
use common::{assert_ok, text};

/// RFC 4226/6238 test secret "12345678901234567890" in base32: T=59 gives 287082 (6 digits).
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_CODE_AT_59: &str = "287082";
const OTHER_SECRET: &str = "JBSWY3DPEHPK3PXP";
const PASSWORD: &str = "correct horse battery staple";
const CODES: [&str; 3] = ["2F7K-Q9XW-3MPA", "HJ4N-8RT2-VXCE", "Q9W8-E7R6-T5YU"];

struct Env {
    dir: tempfile::TempDir,
    vault: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.spv");
        let env = Env { dir, vault };
        assert_ok(&env.run(&[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ]));
        env
    }

    /// A file in the temp folder holding `content`.
    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// The binary, its password in the environment unless `password_env` is false.
    fn cmd(&self, password_env: bool) -> Command {
        let mut c = common::isolated(self.dir.path());
        c.env("SMARTPUSH_AUTH_VAULT", &self.vault);
        if password_env {
            c.env("SMARTPUSH_AUTH_PASSWORD", PASSWORD);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(true).args(args).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str, password_env: bool) -> Output {
        let mut child = self
            .cmd(password_env)
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
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn accounts(&self) -> Vec<Value> {
        self.json(&["list", "--json"]).as_array().unwrap().clone()
    }

    fn code_at_59(&self, query: &str) -> String {
        text(&self.run(&["code", query, "--at", "59"]).stdout).trim().to_owned()
    }

    /// A recovery-only account holding [`CODES`]; its id.
    fn account_with_codes(&self, name: &str) -> String {
        let v = self.json(&["add", "--issuer", "Codes", "--account", name, "--json"]);
        let id = v[0]["id"].as_str().unwrap().to_owned();
        let file = self.file(&format!("{name}-codes.txt"), CODES.join("\n").as_bytes());
        assert_ok(&self.run(&["recovery", "add", &id, "--file", &file]));
        id
    }

    fn used(&self, id: &str) -> Vec<bool> {
        self.json(&["recovery", "list", id, "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["used"].as_bool().unwrap())
            .collect()
    }
}

/// Fails with one line on stderr holding `needle`, and none of `hidden`.
fn assert_fails(out: &Output, needle: &str, hidden: &str) {
    assert!(!out.status.success(), "unexpected success: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "errors are one line: {err}");
    assert!(!err.contains(hidden), "the error echoes the content: {err}");
}

#[test]
fn add_secret_file_from_a_file_and_from_stdin() {
    let env = Env::new();
    // A file, spaces, lower case and a trailing newline as a person saves it.
    let file = env.file("secret.txt", b"  gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n");
    assert_ok(&env.run(&["add", "--issuer", "File", "--account", "f", "--secret-file", &file]));
    assert_eq!(env.code_at_59("File"), RFC_CODE_AT_59);

    // Standard input, the password from the environment.
    let out = env.run_with_stdin(
        &["add", "--issuer", "Stdin", "--account", "s", "--secret-file", "-"],
        &format!("{RFC_SECRET}\n"),
        true,
    );
    assert_ok(&out);
    assert_eq!(env.code_at_59("Stdin"), RFC_CODE_AT_59);

    // Standard input after the password line, with the by-hand options.
    let out = env.run_with_stdin(
        &[
            "add",
            "--password-stdin",
            "--issuer",
            "Both",
            "--account",
            "b",
            "--secret-file",
            "-",
            "--digits",
            "8",
        ],
        &format!("{PASSWORD}\n{RFC_SECRET}\n"),
        false,
    );
    assert_ok(&out);
    // RFC 6238 Appendix B, SHA1, T=59: 94287082.
    assert_eq!(env.code_at_59("Both"), "94287082");
    assert_eq!(env.accounts().len(), 3);
}

#[test]
fn add_uri_file_from_a_file_and_from_stdin() {
    let env = Env::new();
    let list = format!(
        "\n  otpauth://totp/One:a?secret={RFC_SECRET}&issuer=One  \r\n\n\totpauth://totp/Two:b?secret={OTHER_SECRET}\n\n"
    );
    let file = env.file("uris.txt", list.as_bytes());
    let v = env.json(&["add", "--uri-file", &file, "--json"]);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert_eq!(env.code_at_59("One"), RFC_CODE_AT_59);

    let uri = |issuer: &str| format!("otpauth://totp/{issuer}:x?secret={RFC_SECRET}&issuer={issuer}\n");
    let out = env.run_with_stdin(&["add", "--uri-file", "-"], &uri("Three"), true);
    assert_ok(&out);
    let out = env.run_with_stdin(
        &["add", "--uri-file", "-", "--password-stdin"],
        &format!("{PASSWORD}\n{}", uri("Four")),
        false,
    );
    assert_ok(&out);
    assert_eq!(env.code_at_59("Four"), RFC_CODE_AT_59);

    // Google Authenticator exports too.
    use smartpush_core::uri::migration;
    use smartpush_core::{AccountDraft, OtpConfig, Secret};
    let draft = AccountDraft {
        issuer: "Five".into(),
        name: "g".into(),
        otp: Some(OtpConfig::totp(Secret::from_base32(RFC_SECRET).unwrap())),
        ..AccountDraft::default()
    };
    let parts = migration::encode(&[draft], 10, 77);
    let lines: Vec<&str> = parts.iter().map(|p| p.as_str()).collect();
    let file = env.file("google.txt", lines.join("\n").as_bytes());
    assert_ok(&env.run(&["add", "--uri-file", &file]));
    assert_eq!(env.code_at_59("Five"), RFC_CODE_AT_59);
    assert_eq!(env.accounts().len(), 5);
}

#[test]
fn recovery_codes_from_stdin_and_code_files() {
    let env = Env::new();
    let v = env.json(&["add", "--issuer", "Codes", "--account", "r", "--json"]);
    let id = v[0]["id"].as_str().unwrap().to_owned();

    // recovery add --file -: with and without --password-stdin.
    let out = env.run_with_stdin(
        &["recovery", "add", &id, "--file", "-", "--password-stdin"],
        &format!("{PASSWORD}\n{}\n{}\n", CODES[0], CODES[1]),
        false,
    );
    assert_ok(&out);
    let out = env.run_with_stdin(&["recovery", "add", &id, "--file", "-"], CODES[2], true);
    assert_ok(&out);
    assert_eq!(env.used(&id), [false, false, false]);

    // recovery use --code-file: a file, standard input, standard input after the password.
    let file = env.file("code.txt", format!("\n  {}  \n", CODES[1].to_lowercase()).as_bytes());
    assert_ok(&env.run(&["recovery", "use", &id, "--code-file", &file]));
    assert_eq!(env.used(&id), [false, true, false]);
    let out = env.run_with_stdin(&["recovery", "use", &id, "--code-file", "-"], CODES[0], true);
    assert_ok(&out);
    assert_eq!(env.used(&id), [true, true, false]);
    let out = env.run_with_stdin(
        &["recovery", "use", &id, "--code-file", "-", "--password-stdin"],
        &format!("{PASSWORD}\n{}\n", CODES[2]),
        false,
    );
    assert_ok(&out);
    assert_eq!(env.used(&id), [true, true, true]);
    // Using a code twice is still refused through the file.
    assert_fails(
        &env.run(&["recovery", "use", &id, "--code-file", &file]),
        "already used",
        "2f7k",
    );
}

#[test]
fn recovery_use_without_a_code_or_a_terminal_is_a_clear_error() {
    let env = Env::new();
    let id = env.account_with_codes("n");
    let out = env.run(&["recovery", "use", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_fails(&out, "--code-file", "\u{0}");
    assert_eq!(env.used(&id), [false, false, false]);
    // The contract's form keeps working.
    assert_ok(&env.run(&["recovery", "use", &id, CODES[0]]));
    assert_eq!(env.used(&id), [true, false, false]);
}

/// `recovery use ID` at a terminal asks for the code with no echo (util-linux `script` gives the
/// command a pseudo-terminal; the test says so and passes when it is not installed).
#[test]
fn recovery_use_asks_for_the_code_at_a_terminal() {
    use std::io::Read;
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let env = Env::new();
    let id = env.account_with_codes("t");
    let bin = env!("CARGO_BIN_EXE_smartpush-auth");
    // The same environment, with `script` as the program and ours as the command it runs.
    let ours = env.cmd(true);
    let mut c = Command::new("script");
    c.env_clear();
    for (k, v) in ours.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    let mut child = c
        .args(["-qec", &format!("{bin} recovery use {id}"), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut shown = Vec::new();
    let mut byte = [0u8; 1];
    while !text(&shown).contains("Recovery code:") {
        assert_eq!(stdout.read(&mut byte).unwrap(), 1, "no prompt: {}", text(&shown));
        shown.push(byte[0]);
    }
    // The prompt is written just before echo is turned off.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{}\n", CODES[1]).as_bytes()).unwrap();
    stdout.read_to_end(&mut shown).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    let shown = text(&shown);
    assert!(status.success(), "{shown}");
    assert!(!shown.contains(CODES[1]), "the code was echoed: {shown}");
    assert!(shown.contains("Marked used"), "{shown}");
    assert_eq!(env.used(&id), [false, true, false]);
}

#[test]
fn the_new_forms_refuse_what_they_cannot_read_without_echoing_it() {
    let env = Env::new();
    let marker = "SECRETMARKER";
    let bad = env.file("bad.txt", format!("{marker}!!\n").as_bytes());
    let by_hand =
        |flag: &str, path: &str| -> Output { env.run(&["add", "--issuer", "X", "--account", "x", flag, path]) };
    assert_fails(
        &by_hand("--secret-file", &bad),
        "--secret-file: character 13 of the secret is a punctuation mark",
        marker,
    );
    let out = env.run(&["add", "--uri-file", &bad]);
    assert_fails(&out, "URI 1", marker);
    let two = env.file("two.txt", format!("{marker}1\n{marker}2\n").as_bytes());
    let id = env.account_with_codes("e");
    assert_fails(
        &env.run(&["recovery", "use", &id, "--code-file", &two]),
        "more than one line",
        marker,
    );
    let empty = env.file("empty.txt", b"\n \n");
    assert_fails(&by_hand("--secret-file", &empty), "the secret is empty", "\u{0}");
    assert_fails(&env.run(&["add", "--uri-file", &empty]), "holds no URI", "\u{0}");
    assert_fails(
        &env.run(&["recovery", "use", &id, "--code-file", &empty]),
        "holds no recovery code",
        "\u{0}",
    );
    // Not UTF-8, too large, missing: named, never shown.
    let binary = env.file("binary.bin", &[0xff, 0xfe, b'S', b'E', b'C', b'R', b'E', b'T']);
    assert_fails(&by_hand("--secret-file", &binary), "not UTF-8", "SECRET");
    let huge = env.file("huge.txt", &vec![b'A'; 64 * 1024 + 1]);
    assert_fails(&by_hand("--secret-file", &huge), "larger than 64 KiB", "AAAA");
    let out = env.run_with_stdin(
        &["add", "--issuer", "X", "--account", "x", "--secret-file", "-"],
        &"A".repeat(64 * 1024 + 1),
        true,
    );
    assert_fails(&out, "standard input is larger than 64 KiB", "AAAA");
    let missing = env.dir.path().join("nope.txt");
    assert_fails(
        &by_hand("--secret-file", missing.to_str().unwrap()),
        "cannot read",
        "\u{0}",
    );
    // A password line without anything after it.
    let out = env.run_with_stdin(
        &[
            "add",
            "--issuer",
            "X",
            "--account",
            "x",
            "--secret-file",
            "-",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        false,
    );
    assert_fails(&out, "the secret is empty", PASSWORD);
    assert_eq!(env.accounts().len(), 1, "nothing was added");
}

#[test]
fn the_new_flags_do_not_mix_with_the_forms_they_replace() {
    let env = Env::new();
    let file = env.file("secret.txt", RFC_SECRET.as_bytes());
    let uri = format!("otpauth://totp/A:a?secret={RFC_SECRET}");
    for args in [
        &[
            "add",
            "--issuer",
            "A",
            "--account",
            "a",
            "--secret",
            RFC_SECRET,
            "--secret-file",
            &file,
        ][..],
        &["add", &uri, "--uri-file", &file],
        &["add", "--uri-file", &file, "--issuer", "A"],
        &["add", "--uri-file", &file, "--secret-file", &file],
        &["add", "--scan", &file, "--uri-file", &file],
        &["recovery", "use", "abcd", "CODE", "--code-file", &file],
        &["recovery", "add", "abcd", "CODE", "--file", &file],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
    // Options that need a secret accept one from a file.
    assert_ok(&env.run(&[
        "add",
        "--issuer",
        "H",
        "--account",
        "h",
        "--secret-file",
        &file,
        "--type",
        "hotp",
        "--counter",
        "0",
        "--algorithm",
        "SHA1",
    ]));
    // RFC 4226 Appendix D, count 0.
    assert_eq!(text(&env.run(&["code", "H"]).stdout).trim(), "755224");
    assert_eq!(env.accounts().len(), 1);
}

#[test]
fn help_warns_that_arguments_are_visible() {
    let env = Env::new();
    let help = text(&env.run(&["add", "--help"]).stdout);
    let secret = help.split("--secret <SECRET>").nth(1).unwrap_or_default();
    let secret = secret.split("--secret-file").next().unwrap_or_default();
    assert!(
        secret.contains("Other local users can read it"),
        "--secret's help names the risk: {help}"
    );
    assert!(
        help.contains("--secret-file <PATH>") && help.contains("--uri-file <PATH>"),
        "{help}"
    );
    let help = text(&env.run(&["recovery", "use", "--help"]).stdout);
    assert!(help.contains("--code-file <PATH>"), "{help}");
}

/// Spawns the binary with `args`, its stdin a pipe it blocks on, and returns its argv as the
/// kernel shows it to every local user, with the child (still waiting).
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // the caller waits for the child it is handed
fn argv_while_waiting(env: &Env, args: &[&str]) -> (Vec<u8>, Child) {
    let mut child = env
        .cmd(false)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let path = format!("/proc/{}/cmdline", child.id());
    // The file is empty until exec has replaced the forked test process's image.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let argv = std::fs::read(&path).unwrap_or_default();
        if argv.windows(args[0].len()).any(|w| w == args[0].as_bytes()) {
            // The child is now waiting on standard input for its password line.
            return (argv, child);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no argv for the child: {argv:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The regression test: while the command waits (for its password, then through the key
/// derivation) its argv holds no secret in the new forms. The old form is checked the same way
/// to show the test sees what an attacker sees.
#[cfg(target_os = "linux")]
#[test]
fn secrets_are_not_in_the_process_argv() {
    let env = Env::new();
    let finish = |mut child: Child, stdin: &str| {
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_ok(&out);
    };

    // The contract's form: the secret is there for anyone to read (why the new forms exist).
    let (argv, child) = argv_while_waiting(
        &env,
        &[
            "add",
            "--password-stdin",
            "--issuer",
            "Old",
            "--account",
            "o",
            "--secret",
            OTHER_SECRET,
        ],
    );
    assert!(
        argv.windows(OTHER_SECRET.len()).any(|w| w == OTHER_SECRET.as_bytes()),
        "the check reads argv: {argv:?}"
    );
    finish(child, &format!("{PASSWORD}\n"));

    let (argv, child) = argv_while_waiting(
        &env,
        &[
            "add",
            "--password-stdin",
            "--issuer",
            "New",
            "--account",
            "n",
            "--secret-file",
            "-",
        ],
    );
    assert!(!argv.windows(RFC_SECRET.len()).any(|w| w == RFC_SECRET.as_bytes()));
    finish(child, &format!("{PASSWORD}\n{RFC_SECRET}\n"));
    assert_eq!(env.code_at_59("New"), RFC_CODE_AT_59);

    let (argv, child) = argv_while_waiting(&env, &["add", "--password-stdin", "--uri-file", "-"]);
    assert!(!argv.windows(7).any(|w| w == b"secret="), "{argv:?}");
    finish(
        child,
        &format!("{PASSWORD}\notpauth://totp/Uri:u?secret={RFC_SECRET}&issuer=Uri\n"),
    );
    assert_eq!(env.code_at_59("Uri"), RFC_CODE_AT_59);

    let id = env.account_with_codes("p");
    let (argv, child) = argv_while_waiting(&env, &["recovery", "use", &id, "--code-file", "-", "--password-stdin"]);
    let shown = text(&argv);
    assert!(CODES.iter().all(|c| !shown.contains(c)), "{shown}");
    finish(child, &format!("{PASSWORD}\n{}\n", CODES[0]));
    assert_eq!(env.used(&id), [true, false, false]);
}
