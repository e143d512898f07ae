//! Folders we create, readable by their owner only.
//!
//! Every folder the workspace makes for a person's data (the vault's, the backups', the
//! settings', the mock server's database, an export folder) goes through here, so none is ever
//! created world-readable by the process umask (`serve` run first used to leave
//! `~/.local/share/smartpush-auth` at 0755, issue 14). On Unix a created folder gets mode 0700
//! (before the umask, which can only take bits away); a folder that already exists is left as
//! the person made it, since changing its mode could break what else lives there.

use std::io;
use std::path::Path;

/// Creates `dir` and its missing ancestors, each with mode 0700 on Unix; an existing folder
/// (`dir` or an ancestor) is left as it is. Succeeds when `dir` is already a folder.
///
/// # Errors
/// The system's error (e.g. a file in the way, no permission).
pub fn create_private(dir: &Path) -> io::Result<()> {
    builder(true).create(dir)
}

/// Creates the single folder `dir` (its parent must exist) with mode 0700 on Unix.
///
/// # Errors
/// `AlreadyExists` when anything is at `dir`, and the system's other errors.
pub fn create_private_new(dir: &Path) -> io::Result<()> {
    builder(false).create(dir)
}

fn builder(recursive: bool) -> std::fs::DirBuilder {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(recursive);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_folders_are_0700_and_existing_ones_are_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let mine = tmp.path().join("mine");
        std::fs::create_dir(&mine).unwrap();
        std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o755)).unwrap();
        let deep = mine.join("a").join("b");
        create_private(&deep).unwrap();
        assert_eq!(mode(&mine.join("a")), 0o700, "a created ancestor");
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(&mine), 0o755, "the person's folder keeps its mode");
        create_private(&deep).unwrap();

        let single = mine.join("single");
        create_private_new(&single).unwrap();
        assert_eq!(mode(&single), 0o700);
        assert_eq!(
            create_private_new(&single).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert!(create_private_new(&mine.join("x").join("y")).is_err(), "no parents");
    }
}
