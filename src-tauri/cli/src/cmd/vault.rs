//! `init` and `passwd`.

use smartpush_core::vault::{KdfParams, Vault};

use crate::args::KdfArgs;
use crate::ctx::Ctx;
use crate::error::{CliError, Result};
use crate::output;

/// `init`: create a new, empty vault; never overwrites.
pub fn init(ctx: &mut Ctx, kdf: KdfArgs) -> Result<()> {
    if ctx.vault_path.exists() {
        return Err(CliError::Invalid(format!(
            "a vault already exists at {}; nothing was changed",
            ctx.vault_path.display()
        )));
    }
    let params = kdf_params(KdfParams::DEFAULT, kdf)?;
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
    let mut vault = ctx.open_for_update()?;
    let params = kdf_params(vault.kdf(), kdf)?;
    let new_password = ctx.passwords.replacement()?;
    vault.change_password(&new_password, kdf.any().then_some(params))?;
    output::lines([format!("Changed the master password ({}).", describe(vault.kdf()))])
}

/// Applies the flags over `base` and checks the result against the vault's floor and caps.
fn kdf_params(base: KdfParams, args: KdfArgs) -> Result<KdfParams> {
    let memory_kib = match args.kdf_memory_mib {
        Some(mib) => mib
            .checked_mul(1024)
            .ok_or_else(|| CliError::Invalid(format!("--kdf-memory-mib {mib} is far too large")))?,
        None => base.memory_kib,
    };
    let params = KdfParams {
        memory_kib,
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
