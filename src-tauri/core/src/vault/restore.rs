//! Checking that a file is a vault, and putting the backup of a damaged vault back in place.
//!
//! Both are for the moments before an unlock: a person picking "another vault file", and a
//! person whose vault file is damaged. Neither derives a key.

use std::fs;
use std::path::{Path, PathBuf};

use super::format;
use super::store::{self, LOCK_WAIT};
use super::{Vault, VaultError};

/// Checks, without a password, that `path` holds a vault this build can open: the magic bytes,
/// the format version, the checksum and the header's structure (no key derivation).
///
/// # Errors
/// `NotFound`, `NotAVault` (not a vault at all), `NewerVersion`, `Damaged` (a vault, damaged;
/// a caller may still accept it and offer its backup), `KdfOutOfRange`, `Io`.
pub fn check_file(path: &Path) -> Result<(), VaultError> {
    let file = store::resolve(path)?;
    let bytes = store::read(&file)?;
    format::parse(&bytes).map(|_| ())
}

/// Restores the backup of the vault at `path` (`NAME.bak`, the previous version every save
/// keeps): the current file, if any, is kept aside as `NAME.damaged-<now>` (never deleted, never
/// overwritten), then a copy of the backup is written in its place (temporary file, fsync, no
/// clobber, fsync of the folder). The backup itself stays where it is. Returns where the
/// current file was put, or `None` when there was none.
///
/// The backup is checked first ([`check_file`]) and nothing is moved when it is unusable. The
/// restored vault opens with the password the backup was written with.
///
/// # Errors
/// `BackupUnusable` when the backup is missing, not a vault, damaged or too new; `Locked` when
/// another process holds the vault; `Io`. On error the vault file is where it was.
pub fn restore_backup(path: &Path, now: i64) -> Result<Option<PathBuf>, VaultError> {
    let file = store::resolve(path)?;
    let backup = Vault::backup_path(&file);
    let unusable = |reason: String| VaultError::BackupUnusable {
        backup: backup.clone(),
        reason,
    };
    let bytes = match store::read(&backup) {
        Ok(bytes) => bytes,
        Err(VaultError::NotFound(_)) => return Err(unusable("it does not exist".into())),
        Err(e) => return Err(unusable(e.to_string())),
    };
    if let Err(e) = format::parse(&bytes) {
        return Err(unusable(e.to_string()));
    }
    let _lock = store::lock(&file, LOCK_WAIT)?;
    let aside = match fs::symlink_metadata(&file) {
        Ok(_) => {
            let aside = free_name(&file, now);
            fs::rename(&file, &aside).map_err(|source| VaultError::Io {
                path: file.clone(),
                source,
            })?;
            Some(aside)
        }
        Err(_) => None,
    };
    if let Err(e) = store::write_new(&file, &bytes) {
        // Put the file we moved back, so a failed restore changes nothing.
        if let Some(aside) = &aside {
            let _ = fs::rename(aside, &file);
        }
        return Err(e);
    }
    Ok(aside)
}

/// `NAME.damaged-<now>`, or `NAME.damaged-<now>-<n>` when that is taken.
fn free_name(file: &Path, now: i64) -> PathBuf {
    let name = file
        .file_name()
        .map_or_else(|| "vault".into(), |n| n.to_string_lossy().into_owned());
    let mut n = 0u32;
    loop {
        let candidate = if n == 0 {
            file.with_file_name(format!("{name}.damaged-{now}"))
        } else {
            file.with_file_name(format!("{name}.damaged-{now}-{n}"))
        };
        if fs::symlink_metadata(&candidate).is_err() {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AccountDraft, SecretString};
    use crate::vault::KdfParams;

    fn vault_with_backup(dir: &Path) -> PathBuf {
        let path = dir.join("v.spv");
        let pw = SecretString::new("pw");
        let mut vault = Vault::create(&path, &pw, KdfParams::MINIMUM).expect("create");
        vault.data_mut().add(
            AccountDraft {
                issuer: "Kept".into(),
                ..Default::default()
            },
            1,
        );
        vault.save().expect("save"); // the empty first version becomes the backup
        path
    }

    fn corrupt(path: &Path) -> Vec<u8> {
        let mut bytes = fs::read(path).expect("read");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        fs::write(path, &bytes).expect("write");
        bytes
    }

    #[test]
    fn a_vault_passes_the_check_and_other_files_do_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = vault_with_backup(dir.path());
        check_file(&path).expect("a vault");
        let text = dir.path().join("notes.txt");
        fs::write(&text, "hello").expect("write");
        assert!(matches!(check_file(&text), Err(VaultError::NotAVault)));
        assert!(matches!(
            check_file(&dir.path().join("missing")),
            Err(VaultError::NotFound(_))
        ));
        corrupt(&path);
        assert!(matches!(check_file(&path), Err(VaultError::Damaged { .. })));
    }

    #[test]
    fn restoring_keeps_the_damaged_file_aside_and_the_backup_opens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = vault_with_backup(dir.path());
        let damaged = corrupt(&path);
        let pw = SecretString::new("pw");
        assert!(matches!(Vault::open(&path, &pw), Err(VaultError::Damaged { .. })));

        let aside = restore_backup(&path, 1_700_000_000)
            .expect("restore")
            .expect("a file was set aside");
        assert_eq!(aside, dir.path().join("v.spv.damaged-1700000000"));
        assert_eq!(
            fs::read(&aside).expect("aside"),
            damaged,
            "the damaged file is kept as it was"
        );
        assert_eq!(
            fs::read(&path).expect("restored"),
            fs::read(Vault::backup_path(&path)).expect("backup"),
            "the backup stays too"
        );
        let restored = Vault::open(&path, &pw).expect("the backup opens");
        assert!(restored.data().accounts.is_empty(), "the previous version");

        // A second restore in the same second does not overwrite the first file set aside.
        corrupt(&path);
        let second = restore_backup(&path, 1_700_000_000).expect("restore").expect("aside");
        assert_eq!(second, dir.path().join("v.spv.damaged-1700000000-1"));
        assert_eq!(fs::read(&aside).expect("first aside"), damaged);
    }

    #[test]
    fn an_unusable_backup_moves_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = vault_with_backup(dir.path());
        let damaged = corrupt(&path);
        fs::write(Vault::backup_path(&path), b"not a vault").expect("write");
        let err = restore_backup(&path, 5).expect_err("refused");
        assert!(matches!(err, VaultError::BackupUnusable { .. }), "{err}");
        assert!(err.to_string().contains("v.spv.bak"), "{err}");
        assert_eq!(fs::read(&path).expect("vault"), damaged, "untouched");
        fs::remove_file(Vault::backup_path(&path)).expect("remove");
        assert!(matches!(
            restore_backup(&path, 5),
            Err(VaultError::BackupUnusable { .. })
        ));
        assert_eq!(
            fs::read_dir(dir.path()).expect("dir").count(),
            2,
            "vault and its lock only"
        );
    }
}
