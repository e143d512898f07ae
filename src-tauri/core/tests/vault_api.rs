//! Behaviour of the vault API on real files: round trips, distinct errors, refusals, file modes,
//! the backup, the lock and stale-copy detection. Every vault uses the minimum KDF to stay fast.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use smartpush_core::vault::test_support::fix_checksum;
use smartpush_core::vault::{FORMAT_VERSION, KdfParams, Vault, VaultData, VaultError};
use smartpush_core::{AccountDraft, OtpConfig, RecoveryCode, Secret, SecretString};

const CHEAP: KdfParams = KdfParams::MINIMUM;

fn password() -> SecretString {
    SecretString::new("hunter2 but longer")
}

fn draft(issuer: &str, name: &str, secret: &str) -> AccountDraft {
    AccountDraft {
        issuer: issuer.into(),
        name: name.into(),
        otp: Some(OtpConfig::totp(Secret::from_base32(secret).expect("base32"))),
        ..Default::default()
    }
}

fn new_vault(dir: &Path) -> (PathBuf, Vault) {
    let path = dir.join("vault.spa");
    let vault = Vault::create(&path, &password(), CHEAP).expect("create");
    (path, vault)
}

#[test]
fn create_add_save_reopen_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    assert!(vault.data().accounts.is_empty());
    assert_eq!(vault.kdf(), CHEAP);
    assert_eq!(vault.path(), path);
    let id = vault
        .data_mut()
        .add(draft("GitHub", "alice", "JBSWY3DPEHPK3PXP"), 1_700_000_000);
    vault
        .data_mut()
        .get_mut(&id.0)
        .unwrap()
        .recovery_codes
        .push(RecoveryCode {
            code: SecretString::new("AAAA-BBBB-CCCC"),
            used_at: None,
            note: String::new(),
        });
    vault.data_mut().settings.insert("sort".into(), "issuer".into());
    vault.save().unwrap();
    let reopened = Vault::open(&path, &password()).unwrap();
    assert_eq!(reopened.data(), vault.data());
    assert_eq!(reopened.data().accounts[0].recovery_codes_left(), 1);
    assert_eq!(reopened.kdf(), CHEAP);
}

#[test]
fn wrong_password_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path());
    let err = Vault::open(&path, &SecretString::new("hunter3 but longer")).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassword), "{err:?}");
    assert_eq!(err.to_string(), "wrong password");
}

#[test]
fn create_refuses_to_overwrite_anything() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    vault.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    vault.save().unwrap();
    let before = fs::read(&path).unwrap();
    let err = Vault::create(&path, &password(), CHEAP).unwrap_err();
    assert!(matches!(&err, VaultError::AlreadyExists(p) if p == &path), "{err:?}");
    assert!(err.to_string().contains("refusing to overwrite"));
    assert_eq!(fs::read(&path).unwrap(), before);
    let other = dir.path().join("notes.txt");
    fs::write(&other, "keep me").unwrap();
    assert!(matches!(
        Vault::create(&other, &password(), CHEAP),
        Err(VaultError::AlreadyExists(_))
    ));
    assert_eq!(fs::read_to_string(&other).unwrap(), "keep me");
}

#[test]
fn create_checks_password_and_kdf_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    assert!(matches!(
        Vault::create(&path, &SecretString::new(""), CHEAP),
        Err(VaultError::EmptyPassword)
    ));
    let weak = KdfParams {
        memory_kib: 16 * 1024,
        ..CHEAP
    };
    assert!(matches!(
        Vault::create(&path, &password(), weak),
        Err(VaultError::KdfOutOfRange {
            param: "memory (KiB)",
            value: 16384,
            ..
        })
    ));
    let started = Instant::now();
    let huge = KdfParams {
        memory_kib: 100 * 1024 * 1024,
        ..CHEAP
    };
    assert!(matches!(
        Vault::create(&path, &password(), huge),
        Err(VaultError::KdfOutOfRange { .. })
    ));
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(!path.exists());
}

#[cfg(unix)]
#[test]
fn files_are_0600_and_a_created_folder_is_0700() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    let path = nested.join("vault.spa");
    let mut vault = Vault::create(&path, &password(), CHEAP).unwrap();
    vault.save().unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&Vault::backup_path(&path)), 0o600);
    assert_eq!(mode(&nested), 0o700);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&nested.join("vault.spa.lock")), 0o600);
}

#[test]
fn the_backup_holds_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    let backup = Vault::backup_path(&path);
    assert_eq!(backup, dir.path().join("vault.spa.bak"));
    assert!(!backup.exists(), "create writes no backup");
    vault.data_mut().add(draft("First", "1", "JBSWY3DPEHPK3PXP"), 1);
    vault.save().unwrap();
    let after_first = vault.data().clone();
    vault.data_mut().add(draft("Second", "2", "GEZDGNBVGY3TQOJQ"), 2);
    vault.save().unwrap();
    let previous = Vault::open(&backup, &password()).unwrap();
    assert_eq!(previous.data(), &after_first);
    assert_eq!(Vault::open(&path, &password()).unwrap().data().accounts.len(), 2);
}

#[test]
fn saving_removes_temporary_files_left_by_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    let stale = [
        dir.path().join(".vault.spa.tmp-0badf00d"),
        dir.path().join(".vault.spa.bak-tmp-12345678"),
    ];
    let unrelated = dir.path().join(".other.tmp-0badf00d");
    for p in stale.iter().chain([&unrelated]) {
        fs::write(p, "half a file").unwrap();
    }
    vault.save().unwrap();
    assert!(stale.iter().all(|p| !p.exists()));
    assert!(unrelated.exists());
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".other.tmp-0badf00d", "vault.spa", "vault.spa.bak", "vault.spa.lock"]
    );
    assert!(path.exists());
}

#[test]
fn missing_vault_is_not_found_and_leaves_no_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing.spa");
    assert!(matches!(Vault::open(&path, &password()), Err(VaultError::NotFound(p)) if p == path));
    assert!(matches!(
        Vault::open_for_update(&path, &password()),
        Err(VaultError::NotFound(_))
    ));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn files_that_are_not_vaults() {
    let dir = tempfile::tempdir().unwrap();
    let png = [
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0, 1,
    ];
    let random: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (name, bytes) in [
        ("empty", &[][..]),
        ("png", &png[..]),
        ("random", &random[..]),
        ("text", b"hello\n"),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let err = Vault::open(&path, &password()).unwrap_err();
        assert!(matches!(err, VaultError::NotAVault), "{name}: {err:?}");
        assert_eq!(err.to_string(), "not a SmartPush Authenticator vault");
    }
}

#[test]
fn a_newer_format_is_recognised_and_told_apart_from_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    let newer = FORMAT_VERSION + 1;
    bytes[8..10].copy_from_slice(&newer.to_le_bytes());
    // A newer build may change everything after the version, but keeps the checksum.
    bytes.splice(14..20, [0xEE; 40]);
    fix_checksum(&mut bytes);
    fs::write(&path, &bytes).unwrap();
    let err = Vault::open(&path, &password()).unwrap_err();
    assert!(
        matches!(err, VaultError::NewerVersion { found, supported } if found == newer && supported == FORMAT_VERSION),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("newer version") && message.contains(&format!("format {newer}")),
        "{message}"
    );
    // The same file with a bad checksum is damaged, not newer.
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Vault::open(&path, &password()),
        Err(VaultError::Damaged { .. })
    ));
}

#[test]
fn a_damaged_vault_points_to_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    vault.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    vault.save().unwrap();
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    fs::write(&path, &bytes).unwrap();
    let err = Vault::open(&path, &password()).unwrap_err();
    let backup = Vault::backup_path(&path);
    assert!(
        matches!(&err, VaultError::Damaged { backup: Some(b), .. } if b == &backup),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.starts_with("the vault file is damaged ("), "{message}");
    assert!(
        message.ends_with(&format!("restore the backup {}", backup.display())),
        "{message}"
    );
    fs::remove_file(&backup).unwrap();
    let err = Vault::open(&path, &password()).unwrap_err();
    assert!(matches!(err, VaultError::Damaged { backup: None, .. }), "{err:?}");
}

/// Builds a header asking for `memory_kib`, with a valid checksum, from a real vault.
fn with_memory(bytes: &[u8], memory_kib: u32) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    // magic 8, version 2, header length 4, slot count 1, slot kind 1, slot length 2: m at 18.
    assert_eq!(u32::from_le_bytes(bytes[18..22].try_into().unwrap()), CHEAP.memory_kib);
    bytes[18..22].copy_from_slice(&memory_kib.to_le_bytes());
    fix_checksum(&mut bytes);
    bytes
}

#[test]
fn a_hostile_kdf_setting_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path());
    let good = fs::read(&path).unwrap();
    let hostile = dir.path().join("hostile.spa");
    for (memory_kib, param) in [
        (100 * 1024 * 1024, "memory (KiB)"),
        (u32::MAX, "memory (KiB)"),
        (1024, "memory (KiB)"),
    ] {
        fs::write(&hostile, with_memory(&good, memory_kib)).unwrap();
        let started = Instant::now();
        let err = Vault::open(&hostile, &password()).unwrap_err();
        // 100 GiB of Argon2 would take minutes or abort; the refusal is a header check.
        assert!(
            started.elapsed() < Duration::from_millis(300),
            "{:?}",
            started.elapsed()
        );
        assert!(
            matches!(err, VaultError::KdfOutOfRange { param: p, value, .. } if p == param && value == memory_kib),
            "{err:?}"
        );
        assert!(err.to_string().contains("outside the accepted range"));
    }
    // Within range, a changed setting simply derives another key.
    fs::write(&hostile, with_memory(&good, CHEAP.memory_kib + 1)).unwrap();
    assert!(matches!(
        Vault::open(&hostile, &password()),
        Err(VaultError::WrongPassword)
    ));
}

#[test]
fn change_password_rewraps_and_keeps_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    vault.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    vault.save().unwrap();
    let content = vault.data().clone();
    let new_password = SecretString::new("a much better passphrase");
    assert!(matches!(
        vault.change_password(&SecretString::new(""), None),
        Err(VaultError::EmptyPassword)
    ));
    let stronger = KdfParams {
        memory_kib: CHEAP.memory_kib + 1024,
        iterations: 3,
        parallelism: 2,
    };
    vault.change_password(&new_password, Some(stronger)).unwrap();
    assert_eq!(vault.kdf(), stronger);
    assert!(matches!(
        Vault::open(&path, &password()),
        Err(VaultError::WrongPassword)
    ));
    let reopened = Vault::open(&path, &new_password).unwrap();
    assert_eq!(reopened.data(), &content);
    assert_eq!(reopened.kdf(), stronger);
    // The backup was rewritten too: the old password opens nothing left on disk.
    let backup = Vault::backup_path(&path);
    assert!(matches!(
        Vault::open(&backup, &password()),
        Err(VaultError::WrongPassword)
    ));
    assert_eq!(Vault::open(&backup, &new_password).unwrap().data(), &content);
    // Keeping the settings when none are given.
    let mut reopened = reopened;
    reopened.change_password(&password(), None).unwrap();
    assert_eq!(Vault::open(&path, &password()).unwrap().kdf(), stronger);
}

/// Review finding: `init` over a lost vault replaced its surviving backup at the first save.
#[test]
fn create_refuses_while_an_earlier_vaults_backup_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path());
    vault.data_mut().add(draft("Bank", "me", "JBSWY3DPEHPK3PXP"), 1);
    vault.save().unwrap();
    drop(vault);
    fs::remove_file(&path).unwrap();
    let err = Vault::create(&path, &password(), CHEAP).unwrap_err();
    assert!(matches!(err, VaultError::BackupExists { .. }), "{err:?}");
    assert!(err.to_string().contains("vault.spa.bak"), "{err}");
    assert!(!path.exists());
    // The backup is intact and opens.
    let backup = Vault::backup_path(&path);
    assert_eq!(Vault::open(&backup, &password()).unwrap().data().accounts.len(), 0);
}

#[test]
fn ids_are_matched_ignoring_case() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, mut vault) = new_vault(dir.path());
    let id = vault.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    let upper = id.0.to_uppercase();
    assert!(vault.data().get(&upper).is_some());
    assert!(vault.data_mut().get_mut(&format!(" {upper} ")).is_some());
    assert!(vault.data_mut().remove(&upper).is_some());
    assert!(vault.data().accounts.is_empty());
}

#[test]
fn a_failed_password_change_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut stale) = new_vault(dir.path());
    let mut other = Vault::open(&path, &password()).unwrap();
    other.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    other.save().unwrap();
    let err = stale.change_password(&SecretString::new("new one"), None).unwrap_err();
    assert!(matches!(err, VaultError::ChangedOnDisk), "{err:?}");
    assert_eq!(stale.kdf(), CHEAP);
    assert_eq!(Vault::open(&path, &password()).unwrap().data().accounts.len(), 1);
}

#[test]
fn a_stale_snapshot_is_not_saved_over_a_newer_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path());
    let mut first = Vault::open(&path, &password()).unwrap();
    let mut second = Vault::open(&path, &password()).unwrap();
    first.data_mut().add(draft("First", "1", "JBSWY3DPEHPK3PXP"), 1);
    first.save().unwrap();
    second.data_mut().add(draft("Second", "2", "JBSWY3DPEHPK3PXP"), 2);
    let err = second.save().unwrap_err();
    assert!(matches!(err, VaultError::ChangedOnDisk), "{err:?}");
    assert!(err.to_string().contains("nothing was saved"));
    let on_disk = Vault::open(&path, &password()).unwrap();
    assert_eq!(on_disk.data(), first.data());
    // The one that saved can keep saving: it knows the file it wrote.
    first.data_mut().add(draft("Third", "3", "JBSWY3DPEHPK3PXP"), 3);
    first.save().unwrap();
    // A deleted vault is also a change: nothing is recreated behind the user's back.
    fs::remove_file(&path).unwrap();
    assert!(matches!(first.save(), Err(VaultError::ChangedOnDisk)));
    assert!(!path.exists());
}

#[test]
fn the_lock_is_exclusive_and_released_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path());
    let mut holder = Vault::open_for_update(&path, &password()).unwrap();
    let started = Instant::now();
    let err = Vault::open_for_update_with_wait(&path, &password(), Duration::from_millis(300)).unwrap_err();
    assert!(matches!(&err, VaultError::Locked(p) if p == &path), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(err.to_string().contains("in use by another"));
    // Readers are not blocked, and the holder can save.
    assert!(Vault::open(&path, &password()).is_ok());
    holder.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    holder.save().unwrap();
    holder.save().unwrap();
    drop(holder);
    let next = Vault::open_for_update_with_wait(&path, &password(), Duration::ZERO).unwrap();
    assert_eq!(next.data().accounts.len(), 1);
}

#[test]
fn debug_and_errors_show_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut vault) = new_vault(dir.path());
    let id = vault.data_mut().add(draft("GitHub", "alice", "JBSWY3DPEHPK3PXP"), 1);
    vault
        .data_mut()
        .get_mut(&id.0)
        .unwrap()
        .recovery_codes
        .push(RecoveryCode {
            code: SecretString::new("QQQQ-RRRR-SSSS"),
            used_at: None,
            note: String::new(),
        });
    let shown = format!("{vault:?} {:?}", vault.data());
    for secret in ["JBSWY3DP", "hunter2", "QQQQ-RRRR"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(format!("{vault:?}").contains("accounts: 1"));
}

#[test]
fn vault_data_ids_find_and_duplicates() {
    let mut data = VaultData::default();
    let github = data.add(draft("GitHub", "alice@example.com", "JBSWY3DPEHPK3PXP"), 10);
    let gitlab = data.add(draft("GitLab", "alice", "GEZDGNBVGY3TQOJQ"), 11);
    let bank = data.add(draft("Bank", "Bob", "MFRGGZDFMZTWQ2LK"), 12);
    for id in [&github, &gitlab, &bank] {
        assert_eq!(id.0.len(), 8);
        assert!(
            id.0.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{id}"
        );
    }
    let ids: Vec<_> = (0..500)
        .map(|i| {
            data.add(
                AccountDraft {
                    name: i.to_string(),
                    ..Default::default()
                },
                0,
            )
        })
        .collect();
    let mut unique: Vec<_> = ids.iter().chain([&github, &gitlab, &bank]).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 503);
    data.accounts.truncate(3);

    assert_eq!(data.get(&bank.0).unwrap().created_at, 12);
    let names = |found: Vec<&smartpush_core::Account>| found.iter().map(|a| a.issuer.clone()).collect::<Vec<_>>();
    assert_eq!(names(data.find("git")), ["GitHub", "GitLab"]);
    assert_eq!(names(data.find("ALICE")), ["GitHub", "GitLab"]);
    assert_eq!(names(data.find("bob")), ["Bank"]);
    assert_eq!(names(data.find(&bank.0.to_uppercase())), ["Bank"]);
    assert!(data.find("nothing like it").is_empty());
    assert_eq!(data.find("").len(), 3);
    // An id match stands alone even when the text matches other accounts' names.
    data.get_mut(&gitlab.0).unwrap().name = github.0.clone();
    assert_eq!(names(data.find(&github.0)), ["GitHub"]);

    assert_eq!(
        data.find_duplicate(&draft("GitHub", "alice@example.com", "JBSWY3DPEHPK3PXP"))
            .unwrap()
            .id,
        github
    );
    assert!(
        data.find_duplicate(&draft("GitHub", "alice@example.com", "MFRGGZDFMZTWQ2LK"))
            .is_none()
    );
    assert_eq!(data.remove(&github.0).unwrap().issuer, "GitHub");
    assert!(data.remove(&github.0).is_none());
    assert!(data.get(&github.0).is_none());
    assert_eq!(data.accounts.len(), 2);
}

#[cfg(unix)]
#[test]
fn saving_through_a_symlink_updates_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let synced = dir.path().join("Sync");
    let (target, _) = {
        fs::create_dir(&synced).unwrap();
        new_vault(&synced)
    };
    let link = dir.path().join("vault-link.spa");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let mut vault = Vault::open_for_update(&link, &password()).unwrap();
    assert_eq!(vault.path(), link);
    vault.data_mut().add(draft("A", "a", "JBSWY3DPEHPK3PXP"), 1);
    vault.save().unwrap();
    drop(vault);
    assert!(
        fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
        "the link was replaced"
    );
    assert_eq!(Vault::open(&target, &password()).unwrap().data().accounts.len(), 1);
    assert!(synced.join("vault.spa.bak").exists());
    let mut snapshot = Vault::open(&link, &password()).unwrap();
    snapshot.save().unwrap();
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
}
