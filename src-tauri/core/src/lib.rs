//! SmartPush Authenticator core.
//!
//! Everything that decides whether a person gets into their account lives here, free of any
//! window toolkit: code generation ([`otp`]), otpauth and Google Authenticator migration URIs
//! ([`uri`]), QR codes ([`qr`]), the encrypted vault ([`vault`]) and the data model they share
//! ([`account`]).
//!
//! Architecture invariants (see ARCHITECTURE.md):
//! * this crate never depends on Tauri, GTK or any UI crate;
//! * time is passed in (`unix_seconds`), never read inside code generation;
//! * no secret (OTP secret, key, password, code, recovery code) appears in any `Debug` or
//!   `Display` output or error message.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod account;
pub mod folder;
pub mod otp;
pub mod qr;
pub mod recovery;
pub mod transfer;
pub mod uri;
pub mod vault;

/// The version of this crate, as shown by the app and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use account::{
    Account, AccountDraft, AccountId, Algorithm, OtpConfig, OtpKind, RecoveryCode, Secret, SecretString,
};
