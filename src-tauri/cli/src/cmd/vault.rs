//! `init` and `passwd`.

use smartpush_core::vault::keychain::AfterPasswordChange;
use smartpush_core::vault::{KdfParams, Vault};

use crate::args::KdfArgs;
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use crate::output;

/// `init`: create a new, empty vault; never overwrites.
pub fn init(ctx: &mut Ctx, kdf: KdfArgs) -> Result<()> {
    let params = kdf_params(KdfParams::DEFAULT, kdf)?;
    if ctx.vault_path.exists() {
        return Err(CliError::Invalid(format!(
            "a vault already exists at {}; nothing was changed",
            ctx.vault_path.display()
        )));
    }
    let backup = Vault::backup_path(&ctx.vault_path);
    if backup.exists() {
        // Vault::create refuses too; say it before asking for a password.
        return Err(smartpush_core::vault::VaultError::BackupExists {
            vault: ctx.vault_path.clone(),
            backup,
        }
        .into());
    }
    let password = ctx.passwords.new_vault_password()?;
    Vault::create(&ctx.vault_path, &password, params)?;
    if ctx.json {
        output::json(&serde_json::json!({ "vault": ctx.vault_path, "kdf": kdf_json(params) }))
    } else {
        output::lines([format!(
            "Created an empty vault at {} ({}).",
            ctx.vault_path.display(),
            describe(params)
        )])
    }
}

/// `passwd`: change the master password, and the KDF strength when flags are given.
pub fn passwd(ctx: &mut Ctx, kdf: KdfArgs) -> Result<()> {
    // Check the flags before the password is asked for and the key derived.
    kdf_params(KdfParams::DEFAULT, kdf)?;
    // The current password, never the keychain: changing it must prove it is known.
    let mut vault = ctx.open_for_update_with_password()?;
    let params = kdf_params(vault.kdf(), kdf)?;
    let new_password = ctx.passwords.replacement()?;
    // The master key changes; keychain unlock, when on, is re-wrapped under a new keychain key.
    let keychain =
        vault.change_password_keeping_keychain(&new_password, kdf.any().then_some(params), &*ctx.keystore)?;
    let keychain_json = match &keychain {
        AfterPasswordChange::NotEnabled => "off",
        AfterPasswordChange::Kept => "kept",
        _ => "turned-off",
    };
    if let AfterPasswordChange::Dropped(e) = &keychain {
        output::note(format!(
            "smartpush-auth: keychain unlock was turned off: {e}; turn it on again with `smartpush-auth keychain enable`"
        ));
    }
    if ctx.json {
        return output::json(
            &serde_json::json!({ "vault": ctx.vault_path, "kdf": kdf_json(vault.kdf()), "keychain": keychain_json }),
        );
    }
    let mut lines = vec![format!("Changed the master password ({}).", describe(vault.kdf()))];
    if matches!(keychain, AfterPasswordChange::Kept) {
        lines.push("Keychain unlock stays on (a new key was stored in the system keychain).".to_owned());
    }
    output::lines(lines)
}

/// Applies the flags over `base`, each checked against the vault's floor and caps in the
/// flag's own unit.
fn kdf_params(base: KdfParams, args: KdfArgs) -> Result<KdfParams> {
    let (min, max) = (KdfParams::MINIMUM, KdfParams::MAXIMUM);
    let check = |flag: &str, value: Option<u32>, low: u32, high: u32, unit: &str| match value {
        Some(v) if !(low..=high).contains(&v) => Err(CliError::Usage(format!(
            "--{flag} {v} is outside {low}..={high}{unit} (the floor is OWASP's minimum, the ceiling a safe cap)"
        ))),
        _ => Ok(()),
    };
    check(
        "kdf-memory-mib",
        args.kdf_memory_mib,
        min.memory_kib.div_ceil(1024),
        max.memory_kib / 1024,
        " MiB",
    )?;
    check(
        "kdf-iterations",
        args.kdf_iterations,
        min.iterations,
        max.iterations,
        "",
    )?;
    check(
        "kdf-parallelism",
        args.kdf_parallelism,
        min.parallelism,
        max.parallelism,
        "",
    )?;
    let params = KdfParams {
        memory_kib: args.kdf_memory_mib.map_or(base.memory_kib, |mib| mib * 1024),
        iterations: args.kdf_iterations.unwrap_or(base.iterations),
        parallelism: args.kdf_parallelism.unwrap_or(base.parallelism),
    };
    params.validate()?;
    Ok(params)
}

fn describe(p: KdfParams) -> String {
    format!(
        "Argon2id, {} MiB, {} passes, {} lanes",
        p.memory_kib / 1024,
        p.iterations,
        p.parallelism
    )
}

fn kdf_json(p: KdfParams) -> serde_json::Value {
    serde_json::json!({ "algorithm": "argon2id", "memory_kib": p.memory_kib, "iterations": p.iterations, "parallelism": p.parallelism })
}
