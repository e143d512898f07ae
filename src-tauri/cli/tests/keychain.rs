//! `keychain enable|disable|status` and keychain-first unlock, end to end with the real binary.
//!
//! The ordinary tests run without any session bus (the environment is cleared), so they never
//! touch a real keychain: they check that every keychain failure is fast, said in one line, and
//! falls back to the password. A keychain slot is added with the core's in-memory store.
//! The `#[ignore]` tests need a real Secret Service: `tests/keychain.sh` runs them inside its own
//! `dbus-run-session` with an unlocked `gnome-keyring-daemon` (as does the rest of that script).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use smartpush_core::SecretString;
use smartpush_core::vault::keychain::{EntryRemoval, KeyStore, MemoryKeyStore, SystemKeyStore};
use smartpush_core::vault::{KdfParams, Vault};

const PASSWORD: &str = "correct horse battery staple";
const NO_BUS: &str = "the system keychain is unavailable: there is no D-Bus session bus";

struct Env {
    dir: tempfile::TempDir,
    vault: PathBuf,
}

impl Env {
    /// A vault with one account, at the cheapest KDF.
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
        assert_ok(&env.run(&[
            "add",
            "--issuer",
            "SmartPush",
            "--account",
            "alice",
            "--secret",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        ]));
        env
    }

    /// The binary with a bare environment: no session bus, the password in the environment.
    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("SMARTPUSH_AUTH_BACKUP_DIR", "")
            .env("SMARTPUSH_AUTH_VAULT", &self.vault)
            .env("SMARTPUSH_AUTH_PASSWORD", PASSWORD)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Adds a keychain slot whose key lives in an in-memory store the binary cannot see.
    fn with_keychain_slot(&self) -> String {
        let store = MemoryKeyStore::new();
        let mut vault = Vault::open_for_update(&self.vault, &SecretString::new(PASSWORD)).unwrap();
        vault.enable_keychain(&store).unwrap();
        vault.keychain_entry().unwrap()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", stdout(out), stderr(out));
}

fn json(out: &Output) -> Value {
    assert_ok(out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn status_of_a_vault_without_keychain_unlock() {
    let env = Env::new();
    let out = env.run(&["keychain", "status"]);
    assert_ok(&out);
    assert!(stdout(&out).starts_with("Keychain unlock: off\n"), "{}", stdout(&out));
    let v = json(&env.run(&["--json", "keychain", "status"]));
    assert_eq!(v["enabled"], false);
    assert_eq!(v["entry"], Value::Null);
    assert_eq!(v["service"], "smartpush-authenticator");
    // No vault: the usual error, no password asked.
    let out = env
        .cmd()
        .args(["--vault", "/nonexistent/v.spv", "keychain", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no vault at /nonexistent/v.spv"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn enabling_without_a_session_bus_fails_at_once_and_changes_nothing() {
    let env = Env::new();
    let before = std::fs::read(&env.vault).unwrap();
    let started = Instant::now();
    let out = env.run(&["keychain", "enable"]);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(NO_BUS), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert_eq!(std::fs::read(&env.vault).unwrap(), before);

    // Opted out: said so, nothing changed.
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_NO_KEYCHAIN", "1")
        .args(["keychain", "enable"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("keychain use is turned off by $SMARTPUSH_AUTH_NO_KEYCHAIN"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&env.vault).unwrap(), before);
    // A wrong password is refused before the keychain is asked.
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_PASSWORD", "wrong")
        .args(["keychain", "enable"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn a_keychain_vault_without_a_session_bus_falls_back_to_the_password() {
    let env = Env::new();
    let entry = env.with_keychain_slot();
    let started = Instant::now();
    let out = env.run(&["code", "alice"]);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_ok(&out);
    assert_eq!(stdout(&out).trim().len(), 6, "{}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(&format!("keychain unlock failed: {NO_BUS}")), "{err}");
    assert!(err.contains("using the master password"), "{err}");

    // No password either: the fallback line, then the usual error.
    let out = env
        .cmd()
        .env_remove("SMARTPUSH_AUTH_PASSWORD")
        .args(["code", "alice"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(NO_BUS) && stderr(&out).contains("no master password"),
        "{}",
        stderr(&out)
    );

    // Opted out: straight to the password, not a word about the keychain.
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_NO_KEYCHAIN", "1")
        .args(["code", "alice"])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(stderr(&out), "");

    // Status: on, the entry named, the keychain unreachable.
    let out = env.run(&["keychain", "status"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.starts_with("Keychain unlock: on\n"), "{text}");
    assert!(
        text.contains(&format!("account {entry}")) && text.contains("cannot be checked"),
        "{text}"
    );
    let v = json(&env.run(&["--json", "keychain", "status"]));
    assert_eq!(v["enabled"], true);
    assert_eq!(v["account"], entry.as_str());
    assert_eq!(v["entry"], "unavailable");
}

/// A session bus that accepts connections and never answers: the keychain call must give up.
#[cfg(unix)]
#[test]
fn a_silent_keychain_times_out_and_falls_back() {
    let env = Env::new();
    env.with_keychain_slot();
    let socket = env.dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let started = Instant::now();
    let out = env
        .cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", socket.display()))
        .args(["code", "alice"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_ok(&out);
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(20),
        "{took:?}"
    );
    assert!(stderr(&out).contains("did not answer within 5 s"), "{}", stderr(&out));
}

#[test]
fn passwd_without_the_keychain_turns_keychain_unlock_off() {
    let env = Env::new();
    env.with_keychain_slot();
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_NEW_PASSWORD", "a brand new password")
        .args(["--json", "passwd"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["keychain"], "turned-off");
    assert!(
        stderr(&out).contains("keychain unlock was turned off: the system keychain is unavailable"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&env.run(&["keychain", "status"])).starts_with("Keychain unlock: off"));
    let out = env
        .cmd()
        .env("SMARTPUSH_AUTH_PASSWORD", "a brand new password")
        .args(["list"])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(stderr(&out), "", "no keychain slot left to try");
}

#[test]
fn disabling_without_the_keychain_removes_the_slot_and_names_the_entry() {
    let env = Env::new();
    let entry = env.with_keychain_slot();
    let out = env.run(&["keychain", "disable"]);
    assert_ok(&out);
    assert_eq!(stdout(&out), "Keychain unlock is off.\n");
    assert!(
        stderr(&out).contains(&format!(
            "secret-tool clear service smartpush-authenticator username {entry}"
        )),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&env.run(&["keychain", "status"])).starts_with("Keychain unlock: off"));
    let out = env.run(&["keychain", "disable"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("was not on"), "{}", stdout(&out));
}

fn random_entry() -> String {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().file_name().unwrap().to_string_lossy().into_owned();
    format!("test-{}-{name}", std::process::id())
}

/// The Secret Service itself: set, get, replace, delete, missing entries.
#[test]
#[ignore = "needs a Secret Service: run tests/keychain.sh"]
fn system_store_round_trip() {
    let store = SystemKeyStore::new();
    let entry = random_entry();
    assert_eq!(store.get(&entry).unwrap(), None);
    assert!(!store.delete(&entry).unwrap());
    let key: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
    store.set(&entry, &key).unwrap();
    assert_eq!(
        store.get(&entry).unwrap().as_deref().map(Vec::as_slice),
        Some(key.as_slice())
    );
    store.set(&entry, &[0u8; 32]).unwrap();
    assert_eq!(
        store.get(&entry).unwrap().as_deref().map(Vec::as_slice),
        Some(&[0u8; 32][..])
    );
    assert!(store.delete(&entry).unwrap());
    assert_eq!(store.get(&entry).unwrap(), None);
}

/// A vault's keychain slot through the Secret Service.
#[test]
#[ignore = "needs a Secret Service: run tests/keychain.sh"]
fn system_store_unlocks_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path: &Path = &dir.path().join("v.spv");
    let password = SecretString::new(PASSWORD);
    let mut vault = Vault::create(path, &password, KdfParams::MINIMUM).unwrap();
    let store = SystemKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().unwrap();
    assert_eq!(store.get(&entry).unwrap().map(|k| k.len()), Some(32));
    assert!(Vault::open_with_keychain(path, &store).is_ok());
    assert_eq!(vault.disable_keychain(&store).unwrap(), EntryRemoval::Removed);
    assert_eq!(store.get(&entry).unwrap(), None);
}
