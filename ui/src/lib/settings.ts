// Pure helpers of the settings dialog (tested by Vitest): theme, choices, password-change checks.
import type { Theme } from "./bindings";
import { t } from "./strings";

/** Applies a theme to the page: `data-theme` on <html>; app.css follows it ("system" keeps
 * prefers-color-scheme). */
export function applyTheme(theme: Theme, root: { dataset: DOMStringMap } = document.documentElement): void {
  root.dataset["theme"] = theme;
}

/** Auto-lock choices in seconds (`null`: never). */
export const AUTO_LOCK_CHOICES: (number | null)[] = [60, 120, 300, 600, 900, 1800, 3600, null];

/** Clipboard clearing choices in seconds (5 is the minimum Rust accepts, 600 the maximum). */
export const CLIPBOARD_CHOICES: number[] = [5, 10, 15, 30, 45, 60, 90, 120, 300, 600];

/** The choices with `current` added in order when it is not one of them (set elsewhere). */
export function withCurrent<T extends number | null>(choices: T[], current: T): T[] {
  if (choices.includes(current)) return choices;
  const numbers = choices.filter((c): c is Exclude<T, null> => c !== null);
  const rest = choices.filter((c) => c === null);
  return [...[...numbers, current as Exclude<T, null>].sort((a, b) => a - b), ...rest];
}

/** "30 s", "5 min", "1 h", "Never". */
export function durationLabel(seconds: number | null): string {
  if (seconds === null) return t.settings.never;
  if (seconds < 60 || seconds % 60 !== 0) return `${seconds} s`;
  if (seconds < 3600 || seconds % 3600 !== 0) return `${seconds / 60} min`;
  return `${seconds / 3600} h`;
}

/** A measured derivation time for people: "0.45 s", "2.1 s". */
export function secondsLabel(ms: number): string {
  const s = ms / 1000;
  return `${s < 1 ? s.toFixed(2) : s.toFixed(1)} s`;
}

/** The fields of the change-password form. */
export interface PasswordChange {
  current: string;
  next: string;
  repeat: string;
  /** True when another key-derivation strength is chosen. */
  kdfChanged: boolean;
}

/** What stops the form from being sent, or "" when it may be. With no new password, only a
 * strength change may be sent (the current password is then kept). */
export function passwordChangeProblem(form: PasswordChange): string {
  if (!form.current) return t.settings.password.needCurrent;
  if (!form.next && !form.repeat) return form.kdfChanged ? "" : t.settings.password.nothing;
  if (form.next.length < 8) return t.setup.tooShort;
  if (form.next !== form.repeat) return t.setup.mismatch;
  return "";
}

/** The new password to send: the new one, or the current one for a strength change only. */
export function passwordToSend(form: PasswordChange): string {
  return form.next || form.current;
}
