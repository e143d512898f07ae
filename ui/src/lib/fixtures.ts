// Data for the Vitest suites and the bench page (src/bench): never imported by the app itself.
import type { FirstScreen, VaultStatus } from "./bindings";

/** An existing vault, locked by the user (no `locked_by`), unless `extra` says otherwise. */
export function vaultStatus(extra: Partial<VaultStatus> = {}): VaultStatus {
  return {
    path: "/home/me/.local/share/smartpush-auth/vault.spv",
    exists: true,
    unlocked: false,
    backup: null,
    auto_lock_seconds: 300,
    locked_by: null,
    ...extra,
  };
}

/** What `first_screen` answers for `status` with the default settings, and `extra`. */
export function firstScreen(status: VaultStatus, extra: Partial<FirstScreen> = {}): FirstScreen {
  return {
    status,
    unlock_error: null,
    settings: {
      auto_lock_seconds: 300,
      clipboard_clear_seconds: 30,
      theme: "system",
      vault_path: null,
      close_to_tray: false,
      global_shortcut: null,
    },
    settings_notice: null,
    app: { name: "SmartPush Authenticator", version: "1.2.3", core_version: "4.5.6" },
    accounts: [],
    codes: [],
    ...extra,
  };
}
