//! Several processes and crashes: this test binary re-executes itself as a child process
//! (selected by the `SPA_VAULT_CHILD` variable, which makes `child_entry` do the child's work).
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use smartpush_core::vault::{KdfParams, Vault};
use smartpush_core::{AccountDraft, SecretString};

const CHILD_ENV: &str = "SPA_VAULT_CHILD";
const PATH_ENV: &str = "SPA_VAULT_CHILD_PATH";

fn password() -> SecretString {
    SecretString::new("process test")
}

fn spawn_child(role: &str, path: &Path, stdout: Stdio) -> Child {
    Command::new(std::env::current_exe().expect("test binary path"))
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1", "--quiet"])
        .env(CHILD_ENV, role)
        .env(PATH_ENV, path)
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawning a child")
}

/// The child side; a no-op in the normal test run.
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(CHILD_ENV) else { return };
    let path = PathBuf::from(std::env::var_os(PATH_ENV).expect("vault path"));
    match role.as_str() {
        // Saves forever, each save bumping a counter kept in two places that must agree.
        "saver" => {
            let mut vault = Vault::open_for_update(&path, &password()).expect("child open");
            println!("READY");
            loop {
                let data = vault.data_mut();
                let n = data.settings.get("counter").and_then(|v| v.as_u64()).unwrap_or(0) + 1;
                data.settings.insert("counter".into(), n.into());
                data.accounts[0].note = n.to_string();
                data.accounts[0].updated_at = n as i64;
                vault.save().expect("child save");
                println!("SAVED {n}");
            }
        }
        // Adds 20 accounts, one locked read-modify-save cycle each.
        adder => {
            for i in 0..20 {
                let mut vault = Vault::open_for_update(&path, &password()).expect("child open");
                vault.data_mut().add(
                    AccountDraft {
                        issuer: adder.into(),
                        name: i.to_string(),
                        ..Default::default()
                    },
                    i,
                );
                vault.save().expect("child save");
            }
        }
    }
    std::process::exit(0);
}

/// A cheap random number without a dependency.
fn random_below(n: u64) -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(Instant::now()) % n
}

/// Content written by the saver is consistent: the counter in the settings matches the note.
fn counter_of(vault: &Vault) -> u64 {
    let data = vault.data();
    let n = data.settings.get("counter").and_then(|v| v.as_u64()).unwrap_or(0);
    let note = &data.accounts[0].note;
    assert_eq!(note, &n.to_string(), "a save mixed two versions");
    n
}

#[test]
fn killing_a_saving_process_never_loses_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.spa");
    let mut vault = Vault::create(&path, &password(), KdfParams::MINIMUM).unwrap();
    vault.data_mut().add(
        AccountDraft {
            issuer: "Crash".into(),
            note: "0".into(),
            ..Default::default()
        },
        0,
    );
    vault.save().unwrap();
    vault.save().unwrap(); // so the backup holds the account too
    drop(vault);

    let kills = 200;
    let mut last = 0;
    let mut advanced = 0;
    for round in 0..kills {
        let mut child = spawn_child("saver", &path, Stdio::piped());
        // Wait for the child to hold the vault (libtest prints a few lines of its own first);
        // keep the pipe open until it is killed.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while line.trim() != "READY" {
            line.clear();
            let read = stdout.read_line(&mut line).unwrap();
            assert!(read > 0, "round {round}: the child ended before opening the vault");
        }
        std::thread::sleep(Duration::from_micros(random_below(20_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // The last save the child saw complete.
        let mut done = last;
        for line in stdout.lines() {
            if let Some(n) = line.unwrap().strip_prefix("SAVED ") {
                done = n.parse().unwrap();
            }
        }

        let vault = Vault::open(&path, &password())
            .unwrap_or_else(|e| panic!("round {round}: the vault does not open after a kill: {e}"));
        let n = counter_of(&vault);
        // Either the last completed save, or the one in flight if it got past its rename.
        assert!(
            n == done || n == done + 1,
            "round {round}: last completed save {done}, vault holds {n}"
        );
        advanced += usize::from(n > last);
        last = n;
        // The backup is always a complete earlier version too.
        let backup = Vault::open(&Vault::backup_path(&path), &password())
            .unwrap_or_else(|e| panic!("round {round}: the backup does not open: {e}"));
        assert!(counter_of(&backup) <= n);
    }
    // The kills landed while saves were happening, not only before the first one.
    assert!(
        advanced > kills / 10,
        "only {advanced} of {kills} children saved anything"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.len() <= 2, "temporary files pile up: {leftovers:?}");
    eprintln!("{kills} kills, {last} saves survived, {advanced} rounds advanced the vault");
}

#[test]
fn two_processes_updating_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.spa");
    Vault::create(&path, &password(), KdfParams::MINIMUM).unwrap();
    let children: Vec<Child> = ["left", "right"]
        .iter()
        .map(|role| spawn_child(role, &path, Stdio::null()))
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a child failed");
    }
    let vault = Vault::open(&path, &password()).unwrap();
    let accounts = &vault.data().accounts;
    assert_eq!(accounts.len(), 40);
    for role in ["left", "right"] {
        let mut names: Vec<i64> = accounts
            .iter()
            .filter(|a| a.issuer == role)
            .map(|a| a.name.parse().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, (0..20).collect::<Vec<_>>(), "{role}");
    }
}
