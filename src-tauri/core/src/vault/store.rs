//! The vault file on disk: reading, the advisory lock, atomic replacement with a backup.
//!
//! Files next to a vault `DIR/NAME`:
//! * `DIR/NAME.lock` — the advisory lock (`flock`-style, via `File::lock`); created once, never
//!   deleted (deleting a lock file races with a process that has just opened it);
//! * `DIR/NAME.bak` — the previous version, replaced at every save;
//! * `DIR/.NAME.tmp-XXXXXXXX`, `DIR/.NAME.bak-tmp-XXXXXXXX` — short-lived temporary files; ones
//!   left by a crash are removed by the next save (which holds the lock, so none is in use).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::VaultError;
use super::format::{MAGIC, MAX_FILE_LEN, damaged};

/// How long a process waits for another one to release the vault's lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> VaultError + '_ {
    move |source| VaultError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `DIR/NAME` + suffix.
fn sibling(path: &Path, prefix: &str, suffix: &str) -> Result<PathBuf, VaultError> {
    let name = path.file_name().ok_or_else(|| VaultError::Io {
        path: path.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "the vault path does not name a file"),
    })?;
    let mut new = OsString::from(prefix);
    new.push(name);
    new.push(suffix);
    Ok(path.with_file_name(new))
}

/// Where the previous version of the vault is kept.
pub(crate) fn backup_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(OsString::from)
        .unwrap_or_else(|| OsString::from("vault"));
    name.push(".bak");
    path.with_file_name(name)
}

fn lock_path(path: &Path) -> Result<PathBuf, VaultError> {
    sibling(path, "", ".lock")
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Eight random hex digits for a temporary name.
fn random_suffix() -> Result<String, VaultError> {
    let mut b = [0u8; 4];
    super::random_bytes(&mut b)?;
    Ok(b.iter().map(|b| format!("{b:02x}")).collect())
}

/// The file to read and replace for `path`: `path` itself, or its target when it is a symlink.
pub(crate) fn resolve(path: &Path) -> Result<PathBuf, VaultError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => VaultError::NotFound(path.to_path_buf()),
            _ => VaultError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        }),
        _ => Ok(path.to_path_buf()),
    }
}

/// Reads a whole vault file (at most [`MAX_FILE_LEN`] bytes).
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, VaultError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => VaultError::NotFound(path.to_path_buf()),
        _ => VaultError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() as u64 > MAX_FILE_LEN {
        return Err(if bytes.starts_with(&MAGIC) {
            damaged("the file is far larger than any vault")
        } else {
            VaultError::NotAVault
        });
    }
    Ok(bytes)
}

/// The exclusive advisory lock on a vault, held until dropped.
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: File,
}

/// Takes the vault's exclusive lock, polling for up to `wait` while another process holds it.
pub(crate) fn lock(path: &Path, wait: Duration) -> Result<LockGuard, VaultError> {
    let lock_path = lock_path(path)?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&lock_path).map_err(io_err(&lock_path))?;
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(5);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(LockGuard { _file: file }),
            Err(fs::TryLockError::WouldBlock) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(VaultError::Locked(path.to_path_buf()));
                }
                std::thread::sleep(pause.min(deadline - now));
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            // A file system without locks (some network and FUSE mounts): go on without one.
            // Saves still refuse to overwrite a file that changed since it was read
            // (`ChangedOnDisk`), which leaves only a tiny window between check and rename.
            Err(fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
                return Ok(LockGuard { _file: file });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(VaultError::Io {
                    path: lock_path,
                    source: e,
                });
            }
        }
    }
}

/// Creates the vault's folder (and missing ancestors) with mode 0700; an existing folder is left
/// as it is.
pub(crate) fn create_parent(path: &Path) -> Result<(), VaultError> {
    let dir = parent_dir(path);
    crate::folder::create_private(dir).map_err(io_err(dir))
}

/// Writes `bytes` to a new temporary file next to `path`, mode 0600, flushed to disk.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, VaultError> {
    let temp = sibling(path, ".", &format!(".tmp-{}", random_suffix()?))?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match result {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(VaultError::Io { path: temp, source: e })
        }
    }
}

/// Flushes a folder's entries (renames, links) to disk. A no-op where folders cannot be opened.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes a new vault; fails with `AlreadyExists` if one is there. Call with the lock held.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(VaultError::AlreadyExists(path.to_path_buf()));
    }
    let temp = write_temp(path, bytes)?;
    // A hard link never replaces an existing file: the no-clobber check and the creation are
    // one atomic step. Where hard links are not supported, the check above (under the lock)
    // and a rename do.
    let placed = match fs::hard_link(&temp, path) {
        Ok(()) => fs::remove_file(&temp).map_err(io_err(&temp)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(VaultError::AlreadyExists(path.to_path_buf())),
        Err(_) => fs::rename(&temp, path).map_err(io_err(path)),
    };
    if placed.is_err() {
        let _ = fs::remove_file(&temp);
    }
    placed?;
    sync_dir(parent_dir(path))
}

/// Replaces the vault atomically, keeping the current file as `NAME.bak`. Call with the lock held.
///
/// Steps: write and fsync a temporary file; hard-link the current vault to a temporary name and
/// rename that over `NAME.bak` (copy when hard links fail); rename the temporary file over the
/// vault; fsync the folder. A crash at any point leaves the vault either old or new.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    remove_stale_temps(path);
    let temp = write_temp(path, bytes)?;
    let result = keep_backup(path).and_then(|()| fs::rename(&temp, path).map_err(io_err(path)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    sync_dir(parent_dir(path))
}

/// Replaces `path` atomically without keeping the previous version: a temporary file beside
/// it, fsync, rename over it, fsync of the folder. A crash leaves the old file or the new one.
pub(crate) fn replace_without_backup(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let temp = write_temp(path, bytes)?;
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(VaultError::Io {
            path: path.to_path_buf(),
            source: e,
        });
    }
    sync_dir(parent_dir(path))
}

/// Makes `NAME.bak` a copy of the current vault (by hard link when possible).
fn keep_backup(path: &Path) -> Result<(), VaultError> {
    let backup = backup_path(path);
    let temp = sibling(path, ".", &format!(".bak-tmp-{}", random_suffix()?))?;
    let made = match fs::hard_link(path, &temp) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(VaultError::NotFound(path.to_path_buf())),
        Err(_) => copy_file(path, &temp),
    };
    let result = made.and_then(|()| fs::rename(&temp, &backup).map_err(io_err(&backup)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Copies `from` to a new file `to` (mode 0600), flushed to disk.
fn copy_file(from: &Path, to: &Path) -> Result<(), VaultError> {
    let mut source = File::open(from).map_err(io_err(from))?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut dest = options.open(to).map_err(io_err(to))?;
    io::copy(&mut source, &mut dest)
        .and_then(|_| dest.sync_all())
        .map_err(io_err(to))
}

/// Removes temporary files a crashed save left behind. Best effort: failures are ignored.
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.bak-tmp-")];
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        if prefixes
            .iter()
            .any(|p| file_name.strip_prefix(p.as_str()).is_some_and(|rest| rest.len() == 8))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}
