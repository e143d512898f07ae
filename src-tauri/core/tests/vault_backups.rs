//! Issue 14: automatic backups belong to their vault. Several vaults share the configured
//! backup folder; each keeps, prunes, re-encrypts and removes only its own backups, and the
//! backups of the old flat layout are attributed to their vault, never lost.

use std::fs;
use std::path::{Path, PathBuf};

use smartpush_core::vault::backups::{self, BackupPolicy};
use smartpush_core::vault::{KdfParams, Vault, VaultError};
use smartpush_core::{AccountDraft, SecretString};

fn pw(s: &str) -> SecretString {
    SecretString::new(s)
}

fn new_vault(path: &Path, password: &str, policy: &BackupPolicy) -> Vault {
    let mut vault = Vault::create(path, &pw(password), KdfParams::MINIMUM).expect("create");
    vault.set_auto_backup(Some(policy.clone()));
    vault
}

fn add_and_save(vault: &mut Vault, issuer: &str) {
    vault.data_mut().add(
        AccountDraft {
            issuer: issuer.into(),
            ..Default::default()
        },
        1_700_000_000,
    );
    vault.save().expect("save");
}

/// Every file under `dir`, at any depth (whatever the layout).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn opens(path: &Path, password: &str) -> bool {
    match Vault::open(path, &pw(password)) {
        Ok(_) => true,
        Err(VaultError::WrongPassword) => false,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// The files under `dir` that open with `password`.
fn opening_with(dir: &Path, password: &str) -> Vec<PathBuf> {
    files_under(dir).into_iter().filter(|p| opens(p, password)).collect()
}

/// Regression, issue 14: vault B's saves pruned vault A's backups (the newest N were kept across
/// all vaults) and B's `passwd` removed every backup B's old key could not open, A's included.
/// Written against the API both layouts share, so it fails on the flat layout.
#[test]
fn issue_14_two_vaults_sharing_the_backup_folder_keep_their_own_backups() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = BackupPolicy {
        dir: tmp.path().join("backups"),
        keep: 5,
    };
    let mut a = new_vault(&tmp.path().join("a.spv"), "password A", &policy);
    for i in 0..3 {
        add_and_save(&mut a, &format!("A{i}"));
    }
    let a_backups = opening_with(&policy.dir, "password A");
    assert_eq!(a_backups.len(), 3);
    let a_bytes: Vec<Vec<u8>> = a_backups.iter().map(|p| fs::read(p).expect("read")).collect();
    drop(a);

    let mut b = new_vault(&tmp.path().join("b.spv"), "password B", &policy);
    for i in 0..12 {
        add_and_save(&mut b, &format!("B{i}"));
    }
    b.change_password(&pw("password B2"), None).expect("passwd");

    assert_eq!(
        opening_with(&policy.dir, "password A"),
        a_backups,
        "all of A's backups are still there and open with A's password"
    );
    for (path, bytes) in a_backups.iter().zip(&a_bytes) {
        assert_eq!(&fs::read(path).expect("read"), bytes, "A's backups are untouched");
    }
    let b_backups = opening_with(&policy.dir, "password B2");
    assert_eq!(b_backups.len(), 5, "B keeps its newest five");
    assert!(
        opening_with(&policy.dir, "password B").is_empty(),
        "no B backup opens with B's old password"
    );
    // B's newest backup is the vault as it is; its oldest kept holds the state of the 9th save.
    let counts: Vec<usize> = b_backups
        .iter()
        .map(|p| Vault::open(p, &pw("password B2")).expect("open").data().accounts.len())
        .collect();
    let (min, max) = (counts.iter().min().copied(), counts.iter().max().copied());
    assert_eq!((min, max), (Some(9), Some(12)), "{counts:?}");
}

/// Copies `vault` into the flat layout as a pre-issue-14 build would have written it.
fn flat_backup(policy: &BackupPolicy, vault: &Path, seconds: i64) -> PathBuf {
    let path = policy.dir.join(format!("vault-{seconds:011}-0.spv"));
    fs::create_dir_all(&policy.dir).expect("mkdir");
    fs::copy(vault, &path).expect("copy");
    path
}

fn paths(list: Vec<backups::BackupFile>) -> Vec<PathBuf> {
    list.into_iter().map(|b| b.path).collect()
}

/// Issue 14, migration: a folder written by the flat layout (A's, B's and a vanished vault C's
/// backups side by side) keeps every file; each vault lists and then moves in only its own, and
/// prunes and re-keys only those.
#[test]
fn issue_14_flat_layout_backups_are_attributed_and_never_lost() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = BackupPolicy {
        dir: tmp.path().join("backups"),
        keep: 3,
    };
    let (a_path, b_path, c_path) = (
        tmp.path().join("a.spv"),
        tmp.path().join("b.spv"),
        tmp.path().join("c.spv"),
    );
    let off = BackupPolicy {
        dir: tmp.path().join("unused"),
        keep: 3,
    };
    let mut a = new_vault(&a_path, "password A", &off);
    let mut b = new_vault(&b_path, "password B", &off);
    new_vault(&c_path, "password C", &off);
    add_and_save(&mut a, "A0");
    let a1 = flat_backup(&policy, &a_path, 100);
    add_and_save(&mut a, "A1");
    let a2 = flat_backup(&policy, &a_path, 200);
    add_and_save(&mut b, "B0");
    let b1 = flat_backup(&policy, &b_path, 150);
    let c1 = flat_backup(&policy, &c_path, 50);
    fs::remove_file(&c_path).expect("C is gone");
    let b1_bytes = fs::read(&b1).expect("read");
    let c1_bytes = fs::read(&c1).expect("read");

    // Listing reads headers only, writes nothing.
    assert_eq!(
        paths(backups::list_for(&policy.dir, &a_path).expect("list")),
        [a2.clone(), a1.clone()]
    );
    assert_eq!(
        paths(backups::list_for(&policy.dir, &b_path).expect("list")),
        std::slice::from_ref(&b1)
    );
    assert!(backups::list_for(&policy.dir, &c_path).expect("list").is_empty());
    assert_eq!(
        paths(backups::unclaimed(&policy.dir, &a_path).expect("list")),
        [b1.clone(), c1.clone()]
    );
    assert_eq!(paths(backups::unclaimed(&policy.dir, &c_path).expect("list")).len(), 4);

    // A's next save moves its two into its folder and adds one; B's and C's stay put.
    a.set_auto_backup(Some(policy.clone()));
    add_and_save(&mut a, "A2");
    let a_dir = a.backup_dir().expect("on");
    assert_eq!(a_dir, backups::vault_dir(&policy.dir, &a_path));
    let mine = paths(backups::list(&a_dir).expect("list"));
    assert_eq!(mine.len(), 3);
    assert!(!a1.exists() && !a2.exists());
    assert!(mine.contains(&a_dir.join("vault-00000000100-0.spv")));
    assert!(mine.contains(&a_dir.join("vault-00000000200-0.spv")));
    assert_eq!(paths(backups::list_for(&policy.dir, &a_path).expect("list")), mine);

    // A's password change re-keys its three (and writes one more, pruning to three); B's and
    // C's flat backups are neither re-keyed nor removed.
    a.change_password(&pw("password A2"), None).expect("passwd");
    for _ in 0..5 {
        add_and_save(&mut a, "more");
    }
    let mine = paths(backups::list(&a_dir).expect("list"));
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|p| opens(p, "password A2")));
    assert_eq!(fs::read(&b1).expect("B's"), b1_bytes);
    assert_eq!(fs::read(&c1).expect("C's"), c1_bytes);
    assert!(opens(&b1, "password B") && opens(&c1, "password C"));

    // B's password change takes its flat backup along (re-keyed), and leaves C's alone.
    b.set_auto_backup(Some(policy.clone()));
    b.change_password(&pw("password B2"), None).expect("passwd");
    let b_dir = b.backup_dir().expect("on");
    assert_ne!(b_dir, a_dir);
    let theirs = paths(backups::list(&b_dir).expect("list"));
    assert_eq!(theirs.len(), 2, "the moved one, re-keyed, and one of the new file");
    assert!(theirs.iter().all(|p| opens(p, "password B2")));
    assert!(!b1.exists());
    assert_eq!(
        paths(backups::list(&policy.dir).expect("list")),
        std::slice::from_ref(&c1)
    );
    assert_eq!(fs::read(&c1).expect("C's"), c1_bytes);
    assert_eq!(paths(backups::list(&a_dir).expect("list")), mine, "A's untouched by B");

    // A flat backup opened as a vault of its own (`--vault`) is that vault's file: saving it
    // never moves it into its own backup folder.
    let mut c = Vault::open_for_update(&c1, &pw("password C")).expect("open C's backup");
    c.set_auto_backup(Some(policy.clone()));
    add_and_save(&mut c, "C1");
    assert!(c1.is_file(), "the vault stays where it is");
    assert_eq!(backups::list(&c.backup_dir().expect("on")).expect("list").len(), 1);
    assert!(
        backups::list_for(&policy.dir, &c1)
            .expect("list")
            .iter()
            .all(|b| b.path != c1)
    );
}

/// Issue 14: the folders of the backups are private (0700), the backups 0600.
#[cfg(unix)]
#[test]
fn issue_14_backup_folders_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = BackupPolicy {
        dir: tmp.path().join("new").join("backups"),
        keep: 3,
    };
    let mut a = new_vault(&tmp.path().join("a.spv"), "pw", &policy);
    add_and_save(&mut a, "A");
    let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    for dir in [tmp.path().join("new"), policy.dir.clone(), a.backup_dir().expect("on")] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    for file in files_under(&policy.dir) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}
