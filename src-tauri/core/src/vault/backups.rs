//! Automatic backups: after each save of a vault with a [`BackupPolicy`]
//! ([`super::Vault::set_auto_backup`]), a copy of the file just written (encrypted as it is,
//! under the same master password) goes into a backup folder as `vault-<unix seconds>-<n>.spv`;
//! only the newest [`BackupPolicy::keep`] are kept.
//!
//! The policy the CLI and the desktop app both use comes from [`configured_policy`]: the
//! settings file [`settings_path`] (`<config dir>/smartpush-auth/backups.json`, written by the
//! app's Backups dialog: `{"dir": "/path" | null, "keep": 10}`), with the folder overridden by
//! `$SMARTPUSH_AUTH_BACKUP_DIR` ([`DIR_ENV`]; empty turns automatic backups off).
//!
//! A password change re-encrypts the backups under the new key (see
//! [`super::Vault::change_password`]), so the backup folder belongs to one vault.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{VaultError, store};

/// How many backups are kept unless the user chooses otherwise.
pub const DEFAULT_KEEP: usize = 10;

/// The most backups a setting may ask to keep.
pub const MAX_KEEP: usize = 1000;

/// Environment variable naming the automatic backup folder; it overrides the settings file,
/// and an empty value turns automatic backups off.
pub const DIR_ENV: &str = "SMARTPUSH_AUTH_BACKUP_DIR";

/// `<config dir>/smartpush-auth/backups.json`; `None` without a config dir.
pub fn settings_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("smartpush-auth").join("backups.json"))
}

/// The backup settings a person chose (the settings file's content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSettings {
    /// The backup folder; `None`: [`default_dir`].
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// How many of the newest backups are kept (1..=[`MAX_KEEP`]).
    #[serde(default = "default_keep")]
    pub keep: usize,
}

fn default_keep() -> usize {
    DEFAULT_KEEP
}

impl Default for BackupSettings {
    fn default() -> BackupSettings {
        BackupSettings {
            dir: None,
            keep: DEFAULT_KEEP,
        }
    }
}

/// Reads the settings file; a missing file gives the defaults.
///
/// # Errors
/// `Io` when the file cannot be read, or (kind `InvalidData`) is not valid settings.
pub fn load_settings(path: &Path) -> Result<BackupSettings, VaultError> {
    let invalid = |what: String| VaultError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, what),
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BackupSettings::default()),
        Err(source) => {
            return Err(VaultError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let settings: BackupSettings =
        serde_json::from_slice(&bytes).map_err(|e| invalid(format!("not valid backup settings: {e}")))?;
    if !(1..=MAX_KEEP).contains(&settings.keep) {
        return Err(invalid(format!("keep must be between 1 and {MAX_KEEP}")));
    }
    Ok(settings)
}

/// Writes the settings file atomically (mode 0600, folders 0700).
///
/// # Errors
/// `Io`; also (kind `InvalidInput`) when `keep` is outside 1..=[`MAX_KEEP`] or the folder is
/// not an absolute path.
pub fn save_settings(path: &Path, settings: &BackupSettings) -> Result<(), VaultError> {
    let invalid = |what: String| VaultError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, what),
    };
    if !(1..=MAX_KEEP).contains(&settings.keep) {
        return Err(invalid(format!("keep must be between 1 and {MAX_KEEP}")));
    }
    if settings.dir.as_ref().is_some_and(|d| !d.is_absolute()) {
        return Err(invalid("the backup folder must be an absolute path".into()));
    }
    let json = serde_json::to_vec_pretty(settings).map_err(|e| invalid(e.to_string()))?;
    store::create_parent(path)?;
    store::replace_without_backup(path, &json)
}

/// The policy from `settings` and the value of [`DIR_ENV`] (`env`): the variable's folder when
/// set, none when it is empty, else the settings' folder or [`default_dir`].
pub fn policy_from(settings: &BackupSettings, env: Option<OsString>) -> Option<BackupPolicy> {
    let dir = match env {
        Some(dir) if dir.is_empty() => return None,
        Some(dir) => PathBuf::from(dir),
        None => settings.dir.clone().or_else(default_dir)?,
    };
    Some(BackupPolicy {
        dir,
        keep: settings.keep.clamp(1, MAX_KEEP),
    })
}

/// The policy in force for this user: [`settings_path`] (defaults when missing or unreadable,
/// so a broken settings file never stops backups) and `$SMARTPUSH_AUTH_BACKUP_DIR`.
pub fn configured_policy() -> Option<BackupPolicy> {
    let settings = settings_path().and_then(|p| load_settings(&p).ok()).unwrap_or_default();
    policy_from(&settings, std::env::var_os(DIR_ENV))
}

/// `<data dir>/smartpush-auth/backups`, the default backup folder; `None` without a data dir.
pub fn default_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("smartpush-auth").join("backups"))
}

/// Where automatic backups go and how many are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupPolicy {
    /// The backup folder (created with mode 0700 when missing).
    pub dir: PathBuf,
    /// How many of the newest backups are kept (at least 1).
    pub keep: usize,
}

/// One backup file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupFile {
    /// Its path.
    pub path: PathBuf,
    /// When it was written (unix seconds, from its name).
    pub created: i64,
    seq: u32,
}

/// `vault-<seconds>-<n>.spv` → (seconds, n).
fn parse_name(name: &str) -> Option<(i64, u32)> {
    let rest = name.strip_prefix("vault-")?.strip_suffix(".spv")?;
    let (secs, seq) = rest.split_once('-')?;
    Some((secs.parse().ok()?, seq.parse().ok()?))
}

/// The backups in `dir`, newest first; an empty list when the folder does not exist. Files of
/// other names are ignored.
pub fn list(dir: &Path) -> Result<Vec<BackupFile>, VaultError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(VaultError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut out: Vec<BackupFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let (created, seq) = parse_name(e.file_name().to_str()?)?;
            Some(BackupFile {
                path: e.path(),
                created,
                seq,
            })
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse((b.created, b.seq)));
    Ok(out)
}

/// Writes `bytes` (a whole vault file) as a new backup made at `now`, then removes the oldest
/// beyond `policy.keep`. Returns the new backup's path.
pub(crate) fn write(policy: &BackupPolicy, bytes: &[u8], now: i64) -> Result<PathBuf, VaultError> {
    store::create_parent(&policy.dir.join("vault.spv"))?;
    // Several saves in one second are numbered after the highest number already used for that
    // second (starting at 0 again would reuse a pruned name and sort the newest backup as the
    // oldest). Two processes may still pick the same name: `write_new` never replaces a file,
    // so the loser moves on to the next number.
    let mut seq = list(&policy.dir)?
        .iter()
        .filter(|b| b.created == now)
        .map(|b| b.seq.saturating_add(1))
        .max()
        .unwrap_or(0);
    let path = loop {
        let candidate = policy.dir.join(format!("vault-{now:011}-{seq}.spv"));
        match store::write_new(&candidate, bytes) {
            Ok(()) => break candidate,
            Err(VaultError::AlreadyExists(_)) if seq < u32::MAX => seq += 1,
            Err(e) => return Err(e),
        }
    };
    for old in list(&policy.dir)?.into_iter().skip(policy.keep.max(1)) {
        match std::fs::remove_file(&old.path) {
            // Another process pruned it first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(VaultError::Io { path: old.path, source }),
            Ok(()) => {}
        }
    }
    Ok(path)
}

/// Replaces one backup atomically (temporary file beside it, rename): a crash leaves it whole,
/// old or new.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    #[cfg(test)]
    if crash::hit() {
        return Err(VaultError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("simulated crash"),
        });
    }
    store::replace_without_backup(path, bytes)
}

/// Test hook: make the n-th [`replace`] of this thread fail, as a crash midway would stop it.
#[cfg(test)]
pub(crate) mod crash {
    use std::cell::Cell;

    thread_local! {
        static AFTER: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// The next `n` replacements succeed, the one after fails.
    pub(crate) fn after(n: usize) {
        AFTER.with(|a| a.set(Some(n)));
    }

    pub(super) fn hit() -> bool {
        AFTER.with(|a| match a.get() {
            Some(0) => {
                a.set(None);
                true
            }
            Some(n) => {
                a.set(Some(n - 1));
                false
            }
            None => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_the_environment_overrides_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg").join("backups.json");
        assert_eq!(load_settings(&path).unwrap(), BackupSettings::default());
        let chosen = BackupSettings {
            dir: Some(dir.path().join("mine")),
            keep: 3,
        };
        save_settings(&path, &chosen).unwrap();
        assert_eq!(load_settings(&path).unwrap(), chosen);
        let policy = policy_from(&chosen, None).unwrap();
        assert_eq!(
            (policy.dir.as_path(), policy.keep),
            (dir.path().join("mine").as_path(), 3)
        );
        let policy = policy_from(&chosen, Some("/elsewhere".into())).unwrap();
        assert_eq!((policy.dir, policy.keep), (PathBuf::from("/elsewhere"), 3));
        assert_eq!(policy_from(&chosen, Some("".into())), None);
        for bad in [0, MAX_KEEP + 1] {
            let e = save_settings(&path, &BackupSettings { dir: None, keep: bad }).unwrap_err();
            assert!(e.to_string().contains("keep"), "{e}");
        }
        assert!(
            save_settings(
                &path,
                &BackupSettings {
                    dir: Some("rel".into()),
                    keep: 2
                }
            )
            .is_err()
        );
        std::fs::write(&path, b"{\"keep\": \"ten\"}").unwrap();
        assert!(load_settings(&path).is_err());
        std::fs::write(&path, b"{\"keep\": 0}").unwrap();
        assert!(load_settings(&path).is_err());
    }

    /// Regression (seen in CI): more saves in one second than backups kept reused a pruned
    /// name, and the newest backup was then listed as the oldest and pruned.
    #[test]
    fn many_saves_in_one_second_stay_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let policy = BackupPolicy {
            dir: dir.path().join("b"),
            keep: 3,
        };
        let mut newest = PathBuf::new();
        for i in 0..12u8 {
            newest = write(&policy, &[i], 500).unwrap();
        }
        let kept = list(&policy.dir).unwrap();
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].path, newest);
        let contents: Vec<u8> = kept.iter().map(|b| std::fs::read(&b.path).unwrap()[0]).collect();
        assert_eq!(contents, [11, 10, 9]);
    }

    #[test]
    fn keeps_the_newest_and_lists_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let policy = BackupPolicy {
            dir: dir.path().join("b"),
            keep: 3,
        };
        std::fs::create_dir_all(&policy.dir).unwrap();
        std::fs::write(policy.dir.join("notes.txt"), b"other").unwrap();
        let mut written = Vec::new();
        for (i, now) in [100, 100, 200, 300, 300].into_iter().enumerate() {
            written.push(write(&policy, &[i as u8], now).unwrap());
        }
        let listed = list(&policy.dir).unwrap();
        let paths: Vec<&PathBuf> = listed.iter().map(|b| &b.path).collect();
        assert_eq!(paths, [&written[4], &written[3], &written[2]]);
        assert_eq!(std::fs::read(&written[4]).unwrap(), [4]);
        assert!(policy.dir.join("notes.txt").exists(), "other files are left alone");
        assert!(list(&dir.path().join("missing")).unwrap().is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&written[4]).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn concurrent_writers_in_the_same_second_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let policy = BackupPolicy {
            dir: dir.path().to_path_buf(),
            keep: 3,
        };
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let policy = &policy;
                s.spawn(move || {
                    for _ in 0..15 {
                        write(policy, &[t], 500).expect("a concurrent backup never fails");
                    }
                });
            }
        });
        assert_eq!(list(&policy.dir).unwrap().len(), 3);
    }
}
