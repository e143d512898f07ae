//! The command line's one error type: every message is a single line for a person, and none
//! carries a secret (URIs, passwords and codes are never echoed back).

use std::path::PathBuf;

use smartpush_core::otp::OtpError;
use smartpush_core::transfer::TransferError;
use smartpush_core::uri::UriError;
use smartpush_core::vault::VaultError;
use smartpush_core::vault::keychain::KeychainError;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Opening, reading or saving the vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The system keychain could not do what keychain unlock needs.
    #[error(transparent)]
    Keychain(KeychainError),
    /// A URI given on the command line could not be read.
    #[error("URI {index}: {source}")]
    Uri {
        /// 1-based position of the URI among the arguments.
        index: usize,
        /// What is wrong with it.
        source: UriError,
    },
    /// The account's OTP parameters are unusable.
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// No password could be obtained.
    #[error("{0}")]
    Password(String),
    /// A query matched nothing.
    #[error("no account matches '{0}' (see `smartpush-auth list`)")]
    NoMatch(String),
    /// A query matched several accounts.
    #[error("'{query}' matches {count} accounts: {names}; give an id, or --all")]
    Ambiguous {
        /// What was asked for.
        query: String,
        /// How many matched.
        count: usize,
        /// `id Issuer (name)` of each.
        names: String,
    },
    /// An id matched no account.
    #[error("no account with id '{0}' (see `smartpush-auth list`)")]
    UnknownId(String),
    /// The request is understood but cannot be done (a person-readable reason).
    #[error("{0}")]
    Invalid(String),
    /// The arguments do not make sense together (exit status 2, like clap's own errors).
    #[error("{0} (see --help)")]
    Usage(String),
    /// A file given on the command line could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The desktop app could not be started.
    #[error("cannot start the desktop app {}: {source}", path.display())]
    Launch {
        /// Where it was looked for.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An import or export failed as a whole.
    #[error("{}: {source}", path.display())]
    Transfer {
        /// The file imported or exported.
        path: PathBuf,
        /// Why.
        source: TransferError,
    },
    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing to standard output failed (e.g. a closed pipe).
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

impl From<KeychainError> for CliError {
    fn from(e: KeychainError) -> CliError {
        match e {
            KeychainError::Vault(e) => CliError::Vault(e),
            e => CliError::Keychain(e),
        }
    }
}

impl CliError {
    /// The process exit status: 2 for usage errors, 3 for a wrong password (so scripts can
    /// ask again), 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Vault(VaultError::WrongPassword) => 3,
            CliError::Transfer {
                source: TransferError::WrongPassword(_),
                ..
            } => 3,
            _ => 1,
        }
    }
}

/// Result alias for commands.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
