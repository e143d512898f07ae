// Typed wrappers over the app's IPC commands (src-tauri/src/commands/).
import { invoke } from "@tauri-apps/api/core";

/** Mirrors `AppInfo` in src-tauri/src/commands/app.rs. */
export interface AppInfo {
  name: string;
  version: string;
  core_version: string;
}

/** The app's name and version and the core's version. */
export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}

/** Mirrors `VaultStatus` in src-tauri/src/commands/vault.rs. */
export interface VaultStatus {
  path: string | null;
  exists: boolean;
}

/** Where the vault is and whether it exists. */
export function vaultStatus(): Promise<VaultStatus> {
  return invoke<VaultStatus>("vault_status");
}
