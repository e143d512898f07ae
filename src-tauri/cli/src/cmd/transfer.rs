//! `import` and `export`: files of other authenticators in and out, over the core's
//! `transfer` module.
//!
//! An import reads and checks the whole file before the vault is opened; a file that cannot be
//! read changes nothing. An export never overwrites a file without `--force`, writes it with mode
//! 0600, and is never written in clear unless `--plaintext` says so.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use serde::Serialize;
use smartpush_core::transfer::{self, ExportFormat, Format, MAX_INPUT_BYTES, TransferError};
use zeroize::Zeroizing;

use crate::args::{BackupCommand, ExportArgs, ExportFormatArg, ImportArgs};
use crate::ctx::{Ctx, now};
use crate::error::{CliError, Result};
use crate::output;
use crate::password::{FILE_PASSWORD_ENV, file_password};

/// One account of an import report: added (with its new `id`) or skipped (with the `id` of the
/// account already in the vault, if any, and the `reason`). The issuer and the account name are
/// always apart.
#[derive(Serialize)]
struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    issuer: String,
    account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// One entry that failed: its position, its issuer and account name as far as they could be
/// read (apart), and `label`, the two as one line (`Issuer (account)`), kept for scripts that
/// read it.
#[derive(Serialize)]
struct Failed {
    index: usize,
    issuer: String,
    account: String,
    label: String,
    error: String,
}

/// The `reason` of an entry skipped as a duplicate of an earlier one of the same file.
const DUPLICATE_IN_FILE: &str = "duplicate in the file";

/// `import --json`.
#[derive(Serialize)]
struct ImportReport {
    format: &'static str,
    added: Vec<Entry>,
    skipped: Vec<Entry>,
    failed: Vec<Failed>,
    warnings: Vec<String>,
}

/// Reads at most [`MAX_INPUT_BYTES`] + 1 bytes, so a huge file is refused without reading it all.
fn read_limited(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let read_error = |source| CliError::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    let too_large = |size: u64| CliError::Transfer {
        path: path.to_path_buf(),
        source: TransferError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            max: MAX_INPUT_BYTES,
        },
    };
    if size > MAX_INPUT_BYTES as u64 {
        return Err(too_large(size));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The bytes to import: the files read (each capped) and joined by the core (one file as it is,
/// QR images as their payloads, several URI lists or images line by line).
fn input_bytes(files: &[std::path::PathBuf]) -> Result<Zeroizing<Vec<u8>>> {
    let read = files
        .iter()
        .map(|path| Ok((path.display(), read_limited(path)?)))
        .collect::<Result<Vec<_>>>()?;
    transfer::join_inputs(&read).map_err(|e| match e {
        transfer::JoinError::NotJoinable => CliError::Usage(e.to_string()),
        e => CliError::Invalid(e.to_string()),
    })
}

/// `import FILE... [--format F]`.
pub fn import(ctx: &mut Ctx, args: ImportArgs) -> Result<()> {
    let format = match &args.format {
        None => None,
        Some(name) => Some(Format::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            CliError::Usage(format!(
                "unknown import format '{}' (one of: {})",
                output::label("", name),
                names.join(", ")
            ))
        })?),
    };
    let path = args.files[0].as_path();
    let at = |source| CliError::Transfer {
        path: path.to_path_buf(),
        source,
    };
    let bytes = input_bytes(&args.files)?;
    let outcome = match transfer::import(&bytes, format, None) {
        Err(TransferError::PasswordRequired(found)) => {
            let password = file_password(&format!("Password of the {found} file: "), false)?.ok_or_else(|| {
                CliError::Password(format!(
                    "this {found} export is encrypted: set ${FILE_PASSWORD_ENV} or run at a terminal"
                ))
            })?;
            transfer::import(&bytes, format, Some(&password)).map_err(at)?
        }
        other => other.map_err(at)?,
    };

    let mut report = ImportReport {
        format: outcome.format.as_str(),
        added: Vec::new(),
        skipped: outcome
            .duplicates
            .iter()
            .map(|d| Entry {
                id: None,
                issuer: d.issuer.clone(),
                account: d.account.clone(),
                reason: Some(DUPLICATE_IN_FILE.into()),
            })
            .chain(outcome.skipped.iter().map(|s| Entry {
                id: None,
                issuer: s.entry.issuer.clone(),
                account: s.entry.account.clone(),
                reason: Some(s.reason.to_string()),
            }))
            .collect(),
        failed: outcome
            .failed
            .iter()
            .map(|f| Failed {
                index: f.index,
                issuer: f.issuer.clone(),
                account: f.account.clone(),
                label: f.label.clone(),
                error: f.error.to_string(),
            })
            .collect(),
        warnings: outcome.warnings.clone(),
    };

    if !outcome.accounts.is_empty() {
        let mut vault = ctx.open_for_update()?;
        let now = now();
        for draft in outcome.accounts {
            let (issuer, account) = (draft.issuer.clone(), draft.name.clone());
            match vault.data().find_duplicate(&draft) {
                Some(existing) => report.skipped.push(Entry {
                    id: Some(existing.id.0.clone()),
                    issuer,
                    account,
                    reason: Some("already in the vault".into()),
                }),
                None => {
                    let id = vault.data_mut().add(draft, now);
                    report.added.push(Entry {
                        id: Some(id.0),
                        issuer,
                        account,
                        reason: None,
                    });
                }
            }
        }
        if !report.added.is_empty() {
            vault.save()?;
        }
    }

    if ctx.json {
        output::json(&report)?;
    } else {
        for warning in &report.warnings {
            output::note(format!("warning: {warning}"));
        }
        let mut lines = Vec::new();
        for a in &report.added {
            lines.push(format!(
                "Added {}  {}",
                a.id.as_deref().unwrap_or(""),
                output::label(&a.issuer, &a.account)
            ));
        }
        for s in &report.skipped {
            let label = output::label(&s.issuer, &s.account);
            lines.push(match (&s.id, s.reason.as_deref()) {
                (Some(id), _) => format!("Skipped {label}: already in the vault as {id}"),
                (None, Some(DUPLICATE_IN_FILE) | None) => {
                    format!("Skipped {label}: a duplicate of an earlier entry of the file")
                }
                (None, Some(reason)) => format!("Skipped {label}: {reason}"),
            });
        }
        for f in &report.failed {
            let label = if f.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.label)
            };
            lines.push(format!("Failed entry {}{label}: {}", f.index, f.error));
        }
        lines.push(format!(
            "{} added, {} skipped, {} failed ({} file)",
            report.added.len(),
            report.skipped.len(),
            report.failed.len(),
            report.format
        ));
        output::lines(lines)?;
    }
    if report.added.is_empty() && report.skipped.is_empty() && !report.failed.is_empty() {
        return Err(CliError::Invalid("no entry of the file could be imported".into()));
    }
    Ok(())
}

/// `export --json`.
#[derive(Serialize)]
struct ExportReport<'a> {
    file: String,
    format: &'static str,
    encrypted: bool,
    count: usize,
    left_out: &'a [String],
    lossy: &'a [String],
}

/// `export FILE --format F [--plaintext] [--force]`.
pub fn export(ctx: &mut Ctx, args: ExportArgs) -> Result<()> {
    let format = match (args.format, args.plaintext) {
        (ExportFormatArg::Google, true) => return export_google(ctx, &args),
        (ExportFormatArg::Backup, _) => return export_backup(ctx, &args),
        (ExportFormatArg::Google, false) => {
            return Err(CliError::Usage(
                "--format google writes the secrets in clear text (QR codes): add --plaintext to confirm".into(),
            ));
        }
        (ExportFormatArg::Aegis, false) => ExportFormat::AegisEncrypted,
        (ExportFormatArg::Aegis, true) => ExportFormat::AegisPlain,
        (ExportFormatArg::Uris, true) => ExportFormat::Uris,
        (ExportFormatArg::Uris, false) => {
            return Err(CliError::Usage(
                "--format uris writes the secrets in clear text: add --plaintext to confirm".into(),
            ));
        }
    };
    let path = args.file.as_path();
    check_new(path, args.force)?;
    let vault = ctx.open()?;
    let password = match format {
        ExportFormat::AegisEncrypted => Some(file_password("Password for the export: ", true)?.ok_or_else(|| {
            CliError::Password(format!(
                "an encrypted export needs a password: set ${FILE_PASSWORD_ENV} or run at a terminal (or give --plaintext); nothing was written"
            ))
        })?),
        _ => None,
    };
    let exported =
        transfer::export(&vault.data().accounts, format, password.as_ref()).map_err(|source| CliError::Transfer {
            path: path.to_path_buf(),
            source,
        })?;
    write_private(path, &exported.bytes, args.force)?;

    if ctx.json {
        return output::json(&ExportReport {
            file: path.display().to_string(),
            format: format_name(args.format),
            encrypted: !format.is_plaintext(),
            count: exported.count,
            left_out: &exported.left_out,
            lossy: &exported.lossy,
        });
    }
    for label in &exported.left_out {
        output::note(format!("note: {label} keeps recovery codes only and was not exported"));
    }
    for label in &exported.lossy {
        output::note(format!(
            "note: the note, tags and recovery codes of {label} do not fit in this format"
        ));
    }
    if format.is_plaintext() {
        output::note(format!(
            "warning: {} holds your secrets in clear text; delete it once imported",
            path.display()
        ));
    }
    output::lines([format!(
        "Exported {} account(s) to {}{}",
        exported.count,
        path.display(),
        if format.is_plaintext() { "" } else { " (encrypted)" }
    )])
}

fn format_name(format: ExportFormatArg) -> &'static str {
    match format {
        ExportFormatArg::Aegis => "aegis",
        ExportFormatArg::Uris => "uris",
        ExportFormatArg::Google => "google",
        ExportFormatArg::Backup => "backup",
    }
}

/// Refuses an existing `path` unless `force`.
fn check_new(path: &Path, force: bool) -> Result<()> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(CliError::Invalid(format!(
            "{} already exists; give --force to replace it",
            path.display()
        )));
    }
    Ok(())
}

/// `export DIR --format google --plaintext`: a new folder (mode 0700) of PNG QR codes
/// `google-export-K-of-N.png` (mode 0600), at most ten accounts and
/// [`transfer::GOOGLE_MAX_URI_BYTES`] bytes each.
fn export_google(ctx: &mut Ctx, args: &ExportArgs) -> Result<()> {
    let dir = args.file.as_path();
    if std::fs::symlink_metadata(dir).is_ok() {
        return Err(CliError::Invalid(format!(
            "{} already exists; --format google writes a new folder",
            dir.display()
        )));
    }
    let vault = ctx.open()?;
    let batch_id = i32::try_from(now().rem_euclid(1 << 30)).unwrap_or(1);
    let out = transfer::export_google(&vault.data().accounts, batch_id);
    if out.uris.is_empty() {
        return Err(CliError::Invalid(
            "no account can be exported to Google Authenticator".into(),
        ));
    }
    smartpush_core::folder::create_private_new(dir).map_err(|source| CliError::WriteFile {
        path: dir.to_path_buf(),
        source,
    })?;
    let total = out.uris.len();
    let mut files = Vec::with_capacity(total);
    for (i, uri) in out.uris.iter().enumerate() {
        let png = Zeroizing::new(
            smartpush_core::qr::to_png(uri)
                .map_err(|e| CliError::Invalid(format!("cannot draw QR code {}: {e}", i + 1)))?,
        );
        let file = dir.join(format!("google-export-{}-of-{total}.png", i + 1));
        write_private(&file, &png, false)?;
        files.push(file.display().to_string());
    }
    if ctx.json {
        return output::json(&serde_json::json!({
            "format": "google", "files": files, "count": out.count, "left_out": out.left_out, "lossy": out.lossy,
        }));
    }
    for label in &out.left_out {
        output::note(format!(
            "note: {label} cannot be exported to Google Authenticator (Steam, 7, 9 or 10 digits, a period other than 30 s, or recovery codes only)"
        ));
    }
    output::note(format!(
        "warning: the QR codes in {} hold your secrets in clear text; delete them once scanned",
        dir.display()
    ));
    output::lines(
        std::iter::once(format!(
            "Exported {} account(s) in {total} QR code(s): scan them in order with Google Authenticator",
            out.count
        ))
        .chain(files),
    )
}

/// `export FILE --format backup`: a copy of the vault file (encrypted under the master
/// password), checked by opening the copy.
fn export_backup(ctx: &mut Ctx, args: &ExportArgs) -> Result<()> {
    let path = args.file.as_path();
    check_new(path, args.force)?;
    let vault = ctx.open()?;
    let bytes = std::fs::read(vault.path()).map_err(|source| CliError::ReadFile {
        path: vault.path().to_path_buf(),
        source,
    })?;
    write_private(path, &bytes, args.force)?;
    let copy = ctx.open_other(path)?;
    let count = copy.data().accounts.len();
    if ctx.json {
        return output::json(
            &serde_json::json!({ "file": path.display().to_string(), "format": "backup", "encrypted": true, "count": count }),
        );
    }
    output::lines([format!(
        "Backed up {count} account(s) to {} (the vault file; open it with --vault {} and the master password)",
        path.display(),
        path.display()
    )])
}

/// Writes `bytes` to a new file readable by its owner only; with `replace`, an existing file is
/// replaced atomically (a temporary file beside it, renamed over it).
fn write_private(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    let write_error = |source| CliError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let target = if replace {
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(format!(".tmp-{}", std::process::id()));
        path.with_file_name(name)
    } else {
        path.to_path_buf()
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&target).map_err(write_error)?;
    // From here the file is ours: on failure it is removed, never left half written.
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        if replace {
            std::fs::rename(&target, path)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&target);
    }
    result.map_err(write_error)
}

/// `backup list` and `backup restore`: this vault's backups only (its folder inside the backup
/// folder, and its backups of the old flat layout; see `smartpush_core::vault::backups`).
pub fn backup(ctx: &mut Ctx, sub: BackupCommand) -> Result<()> {
    use smartpush_core::vault::backups;
    let root = crate::ctx::backup_dir().ok_or_else(|| {
        CliError::Invalid(format!(
            "automatic backups are off (${} is empty)",
            crate::ctx::BACKUP_DIR_ENV
        ))
    })?;
    let dir = backups::vault_dir(&root, &ctx.vault_path);
    let listed = backups::list_for(&root, &ctx.vault_path)?;
    match sub {
        BackupCommand::List => {
            if ctx.json {
                let rows: Vec<_> = listed
                    .iter()
                    .map(|b| serde_json::json!({ "path": b.path.display().to_string(), "created": b.created }))
                    .collect();
                return output::json(&rows);
            }
            // Backups of the old shared layout that this vault does not claim: another vault's,
            // or no vault's. Said once, never listed as this vault's.
            let others = backups::unclaimed(&root, &ctx.vault_path)?.len();
            if others > 0 {
                output::note(format!(
                    "{others} older backup(s) in {} belong to another vault or to none; restore one by its path.",
                    root.display()
                ));
            }
            if listed.is_empty() {
                output::note(format!(
                    "No backups yet in {} (one is written after every change).",
                    dir.display()
                ));
                return Ok(());
            }
            let rows: Vec<Vec<String>> = listed
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    vec![
                        (i + 1).to_string(),
                        output::timestamp(b.created),
                        b.path.display().to_string(),
                    ]
                })
                .collect();
            output::lines(output::table(&["#", "WRITTEN", "FILE"], &rows))
        }
        BackupCommand::Restore { backup } => {
            let path = match backup.parse::<usize>() {
                Ok(n) if n >= 1 && !Path::new(&backup).exists() => {
                    listed.get(n - 1).map(|b| b.path.clone()).ok_or_else(|| {
                        CliError::Invalid(format!(
                            "there is no backup number {n} (see `smartpush-auth backup list`)"
                        ))
                    })?
                }
                _ => std::path::PathBuf::from(&backup),
            };
            let restored = ctx.open_other(&path).map_err(|e| match e {
                CliError::Vault(smartpush_core::vault::VaultError::WrongPassword) => CliError::Invalid(format!(
                    "{} does not open with the current master password (it may predate a password change)",
                    path.display()
                )),
                e => e,
            })?;
            let count = restored.data().accounts.len();
            let mut vault = ctx.open_for_update()?;
            *vault.data_mut() = restored.data().clone();
            vault.save()?;
            if ctx.json {
                return output::json(&serde_json::json!({ "restored": path.display().to_string(), "accounts": count }));
            }
            output::lines([format!("Restored {count} account(s) from {}", path.display())])
        }
    }
}
