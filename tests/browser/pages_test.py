"""Clicks through the mock server's web pages in headless Chromium (Selenium + chromedriver).

sign up -> sign in -> enable 2FA (e-mail code from the outbox, QR read from the page and decoded
with `smartpush-auth scan`, code from `smartpush-auth code` on a temporary vault) -> recovery codes
(Copy code through the clipboard, Download code as a file read back by `recovery add --file`) ->
sign out -> sign in with TOTP (after a wrong code and a look at "Use recovery code") -> export
contacts -> step-up under high risk with a recovery code -> disable 2FA -> the outbox page, CSRF
and CSP checks. Screenshots go to target/browser/.

Run by tests/browser.sh, which prints the closing `browser: N passed, M failed` line.
"""

import base64
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("BIN", os.path.join(ROOT, "target", "debug", "smartpush-auth"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
OUT = os.path.join(ROOT, "target", "browser")
PASSWORD = "correct horse battery staple"
CODE_RE = re.compile(r"^[A-HJ-NP-Z2-9]{12}$")


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + str(detail) if detail else ''}", flush=True)
        return ok


checks = Checks()
sources = []  # every page source seen, for the no-inline-script check


def start_server(work):
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen(
        [BIN, "serve", "--addr", "127.0.0.1:0", "--db", ":memory:"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    deadline = time.time() + 20
    line = ""
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"the server did not print its ready line (last: {line!r})")


def cli(*args, env=None, check=True):
    result = subprocess.run([BIN, *args], capture_output=True, text=True, env=env, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"smartpush-auth {' '.join(args)}: {result.stderr.strip()}")
    return result


def http(method, url, body=None, headers=None, form=None):
    """One request; answers (status, headers, bytes). Never follows redirects."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def make_driver(downloads, profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1360,940",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": downloads,
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return driver


class Browser:
    def __init__(self, driver, base):
        self.d = driver
        self.base = base
        self.wait = WebDriverWait(driver, 15)

    def go(self, path):
        self.d.get(self.base + path)
        self.loaded()
        self.seen()

    def seen(self):
        sources.append((self.d.current_url, self.d.page_source))

    def el(self, testid):
        return self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')))

    def els(self, testid):
        return self.d.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def visible(self, testid):
        found = self.els(testid)
        return bool(found) and found[0].is_displayed()

    def retry(self, action):
        """Runs `action` again when the page was swapped under it (a document still settling)."""
        for attempt in range(3):
            try:
                return action()
            except (StaleElementReferenceException, WebDriverException) as error:
                if attempt == 2 or "does not belong to the document" not in str(error) and not isinstance(
                    error, StaleElementReferenceException
                ):
                    raise
                time.sleep(0.2)

    def type(self, testid, text):
        def act():
            field = self.wait.until(
                ec.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]'))
            )
            field.clear()
            field.send_keys(text)

        self.retry(act)

    def click(self, testid):
        def act():
            self.wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, f'[data-testid="{testid}"]'))).click()

        self.retry(act)

    def loaded(self):
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def submit(self, testid):
        """Clicks a button that loads a new page, and waits for it."""
        old = self.retry(lambda: self.d.find_element(By.TAG_NAME, "html"))
        self.click(testid)

        def replaced(_driver):
            # Chromium reports a node of a document it already dropped either as stale or as
            # "does not belong to the document": both mean the old page is gone.
            try:
                old.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                if "does not belong to the document" in str(error):
                    return True
                raise

        self.wait.until(replaced)
        self.loaded()
        self.seen()

    def text(self, testid):
        return self.el(testid).text.strip()

    def path(self):
        parsed = urllib.parse.urlparse(self.d.current_url)
        return parsed.path + (("?" + parsed.query) if parsed.query else "")

    def cookie(self, name):
        found = self.d.get_cookie(name)
        return found["value"] if found else None

    def shot(self, name):
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, name)
        # The whole page, not only the viewport.
        size = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000), "scale": 1}
        shot = self.d.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path


def wait_for_file(folder, name, timeout=15):
    path = os.path.join(folder, name)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            with open(path, "rb") as f:
                data = f.read()
            if data:
                return data.decode()
        time.sleep(0.1)
    return None


def outbox_code(base, email):
    status, _, body = http("GET", f"{base}/mock/outbox?to={urllib.parse.quote(email)}")
    messages = json.loads(body)
    return next(m["code"] for m in messages if m.get("code"))


def wrong(code):
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def run(work):
    proc, base = start_server(work)
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    vault_env = dict(
        os.environ,
        SMARTPUSH_AUTH_VAULT=os.path.join(work, "vault.smartpush"),
        SMARTPUSH_AUTH_PASSWORD="browser-test-vault-password",
    )
    cli("init", "--kdf-memory-mib", "19", "--kdf-iterations", "2", "--kdf-parallelism", "1", env=vault_env)
    driver = make_driver(downloads, os.path.join(work, "profile"))
    b = Browser(driver, base)
    email = f"tester-{os.getpid()}@example.com"
    try:
        # --- sign up, sign in ---------------------------------------------------------------
        status, headers, _ = http("GET", base + "/signup")
        csp = headers.get("Content-Security-Policy", "")
        checks.check(
            "pages carry a strict CSP",
            status == 200 and "default-src 'self'" in csp and "img-src 'self' data:" in csp,
            csp,
        )
        b.go("/signup")
        b.type("email", email)
        b.type("password", PASSWORD)
        b.type("password-confirm", PASSWORD)
        b.submit("sign-up-submit")
        checks.check("sign up lands on sign-in with a notice", b.path() == "/signin?done=signed_up"
                     and "ready" in b.text("notice"), b.path())
        pre = b.d.get_cookie("sp_pre") or {}
        checks.check("the CSRF anchor cookie is HttpOnly and SameSite=Strict",
                     pre.get("httpOnly") is True and pre.get("sameSite") == "Strict", pre)

        b.type("email", email)
        b.type("password", "not the password")
        b.submit("sign-in-submit")
        checks.check("a wrong password is a friendly message in the page",
                     "incorrect" in b.text("error") and not b.d.page_source.lstrip().startswith("{"),
                     b.text("error"))
        b.type("email", email)
        b.type("password", PASSWORD)
        b.submit("sign-in-submit")
        session_cookie = b.d.get_cookie("sp_session") or {}
        checks.check(
            "sign in opens Account & security with 2FA off",
            b.path() == "/account/security" and b.text("tfa-status") == "Not enabled",
            b.path(),
        )
        checks.check("the session cookie is HttpOnly, SameSite=Strict, Path=/",
                     session_cookie.get("httpOnly") is True and session_cookie.get("sameSite") == "Strict"
                     and session_cookie.get("path") == "/", session_cookie)
        b.shot("account-security-off.png")

        # --- enable: password -> e-mail code -> method -> QR + key -> confirm ---------------
        b.submit("enable-2fa")
        b.type("enable-password", PASSWORD)
        b.submit("enable-next")
        code = outbox_code(base, email)
        b.type("enable-email-code", wrong(code))
        b.submit("enable-next")
        checks.check("a wrong e-mail code says how many attempts are left",
                     "4 attempts left" in b.text("error"), b.text("error"))
        b.type("enable-email-code", code)
        b.submit("enable-next")
        checks.check("the wizard offers Authentication App and Email Verification",
                     b.visible("method-totp") and b.visible("method-email"))
        b.click("method-totp")
        b.submit("enable-next")
        b.shot("enable-qr.png")

        src = b.el("qr-image").get_attribute("src")
        manual_key = b.el("manual-key").get_attribute("data-copy-text")
        enrollment_id = b.d.find_element(By.CSS_SELECTOR, 'input[name="enrollment_id"]').get_attribute("value")
        qr_path = os.path.join(work, "qr-page.png")
        with open(qr_path, "wb") as f:
            f.write(base64.b64decode(src.split(",", 1)[1]))
        uri = cli("scan", qr_path).stdout.strip()
        checks.check(
            "the page's QR code decodes to SmartPush's otpauth URI with the manual key",
            uri.startswith(f"otpauth://totp/SmartPush:{email}?")
            and f"secret={manual_key}&" in uri
            and "issuer=SmartPush" in uri,
            uri,
        )
        token = b.cookie("sp_session")
        status, _, png = http("GET", f"{base}/api/2fa/enrollment/{enrollment_id}/qr.png",
                              headers={"Authorization": f"Bearer {token}"})
        api_qr = os.path.join(work, "qr-api.png")
        with open(api_qr, "wb") as f:
            f.write(png)
        checks.check("GET /api/2fa/enrollment/{id}/qr.png shows the same URI",
                     status == 200 and cli("scan", api_qr).stdout.strip() == uri, status)

        cli("add", "--scan", qr_path, env=vault_env)
        accounts = json.loads(cli("list", "--json", env=vault_env).stdout)
        vault_id = accounts[0]["id"]
        totp = json.loads(cli("code", "SmartPush", "--json", env=vault_env).stdout)["code"]
        b.type("enable-confirm-code", totp)
        b.submit("enable-confirm")

        # --- recovery codes: shown once, Copy code, Download code --------------------------
        codes = [e.text.strip() for e in b.els("recovery-code")]
        checks.check(
            "ten recovery codes of 12 characters from A-Z and 2-9 (no 0/O/1/I)",
            len(codes) == 10 and len(set(codes)) == 10 and all(CODE_RE.match(c) for c in codes),
            codes,
        )
        checks.check("the codes page says Two-Factor Authentication Enabled",
                     "Two-Factor Authentication Enabled" in b.text("enabled-banner"))
        b.shot("recovery-codes.png")

        b.d.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )
        b.click("copy-codes")
        WebDriverWait(b.d, 5).until(lambda d: b.el("copy-codes").get_attribute("data-copied") == "true")
        clip = b.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.clipboard.readText().then(done, e => done('error: ' + e));"
        )
        checks.check("Copy code puts the ten codes on the clipboard, one per line",
                     clip.split("\n") == codes, clip)

        b.click("download-codes")
        text = wait_for_file(downloads, "smartpush-recovery-codes.txt")
        lines = (text or "").splitlines()
        checks.check(
            "Download code saves smartpush-recovery-codes.txt: heading, account, the codes, advice",
            text is not None
            and lines[0] == "SmartPush recovery codes"
            and f"Account: {email}" in lines
            and [l for l in lines if CODE_RE.match(l)] == codes
            and "Each code works once" in lines[-1],
            text,
        )
        codes_file = os.path.join(downloads, "smartpush-recovery-codes.txt")
        cli("recovery", "add", vault_id, "--file", codes_file, env=vault_env)
        stored = json.loads(cli("recovery", "list", vault_id, "--json", env=vault_env).stdout)
        stored_codes = [c["code"] for c in (stored["codes"] if isinstance(stored, dict) else stored)]
        checks.check("`smartpush-auth recovery add --file` reads the downloaded file back",
                     sorted(stored_codes) == sorted(codes), stored_codes)

        b.submit("codes-done")
        checks.check(
            "Account & security shows Two-Factor Authentication Enabled, app method, 10 codes",
            b.text("tfa-status") == "Two-Factor Authentication Enabled"
            and b.text("tfa-method") == "Authentication App"
            and b.text("recovery-remaining") == "10",
            b.text("tfa-status"),
        )
        shot = b.shot("account-security.png")
        print(f"     screenshot: {shot}")

        # --- sign out, sign in with TOTP ------------------------------------------------------
        old_token = b.cookie("sp_session")
        b.submit("sign-out")
        status, _, _ = http("GET", base + "/api/account/security", headers={"Authorization": f"Bearer {old_token}"})
        checks.check("Sign out ends the session (the old token gets 401)",
                     b.path() == "/signin?done=signed_out" and status == 401, (b.path(), status))
        b.type("email", email)
        b.type("password", PASSWORD)
        b.submit("sign-in-submit")
        checks.check("2FA on: sign-in asks for the second step",
                     b.text("verify-heading") == "Two-step verification" and b.visible("totp-code"))
        checks.check("the second step says to use the app, with \"Lost your device? Contact support\"",
                     "authentication app" in b.text("primary-lead") and b.visible("lost-device")
                     and b.visible("contact-support"), b.text("primary-lead"))
        b.click("use-recovery-code")
        WebDriverWait(b.d, 5).until(lambda d: b.visible("recovery-code-input"))
        checks.check("Use recovery code swaps in the recovery-code form",
                     b.visible("recovery-code-input") and not b.visible("totp-code"))
        checks.check("in recovery-code mode the page asks for a recovery code, not the app's code",
                     b.visible("recovery-lead") and not b.visible("primary-lead")
                     and "recovery code" in b.text("recovery-lead"), b.text("recovery-lead"))
        b.shot("sign-in-recovery.png")
        b.click("use-primary-method")
        WebDriverWait(b.d, 5).until(lambda d: b.visible("totp-code"))
        next_code = json.loads(
            cli("code", "SmartPush", "--json", "--at", str(int(time.time()) + 30), env=vault_env).stdout
        )["code"]
        b.type("totp-code", wrong(next_code))
        b.submit("submit-totp")
        checks.check("a wrong TOTP code is refused in the page with the attempts left",
                     "incorrect" in b.text("error") and "attempts left" in b.text("error"), b.text("error"))
        b.type("totp-code", next_code)
        b.submit("submit-totp")
        checks.check("sign in with TOTP", b.path() == "/account/security", b.path())

        # --- exports ------------------------------------------------------------------------
        b.submit("nav-exports")
        b.click("export-contacts")
        csv = wait_for_file(downloads, "smartpush-contacts.csv")
        checks.check("Export contacts downloads the CSV (2FA on, low risk: no prompt)",
                     csv is not None and csv.startswith("email,first_name,last_name"), csv)

        status, _, _ = http("POST", base + "/mock/risk", body={"email": email, "level": "high"})
        b.go("/exports")
        b.submit("export-campaigns")
        checks.check("high risk: Export campaign data asks to verify first",
                     b.visible("step-up-dialog") and b.visible("totp-code"))
        b.shot("export-step-up.png")
        b.click("use-recovery-code")
        b.type("recovery-code-input", codes[0].lower())
        b.submit("submit-recovery_code")
        campaigns = wait_for_file(downloads, "smartpush-campaigns.csv")
        checks.check("after the step-up with a recovery code the campaign CSV arrives",
                     b.visible("export-verified") and campaigns is not None
                     and campaigns.startswith("campaign_id,name"), campaigns)
        b.go("/account/security")
        checks.check("the used recovery code is counted (9 left)", b.text("recovery-remaining") == "9")

        # --- disable: password -> recovery code -> confirm -----------------------------------
        b.submit("disable-2fa")
        b.type("disable-password", PASSWORD)
        b.submit("disable-next")
        b.click("use-recovery-code")
        b.type("recovery-code-input", codes[0])
        b.submit("submit-recovery_code")
        checks.check("a used recovery code is refused as already used",
                     "already used" in b.text("error"), b.text("error"))
        b.type("recovery-code-input", codes[1])
        b.submit("submit-recovery_code")
        checks.check("the disable pop-up asks to confirm", b.visible("disable-dialog"))
        b.shot("disable-confirm.png")
        b.submit("confirm-disable")
        checks.check("Disable turns 2FA off", b.text("tfa-status") == "Not enabled" and b.visible("notice"))

        # --- risk-based e-mail verification (2FA off, risk still high) ----------------------
        b.submit("sign-out")
        b.type("email", email)
        b.type("password", PASSWORD)
        b.submit("sign-in-submit")
        checks.check("high risk, 2FA off: sign-in asks for an e-mailed code (\"Verify it's you\")",
                     b.text("verify-heading") == "Verify it's you" and b.visible("email-code")
                     and not b.els("use-recovery-code"))
        b.type("email-code", outbox_code(base, email))
        b.submit("submit-email")
        checks.check("the e-mailed code completes the sign-in", b.path() == "/account/security", b.path())
        b.submit("nav-exports")
        b.submit("export-contacts")
        b.type("email-code", outbox_code(base, email))
        b.submit("submit-email")
        checks.check("2FA off, high risk: the export is verified by e-mail and 2FA is suggested",
                     b.visible("export-verified") and b.visible("suggest-2fa"))
        b.shot("export-suggest-2fa.png")

        # --- the tester controls in the page: clock, unlock, the event log ---------------------
        locked = f"locked-{os.getpid()}@example.com"
        http("POST", base + "/mock/accounts", body={"email": locked, "password": PASSWORD})
        for _ in range(10):
            http("POST", base + "/api/session", body={"email": locked, "password": "wrong password"})
        b.go("/tester")
        b.submit("clock-freeze")
        checks.check("Stop the clock: confirmed in words, the clock shown as stopped",
                     "clock changed" in b.text("notice") and b.visible("clock-frozen"), b.text("notice"))
        frozen = b.text("clock-now")
        b.submit("clock-step-600")
        checks.check("Step +10 min moves the stopped clock", b.text("clock-now") != frozen and b.visible("clock-frozen"),
                     (frozen, b.text("clock-now")))
        b.submit("clock-reset")
        checks.check("Real time lets the clock run again", not b.els("clock-frozen"))
        b.type("unlock-email", locked)
        b.submit("unlock-submit")
        status, _, _ = http("POST", base + "/api/session", body={"email": locked, "password": PASSWORD})
        kinds = [e.text for e in b.els("event-kind")]
        checks.check("Unlock: confirmed in words, the account signs in, the event log shows it",
                     "unlocked" in b.text("notice") and status == 200 and "unlocked" in kinds and "locked" in kinds,
                     (b.text("notice"), status, kinds[:5]))
        b.shot("tester-controls.png")
        b.go("/support")
        checks.check("the support page says what the help article says for a lost device",
                     b.text("support-heading") == "Lost your device?")

        # --- the outbox as a page ------------------------------------------------------------
        b.go("/mock/outbox")
        subjects = [e.text for e in b.els("outbox-subject")]
        checks.check("the outbox renders as a page for a browser",
                     "Two-step verification is off" in subjects and len(b.els("outbox-code")) >= 1, subjects)
        b.shot("outbox.png")

        # --- CSRF, origin, inline code, console ----------------------------------------------
        token = b.cookie("sp_session")
        cookie = f"sp_session={token}"
        status, headers, body = http("POST", base + "/exports", form={"csrf": "0" * 64, "kind": "contacts"},
                                     headers={"Cookie": cookie})
        checks.check("a POST with a wrong CSRF token gets a 403 page",
                     status == 403 and headers.get("Content-Type", "").startswith("text/html"), status)
        b.go("/exports")
        csrf = b.d.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
        status, _, _ = http("POST", base + "/exports", form={"csrf": csrf, "kind": "contacts"},
                            headers={"Cookie": cookie, "Origin": "http://127.0.0.1:9"})
        checks.check("a POST from another origin gets 403 even with the token", status == 403, status)
        status, headers, _ = http("POST", base + "/exports", form={"csrf": csrf, "kind": "contacts"},
                                  headers={"Cookie": cookie, "Origin": base})
        checks.check("the same POST from the page's origin is served",
                     status == 200 and headers.get("Content-Type", "").startswith("text/csv"), status)

        inline = [
            url for url, html in sources
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) or re.search(r"\sstyle=\"", html)
            or re.search(r"\son[a-z]+=\"", html)
        ]
        checks.check(f"no inline script, style or event handler in {len(sources)} pages", not inline, inline)
        # Pages answer refusals with their HTTP status (401 wrong code, 403 step-up...), which
        # Chromium logs as failed loads; anything else severe, and any CSP report, is a failure.
        problems = [e["message"] for e in b.d.get_log("browser")
                    if "Content Security Policy" in e.get("message", "")
                    or (e.get("level") == "SEVERE" and "the server responded with a status of 4" not in e["message"])]
        checks.check("no console error and no CSP violation", not problems, problems)
    finally:
        driver.quit()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    with tempfile.TemporaryDirectory(prefix="smartpush-browser-") as work:
        try:
            run(work)
        except Exception as error:  # a step that could not run is a failure, with its reason
            checks.check("the browser run completed", False, f"{type(error).__name__}: {error}")
            log = os.path.join(work, "server.log")
            if os.path.exists(log):
                with open(log) as f:
                    tail = f.read()[-3000:]
                print("--- server log (tail) ---\n" + tail)
    print(f"browser: {checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
