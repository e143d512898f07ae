//! Commands about the vault file.

use std::path::Path;

use serde::Serialize;

/// Whether a vault exists where the app will look for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    /// The vault path (`$SMARTPUSH_AUTH_VAULT`, else the default under the data directory);
    /// `None` when the platform has no data directory.
    pub path: Option<String>,
    /// True when a file exists at `path`.
    pub exists: bool,
}

impl VaultStatus {
    fn of(path: Option<&Path>) -> VaultStatus {
        VaultStatus {
            path: path.map(|p| p.display().to_string()),
            exists: path.is_some_and(Path::is_file),
        }
    }
}

/// Where the vault is and whether it exists (no password needed, nothing secret).
#[tauri::command]
pub fn vault_status() -> VaultStatus {
    VaultStatus::of(smartpush_core::vault::resolve_path(None).as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reports_an_existing_file_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("vault.spv");
        assert_eq!(VaultStatus::of(Some(&path)).exists, false);
        std::fs::write(&path, b"x").expect("write");
        let status = VaultStatus::of(Some(&path));
        assert!(status.exists);
        assert_eq!(status.path.as_deref(), Some(path.display().to_string().as_str()));
        assert!(!VaultStatus::of(Some(dir.path())).exists, "a folder is not a vault");
        assert_eq!(
            VaultStatus::of(None),
            VaultStatus {
                path: None,
                exists: false
            }
        );
    }
}
