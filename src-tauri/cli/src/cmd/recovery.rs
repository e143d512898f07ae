//! `recovery add|list|use`: a service's recovery codes, kept beside its OTP secret.

use std::path::Path;

use serde::Serialize;
use smartpush_core::recovery::{self, LOW_WATER_MARK};
use smartpush_core::{Account, RecoveryCode, SecretString};

use crate::args::RecoveryCommand;
use crate::ctx::{Ctx, now};
use crate::error::{CliError, Result};
use crate::input;
use crate::output;
use crate::password::prompt_hidden;

/// Runs one `recovery` subcommand.
pub fn run(ctx: &mut Ctx, command: RecoveryCommand) -> Result<()> {
    match command {
        RecoveryCommand::Add { id, codes, file } => add(ctx, &id, codes, file.as_deref()),
        RecoveryCommand::List { id } => list(ctx, &id),
        RecoveryCommand::Use { id, code, code_file } => {
            // Before the vault is opened: a missing code is told before any key derivation.
            let code = code_to_use(ctx, code, code_file.as_deref())?;
            mark_used(ctx, &id, code.expose())
        }
    }
}

/// The code for `recovery use`: the argument, the one line of `--code-file`, or typed at the
/// terminal without echo.
fn code_to_use(ctx: &mut Ctx, arg: Option<String>, file: Option<&Path>) -> Result<SecretString> {
    if let Some(code) = arg {
        return Ok(SecretString::new(code));
    }
    if let Some(path) = file {
        let text = input::read_text(&mut ctx.passwords, path, "a recovery code", input::MAX_SECRET_BYTES)?;
        let mut lines = input::lines(&text);
        return match (lines.next(), lines.next()) {
            (Some(code), None) => Ok(SecretString::new(code.to_owned())),
            (None, _) => Err(CliError::Invalid(format!(
                "{} holds no recovery code",
                input::name(path)
            ))),
            (Some(_), Some(_)) => Err(CliError::Invalid(format!(
                "{} holds more than one line; give one recovery code",
                input::name(path)
            ))),
        };
    }
    let typed = prompt_hidden("Recovery code: ", "the recovery code")?.ok_or_else(|| {
        CliError::Usage(
            "which recovery code? give --code-file PATH (\"-\": standard input) when not at a terminal".into(),
        )
    })?;
    let code = typed.expose().trim();
    if code.is_empty() {
        return Err(CliError::Invalid("no recovery code was typed".into()));
    }
    Ok(SecretString::new(code.to_owned()))
}

fn add(ctx: &mut Ctx, id: &str, codes: Vec<String>, file: Option<&Path>) -> Result<()> {
    let codes: Vec<String> = match file {
        Some(path) => {
            let text = input::read_text(
                &mut ctx.passwords,
                path,
                "a recovery-codes file",
                input::MAX_CODES_BYTES,
            )?;
            let found = recovery::parse_codes_text(&text);
            if found.is_empty() {
                return Err(CliError::Invalid(format!(
                    "no recovery codes found in {}",
                    input::name(path)
                )));
            }
            found
        }
        None => codes
            .into_iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
    };
    if codes.is_empty() {
        return Err(CliError::Usage("no recovery codes given".into()));
    }

    let mut vault = ctx.open_for_update()?;
    let account = vault
        .data_mut()
        .get_mut(id)
        .ok_or_else(|| CliError::UnknownId(id.to_string()))?;
    let mut added = 0;
    for code in codes {
        let known = account
            .recovery_codes
            .iter()
            .any(|c| recovery::normalize(c.code.expose()) == recovery::normalize(&code));
        if !known {
            account.recovery_codes.push(RecoveryCode {
                code: SecretString::new(code),
                used_at: None,
                note: String::new(),
            });
            added += 1;
        }
    }
    let summary = (
        output::label(&account.issuer, &account.name),
        account.recovery_codes_left(),
    );
    if added > 0 {
        account.updated_at = now();
        vault.save()?;
    }
    if ctx.json {
        return output::json(&serde_json::json!({ "id": id, "added": added, "unused": summary.1 }));
    }
    output::lines([format!(
        "Stored {added} new recovery code(s) for {}; {} unused in all.",
        summary.0, summary.1
    )])
}

#[derive(Serialize)]
struct ListedCode<'a> {
    code: &'a str,
    used: bool,
    used_at: Option<i64>,
    note: &'a str,
}

fn list(ctx: &mut Ctx, id: &str) -> Result<()> {
    let vault = ctx.open()?;
    let account = vault
        .data()
        .get(id)
        .ok_or_else(|| CliError::UnknownId(id.to_string()))?;
    warn_if_low(account);
    let codes = &account.recovery_codes;
    if ctx.json {
        let items: Vec<ListedCode> = codes
            .iter()
            .map(|c| ListedCode {
                code: c.code.expose(),
                used: c.used_at.is_some(),
                used_at: c.used_at,
                note: &c.note,
            })
            .collect();
        return output::json(&items);
    }
    if codes.is_empty() {
        output::note(format!(
            "No recovery codes stored for {}. Add them with `smartpush-auth recovery add {id} --file FILE`.",
            output::label(&account.issuer, &account.name)
        ));
        return Ok(());
    }
    output::lines(codes.iter().map(|c| match c.used_at {
        None => format!("{}  unused", c.code.expose()),
        Some(t) => format!("{}  used {}", c.code.expose(), output::timestamp(t)),
    }))
}

fn mark_used(ctx: &mut Ctx, id: &str, typed: &str) -> Result<()> {
    let mut vault = ctx.open_for_update()?;
    let account = vault
        .data_mut()
        .get_mut(id)
        .ok_or_else(|| CliError::UnknownId(id.to_string()))?;
    let label = output::label(&account.issuer, &account.name);
    let code = recovery::find_code(&mut account.recovery_codes, typed)
        .ok_or_else(|| CliError::Invalid(format!("that is not one of the recovery codes stored for {label}")))?;
    if let Some(t) = code.used_at {
        return Err(CliError::Invalid(format!(
            "that recovery code was already used ({})",
            output::timestamp(t)
        )));
    }
    let now = now();
    code.used_at = Some(now);
    account.updated_at = now;
    let left = account.recovery_codes_left();
    warn_if_low(account);
    vault.save()?;
    if ctx.json {
        return output::json(&serde_json::json!({ "id": id, "used_at": now, "unused": left }));
    }
    output::lines([format!("Marked used. {left} unused recovery code(s) left for {label}.")])
}

fn warn_if_low(account: &Account) {
    let left = account.recovery_codes_left();
    if !account.recovery_codes.is_empty() && left < LOW_WATER_MARK {
        output::note(format!(
            "warning: only {left} unused recovery code(s) left for {}; generate new ones at the service",
            output::label(&account.issuer, &account.name)
        ));
    }
}
