//! `add`, `list`, `remove`.

use std::path::Path;

use zeroize::Zeroizing;

use serde::Serialize;
use smartpush_core::account::clean_label;
use smartpush_core::uri::{self, migration};
use smartpush_core::{Account, AccountDraft, Algorithm, OtpConfig, OtpKind, Secret, otp};

use crate::args::{AddArgs, AlgorithmArg, TypeArg};
use crate::ctx::{Ctx, now};
use crate::error::{CliError, Result};
use crate::input;
use crate::output;
use crate::password::Passwords;

/// What happened to one draft.
#[derive(Serialize)]
struct Added {
    id: String,
    issuer: String,
    account: String,
    /// `added` or `duplicate`.
    status: &'static str,
}

/// `add`: every draft is checked before the vault is touched, so a bad URI adds nothing.
pub fn add(ctx: &mut Ctx, mut args: AddArgs) -> Result<()> {
    let drafts = if !args.scan.is_empty() {
        super::scan::drafts_from_images(&args.scan)?
    } else if let Some(path) = &args.uri_file {
        let text = input::read_text(&mut ctx.passwords, path, "a list of URIs", input::MAX_URI_BYTES)?;
        let uris: Vec<Zeroizing<String>> = input::lines(&text).map(|l| Zeroizing::new(l.to_owned())).collect();
        if uris.is_empty() {
            return Err(CliError::Invalid(format!("{} holds no URI", input::name(path))));
        }
        drafts_from_uris(&uris)?
    } else if args.uris.is_empty() {
        let secret = match &args.secret_file {
            Some(path) => Some(input::read_text(
                &mut ctx.passwords,
                path,
                "a base32 secret",
                input::MAX_SECRET_BYTES,
            )?),
            None => args.secret.clone().map(Zeroizing::new),
        };
        let from = if args.secret_file.is_some() {
            "--secret-file"
        } else {
            "--secret"
        };
        vec![draft_by_hand(&args, secret.as_deref().map(|s| (s.as_str(), from)))?]
    } else {
        drafts_from_uris(&uris_of_args(&mut ctx.passwords, &args.uris)?)?
    };
    // The secret came as a flag value (the contract's by-hand form): do not keep a copy around.
    drop(args.secret.take().map(Zeroizing::new));
    drop(
        std::mem::take(&mut args.uris)
            .into_iter()
            .map(Zeroizing::new)
            .collect::<Vec<_>>(),
    );
    for draft in &drafts {
        if let Some(cfg) = &draft.otp {
            otp::validate(cfg)?;
        }
    }

    let mut vault = ctx.open_for_update()?;
    let now = now();
    let mut report = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let (id, status) = match vault.data().find_duplicate(&draft) {
            Some(existing) => (existing.id.0.clone(), "duplicate"),
            None => (vault.data_mut().add(draft.clone(), now).0, "added"),
        };
        report.push(Added {
            id,
            issuer: draft.issuer.clone(),
            account: draft.name.clone(),
            status,
        });
    }
    if report.iter().any(|r| r.status == "added") {
        vault.save()?;
    }

    if ctx.json {
        return output::json(&report);
    }
    output::lines(report.iter().map(|r| match r.status {
        "added" => format!("Added {}  {}", r.id, output::label(&r.issuer, &r.account)),
        _ => format!(
            "Skipped {}: already in the vault as {}",
            output::label(&r.issuer, &r.account),
            r.id
        ),
    }))
}

/// The URIs given as arguments, `-` replaced by the lines of standard input.
fn uris_of_args(passwords: &mut Passwords, args: &[String]) -> Result<Vec<Zeroizing<String>>> {
    let mut uris: Vec<Zeroizing<String>> = Vec::new();
    for arg in args {
        if arg == "-" {
            let text = input::read_text(passwords, Path::new("-"), "a list of URIs", input::MAX_URI_BYTES)?;
            uris.extend(input::lines(&text).map(|l| Zeroizing::new(l.to_owned())));
        } else {
            uris.push(Zeroizing::new(arg.clone()));
        }
    }
    Ok(uris)
}

/// Parses every URI, reporting Google Authenticator export batches that are still missing.
fn drafts_from_uris(uris: &[Zeroizing<String>]) -> Result<Vec<AccountDraft>> {
    let mut drafts = Vec::new();
    let mut batches = migration::BatchSet::new();
    for (i, text) in uris.iter().enumerate() {
        let at = |source| CliError::Uri { index: i + 1, source };
        if text.trim_start().to_ascii_lowercase().starts_with("otpauth-migration:") {
            let batch = migration::decode(text).map_err(at)?;
            for skipped in &batch.skipped {
                output::note(format!(
                    "warning: URI {}: entry {} skipped: {}",
                    i + 1,
                    skipped.index + 1,
                    skipped.error
                ));
            }
            batches.add(batch);
        } else {
            drafts.push(uri::parse_otpauth(text).map_err(at)?);
        }
    }
    for (batch_id, index) in batches.conflicts() {
        output::note(format!(
            "warning: two different part {} of the Google Authenticator export {batch_id} were given; the accounts of both were kept",
            index + 1
        ));
    }
    for (batch_id, missing) in batches.missing() {
        let parts: Vec<String> = missing.iter().map(|i| (i + 1).to_string()).collect();
        output::note(format!(
            "warning: the Google Authenticator export {batch_id} is missing part(s) {} — add those QR codes too",
            parts.join(", ")
        ));
    }
    drafts.extend(batches.accounts());
    if drafts.is_empty() {
        return Err(CliError::Invalid("the URIs hold no accounts".into()));
    }
    Ok(drafts)
}

/// The account of `add --issuer …`; `secret`: the base32 text and the flag it came from.
fn draft_by_hand(args: &AddArgs, secret: Option<(&str, &str)>) -> Result<AccountDraft> {
    let issuer = clean_label(args.issuer.as_deref().unwrap_or_default());
    let name = clean_label(args.account.as_deref().unwrap_or_default());
    if issuer.is_empty() && name.is_empty() {
        return Err(CliError::Usage(
            "nothing to add: give otpauth:// URIs (or --uri-file), or --issuer and --account (with --secret-file for codes)".into(),
        ));
    }
    let otp = match secret {
        None => None,
        Some((text, from)) => {
            // The core's one base32 reader: any length, the problem named without the secret.
            let secret = Secret::parse_base32(text).map_err(|e| CliError::Invalid(format!("{from}: {e}")))?;
            let kind = match args.kind {
                TypeArg::Totp => OtpKind::Totp,
                TypeArg::Hotp => OtpKind::Hotp,
                TypeArg::Steam => OtpKind::Steam,
            };
            match kind {
                OtpKind::Hotp if args.counter.is_none() => {
                    return Err(CliError::Usage(
                        "--type hotp needs --counter (the service's current counter, often 0)".into(),
                    ));
                }
                OtpKind::Hotp if args.period.is_some() => {
                    return Err(CliError::Usage("--period does not apply to --type hotp".into()));
                }
                OtpKind::Totp | OtpKind::Steam if args.counter.is_some() => {
                    return Err(CliError::Usage(format!(
                        "--counter applies to --type hotp only, not {kind}"
                    )));
                }
                _ => {}
            }
            let algorithm = match args.algorithm {
                AlgorithmArg::Sha1 => Algorithm::Sha1,
                AlgorithmArg::Sha256 => Algorithm::Sha256,
                AlgorithmArg::Sha512 => Algorithm::Sha512,
            };
            if kind == OtpKind::Steam && algorithm != Algorithm::Sha1 {
                return Err(CliError::Usage("Steam codes always use SHA1".into()));
            }
            let default_digits = if kind == OtpKind::Steam { 5 } else { 6 };
            Some(OtpConfig {
                kind,
                secret,
                algorithm,
                digits: args.digits.unwrap_or(default_digits),
                period: args.period.unwrap_or(30),
                counter: args.counter.unwrap_or(0),
            })
        }
    };
    Ok(AccountDraft {
        issuer,
        name,
        otp,
        note: args.note.clone().unwrap_or_default(),
        tags: args.tags.clone(),
        recovery_codes: Vec::new(),
        favourite: false,
    })
}

/// One account in `list --json`: everything but the secret.
#[derive(Serialize)]
struct Listed<'a> {
    id: &'a str,
    issuer: &'a str,
    account: &'a str,
    #[serde(rename = "type")]
    kind: Option<OtpKind>,
    algorithm: Option<Algorithm>,
    digits: Option<u8>,
    period: Option<u32>,
    counter: Option<u64>,
    recovery_codes_left: usize,
    recovery_codes_total: usize,
    tags: &'a [String],
    note: &'a str,
    created_at: i64,
    updated_at: i64,
}

impl<'a> From<&'a Account> for Listed<'a> {
    fn from(a: &'a Account) -> Listed<'a> {
        let otp = a.otp.as_ref();
        let time_based = otp.is_some_and(|o| o.kind != OtpKind::Hotp);
        Listed {
            id: &a.id.0,
            issuer: &a.issuer,
            account: &a.name,
            kind: otp.map(|o| o.kind),
            algorithm: otp.map(|o| o.algorithm),
            digits: otp.map(|o| o.digits),
            period: otp.filter(|_| time_based).map(|o| o.period),
            counter: otp.filter(|o| o.kind == OtpKind::Hotp).map(|o| o.counter),
            recovery_codes_left: a.recovery_codes_left(),
            recovery_codes_total: a.recovery_codes.len(),
            tags: &a.tags,
            note: &a.note,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// `list`: accounts without secrets.
pub fn list(ctx: &mut Ctx) -> Result<()> {
    let vault = ctx.open()?;
    let accounts = &vault.data().accounts;
    if ctx.json {
        return output::json(&accounts.iter().map(Listed::from).collect::<Vec<_>>());
    }
    if accounts.is_empty() {
        output::note("No accounts yet. Add one with `smartpush-auth add URI` or `smartpush-auth add --issuer …`.");
        return Ok(());
    }
    let dash = || "-".to_string();
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(Listed::from)
        .map(|l| {
            vec![
                l.id.to_string(),
                if l.issuer.is_empty() {
                    dash()
                } else {
                    clean_label(l.issuer)
                },
                if l.account.is_empty() {
                    dash()
                } else {
                    clean_label(l.account)
                },
                l.kind.map_or_else(|| "recovery only".into(), |k| k.to_string()),
                l.algorithm.map_or_else(dash, |a| a.to_string()),
                l.digits.map_or_else(dash, |d| d.to_string()),
                match (l.period, l.counter) {
                    (Some(p), _) => format!("{p}s"),
                    (None, Some(c)) => format!("counter {c}"),
                    (None, None) => dash(),
                },
                if l.recovery_codes_total == 0 {
                    dash()
                } else {
                    format!("{}/{}", l.recovery_codes_left, l.recovery_codes_total)
                },
            ]
        })
        .collect();
    output::lines(output::table(
        &[
            "ID",
            "ISSUER",
            "ACCOUNT",
            "TYPE",
            "ALGORITHM",
            "DIGITS",
            "PERIOD",
            "RECOVERY LEFT",
        ],
        &rows,
    ))
}

/// `remove ID`.
pub fn remove(ctx: &mut Ctx, id: &str) -> Result<()> {
    let mut vault = ctx.open_for_update()?;
    let removed = vault
        .data_mut()
        .remove(id)
        .ok_or_else(|| CliError::UnknownId(id.to_string()))?;
    vault.save()?;
    let codes = match removed.recovery_codes.len() {
        0 => String::new(),
        n => format!(" and its {n} recovery code(s)"),
    };
    if ctx.json {
        return output::json(&serde_json::json!({ "id": removed.id, "status": "removed" }));
    }
    output::lines([format!(
        "Removed {}  {}{codes}",
        removed.id,
        output::label(&removed.issuer, &removed.name)
    )])
}
