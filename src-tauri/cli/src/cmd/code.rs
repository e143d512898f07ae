//! `code`: the current code of one account, or of every match with `--all`.

use serde::Serialize;
use smartpush_core::otp::{self, Code};
use smartpush_core::vault::{Vault, VaultData};
use smartpush_core::{Account, AccountId, OtpKind};

use crate::args::CodeArgs;
use crate::ctx::{Ctx, now};
use crate::error::{CliError, Result};
use crate::output;

/// One line of `code --json`.
#[derive(Serialize)]
struct CodeJson<'a> {
    id: &'a str,
    issuer: &'a str,
    account: &'a str,
    #[serde(rename = "type")]
    kind: OtpKind,
    code: &'a str,
    /// Seconds the code stays valid (`null` for HOTP, which does not expire).
    valid_for_seconds: Option<u64>,
    next_code: &'a str,
    period: Option<u32>,
    /// For HOTP: the counter this code was computed from.
    counter: Option<u64>,
}

/// `code [QUERY] [--at T] [--all]`.
pub fn code(ctx: &mut Ctx, args: CodeArgs) -> Result<()> {
    let at = args.at.unwrap_or_else(|| now().max(0).unsigned_abs());
    if args.query.is_none() && !args.all {
        return Err(CliError::Usage(
            "which account? give part of its issuer or name, or an id (or --all for every account)".into(),
        ));
    }
    let snapshot = ctx.open()?;
    let mut ids = select(snapshot.data(), args.query.as_deref(), args.all)?;

    // HOTP codes are single-use and the service only looks a few counters ahead: a counter
    // advances only when that one account is asked for, never for a listing or a time query.
    let is_hotp = |id: &AccountId| kind_of(snapshot.data(), id) == Some(OtpKind::Hotp);
    if args.all {
        let before = ids.len();
        ids.retain(|id| !is_hotp(id));
        if ids.len() < before {
            output::note(format!(
                "note: {} HOTP account(s) left out: each code is single-use, ask for it by id",
                before - ids.len()
            ));
        }
    } else if args.at.is_some() && ids.iter().any(is_hotp) {
        return Err(CliError::Usage(
            "--at does not apply to an HOTP account: its codes follow a counter".into(),
        ));
    }
    let needs_update = ids.iter().any(is_hotp);
    // The password was asked for once; reopening under the lock only derives the key again.
    let mut vault: Vault = if needs_update { ctx.open_for_update()? } else { snapshot };
    let mut shown: Vec<(Account, Code)> = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(account) = vault.data_mut().get_mut(&id.0) else {
            return Err(CliError::UnknownId(id.0.clone()));
        };
        let Some(cfg) = account.otp.as_mut() else { continue };
        let code = match otp::generate(cfg, at) {
            Ok(code) => code,
            // One broken account must not hide every other code.
            Err(e) if args.all => {
                output::note(format!(
                    "warning: {}: {e}",
                    output::label(&account.issuer, &account.name)
                ));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if cfg.kind == OtpKind::Hotp {
            cfg.counter = cfg.counter.saturating_add(1);
            account.updated_at = now();
        }
        shown.push((account.clone(), code));
    }
    if needs_update {
        vault.save()?;
    }

    if ctx.json {
        let items: Vec<CodeJson> = shown.iter().map(|(a, c)| to_json(a, c)).collect();
        return match (args.all, items.as_slice()) {
            (false, [one]) => output::json(one),
            _ => output::json(&items),
        };
    }
    if !args.all
        && let [(_, c)] = shown.as_slice()
    {
        return output::lines([c.code.as_str()]);
    }
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(a, c)| {
            let validity = match c.valid_for_seconds {
                Some(s) => format!("{s}s left"),
                None => format!("counter {}", c.counter.unwrap_or_default()),
            };
            vec![c.code.clone(), output::label(&a.issuer, &a.name), validity]
        })
        .collect();
    output::lines(output::columns(&rows))
}

fn to_json<'a>(a: &'a Account, c: &'a Code) -> CodeJson<'a> {
    CodeJson {
        id: &a.id.0,
        issuer: &a.issuer,
        account: &a.name,
        kind: a.otp.as_ref().map_or(OtpKind::Totp, |o| o.kind),
        code: &c.code,
        valid_for_seconds: c.valid_for_seconds,
        next_code: &c.next_code,
        period: c.period,
        counter: c.counter,
    }
}

fn kind_of(data: &VaultData, id: &AccountId) -> Option<OtpKind> {
    data.get(&id.0).and_then(|a| a.otp.as_ref()).map(|o| o.kind)
}

/// The accounts a query names: accounts with codes only; several only with `--all`.
fn select(data: &VaultData, query: Option<&str>, all: bool) -> Result<Vec<AccountId>> {
    let matches: Vec<&Account> = match query {
        Some(q) => data.find(q),
        None => data.accounts.iter().collect(),
    };
    let with_codes: Vec<&Account> = matches.iter().copied().filter(|a| a.otp.is_some()).collect();
    match (with_codes.as_slice(), query) {
        ([], Some(q)) if matches.is_empty() => Err(CliError::NoMatch(q.to_string())),
        ([], Some(_)) => Err(CliError::Invalid(format!(
            "{} keeps recovery codes only; it has no code to show (see `smartpush-auth recovery list {}`)",
            output::label(&matches[0].issuer, &matches[0].name),
            matches[0].id
        ))),
        ([], None) => {
            output::note("No accounts with codes yet.");
            Ok(Vec::new())
        }
        ([one], _) => Ok(vec![one.id.clone()]),
        (several, Some(q)) if !all => Err(CliError::Ambiguous {
            query: q.to_string(),
            count: several.len(),
            names: several
                .iter()
                .map(|a| format!("{} {}", a.id, output::label(&a.issuer, &a.name)))
                .collect::<Vec<_>>()
                .join(", "),
        }),
        (several, _) => Ok(several.iter().map(|a| a.id.clone()).collect()),
    }
}
