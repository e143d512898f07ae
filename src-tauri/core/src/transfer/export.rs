//! Exporters: Aegis vault JSON (encrypted, or plain) and otpauth URI lists.

use zeroize::Zeroizing;

use super::{TransferError, aegis, label_of};
use crate::account::{Account, SecretString};
use crate::uri;

/// What [`export`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportFormat {
    /// Aegis vault JSON encrypted under a password (one scrypt slot, AES-256-GCM): Aegis and
    /// the apps that read Aegis import it.
    AegisEncrypted,
    /// Aegis vault JSON in clear text.
    AegisPlain,
    /// `otpauth://` URIs, one per line, in clear text (notes, tags and recovery codes are lost).
    Uris,
}

impl ExportFormat {
    /// True when the output holds the secrets in clear text.
    pub fn is_plaintext(self) -> bool {
        !matches!(self, ExportFormat::AegisEncrypted)
    }
}

/// An export, ready to write. Its `Debug` shows the size of the bytes, never the bytes.
pub struct Exported {
    /// The file's bytes: secret when the format is plaintext (zeroized when dropped).
    pub bytes: Zeroizing<Vec<u8>>,
    /// How many accounts it holds.
    pub count: usize,
    /// Labels of the entries left out (those keeping only recovery codes, which have no OTP
    /// settings for another app to use).
    pub left_out: Vec<String>,
    /// Labels of the accounts whose note, tags or recovery codes the format cannot carry.
    pub lossy: Vec<String>,
}

impl std::fmt::Debug for Exported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exported")
            .field("bytes", &format_args!("[redacted; {} bytes]", self.bytes.len()))
            .field("count", &self.count)
            .field("left_out", &self.left_out)
            .field("lossy", &self.lossy)
            .finish()
    }
}

/// Writes `accounts` in `format`. [`ExportFormat::AegisEncrypted`] needs a non-empty
/// `password` ([`TransferError::PasswordRequired`] / [`TransferError::EmptyPassword`]) and is
/// never written in clear; the other formats ignore it.
pub fn export(
    accounts: &[Account],
    format: ExportFormat,
    password: Option<&SecretString>,
) -> Result<Exported, TransferError> {
    let (with_otp, without): (Vec<&Account>, Vec<&Account>) = accounts.iter().partition(|a| a.otp.is_some());
    let left_out = without.iter().map(|a| label_of(&a.issuer, &a.name)).collect();
    let (bytes, lossy) = match format {
        ExportFormat::AegisEncrypted => {
            let password = password.ok_or(TransferError::PasswordRequired(super::Format::Aegis))?;
            (aegis::vault_file(&with_otp, Some(password))?, Vec::new())
        }
        ExportFormat::AegisPlain => (aegis::vault_file(&with_otp, None)?, Vec::new()),
        ExportFormat::Uris => {
            let mut text = Zeroizing::new(String::new());
            let mut lossy = Vec::new();
            for account in &with_otp {
                let Some(otp) = &account.otp else { continue };
                text.push_str(&uri::to_otpauth(&account.issuer, &account.name, otp));
                text.push('\n');
                if !account.note.is_empty() || !account.tags.is_empty() || !account.recovery_codes.is_empty() {
                    lossy.push(label_of(&account.issuer, &account.name));
                }
            }
            (Zeroizing::new(text.as_bytes().to_vec()), lossy)
        }
    };
    Ok(Exported {
        bytes,
        count: with_otp.len(),
        left_out,
        lossy,
    })
}

/// The most accounts per Google Authenticator export QR code, as Google's own exporter.
pub const GOOGLE_ACCOUNTS_PER_QR: usize = 10;

/// The byte budget of one Google Authenticator export URI (one QR code). At error-correction
/// level M a URI of this length needs QR version 20 at most (97×97 modules; version 20 holds 666
/// bytes at M), which phones read off a laptop screen at the dialog's size and which our own
/// scanner decodes at 2 pixels per module (measured by
/// `google_batches_are_sized_by_bytes_and_every_batch_decodes` in `tests/transfer_roundtrip.rs`).
/// About seven typical accounts fit; long names or secrets make more, smaller batches.
pub const GOOGLE_MAX_URI_BYTES: usize = 660;

/// A Google Authenticator export: `otpauth-migration://` URIs, each for one QR code.
pub struct GoogleExport {
    /// The URIs, in batch order; each is a secret.
    pub uris: Vec<Zeroizing<String>>,
    /// How many accounts they hold.
    pub count: usize,
    /// Labels of the accounts the format cannot carry (Steam, 7, 9 or 10 digits, a period other than
    /// 30 s, recovery codes only).
    pub left_out: Vec<String>,
    /// Labels of the accounts whose note, tags or recovery codes are lost.
    pub lossy: Vec<String>,
}

impl std::fmt::Debug for GoogleExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleExport")
            .field("uris", &self.uris.len())
            .field("count", &self.count)
            .field("left_out", &self.left_out)
            .field("lossy", &self.lossy)
            .finish()
    }
}

/// `accounts` as Google Authenticator export URIs of at most [`GOOGLE_ACCOUNTS_PER_QR`] accounts
/// and [`GOOGLE_MAX_URI_BYTES`] bytes each, sharing `batch_id` (pick it at random, so two
/// exports are told apart when scanned).
pub fn export_google(accounts: &[Account], batch_id: i32) -> GoogleExport {
    let mut drafts = Vec::new();
    let mut left_out = Vec::new();
    let mut lossy = Vec::new();
    for account in accounts {
        let draft = crate::account::AccountDraft {
            issuer: account.issuer.clone(),
            name: account.name.clone(),
            otp: account.otp.clone(),
            ..Default::default()
        };
        let label = label_of(&account.issuer, &account.name);
        if !uri::migration::can_encode(&draft) {
            left_out.push(label);
            continue;
        }
        if !account.note.is_empty() || !account.tags.is_empty() || !account.recovery_codes.is_empty() {
            lossy.push(label);
        }
        drafts.push(draft);
    }
    GoogleExport {
        uris: uri::migration::encode_within(&drafts, GOOGLE_ACCOUNTS_PER_QR, GOOGLE_MAX_URI_BYTES, batch_id),
        count: drafts.len(),
        left_out,
        lossy,
    }
}
