import { describe, expect, it } from "vitest";
import type { PaletteEntry } from "./bindings";
import { filterEntries, keyAction, moveSelection } from "./palette";

const entry = (id: string, issuer: string, name: string, favourite = false): PaletteEntry => ({
  id,
  issuer,
  name,
  favourite,
});
const entries = [
  entry("1", "SmartPush", "me@example.com", true),
  entry("2", "GitHub", "octo"),
  entry("3", "GitLab", "me@example.com"),
];

describe("filterEntries", () => {
  it("keeps every entry for an empty query, in the given order", () => {
    expect(filterEntries(entries, "  ").map((e) => e.id)).toEqual(["1", "2", "3"]);
  });
  it("matches every word against issuer and name, ignoring case", () => {
    expect(filterEntries(entries, "git").map((e) => e.id)).toEqual(["2", "3"]);
    expect(filterEntries(entries, "GIT me@").map((e) => e.id)).toEqual(["3"]);
    expect(filterEntries(entries, "nothing")).toEqual([]);
  });
});

describe("moveSelection", () => {
  it("wraps both ways", () => {
    expect(moveSelection(0, 1, 3)).toBe(1);
    expect(moveSelection(2, 1, 3)).toBe(0);
    expect(moveSelection(0, -1, 3)).toBe(2);
  });
  it("starts at the first or last entry when nothing is selected", () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
  });
  it("selects nothing in an empty list", () => {
    expect(moveSelection(0, 1, 0)).toBe(-1);
  });
});

describe("keyAction", () => {
  it("copies on Enter only with a selection", () => {
    expect(keyAction("Enter", true, true)).toBe("copy");
    expect(keyAction("Enter", true, false)).toBe("none");
  });
  it("hides on Escape, locked or not", () => {
    expect(keyAction("Escape", true, true)).toBe("hide");
    expect(keyAction("Escape", false, false)).toBe("hide");
  });
  it("opens the main window on Enter when locked, never copies", () => {
    expect(keyAction("Enter", false, true)).toBe("open");
    expect(keyAction("ArrowDown", false, true)).toBe("none");
  });
  it("moves with the arrows", () => {
    expect(keyAction("ArrowDown", true, false)).toBe("down");
    expect(keyAction("ArrowUp", true, true)).toBe("up");
    expect(keyAction("a", true, true)).toBe("none");
  });
});
