// @vitest-environment happy-dom
/// <reference types="node" />
// For `make bench-app`: writes the app's first screen — the vault of the benchmark unlocked, its
// first rows with codes — as a static page (the built CSS, the rendered markup, no app script) to
// $BENCH_SNAPSHOT_OUT. The bare window shows it (BENCH_BARE_PAGE), which measures what painting
// this screen costs WebKit by itself: the floor under the app's own launch time. Skipped otherwise.
import { mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import App from "../App.svelte";
import type { AccountView, CodeView } from "../lib/bindings";
import { firstScreen, vaultStatus } from "../lib/fixtures";
import { FIRST_ROWS } from "../lib/list";

const out = process.env.BENCH_SNAPSHOT_OUT;

it.skipIf(!out)("writes the first screen as a static page", () => {
  const dir = out as string;
  // The accounts of scripts/bench-app.sh's vault.
  const accounts: AccountView[] = Array.from({ length: 1000 }, (_, i) => ({
    id: `id${i}`,
    issuer: `Service ${i}`,
    name: `user${i}@example.com`,
    kind: "totp",
    tags: [],
    recovery_left: 0,
    recovery_total: 0,
    favourite: false,
  }));
  const codes: CodeView[] = accounts
    .slice(0, FIRST_ROWS)
    .map((a, i) => ({ id: a.id, code: String(100000 + i * 7919), valid_for: 17, period: 30, hotp: false }));
  const first = firstScreen(vaultStatus({ path: "/vault.spv", unlocked: true }), { accounts, codes });
  mockIPC(() => null);
  const target = document.createElement("div");
  target.id = "app";
  document.body.appendChild(target);
  const app = mount(App, { target, props: { first } });
  flushSync();
  expect(target.querySelectorAll('[data-testid="code"]')).toHaveLength(FIRST_ROWS);

  const assets = join(__dirname, "../../dist/assets");
  const css = readdirSync(assets).find((f) => f.endsWith(".css"));
  if (!css) throw new Error(`no built CSS in ${assets}: run npm run build first`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(assets, css), join(dir, "app.css"));
  // Marks its first paint as the bare window's own page does (src-tauri/benches/bare_window.rs).
  writeFileSync(
    join(dir, "bare.js"),
    'requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke("mark", { label: "first-paint" })));\n',
  );
  writeFileSync(
    join(dir, "index.html"),
    `<!doctype html>
<html lang="en"><head><meta charset="UTF-8"><meta name="color-scheme" content="light dark">
<title>SmartPush Authenticator</title><link rel="stylesheet" href="/app.css">
<script type="module" src="/bare.js"></script></head>
<body>${target.outerHTML}</body></html>
`,
  );
  unmount(app);
});
