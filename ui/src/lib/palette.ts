// The quick-copy palette's pure logic (tested by Vitest in palette.test.ts): which entries a query
// keeps, how the arrow keys move the selection, and what a key does.
import type { PaletteEntry } from "./bindings";
import { matches } from "./format";

/** The entries matching `query` (every word, in issuer or name), in the order Rust gave them. */
export function filterEntries(entries: PaletteEntry[], query: string): PaletteEntry[] {
  return entries.filter((e) => matches(query, [e.issuer, e.name]));
}

/** The selection after moving by `delta` in a list of `length` entries (wraps; -1 when empty). */
export function moveSelection(index: number, delta: number, length: number): number {
  if (length <= 0) return -1;
  const start = index < 0 ? (delta > 0 ? -1 : 0) : index;
  return (((start + delta) % length) + length) % length;
}

/** What a key press asks for. */
export type PaletteAction = "copy" | "hide" | "open" | "down" | "up" | "none";

/** The action of `key` given whether the vault is unlocked and whether an entry is selected. */
export function keyAction(key: string, unlocked: boolean, selected: boolean): PaletteAction {
  if (key === "Escape") return "hide";
  if (!unlocked) return key === "Enter" ? "open" : "none";
  if (key === "Enter") return selected ? "copy" : "none";
  if (key === "ArrowDown") return "down";
  if (key === "ArrowUp") return "up";
  return "none";
}
