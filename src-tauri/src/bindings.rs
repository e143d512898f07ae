//! Typed TypeScript bindings for the UI, generated from the Rust types (ts-rs) and this table of
//! commands, committed as `ui/src/lib/bindings.ts`.
//!
//! The test `bindings_file_is_up_to_date` fails when the committed file differs from what the
//! code generates; `UPDATE_BINDINGS=1 cargo test -p smartpush-authenticator bindings` rewrites
//! it. Another test checks that every command of the table is registered in
//! [`crate::invoke_handler`], so the UI can call nothing that does not exist.

use ts_rs::TS;

use crate::commands::{
    accounts, app, backups, codes, details, keychain, palette, recovery, server, transfer, vault, vault_file,
};
use crate::error::IpcError;

/// Where the generated file lives, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// One IPC command as the UI sees it.
#[derive(Debug, Clone)]
pub struct CommandSig {
    /// The Rust (and IPC) name.
    pub name: &'static str,
    /// Arguments: IPC key and TypeScript type.
    pub args: Vec<(&'static str, String)>,
    /// TypeScript type of the value the promise resolves to.
    pub returns: String,
}

fn sig<T: TS>(name: &'static str, args: Vec<(&'static str, String)>) -> CommandSig {
    CommandSig {
        name,
        args,
        returns: T::name(),
    }
}

fn ts<T: TS>() -> String {
    T::name()
}

/// Every command the UI may call, with its signature.
pub fn commands() -> Vec<CommandSig> {
    let id = || ("id", ts::<String>());
    vec![
        sig::<app::FirstScreen>("first_screen", vec![("rows", ts::<u32>())]),
        sig::<()>("bench_mark", vec![("label", ts::<String>())]),
        sig::<vault::VaultStatus>("vault_status", vec![]),
        sig::<()>("create_vault", vec![("password", ts::<String>())]),
        sig::<()>("unlock", vec![("password", ts::<String>())]),
        sig::<()>("lock", vec![]),
        sig::<bool>("touch", vec![]),
        sig::<()>("set_auto_lock", vec![("seconds", ts::<Option<u32>>())]),
        sig::<Vec<accounts::AccountView>>("list_accounts", vec![]),
        sig::<accounts::Found>("read_uri", vec![("text", ts::<String>())]),
        sig::<accounts::Found>("read_image", vec![("base64", ts::<String>())]),
        sig::<accounts::Found>("scan_screen", vec![]),
        sig::<accounts::Found>("read_clipboard", vec![]),
        sig::<Vec<String>>("add_pending", vec![("indexes", ts::<Vec<u32>>())]),
        sig::<Vec<accounts::FieldIssue>>("check_manual", vec![("form", ts::<accounts::ManualAccount>())]),
        sig::<String>("add_manual", vec![("form", ts::<accounts::ManualAccount>())]),
        sig::<()>("delete_account", vec![id()]),
        sig::<details::AccountDetails>("account_details", vec![id()]),
        sig::<Vec<accounts::FieldIssue>>("update_account", vec![id(), ("edit", ts::<details::AccountEdit>())]),
        sig::<()>("set_favourite", vec![id(), ("favourite", ts::<bool>())]),
        sig::<String>("reveal_secret", vec![id()]),
        sig::<String>("account_qr", vec![id()]),
        sig::<Vec<codes::CodeView>>("list_codes", vec![("ids", ts::<Option<Vec<String>>>())]),
        sig::<String>("next_code", vec![id()]),
        sig::<String>("hotp_next", vec![id()]),
        sig::<codes::Copied>("copy_code", vec![id()]),
        sig::<recovery::RecoveryList>("list_recovery", vec![id()]),
        sig::<u32>("add_recovery", vec![id(), ("text", ts::<String>())]),
        sig::<String>(
            "add_recovery_account",
            vec![
                ("issuer", ts::<String>()),
                ("name", ts::<String>()),
                ("text", ts::<String>()),
            ],
        ),
        sig::<()>(
            "set_recovery_used",
            vec![id(), ("index", ts::<u32>()), ("used", ts::<bool>())],
        ),
        sig::<codes::Copied>("copy_recovery_code", vec![id(), ("index", ts::<u32>())]),
        sig::<keychain::KeychainInfo>("keychain_status", vec![]),
        sig::<keychain::KeychainInfo>("keychain_enable", vec![("password", ts::<String>())]),
        sig::<keychain::KeychainInfo>("keychain_disable", vec![]),
        sig::<()>("unlock_with_keychain", vec![]),
        sig::<crate::settings::Settings>("get_settings", vec![]),
        sig::<crate::settings::Settings>("update_settings", vec![("settings", ts::<crate::settings::Settings>())]),
        sig::<vault_file::KdfInfo>("vault_kdf", vec![]),
        sig::<u32>("measure_kdf", vec![("strength", ts::<vault_file::KdfStrength>())]),
        sig::<Option<String>>(
            "change_password",
            vec![
                ("current", ts::<String>()),
                ("newPassword", ts::<String>()),
                ("kdf", ts::<Option<vault_file::KdfStrength>>()),
            ],
        ),
        sig::<Option<String>>("choose_vault_file", vec![]),
        sig::<Option<String>>("restore_backup", vec![]),
        sig::<Vec<String>>("import_pick_files", vec![]),
        sig::<transfer::ImportPreview>(
            "import_preview",
            vec![
                ("files", ts::<Vec<String>>()),
                ("text", ts::<Option<String>>()),
                ("format", ts::<Option<String>>()),
                ("password", ts::<Option<String>>()),
            ],
        ),
        sig::<transfer::ImportResult>("import_commit", vec![("indexes", ts::<Vec<u32>>())]),
        sig::<Option<String>>("export_pick_file", vec![("kind", ts::<String>())]),
        sig::<transfer::ExportDone>(
            "export_file",
            vec![
                ("path", ts::<String>()),
                ("kind", ts::<String>()),
                ("password", ts::<Option<String>>()),
                ("plaintextConfirmed", ts::<bool>()),
            ],
        ),
        sig::<transfer::GoogleQrs>("export_google_qr", vec![]),
        sig::<backups::BackupInfo>("backup_info", vec![]),
        sig::<backups::BackupInfo>("backup_now", vec![]),
        sig::<backups::BackupInfo>(
            "backup_set",
            vec![("dir", ts::<Option<String>>()), ("keep", ts::<u32>())],
        ),
        sig::<Option<String>>("backup_pick_folder", vec![]),
        sig::<()>("backup_restore", vec![("path", ts::<String>())]),
        sig::<Option<String>>("restore_pick_file", vec![]),
        sig::<()>("restore_first_run", vec![("path", ts::<String>())]),
        sig::<palette::PaletteList>("palette_list", vec![]),
        sig::<codes::Copied>("palette_copy", vec![id()]),
        sig::<()>("palette_hide", vec![]),
        sig::<()>("palette_open_main", vec![]),
        sig::<server::ServerStatus>("server_start", vec![("port", ts::<u16>())]),
        sig::<server::ServerStatus>("server_stop", vec![]),
        sig::<server::ServerStatus>("server_status", vec![]),
        sig::<Vec<server::OutboxEntry>>("server_outbox", vec![]),
        sig::<()>("server_clear_outbox", vec![]),
        // i64 ids and offsets travel as JSON numbers (ts-rs would say bigint).
        sig::<codes::Copied>("server_copy_code", vec![("id", "number".into())]),
        sig::<Vec<server::MockAccount>>("server_accounts", vec![]),
        sig::<()>(
            "server_set_risk",
            vec![("email", ts::<String>()), ("level", ts::<server::Risk>())],
        ),
        sig::<()>("server_support_reset", vec![("email", ts::<String>())]),
        sig::<server::ServerStatus>("server_set_clock", vec![("offset", "number".into())]),
        sig::<()>("server_open_browser", vec![]),
        sig::<()>("server_copy_url", vec![]),
    ]
}

/// The declarations of every type the commands use.
fn declarations() -> Vec<String> {
    vec![
        IpcError::decl(),
        app::AppInfo::decl(),
        app::FirstScreen::decl(),
        vault::VaultStatus::decl(),
        crate::state::LockReason::decl(),
        accounts::AccountView::decl(),
        accounts::Candidate::decl(),
        accounts::Found::decl(),
        accounts::ManualAccount::decl(),
        accounts::FieldIssue::decl(),
        details::AccountDetails::decl(),
        details::AccountEdit::decl(),
        codes::CodeView::decl(),
        codes::Copied::decl(),
        recovery::RecoveryView::decl(),
        recovery::RecoveryList::decl(),
        keychain::EntryView::decl(),
        keychain::KeychainInfo::decl(),
        crate::settings::Theme::decl(),
        crate::settings::Settings::decl(),
        vault_file::KdfStrength::decl(),
        vault_file::KdfInfo::decl(),
        transfer::ImportFailure::decl(),
        transfer::ImportPreview::decl(),
        transfer::ImportResult::decl(),
        transfer::ExportDone::decl(),
        transfer::GoogleQrs::decl(),
        backups::BackupEntry::decl(),
        backups::BackupInfo::decl(),
        palette::PaletteEntry::decl(),
        palette::PaletteList::decl(),
        server::ServerStatus::decl(),
        server::OutboxEntry::decl(),
        server::Risk::decl(),
        server::MockAccount::decl(),
    ]
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The content of [`BINDINGS_PATH`].
pub fn generate() -> String {
    let mut out = String::from(
        "// GENERATED by src-tauri/src/bindings.rs — do not edit.\n\
         // Regenerate: UPDATE_BINDINGS=1 cargo test -p smartpush-authenticator bindings\n\
         /* eslint-disable */\n\
         import { invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    for decl in declarations() {
        out.push_str("export ");
        out.push_str(decl.trim());
        out.push_str("\n\n");
    }
    out.push_str(
        "/** True for the errors every command rejects with. */\n\
         export function isIpcError(value: unknown): value is IpcError {\n  \
         return typeof value === \"object\" && value !== null && \"type\" in value && \"message\" in value;\n\
         }\n\n",
    );
    out.push_str("/** Every IPC command; each rejects with an `IpcError`. */\nexport const commands = {\n");
    for c in commands() {
        let params: Vec<String> = c.args.iter().map(|(k, t)| format!("{k}: {t}")).collect();
        let payload = if c.args.is_empty() {
            String::new()
        } else {
            let keys: Vec<&str> = c.args.iter().map(|(k, _)| *k).collect();
            format!(", {{ {} }}", keys.join(", "))
        };
        out.push_str(&format!(
            "  {}: ({}): Promise<{}> => invoke<{}>(\"{}\"{}),\n",
            camel(c.name),
            params.join(", "),
            c.returns,
            c.returns,
            c.name,
            payload
        ));
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_support::{mock_app, request};
    use tauri::test::get_ipc_response;

    #[test]
    fn bindings_file_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        let generated = generate();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write the bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{BINDINGS_PATH} is stale: run `UPDATE_BINDINGS=1 cargo test -p smartpush-authenticator bindings`"
        );
    }

    #[test]
    fn every_command_of_the_bindings_is_registered() {
        let (_app, webview, _dir) = mock_app();
        for c in commands() {
            let answer = get_ipc_response(&webview, request(c.name, serde_json::json!({})));
            if let Err(err) = answer {
                let text = err.to_string();
                assert!(!text.contains("not found"), "{}: {text}", c.name);
            }
        }
    }

    #[test]
    fn the_error_type_is_declared_as_type_and_message() {
        let decl = IpcError::decl();
        assert!(
            decl.contains("\"type\": \"WrongPassword\", \"message\": string"),
            "{decl}"
        );
    }
}
