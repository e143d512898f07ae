"""E2E steps of the mock server panel (called from app.py's main with an unlocked vault).

Opens the panel from the header and starts the server; then, through the server's JSON API,
registers a new account, begins the 2FA enrollment and takes the otpauth URI it returns; adds
that URI through the Add dialog's Link tab; confirms the enrollment with the code the app shows
-> the API reports 2FA enabled and the panel lists the account with 2FA on (screenshot
"server-panel"); support's reset from the panel turns 2FA off and the risk toggle makes a
sign-in ask for an e-mailed code, as the API reports; stops the server from the panel.
"""

import json
import time
import urllib.error
import urllib.request

from e2e_util import click
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec

PASSWORD = "e2e-password-1"


def api(base: str, method: str, path: str, body=None, token=None):
    """One JSON request; returns (status, parsed body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, json.loads(raw) if raw else None


def expect(result, status: int, what: str):
    got, doc = result
    assert got == status, f"{what}: HTTP {got} {doc}"
    return doc


def panel_text(driver, testid: str) -> list:
    return [
        (e.get_attribute("textContent") or "").strip()
        for e in driver.find_elements(By.CSS_SELECTOR, f'[data-testid="server-panel"] [data-testid="{testid}"]')
    ]


def close_panel(driver, wait) -> None:
    driver.find_element(By.CSS_SELECTOR, '[data-testid="server-panel"] [data-testid="close"]').click()
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, '[data-testid="server-panel"]')))


def account_row(driver, email: str):
    for row in driver.find_elements(By.CSS_SELECTOR, '[data-testid="account"]'):
        if email in (row.get_attribute("textContent") or ""):
            return row
    return None


def run(driver, by, wait, shot, ok) -> None:
    # Show every account again (an earlier step may have left a search in the box).
    by("search").send_keys(Keys.ESCAPE)

    # 1. Open the panel from the header and start the server (empty port: 8790 or a free one).
    click(driver, by("more"))
    click(driver, by("open-server"))
    by("server-panel")
    # Enabled once the panel has read the server's status.
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="server-start"]'))).click()
    wait.until(lambda d: panel_text(d, "server-url") and panel_text(d, "server-url")[0].startswith("http://127.0.0.1:"))
    base = panel_text(driver, "server-url")[0]
    expect(api(base, "GET", "/openapi.json"), 200, "openapi")
    wait.until(lambda d: "demo@example.com" in panel_text(d, "mock-email"))
    ok("server-start")

    # 2. Through the API: a new account, signed in, enrollment up to the TOTP secret.
    email = f"e2e-{int(time.time())}@example.com"
    expect(api(base, "POST", "/api/accounts", {"email": email, "password": PASSWORD}), 201, "register")
    session = expect(api(base, "POST", "/api/session", {"email": email, "password": PASSWORD}), 200, "sign in")
    assert session["status"] == "authenticated", session
    token = session["token"]
    started = expect(api(base, "POST", "/api/2fa/enrollment", {"password": PASSWORD}, token), 201, "enroll")
    enrollment = started["enrollment_id"]
    mails = expect(api(base, "GET", f"/mock/outbox?to={email}"), 200, "outbox")
    expect(
        api(base, "POST", f"/api/2fa/enrollment/{enrollment}/email", {"code": mails[0]["code"]}, token),
        200,
        "verify e-mail",
    )
    chosen = expect(
        api(base, "POST", f"/api/2fa/enrollment/{enrollment}/method", {"method": "totp"}, token), 200, "method"
    )
    uri = chosen["otpauth_uri"]
    assert uri.startswith("otpauth://totp/SmartPush:"), uri
    # The panel's outbox shows the e-mailed code with a Copy button.
    wait.until(lambda d: mails[0]["code"] in panel_text(d, "outbox-code"))
    close_panel(driver, wait)
    ok("server-enrollment-started")

    # 3. Add the otpauth URI through the Add dialog's Link tab.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "n")
    by("add-dialog")
    click(driver, by("tab-uri"))
    by("uri").send_keys(uri)
    click(driver, by("read-uri"))
    by("candidates")
    click(driver, by("add-picked"))
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, '[data-testid="add-dialog"]')))
    wait.until(lambda d: account_row(d, email) is not None)
    ok("server-account-added")

    # 4. Confirm the enrollment with the code the app shows (not too close to a step's end).
    while 30 - int(time.time()) % 30 < 3:
        time.sleep(0.5)
    code = account_row(driver, email).find_element(By.CSS_SELECTOR, '[data-testid="code"]').text.replace(" ", "")
    assert len(code) == 6 and code.isdigit(), code
    enabled = expect(
        api(base, "POST", f"/api/2fa/enrollment/{enrollment}/confirm", {"code": code}, token), 200, "confirm"
    )
    assert enabled["enabled"] is True and len(enabled["recovery_codes"]) == 10, enabled
    security = expect(api(base, "GET", "/api/account/security", token=token), 200, "security")
    assert security["two_factor"]["enabled"] is True, security
    ok("server-2fa-enabled-with-app-code")

    # 5. The panel lists the account with 2FA on.
    click(driver, by("more"))
    click(driver, by("open-server"))
    by("server-panel")

    def mock_row(d):
        for row in d.find_elements(By.CSS_SELECTOR, '[data-testid="server-panel"] [data-testid="mock-account"]'):
            if email in (row.get_attribute("textContent") or ""):
                return row
        return None

    def tfa_of(d):
        row = mock_row(d)
        if row is None:
            return ""
        return (row.find_element(By.CSS_SELECTOR, '[data-testid="mock-2fa"]').get_attribute("textContent") or "").strip()

    wait.until(lambda d: tfa_of(d).startswith("2FA on"))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", mock_row(driver))
    shot("server-panel")
    ok("server-panel-shows-2fa-on")

    # 6. Support's reset from the panel (with its confirmation): it ends the account's sessions,
    # and a new sign-in (no second step now) sees 2FA off.
    mock_row(driver).find_element(By.CSS_SELECTOR, '[data-testid="support-reset"]').click()
    wait.until(lambda d: mock_row(d).find_elements(By.CSS_SELECTOR, '[data-testid="support-reset-confirm"]'))
    mock_row(driver).find_element(By.CSS_SELECTOR, '[data-testid="support-reset-confirm"]').click()
    wait.until(lambda d: tfa_of(d) == "2FA off")
    expect(api(base, "GET", "/api/account/security", token=token), 401, "the old session ended")
    session = expect(api(base, "POST", "/api/session", {"email": email, "password": PASSWORD}), 200, "sign in")
    assert session["status"] == "authenticated", session
    token = session["token"]
    security = expect(api(base, "GET", "/api/account/security", token=token), 200, "security")
    assert security["two_factor"]["enabled"] is False, security
    ok("server-support-reset")

    # 7. The risk toggle: high risk and 2FA off, a sign-in asks for an e-mailed code.
    toggle = mock_row(driver).find_element(By.CSS_SELECTOR, '[data-testid="risk-toggle"]')
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    wait.until(
        lambda d: mock_row(d).find_element(By.CSS_SELECTOR, '[data-testid="risk-toggle"]').get_attribute("aria-pressed")
        == "true"
    )
    signed = expect(api(base, "POST", "/api/session", {"email": email, "password": PASSWORD}), 200, "risky sign-in")
    assert signed["status"] == "email_verification_required", signed
    ok("server-risk-toggle")

    # 8. Stop the server from the panel; nothing answers any more.
    click(driver, by("server-stop"))
    wait.until(lambda d: panel_text(d, "server-state") == ["Stopped"])
    try:
        api(base, "GET", "/openapi.json")
        raise AssertionError("the server still answers after Stop")
    except (urllib.error.URLError, ConnectionError):
        pass
    close_panel(driver, wait)
    ok("server-stop")
