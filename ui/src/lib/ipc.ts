// Error helpers over the generated bindings (bindings.ts is generated from Rust: never edit it).
import { isIpcError, type IpcError } from "./bindings";
import { t } from "./strings";

/** The `type` of an IPC error, or "Unknown". */
export function errorType(error: unknown): IpcError["type"] | "Unknown" {
  return isIpcError(error) ? error.type : "Unknown";
}

/** A sentence to show for any rejected command. */
export function errorMessage(error: unknown): string {
  if (isIpcError(error)) {
    const m = error.message;
    return m.length > 0 ? m[0]!.toUpperCase() + m.slice(1) : t.errors.generic;
  }
  return typeof error === "string" ? error : t.errors.generic;
}
