// @vitest-environment happy-dom
// The window's logic with the IPC mocked (@tauri-apps/api/mocks): what each screen asks Rust
// and what it shows from the answers. Components are mounted with Svelte 5's own `mount`.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount, type Component } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import AddAccount from "./AddAccount.svelte";
import App from "../App.svelte";
import type { AccountDetails, AccountView, CodeView, FieldIssue, Found, VaultStatus } from "./bindings";
import { errorMessage } from "./ipc";
import { firstScreen, vaultStatus } from "./fixtures";
import { FIRST_ROWS, PAGE } from "./list";
import { t } from "./strings";
import Details from "./Details.svelte";
import Vault from "./Vault.svelte";

type Call = { cmd: string; args: Record<string, unknown> };
type Answer = unknown | ((args: Record<string, unknown>) => unknown);

let calls: Call[] = [];
let mounted: ReturnType<typeof mount> | null = null;

/** Answers each command from `answers` (a value, or a function of the arguments; a thrown value rejects). */
function ipc(answers: Record<string, Answer>) {
  calls = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    if (!(cmd in answers)) throw { type: "Invalid", message: `unexpected command ${cmd}` };
    const answer = answers[cmd];
    return typeof answer === "function" ? (answer as (args: Record<string, unknown>) => unknown)(a) : answer;
  });
}

function called(cmd: string): Call[] {
  return calls.filter((c) => c.cmd === cmd);
}

/** Waits until after the first paint, two animation frames and a task later (when the list draws the rest of its first page). */
function afterPaint() {
  return new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done))));
}

/** Lets the mocked promises resolve and Svelte redraw. */
async function settle() {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
    await tick();
  }
  flushSync();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function show<P extends Record<string, any>>(component: Component<P>, props: P) {
  const target = document.createElement("div");
  document.body.appendChild(target);
  mounted = mount(component, { target, props });
  return target;
}

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)];

function type(el: HTMLElement | null, value: string) {
  if (!el) throw new Error("no element to type into");
  (el as HTMLInputElement).value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

function key(key: string, init: KeyboardEventInit = {}) {
  window.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, ...init }));
  flushSync();
}

function click(el: HTMLElement | null) {
  if (!el) throw new Error("no element to click");
  el.click();
  flushSync();
}

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = "";
  clearMocks();
  vi.useRealTimers();
});

function account(id: string, issuer: string, name: string, tags: string[] = [], favourite = false): AccountView {
  return { id, issuer, name, kind: "totp", tags, recovery_left: 0, recovery_total: 0, favourite };
}

const ACCOUNTS: AccountView[] = [
  account("a1", "GitHub", "alice@example.com", ["work"], true),
  account("b2", "SmartPush", "bob@example.com", ["prod"]),
  account("c3", "Example Bank", "carol", ["home"]),
];

function code(id: string, validFor: number): CodeView {
  return { id, code: "123456", valid_for: validFor, period: 30, hotp: false };
}

function vaultAnswers(extra: Record<string, Answer> = {}): Record<string, Answer> {
  return {
    list_accounts: ACCOUNTS,
    list_codes: [code("a1", 7), code("b2", 21), code("c3", 3)],
    touch: true,
    copy_code: { clears_in: 30 },
    ...extra,
  };
}

const issuers = () => $$("issuer").map((e) => e.textContent?.replace("Favourite:", "").replace("★", "").trim());

describe("the account list", () => {
  it("filters on issuer, account name and tags", async () => {
    ipc(vaultAnswers());
    show(Vault, { onLocked: () => {} });
    await settle();
    expect(issuers()).toEqual(["GitHub", "SmartPush", "Example Bank"]);
    type($("search"), "bank");
    expect(issuers()).toEqual(["Example Bank"]);
    type($("search"), "bob@");
    expect(issuers()).toEqual(["SmartPush"]);
    type($("search"), "WORK");
    expect(issuers(), "tags are searched, ignoring case").toEqual(["GitHub"]);
    type($("search"), "prod smart");
    expect(issuers(), "every word must match somewhere").toEqual(["SmartPush"]);
    type($("search"), "zzz");
    expect($$("account")).toHaveLength(0);
  });

  it("copies the selected account's code on Enter, by id", async () => {
    ipc(vaultAnswers());
    show(Vault, { onLocked: () => {} });
    await settle();
    $("search")?.focus();
    key("ArrowDown");
    key("Enter");
    await settle();
    expect(called("copy_code").map((c) => c.args.id)).toEqual(["b2"]);
    expect($("toast")?.textContent).toContain("30 s");
    type($("search"), "bank");
    key("Enter");
    await settle();
    expect(called("copy_code").map((c) => c.args.id), "the first match of the filter").toEqual(["b2", "c3"]);
  });

  it("draws a large vault a page at a time and asks codes only for the drawn rows", async () => {
    const many = Array.from({ length: 100 }, (_, i) => account(`id${i}`, `Service ${i}`, `user${i}`));
    ipc(
      vaultAnswers({
        list_accounts: many,
        list_codes: (a: Record<string, unknown>) => (a.ids as string[]).map((id) => code(id, 20)),
      }),
    );
    show(Vault, { onLocked: () => {} });
    await settle();
    // A screenful first, then the first page once it is painted.
    expect($$("account")).toHaveLength(FIRST_ROWS);
    expect(called("list_codes").map((c) => (c.args.ids as string[]).length)).toEqual([FIRST_ROWS]);
    await afterPaint();
    await settle();
    expect($$("account")).toHaveLength(PAGE);
    const asked = called("list_codes").map((c) => (c.args.ids as string[]).length);
    expect(Math.max(...asked), "codes for the drawn rows only").toBe(PAGE);
    expect($$("code")).toHaveLength(PAGE);

    // Scrolling near the end draws the next page, and its codes come at once.
    $$("account")[0]?.closest("main")?.dispatchEvent(new Event("scroll"));
    await settle();
    expect($$("account")).toHaveLength(80);
    expect($$("code")).toHaveLength(80);

    // The selection moving past the drawn rows draws them too.
    $("search")?.focus();
    for (let i = 0; i < 85; i++) key("ArrowDown");
    await settle();
    expect($$("account").length).toBeGreaterThanOrEqual(86);
    expect(document.querySelector(".row.selected")?.textContent).toContain("Service 85");

    // A search looks through all 100 and starts again from the first page.
    type($("search"), "user99");
    await settle();
    expect(issuers()).toEqual(["Service 99"]);
    type($("search"), "service");
    await settle();
    expect($$("account")).toHaveLength(40);
  });

  it("draws each countdown from the seconds Rust returned", async () => {
    ipc(vaultAnswers());
    show(Vault, { onLocked: () => {} });
    await settle();
    const rings = [...document.querySelectorAll("svg.ring")];
    expect(rings.map((r) => r.getAttribute("aria-label"))).toEqual([
      "7 seconds left",
      "21 seconds left",
      "3 seconds left",
    ]);
    expect(rings.map((r) => r.classList.contains("urgent"))).toEqual([false, false, true]);
  });

  it("marks favourites and opens the details from the row button or Ctrl+E", async () => {
    ipc(vaultAnswers({ account_details: (a: Record<string, unknown>) => details(String(a.id)) }));
    show(Vault, { onLocked: () => {} });
    await settle();
    expect($$("account").map((row) => !!row.querySelector('[data-testid="fav-star"]'))).toEqual([true, false, false]);
    const buttons = $$("open-details");
    expect(buttons[1]?.getAttribute("aria-label")).toBe("Details of SmartPush (Ctrl+E)");
    click(buttons[1] ?? null);
    await settle();
    expect($("details-dialog")).not.toBeNull();
    expect(called("account_details").map((c) => c.args.id)).toEqual(["b2"]);
    key("Escape");
    await settle();
    expect($("details-dialog")).toBeNull();
    key("ArrowDown");
    key("e", { ctrlKey: true });
    await settle();
    expect(called("account_details").map((c) => c.args.id)).toEqual(["b2", "c3"]);
  });
});

function details(id = "a1", over: Partial<AccountDetails> = {}): AccountDetails {
  return {
    id,
    issuer: "GitHub",
    name: "alice@example.com",
    note: "",
    tags: ["work"],
    favourite: false,
    kind: "totp",
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    recovery_left: 2,
    recovery_total: 10,
    ...over,
  };
}

function showDetails(answers: Record<string, Answer>, handlers: Record<string, () => void> = {}) {
  ipc({ account_details: details(), ...answers });
  show(Details, {
    account: ACCOUNTS[0] as AccountView,
    onClose: handlers.onClose ?? (() => {}),
    onChanged: handlers.onChanged ?? (() => {}),
    onDeleted: handlers.onDeleted ?? (() => {}),
    onRecovery: handlers.onRecovery ?? (() => {}),
    onToast: () => {},
  });
}

describe("the details dialog", () => {
  it("sends the edit with its tags split and shows the field errors Rust returns", async () => {
    const issues: FieldIssue[] = [
      { field: "issuer", message: "Enter the service's name (or at least the account's)." },
      { field: "tags", message: "Keep each tag under 40 characters." },
    ];
    let answer: FieldIssue[] = issues;
    const changed = vi.fn();
    showDetails({ update_account: () => answer }, { onChanged: changed });
    await settle();
    expect(($("d-issuer") as HTMLInputElement).value).toBe("GitHub");
    expect(($("d-tags") as HTMLInputElement).value).toBe("work");
    type($("d-issuer"), "  ");
    type($("d-tags"), "work, , 2fa ,x");
    click($("d-save"));
    await settle();
    expect(called("update_account")[0]?.args).toEqual({
      id: "a1",
      edit: { issuer: "  ", name: "alice@example.com", note: "", tags: ["work", "2fa", "x"] },
    });
    expect($("d-issuer-error")?.textContent).toBe(issues[0]?.message);
    expect($("d-tags-error")?.textContent).toBe(issues[1]?.message);
    expect($("d-issuer")?.getAttribute("aria-invalid")).toBe("true");
    expect(changed).not.toHaveBeenCalled();

    answer = [];
    type($("d-issuer"), "GitHub Inc");
    click($("d-save"));
    await settle();
    expect($("d-issuer-error")).toBeNull();
    expect(changed).toHaveBeenCalledOnce();
    expect(called("account_details"), "reloaded after the save").toHaveLength(2);
  });

  it("reveals the secret on click only and hides it after 30 seconds", async () => {
    vi.useFakeTimers();
    showDetails({ reveal_secret: "JBSWY3DPEHPK3PXP" });
    await settle();
    expect(called("reveal_secret")).toHaveLength(0);
    expect($("secret")).toBeNull();
    click($("reveal"));
    await settle();
    expect(called("reveal_secret")[0]?.args).toEqual({ id: "a1" });
    expect($("secret")?.textContent).toBe("JBSW Y3DP EHPK 3PXP");
    vi.advanceTimersByTime(29_000);
    flushSync();
    expect($("secret")).not.toBeNull();
    vi.advanceTimersByTime(1_000);
    flushSync();
    expect($("secret")).toBeNull();
    expect(document.body.textContent).not.toContain("JBSW");
  });

  it("hides the secret and the QR code when it closes", async () => {
    showDetails({ reveal_secret: "JBSWY3DPEHPK3PXP", account_qr: "<svg xmlns='http://www.w3.org/2000/svg'/>" });
    await settle();
    click($("reveal"));
    await settle();
    click($("show-qr"));
    await settle();
    expect($("secret")).not.toBeNull();
    expect($("qr")?.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    expect(document.body.textContent).toContain("contains the secret key");
    if (mounted) unmount(mounted);
    mounted = null;
    expect(document.body.textContent).not.toContain("JBSW");
    expect($("qr")).toBeNull();
  });

  it("deletes only after the confirmation", async () => {
    const deleted = vi.fn();
    showDetails({ delete_account: null }, { onDeleted: deleted });
    await settle();
    click($("delete"));
    await settle();
    expect(called("delete_account")).toHaveLength(0);
    expect($("confirm-text")?.textContent).toContain("GitHub");
    click($("cancel-delete"));
    expect($("confirm-delete")).toBeNull();
    click($("delete"));
    click($("confirm-delete"));
    await settle();
    expect(called("delete_account").map((c) => c.args.id)).toEqual(["a1"]);
    expect(deleted).toHaveBeenCalledOnce();
  });

  it("toggles the favourite star", async () => {
    const changed = vi.fn();
    showDetails({ set_favourite: null }, { onChanged: changed });
    await settle();
    expect($("favourite")?.getAttribute("aria-pressed")).toBe("false");
    click($("favourite"));
    await settle();
    expect(called("set_favourite")[0]?.args).toEqual({ id: "a1", favourite: true });
    expect($("favourite")?.getAttribute("aria-pressed")).toBe("true");
    expect(changed).toHaveBeenCalledOnce();
  });
});

describe("adding from the clipboard", () => {
  const found: Found = {
    candidates: [
      { index: 0, issuer: "GitHub", name: "alice@example.com", kind: "totp", duplicate: true },
      { index: 1, issuer: "SmartPush", name: "bob", kind: "totp", duplicate: false },
    ],
    notes: [],
  };

  it("offers what Rust found, duplicates unticked, and adds the picked ones", async () => {
    const added = vi.fn();
    ipc({ read_clipboard: found, add_pending: ["x1"] });
    show(AddAccount, { onClose: () => {}, onAdded: added });
    click($("tab-clipboard"));
    click($("read-clipboard"));
    await settle();
    expect($$("duplicate")).toHaveLength(1);
    const boxes = [...document.querySelectorAll<HTMLInputElement>('[data-testid="candidates"] input')];
    expect(boxes.map((b) => b.checked)).toEqual([false, true]);
    click($("add-picked"));
    await settle();
    expect(called("add_pending")[0]?.args).toEqual({ indexes: [1] });
    expect(added).toHaveBeenCalledOnce();
  });

  it("shows Rust's message when the clipboard holds no account", async () => {
    ipc({
      read_clipboard: () => {
        throw { type: "Invalid", message: "the clipboard holds neither an image with a QR code nor an otpauth:// link" };
      },
    });
    show(AddAccount, { onClose: () => {}, onAdded: () => {} });
    click($("tab-clipboard"));
    click($("read-clipboard"));
    await settle();
    expect($("add-error")?.textContent).toBe(
      "The clipboard holds neither an image with a QR code nor an otpauth:// link",
    );
  });
});

describe("App: the first screen", () => {
  const status = (locked_by: VaultStatus["locked_by"], unlocked = false) => vaultStatus({ locked_by, unlocked });
  const first = firstScreen;
  const answers = (s: VaultStatus) => ({
    vault_status: s,
    keychain_status: { enabled: false, available: false },
  });

  for (const [reason, sentence] of [
    ["idle", t.unlock.lockedBy.idle],
    ["session_locked", t.unlock.lockedBy.session_locked],
    ["sleep", t.unlock.lockedBy.sleep],
  ] as const) {
    it(`says so when it locked because of ${reason}`, async () => {
      ipc(answers(status(reason)));
      show(App, { first: first(status(reason)) });
      await settle();
      expect($("unlock-lead")?.textContent).toBe(sentence);
      expect(called("vault_status"), "the first screen had the status").toEqual([]);
    });
  }

  it("shows the usual lead after the user's own lock, and the versions", async () => {
    ipc(answers(status(null)));
    show(App, { first: first(status(null)) });
    await settle();
    expect($("unlock-lead")?.textContent).toBe(t.unlock.lead);
    expect($("app-version")?.textContent).toBe("App 1.2.3 · Core 4.5.6");
  });

  it("says why the unlock at launch failed", async () => {
    ipc(answers(status(null)));
    show(App, {
      first: first(status(null), { unlock_error: { type: "WrongPassword", message: "wrong password" } }),
    });
    await settle();
    expect($("unlock-lead")?.textContent).toBe(errorMessage({ type: "WrongPassword", message: "wrong password" }));
  });

  it("draws the vault unlocked at launch from the first screen, without asking again", async () => {
    ipc({ touch: true, list_codes: (a: Record<string, unknown>) => (a.ids as string[]).map((id) => code(id, 9)) });
    show(App, {
      first: first(status(null, true), { accounts: ACCOUNTS, codes: [code("a1", 7), code("b2", 21), code("c3", 3)] }),
    });
    await settle();
    expect(issuers()).toEqual(["GitHub", "SmartPush", "Example Bank"]);
    expect(document.querySelector("svg.ring")?.getAttribute("aria-label")).toBe("7 seconds left");
    expect(called("list_accounts")).toEqual([]);
    expect(called("list_codes"), "the first rows' codes came with it").toEqual([]);
  });

  it("shows the settings notice and asks for the status itself when there is no first screen", async () => {
    ipc(answers(status("idle")));
    show(App, { first: null });
    await settle();
    expect(called("vault_status")).toHaveLength(1);
    expect($("unlock-lead")?.textContent).toBe(t.unlock.lockedBy.idle);
    if (mounted) unmount(mounted);
    document.body.innerHTML = "";
    show(App, { first: first(status(null), { settings_notice: "The settings file was damaged." }) });
    await settle();
    expect($("settings-notice")?.textContent).toContain("The settings file was damaged.");
  });
});
