//! Automatic backups: after each save of a vault with a [`BackupPolicy`]
//! ([`super::Vault::set_auto_backup`]), a copy of the file just written (encrypted as it is,
//! under the same master password) goes into **that vault's own folder** inside the backup
//! folder, `<backup folder>/<vault file name>-<vault id>/vault-<unix seconds>-<n>.spv`
//! ([`vault_dir`]); only the newest [`BackupPolicy::keep`] of that folder are kept.
//!
//! The policy the CLI and the desktop app both use comes from [`configured_policy`]: the
//! settings file [`settings_path`] (`<config dir>/smartpush-auth/backups.json`, written by the
//! app's Backups dialog: `{"dir": "/path" | null, "keep": 10}`), with the folder overridden by
//! `$SMARTPUSH_AUTH_BACKUP_DIR` ([`DIR_ENV`]; empty turns automatic backups off).
//!
//! # Whose backup is it (issue 14)
//!
//! Every vault (the default one, one opened with `--vault`, another file chosen in the app)
//! uses the one configured backup folder. Each vault keeps, prunes, re-encrypts (see
//! [`super::Vault::change_password`]) and removes only the backups in its own subfolder, so
//! ten saves of one vault never push another vault's backups out, and a password change never
//! removes a backup that another vault's key opens.
//!
//! The vault file format holds no id that survives a password change (the master key, salts
//! and keychain entry are all drawn again), so the folder is named after the *vault file*:
//! [`vault_id`] is a hash of its canonical path (symlinks resolved), the same for every save,
//! every password change and every program (CLI or app) that opens it, and readable without
//! the password (`backup list` needs none). Two files are two vaults, even when one is a copy
//! of the other. A vault file that is moved or renamed starts a new folder; the old one is left
//! as it is (never pruned by another vault) and its backups restore by path.
//!
//! # The old flat layout
//!
//! Builds before issue 14 wrote every vault's backups straight into the backup folder. Such a
//! backup belongs to the vault whose *current* password slot it carries (same settings, salt,
//! nonce and wrapped key: it was written under that vault's master key; and since password
//! changes re-keyed every backup the old key opened, a vault's backups carry its current slot).
//! [`list_for`] shows them with the vault's own; the vault's next save (or backup, or password
//! change) moves them into its folder. A flat backup no vault here claims (another vault's, one
//! of a vault that is gone, one left over by a crash) is never pruned, re-encrypted or removed:
//! [`unclaimed`] lists them, and they restore by path.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::format::{self, PasswordSlot, Slot};
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
    /// The backup folder, shared by every vault: each vault's backups go into its own
    /// subfolder, [`BackupPolicy::vault_dir`] (created with mode 0700 when missing).
    pub dir: PathBuf,
    /// How many of the newest backups of each vault are kept (at least 1).
    pub keep: usize,
}

impl BackupPolicy {
    /// The folder of the backups of the vault file at `vault`: [`vault_dir`] in [`Self::dir`].
    pub fn vault_dir(&self, vault: &Path) -> PathBuf {
        vault_dir(&self.dir, vault)
    }
}

/// The id that names the backup folder of the vault file at `vault`: the first 16 hex digits
/// (64 bits) of the SHA-256 of its canonical absolute path, symlinks resolved (for a file that
/// does not exist yet, its folder's canonical path and its name). Stable across saves and
/// password changes; see the module documentation for why the path and not the file.
pub fn vault_id(vault: &Path) -> String {
    let path = canonical(vault);
    let digest = format::sha256(path.as_os_str().as_encoded_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `root/<vault file name>-<vault id>`: where the vault at `vault` keeps its backups inside the
/// backup folder `root`. The name (any character outside `A-Z a-z 0-9 . _ -` replaced by `_`,
/// at most 40 of them) is for people browsing the folder; the id keeps two vaults of the same
/// name apart.
pub fn vault_dir(root: &Path, vault: &Path) -> PathBuf {
    let name: String = canonical(vault)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    // Never a hidden folder, never an empty name.
    let name = match name.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None if name.is_empty() => "vault".to_owned(),
        None => name,
    };
    root.join(format!("{name}-{}", vault_id(vault)))
}

/// `vault` made absolute with every symlink resolved, so each way of naming one file (relative,
/// through a symlink, the app's chosen path) gives one id. A missing file: its folder resolved,
/// then its name; a missing folder: the absolute path as given.
fn canonical(vault: &Path) -> PathBuf {
    if let Ok(path) = std::fs::canonicalize(vault) {
        return path;
    }
    let absolute = std::path::absolute(vault).unwrap_or_else(|_| vault.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent).map_or(absolute.clone(), |p| p.join(name)),
        _ => absolute,
    }
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

/// The backup files directly in `dir` (one vault's folder, or the old flat layout), newest
/// first; an empty list when the folder does not exist. Files of other names and folders are
/// ignored.
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
            if !e.file_type().ok()?.is_file() {
                return None;
            }
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

/// The backups of the vault file at `vault` in the backup folder `root`, newest first: those in
/// its folder ([`vault_dir`]) and those of the old flat layout that carry its current password
/// slot (moved into its folder by its next save). Reads the vault's header, never its content:
/// no password needed. A vault that cannot be read claims no flat backup.
///
/// # Errors
/// `Io` when a folder cannot be read.
pub fn list_for(root: &Path, vault: &Path) -> Result<Vec<BackupFile>, VaultError> {
    let mut out = list(&vault_dir(root, vault))?;
    if let Some(mark) = owner_of_file(vault) {
        out.extend(flat(root, vault, Some(&mark))?.0);
        out.sort_by_key(|b| std::cmp::Reverse((b.created, b.seq)));
    }
    Ok(out)
}

/// The backups of the old flat layout in `root` that the vault at `vault` does not claim
/// (another vault's, or no vault's), newest first. No vault prunes, re-encrypts or removes
/// them; they are listed so a person knows they are there, and restore by path.
///
/// # Errors
/// `Io` when the folder cannot be read.
pub fn unclaimed(root: &Path, vault: &Path) -> Result<Vec<BackupFile>, VaultError> {
    Ok(flat(root, vault, owner_of_file(vault).as_ref())?.1)
}

/// What ties a backup to its vault: the first password slot of a whole, readable vault file.
fn owner(bytes: &[u8]) -> Option<PasswordSlot> {
    format::parse(bytes)
        .ok()?
        .header
        .slots
        .into_iter()
        .find_map(|s| match s {
            Slot::Password(p) => Some(p),
            _ => None,
        })
}

fn owner_of_file(path: &Path) -> Option<PasswordSlot> {
    owner(&store::read(path).ok()?)
}

/// The flat-layout backups in `root`, split into those whose owner is `mark` and the others;
/// the vault file itself is neither (a backup opened with `--vault` is a vault: it must not
/// move itself into its own folder).
fn flat(
    root: &Path,
    vault: &Path,
    mark: Option<&PasswordSlot>,
) -> Result<(Vec<BackupFile>, Vec<BackupFile>), VaultError> {
    let itself = canonical(vault);
    Ok(list(root)?
        .into_iter()
        .filter(|b| canonical(&b.path) != itself)
        .partition(|b| mark.is_some() && owner_of_file(&b.path).as_ref() == mark))
}

/// Moves the flat-layout backups in `policy.dir` that carry `mark` (the vault's password slot)
/// into the folder of the vault at `vault`. Each keeps its name (the next free number of its
/// second if that name is taken); a file that another process moved first is skipped.
pub(crate) fn adopt(policy: &BackupPolicy, vault: &Path, mark: &PasswordSlot) -> Result<(), VaultError> {
    let (mine, _) = flat(&policy.dir, vault, Some(mark))?;
    if mine.is_empty() {
        return Ok(());
    }
    let dir = policy.vault_dir(vault);
    store::create_parent(&dir.join("vault.spv"))?;
    for backup in mine {
        move_into(&backup, &dir)?;
    }
    store::sync_dir(&dir)?;
    store::sync_dir(&policy.dir)
}

/// Moves one backup into `dir` without ever replacing a file there.
fn move_into(backup: &BackupFile, dir: &Path) -> Result<(), VaultError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| VaultError::Io { path, source }
    };
    let mut seq = backup.seq;
    loop {
        let target = dir.join(format!("vault-{:011}-{seq}.spv", backup.created));
        // A hard link never replaces a file: placing and checking are one step.
        match std::fs::hard_link(&backup.path, &target) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !backup.path.exists() => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // The same file moved by another process at the same moment: done.
                if matches!(
                    (std::fs::read(&target), std::fs::read(&backup.path)),
                    (Ok(there), Ok(here)) if there == here
                ) {
                    break;
                }
            }
            // No hard links on this file system: a rename, when the name is free.
            Err(_) if std::fs::symlink_metadata(&target).is_err() => {
                return match std::fs::rename(&backup.path, &target) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    other => other.map_err(io(&target)),
                };
            }
            Err(_) => {}
        }
        seq = seq.checked_add(1).ok_or_else(|| VaultError::Io {
            path: backup.path.clone(),
            source: std::io::Error::other("no free name for this backup in its vault's folder"),
        })?;
    }
    match std::fs::remove_file(&backup.path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&backup.path)(e)),
        _ => Ok(()),
    }
}

/// Writes `bytes` (the whole vault file at `vault`) as a new backup made at `now` in that
/// vault's folder, after moving the vault's flat-layout backups there ([`adopt`]), then removes
/// the oldest of that folder beyond `policy.keep`. Returns the new backup's path.
pub(crate) fn write(policy: &BackupPolicy, vault: &Path, bytes: &[u8], now: i64) -> Result<PathBuf, VaultError> {
    let dir = policy.vault_dir(vault);
    store::create_parent(&dir.join("vault.spv"))?;
    if let Some(mark) = owner(bytes) {
        adopt(policy, vault, &mark)?;
    }
    // Several saves in one second are numbered after the highest number already used for that
    // second (starting at 0 again would reuse a pruned name and sort the newest backup as the
    // oldest). Two processes may still pick the same name: `write_new` never replaces a file,
    // so the loser moves on to the next number.
    let mut seq = list(&dir)?
        .iter()
        .filter(|b| b.created == now)
        .map(|b| b.seq.saturating_add(1))
        .max()
        .unwrap_or(0);
    let path = loop {
        let candidate = dir.join(format!("vault-{now:011}-{seq}.spv"));
        match store::write_new(&candidate, bytes) {
            Ok(()) => break candidate,
            Err(VaultError::AlreadyExists(_)) if seq < u32::MAX => seq += 1,
            Err(e) => return Err(e),
        }
    };
    for old in list(&dir)?.into_iter().skip(policy.keep.max(1)) {
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

    /// A vault path for tests that write bytes that are not a vault (no file needed there).
    const VAULT: &str = "/nonexistent/smartpush-test/v.spv";

    /// Issue 14: one id per vault file however it is named, and a folder name people recognise.
    #[test]
    fn a_vault_file_has_one_folder_however_it_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let vault = real.join("My vault (work).spv");
        std::fs::write(&vault, b"x").unwrap();
        let root = Path::new("/backups");
        let expected = vault_dir(root, &vault);
        let name = expected.file_name().unwrap().to_str().unwrap().to_owned();
        let (stem, id) = name.rsplit_once('-').unwrap();
        assert_eq!(stem, "My_vault__work_.spv");
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            vault_dir(root, &real.join("..").join("real").join("My vault (work).spv")),
            expected
        );
        #[cfg(unix)]
        {
            let link_dir = tmp.path().join("link");
            std::os::unix::fs::symlink(&real, &link_dir).unwrap();
            assert_eq!(vault_dir(root, &link_dir.join("My vault (work).spv")), expected);
            let link_file = tmp.path().join("alias.spv");
            std::os::unix::fs::symlink(&vault, &link_file).unwrap();
            assert_eq!(vault_dir(root, &link_file), expected, "a symlink is its target's vault");
        }
        // A file not created yet already has the id it will keep.
        let later = real.join("later.spv");
        let before = vault_id(&later);
        std::fs::write(&later, b"x").unwrap();
        assert_eq!(vault_id(&later), before);
        assert_ne!(vault_id(&later), vault_id(&vault));
        // Never hidden, never empty.
        assert!(
            vault_dir(root, Path::new("/x/.hidden"))
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("_hidden-")
        );
    }

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
            newest = write(&policy, VAULT.as_ref(), &[i], 500).unwrap();
        }
        let kept = list(&policy.vault_dir(VAULT.as_ref())).unwrap();
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
        let mine = policy.vault_dir(VAULT.as_ref());
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), b"other").unwrap();
        let mut written = Vec::new();
        for (i, now) in [100, 100, 200, 300, 300].into_iter().enumerate() {
            written.push(write(&policy, VAULT.as_ref(), &[i as u8], now).unwrap());
        }
        let listed = list(&mine).unwrap();
        let paths: Vec<&PathBuf> = listed.iter().map(|b| &b.path).collect();
        assert_eq!(paths, [&written[4], &written[3], &written[2]]);
        assert_eq!(std::fs::read(&written[4]).unwrap(), [4]);
        assert!(mine.join("notes.txt").exists(), "other files are left alone");
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
                        write(policy, VAULT.as_ref(), &[t], 500).expect("a concurrent backup never fails");
                    }
                });
            }
        });
        assert_eq!(list(&policy.vault_dir(VAULT.as_ref())).unwrap().len(), 3);
    }
}
