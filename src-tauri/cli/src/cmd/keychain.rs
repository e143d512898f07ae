//! `keychain enable|disable|status`: unlocking the vault with a key kept in the system keychain.

use smartpush_core::vault::keychain::{self, EntryRemoval, EntryState, KeychainError, KeychainStatus, SERVICE};

use crate::args::KeychainCommand;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::output;

/// Runs one `keychain` subcommand.
pub fn run(ctx: &mut Ctx, sub: KeychainCommand) -> Result<()> {
    match sub {
        KeychainCommand::Enable => enable(ctx),
        KeychainCommand::Disable => disable(ctx),
        KeychainCommand::Status => status(ctx),
    }
}

/// The command that deletes an entry by hand with libsecret's tool.
fn clear_hint(entry: &str) -> String {
    format!("secret-tool clear service {SERVICE} username {entry}")
}

fn enable(ctx: &mut Ctx) -> Result<()> {
    // The password proves the person may set this up; the keychain is not asked to open it.
    let mut vault = ctx.open_for_update_with_password()?;
    vault.enable_keychain(&*ctx.keystore)?;
    let entry = vault.keychain_entry().unwrap_or_default();
    if ctx.json {
        return output::json(&serde_json::json!({
            "vault": ctx.vault_path, "enabled": true, "service": SERVICE, "account": entry,
        }));
    }
    output::lines([
        format!(
            "Keychain unlock is on: the system keychain holds a key for this vault (service {SERVICE}, account {entry})."
        ),
        "Commands open the vault without asking for the password; the password keeps working.".to_owned(),
    ])
}

fn disable(ctx: &mut Ctx) -> Result<()> {
    let mut vault = ctx.open_for_update()?;
    let removal = match vault.disable_keychain(&*ctx.keystore) {
        Ok(removal) => Some(removal),
        Err(KeychainError::NotEnabled) => None,
        Err(e) => return Err(e.into()),
    };
    if ctx.json {
        let entry = match &removal {
            None => "none",
            Some(EntryRemoval::Removed) => "removed",
            Some(EntryRemoval::WasMissing) => "was-missing",
            Some(_) => "not-removed",
        };
        return output::json(&serde_json::json!({ "vault": ctx.vault_path, "enabled": false, "entry": entry }));
    }
    match removal {
        None => output::lines(["Keychain unlock was not on for this vault; nothing changed."]),
        Some(EntryRemoval::Removed) => {
            output::lines(["Keychain unlock is off; its key was removed from the system keychain."])
        }
        Some(EntryRemoval::WasMissing) => {
            output::lines(["Keychain unlock is off (its keychain entry was already gone)."])
        }
        Some(EntryRemoval::Failed { entry, error }) => {
            output::note(format!(
                "smartpush-auth: the keychain entry {entry} could not be removed ({error}); remove it with `{}`",
                clear_hint(&entry)
            ));
            output::lines(["Keychain unlock is off."])
        }
        Some(_) => output::lines(["Keychain unlock is off."]),
    }
}

fn status(ctx: &mut Ctx) -> Result<()> {
    ctx.require_vault()?;
    let status = keychain::status(&ctx.vault_path, &*ctx.keystore)?;
    let (entry, state) = match &status {
        KeychainStatus::Disabled => (None, None),
        KeychainStatus::Enabled { entry, state } => (Some(entry.as_str()), Some(state)),
    };
    if ctx.json {
        let (name, detail) = match state {
            None => (None, None),
            Some(EntryState::Present) => (Some("present"), None),
            Some(EntryState::Missing) => (Some("missing"), None),
            Some(EntryState::Mismatch) => (Some("mismatch"), None),
            Some(EntryState::Unavailable(why)) => (Some("unavailable"), Some(why.as_str())),
            Some(_) => (Some("unknown"), None),
        };
        return output::json(&serde_json::json!({
            "vault": ctx.vault_path, "enabled": entry.is_some(), "service": SERVICE, "account": entry,
            "entry": name, "detail": detail,
        }));
    }
    let Some(entry) = entry else {
        return output::lines([
            "Keychain unlock: off".to_owned(),
            "(`smartpush-auth keychain enable` turns it on)".to_owned(),
        ]);
    };
    let state_line = match state {
        Some(EntryState::Present) => "present, and it opens this vault".to_owned(),
        Some(EntryState::Missing) => {
            "missing: commands ask for the password (`smartpush-auth keychain enable` stores a new key)".to_owned()
        }
        Some(EntryState::Mismatch) => {
            "present, but its key does not open this vault: commands ask for the password (`smartpush-auth keychain enable` stores a new key)".to_owned()
        }
        Some(EntryState::Unavailable(why)) => format!("cannot be checked: the system keychain is unavailable: {why}"),
        _ => "unknown".to_owned(),
    };
    output::lines([
        "Keychain unlock: on".to_owned(),
        format!("Keychain entry: service {SERVICE}, account {entry}"),
        format!("Entry: {state_line}"),
    ])
}
