//! The one error type every command returns.
//!
//! It crosses IPC as `{"type": "<Variant>", "message": "<sentence for a person>"}` (pinned by a
//! test below), so the UI can branch on `type` and show `message`. Messages never hold a secret:
//! they come from the core's errors, which are written that way.

use serde::Serialize;
use smartpush_core::vault::VaultError;
use ts_rs::TS;

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[serde(tag = "type", content = "message")]
#[non_exhaustive]
pub enum IpcError {
    /// The password does not open the vault.
    #[error("{0}")]
    WrongPassword(String),
    /// The vault file is damaged; the message names the backup when there is one.
    #[error("{0}")]
    Damaged(String),
    /// There is no vault file yet.
    #[error("{0}")]
    NoVault(String),
    /// A vault (or its backup) is already there: creating one would overwrite it.
    #[error("{0}")]
    AlreadyExists(String),
    /// Another process holds the vault, or changed it since it was opened.
    #[error("{0}")]
    InUse(String),
    /// The vault is locked (by the user or the idle timer): unlock it first.
    #[error("{0}")]
    NotUnlocked(String),
    /// An argument is not acceptable (a bad URI, an empty password, an unknown account…).
    #[error("{0}")]
    Invalid(String),
    /// The clipboard could not be written.
    #[error("{0}")]
    Clipboard(String),
    /// Reading or writing a file failed, or the vault was written by a newer version.
    #[error("{0}")]
    Io(String),
    /// The system keychain could not unlock the vault or keep its key (unavailable, entry
    /// removed or not matching): the password still works.
    #[error("{0}")]
    Keychain(String),
}

impl From<smartpush_core::vault::keychain::KeychainError> for IpcError {
    fn from(err: smartpush_core::vault::keychain::KeychainError) -> IpcError {
        match err {
            smartpush_core::vault::keychain::KeychainError::Vault(e) => e.into(),
            e => IpcError::Keychain(e.to_string()),
        }
    }
}

impl From<VaultError> for IpcError {
    fn from(err: VaultError) -> IpcError {
        let message = err.to_string();
        match err {
            VaultError::WrongPassword => IpcError::WrongPassword(message),
            // A header asking for more key derivation than any vault we create is not a vault
            // to open: the unlock screen offers the backup, as for any damaged file.
            VaultError::Damaged { .. } | VaultError::NotAVault | VaultError::KdfWorkTooHigh { .. } => {
                IpcError::Damaged(message)
            }
            VaultError::NotFound(_) => IpcError::NoVault(message),
            VaultError::AlreadyExists(_) | VaultError::BackupExists { .. } => IpcError::AlreadyExists(message),
            VaultError::Locked(_) | VaultError::ChangedOnDisk => IpcError::InUse(message),
            VaultError::EmptyPassword | VaultError::KdfOutOfRange { .. } => IpcError::Invalid(message),
            _ => IpcError::Io(message),
        }
    }
}

impl From<crate::settings::SettingsError> for IpcError {
    fn from(err: crate::settings::SettingsError) -> IpcError {
        let message = err.to_string();
        match err {
            crate::settings::SettingsError::Invalid(_) => IpcError::Invalid(message),
            _ => IpcError::Io(message),
        }
    }
}

impl From<tauri::Error> for IpcError {
    fn from(err: tauri::Error) -> IpcError {
        IpcError::Io(err.to_string())
    }
}

/// What every command returns.
pub type IpcResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_shape_is_type_and_message() {
        let json = serde_json::to_value(IpcError::WrongPassword("wrong password".into())).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"type": "WrongPassword", "message": "wrong password"})
        );
        let json = serde_json::to_value(IpcError::NotUnlocked("the vault is locked".into())).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"type": "NotUnlocked", "message": "the vault is locked"})
        );
    }

    #[test]
    fn vault_errors_map_to_the_variant_the_ui_branches_on() {
        assert!(matches!(
            IpcError::from(VaultError::WrongPassword),
            IpcError::WrongPassword(_)
        ));
        let damaged = VaultError::Damaged {
            reason: "the checksum does not match",
            backup: Some("/v/vault.spv.bak".into()),
        };
        match IpcError::from(damaged) {
            IpcError::Damaged(m) => assert!(m.contains("/v/vault.spv.bak"), "{m}"),
            other => panic!("not Damaged: {other:?}"),
        }
        assert!(matches!(IpcError::from(VaultError::ChangedOnDisk), IpcError::InUse(_)));
        let costly = VaultError::KdfWorkTooHigh {
            asked_mib_passes: 4 * 65_536,
            max_mib_passes: 65_536,
        };
        assert!(matches!(IpcError::from(costly), IpcError::Damaged(_)));
        assert!(matches!(
            IpcError::from(VaultError::NotFound("/x".into())),
            IpcError::NoVault(_)
        ));
    }
}
