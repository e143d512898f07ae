//! Line-based URI lists: `otpauth://` URIs (plain lists, Ente Auth's export, whose extra
//! `codeDisplay` parameter is ignored) and Google Authenticator's `otpauth-migration://` URIs,
//! mixed freely. Blank lines and `#` comments are skipped.

use zeroize::Zeroizing;

use super::{Format, Imported, Importer, TransferError, label_of, push_entry, text_of};
use crate::account::SecretString;
use crate::otp;
use crate::uri::{self, migration};

/// Reads URI lists ([`Format::Uris`], [`Format::GoogleMigration`], [`Format::Ente`]).
pub(crate) struct UriList;

impl Importer for UriList {
    fn format(&self) -> Format {
        Format::Uris
    }

    fn read(&self, input: &[u8], _password: Option<&SecretString>) -> Result<Imported, TransferError> {
        let text = Zeroizing::new(text_of(input)?.to_string());
        let mut out = Imported::default();
        let mut batches = migration::BatchSet::new();
        let mut any = false;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            any = true;
            let index = i + 1;
            let is_migration = line
                .get(..migration::SCHEME.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(migration::SCHEME));
            if is_migration {
                match migration::decode(line) {
                    Ok(batch) => {
                        for skipped in &batch.skipped {
                            out.warnings.push(format!(
                                "line {index}: entry {} of the Google Authenticator export skipped: {}",
                                skipped.index + 1,
                                skipped.error
                            ));
                        }
                        batches.add(batch);
                    }
                    Err(e) => push_entry(&mut out, index, String::new(), Err(e.into())),
                }
            } else {
                let result = uri::parse_otpauth(line)
                    .map_err(TransferError::from)
                    .and_then(|draft| match &draft.otp {
                        Some(cfg) => otp::validate(cfg).map(|()| draft).map_err(TransferError::from),
                        None => Ok(draft),
                    });
                push_entry(&mut out, index, String::new(), result);
            }
        }
        if !any {
            return Err(TransferError::Empty);
        }
        for (batch_id, index) in batches.conflicts() {
            out.warnings.push(format!(
                "two different part {} of the Google Authenticator export {batch_id} were given; the accounts of both were kept",
                index + 1
            ));
        }
        for (batch_id, missing) in batches.missing() {
            let parts: Vec<String> = missing.iter().map(|i| (i + 1).to_string()).collect();
            out.warnings.push(format!(
                "the Google Authenticator export {batch_id} is missing part(s) {}: import those QR codes too",
                parts.join(", ")
            ));
        }
        for draft in batches.accounts() {
            match draft.otp.as_ref().map(otp::validate) {
                Some(Err(e)) => out.failed.push(super::EntryError {
                    index: 0,
                    label: label_of(&draft.issuer, &draft.name),
                    error: e.into(),
                }),
                _ => out.accounts.push(draft),
            }
        }
        Ok(out)
    }
}
