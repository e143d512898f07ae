// Small pure helpers for display (tested by Vitest).

/** Groups a code for reading: `123456` → `123 456`, `12345678` → `1234 5678`, 7 → `123 4567`. */
export function groupCode(code: string): string {
  if (code.length < 6 || !/^\d+$/.test(code)) return code;
  const cut = Math.floor(code.length / 2);
  return `${code.slice(0, cut)} ${code.slice(cut)}`;
}

/** Case-insensitive match of every word of `query` against the account's texts. */
export function matches(query: string, fields: string[]): boolean {
  const hay = fields.join(" ").toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .every((w) => hay.includes(w));
}

/** A rough password strength, 0 (very weak) to 4 (strong), from length and variety. */
export function passwordStrength(password: string): number {
  if (password.length === 0) return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/\d/.test(password)) pool += 10;
  if (/[^a-zA-Z\d]/.test(password)) pool += 33;
  const unique = new Set(password).size;
  // Entropy estimate, discounted for repeated characters.
  const bits = Math.log2(Math.max(pool, 2)) * Math.min(password.length, unique * 2);
  if (bits < 28) return 0;
  if (bits < 40) return 1;
  if (bits < 56) return 2;
  if (bits < 72) return 3;
  return 4;
}

/** The first letter of the issuer (or account), for the avatar. */
export function initial(issuer: string, name: string): string {
  const text = (issuer || name || "?").trim();
  return (text[0] ?? "?").toUpperCase();
}

/** A stable hue for an issuer's avatar. */
export function hue(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

/** A base32 secret in groups of four for reading aloud or typing: `JBSW Y3DP EHPK 3PXP`. */
export function groupSecret(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(" ");
}

/** The tags typed in one text field, separated by commas (Rust cleans and checks each). */
export function splitTags(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}
