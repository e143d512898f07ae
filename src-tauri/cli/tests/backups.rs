//! Issue 14 through the real binary: every vault keeps its own automatic backups, although
//! they all share the configured backup folder (here the default one, under `$XDG_DATA_HOME`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::{assert_ok, text};

const PASSWORD_A: &str = "password of vault A";
const PASSWORD_B: &str = "password of vault B";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn vault(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The backup folder every vault shares.
    fn backups(&self) -> PathBuf {
        self.dir.path().join("data").join("smartpush-auth").join("backups")
    }

    fn cmd(&self, vault: &Path, password: &str) -> Command {
        let mut c = common::isolated(self.dir.path());
        c.env("SMARTPUSH_AUTH_PASSWORD", password)
            .args(["--vault", vault.to_str().unwrap()]);
        c
    }

    fn run(&self, vault: &Path, password: &str, args: &[&str]) -> Output {
        self.cmd(vault, password).args(args).output().unwrap()
    }

    fn init(&self, vault: &Path, password: &str) {
        assert_ok(&self.run(
            vault,
            password,
            &[
                "init",
                "--kdf-memory-mib",
                "19",
                "--kdf-iterations",
                "2",
                "--kdf-parallelism",
                "1",
            ],
        ));
    }

    fn add(&self, vault: &Path, password: &str, n: usize) {
        let uri = format!("otpauth://totp/Service{n}:user{n}?secret=JBSWY3DPEHPK3PXP");
        assert_ok(&self.run(vault, password, &["add", &uri]));
    }

    /// `backup list --json` of one vault: the paths, newest first.
    fn listed(&self, vault: &Path, password: &str) -> Vec<String> {
        let out = self.run(vault, password, &["backup", "list", "--json"]);
        assert_ok(&out);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["path"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The number of accounts in a backup file, opened as a vault with `password`.
    fn accounts_in(&self, backup: &str, password: &str) -> Result<usize, String> {
        let out = self.run(Path::new(backup), password, &["list", "--json"]);
        if !out.status.success() {
            return Err(text(&out.stderr));
        }
        Ok(serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len())
    }
}

/// The repro of issue 14: vault A with two backups; vault B, one `add`, `passwd` → A's backups
/// were gone; ten `add`s on B → none of A's left. Now A's stay, unchanged, opening with A's
/// password, and B keeps its newest ten.
#[test]
fn issue_14_another_vaults_saves_and_passwd_leave_a_vaults_backups_alone() {
    let env = Env::new();
    let (a, b) = (env.vault("a.spv"), env.vault("b.spv"));
    env.init(&a, PASSWORD_A);
    env.add(&a, PASSWORD_A, 1);
    env.add(&a, PASSWORD_A, 2);
    let a_backups = env.listed(&a, PASSWORD_A);
    assert_eq!(a_backups.len(), 2);
    let a_bytes: Vec<Vec<u8>> = a_backups.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let check_a = |when: &str| {
        assert_eq!(env.listed(&a, PASSWORD_A), a_backups, "A's list {when}");
        for (path, bytes) in a_backups.iter().zip(&a_bytes) {
            assert_eq!(&std::fs::read(path).unwrap(), bytes, "{path} {when}");
        }
        let mut counts: Vec<usize> = a_backups
            .iter()
            .map(|p| env.accounts_in(p, PASSWORD_A).unwrap())
            .collect();
        counts.sort_unstable();
        assert_eq!(counts, [1, 2], "A's backups open with A's password {when}");
    };

    env.init(&b, PASSWORD_B);
    env.add(&b, PASSWORD_B, 1);
    let out = env
        .cmd(&b, PASSWORD_B)
        .env("SMARTPUSH_AUTH_NEW_PASSWORD", "new password of B")
        .arg("passwd")
        .output()
        .unwrap();
    assert_ok(&out);
    check_a("after B's passwd");
    let b_pw = "new password of B";
    assert_eq!(
        env.listed(&b, b_pw).len(),
        2,
        "B's own: its add, re-keyed, and the passwd's"
    );

    for n in 2..12 {
        env.add(&b, b_pw, n);
    }
    check_a("after ten adds on B");
    let b_backups = env.listed(&b, b_pw);
    assert_eq!(b_backups.len(), 10, "B keeps its newest ten");
    assert!(b_backups.iter().all(|p| !a_backups.contains(p)));
    assert_eq!(env.accounts_in(&b_backups[0], b_pw), Ok(11));
    for p in &b_backups {
        assert!(p.starts_with(env.backups().to_str().unwrap()), "{p}");
        assert!(
            env.accounts_in(p, PASSWORD_B).is_err(),
            "{p} opens with B's old password"
        );
    }

    // `backup restore N` counts in the vault's own list.
    let out = env.run(&a, PASSWORD_A, &["backup", "restore", "2", "--json"]);
    assert_ok(&out);
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["restored"], a_backups[1].as_str());
    assert_eq!(done["accounts"], 1);
}

/// Issue 14, migration: a backup folder in the old flat layout (A's and B's backups side by
/// side) loses nothing. Each vault lists its own at once (no save needed), says how many others
/// are there, and its next save moves its own into its folder.
#[test]
fn issue_14_flat_layout_backups_stay_listed_with_their_own_vault() {
    let env = Env::new();
    let (a, b) = (env.vault("a.spv"), env.vault("b.spv"));
    env.init(&a, PASSWORD_A);
    env.init(&b, PASSWORD_B);
    let flat = env.backups();
    std::fs::create_dir_all(&flat).unwrap();
    let flat_a = flat.join("vault-00000000100-0.spv");
    let flat_b = flat.join("vault-00000000200-0.spv");
    std::fs::copy(&a, &flat_a).unwrap();
    std::fs::copy(&b, &flat_b).unwrap();

    assert_eq!(env.listed(&a, PASSWORD_A), [flat_a.to_str().unwrap()]);
    assert_eq!(env.listed(&b, PASSWORD_B), [flat_b.to_str().unwrap()]);
    let out = env.run(&a, PASSWORD_A, &["backup", "list"]);
    assert_ok(&out);
    assert!(text(&out.stdout).contains(flat_a.to_str().unwrap()));
    assert!(!text(&out.stdout).contains(flat_b.to_str().unwrap()));
    assert!(text(&out.stderr).contains("1 older backup(s)"), "{}", text(&out.stderr));

    env.add(&a, PASSWORD_A, 1);
    assert!(!flat_a.exists(), "moved into A's folder");
    assert!(flat_b.exists(), "B's is left where it is");
    let listed = env.listed(&a, PASSWORD_A);
    assert_eq!(listed.len(), 2);
    assert!(listed[1].ends_with("vault-00000000100-0.spv"), "{listed:?}");
    assert_eq!(env.accounts_in(&listed[1], PASSWORD_A), Ok(0));
    assert_eq!(env.listed(&b, PASSWORD_B), [flat_b.to_str().unwrap()]);
    assert_eq!(env.accounts_in(flat_b.to_str().unwrap(), PASSWORD_B), Ok(0));
}
