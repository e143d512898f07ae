import { describe, expect, it } from "vitest";
import { groupCode, groupSecret, hue, initial, matches, passwordStrength, splitTags } from "./format";

describe("groupCode", () => {
  it("splits codes in two halves", () => {
    expect(groupCode("123456")).toBe("123 456");
    expect(groupCode("12345678")).toBe("1234 5678");
    expect(groupCode("1234567")).toBe("123 4567");
  });
  it("leaves Steam and short codes alone", () => {
    expect(groupCode("5XK2Q")).toBe("5XK2Q");
    expect(groupCode("12345")).toBe("12345");
  });
});

describe("matches", () => {
  it("needs every word, in any field, ignoring case", () => {
    expect(matches("git ali", ["GitHub", "alice@example.com"])).toBe(true);
    expect(matches("git bob", ["GitHub", "alice@example.com"])).toBe(false);
    expect(matches("  ", ["x"])).toBe(true);
    expect(matches("work", ["Bank", "me", "work"])).toBe(true);
  });
});

describe("passwordStrength", () => {
  it("grows with length and variety", () => {
    expect(passwordStrength("")).toBe(0);
    expect(passwordStrength("aaaaaaaaaaaa")).toBeLessThanOrEqual(1);
    const weak = passwordStrength("password");
    const strong = passwordStrength("correct horse Battery staple 42!");
    expect(strong).toBe(4);
    expect(weak).toBeLessThan(strong);
  });
});

describe("avatar", () => {
  it("takes the first letter and a stable hue", () => {
    expect(initial("github", "me")).toBe("G");
    expect(initial("", "bob")).toBe("B");
    expect(hue("GitHub")).toBe(hue("GitHub"));
    expect(hue("GitHub")).toBeGreaterThanOrEqual(0);
    expect(hue("GitHub")).toBeLessThan(360);
  });
});

describe("groupSecret", () => {
  it("groups a base32 key by four", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("GEZDGNBVGY")).toBe("GEZD GNBV GY");
    expect(groupSecret("")).toBe("");
  });
});

describe("splitTags", () => {
  it("splits on commas and drops empty tags", () => {
    expect(splitTags(" work, 2fa ,, ,home ")).toEqual(["work", "2fa", "home"]);
    expect(splitTags("")).toEqual([]);
    expect(splitTags("one tag with spaces")).toEqual(["one tag with spaces"]);
  });
});
