import { describe, expect, it } from "vitest";
import {
  applyTheme,
  AUTO_LOCK_CHOICES,
  CLIPBOARD_CHOICES,
  durationLabel,
  passwordChangeProblem,
  passwordToSend,
  secondsLabel,
  withCurrent,
} from "./settings";
import { t } from "./strings";

describe("applyTheme", () => {
  it("sets data-theme, replacing the previous one", () => {
    const root = { dataset: {} as DOMStringMap };
    applyTheme("dark", root);
    expect(root.dataset["theme"]).toBe("dark");
    applyTheme("system", root);
    expect(root.dataset["theme"]).toBe("system");
  });
});

describe("choices", () => {
  it("offer never for auto-lock and Rust's bounds for the clipboard", () => {
    expect(AUTO_LOCK_CHOICES).toContain(null);
    expect(AUTO_LOCK_CHOICES.every((c) => c === null || c >= 10)).toBe(true);
    expect(Math.min(...CLIPBOARD_CHOICES)).toBe(5);
    expect(Math.max(...CLIPBOARD_CHOICES)).toBe(600);
  });
  it("keep a value set elsewhere, in order, with never last", () => {
    expect(withCurrent([60, 300, null], 90)).toEqual([60, 90, 300, null]);
    expect(withCurrent([60, 300, null], 300)).toEqual([60, 300, null]);
    expect(withCurrent([5, 30], 7)).toEqual([5, 7, 30]);
  });
  it("are labelled in the largest whole unit", () => {
    expect(durationLabel(5)).toBe("5 s");
    expect(durationLabel(90)).toBe("90 s");
    expect(durationLabel(300)).toBe("5 min");
    expect(durationLabel(5400)).toBe("90 min");
    expect(durationLabel(3600)).toBe("1 h");
    expect(durationLabel(null)).toBe(t.settings.never);
    expect(secondsLabel(450)).toBe("0.45 s");
    expect(secondsLabel(2140)).toBe("2.1 s");
  });
});

describe("passwordChangeProblem", () => {
  const form = { current: "old password", next: "", repeat: "", kdfChanged: false };
  it("needs the current password", () => {
    expect(passwordChangeProblem({ ...form, current: "" })).toBe(t.settings.password.needCurrent);
  });
  it("needs a change", () => {
    expect(passwordChangeProblem(form)).toBe(t.settings.password.nothing);
  });
  it("allows a strength change alone, keeping the current password", () => {
    const change = { ...form, kdfChanged: true };
    expect(passwordChangeProblem(change)).toBe("");
    expect(passwordToSend(change)).toBe("old password");
  });
  it("checks the new password like the setup screen", () => {
    expect(passwordChangeProblem({ ...form, next: "short", repeat: "short" })).toBe(t.setup.tooShort);
    expect(passwordChangeProblem({ ...form, next: "long enough 1", repeat: "long enough 2" })).toBe(t.setup.mismatch);
    expect(passwordChangeProblem({ ...form, next: "", repeat: "typed here" })).toBe(t.setup.tooShort);
    const ok = { ...form, next: "long enough 1", repeat: "long enough 1" };
    expect(passwordChangeProblem(ok)).toBe("");
    expect(passwordToSend(ok)).toBe("long enough 1");
  });
});
