#!/usr/bin/env python3
"""End-to-end through the real window: tauri-driver + WebKitWebDriver drive the built app.

Run by tests/e2e/app.sh inside Xvfb and a private D-Bus session, with SMARTPUSH_AUTH_VAULT
pointing into a temporary folder. Steps: create a vault -> add an account by URI -> the code shown
equals oathtool's for that second -> copy puts it on the clipboard with the notice -> add recovery
codes and mark one used -> scan a QR code shown on the screen -> lock (Ctrl+L) -> a wrong password
is refused -> unlock -> the screen locker's D-Bus signal locks it -> search -> a script's
navigation elsewhere is cancelled -> details, settings, import/export, the mock-server panel
(steps_*.py). Screenshots of each screen go to $SHOTS. Prints "app-e2e: ok: <step>" per step; exits non-zero on the first failure.
"""

import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from e2e_util import fill
import steps_details
import steps_settings
import steps_transfer
import steps_server

APP = os.environ["APP_BIN"]
SHOTS = os.environ["SHOTS"]
PASSWORD = "correct horse battery staple"
SECRET = "JBSWY3DPEHPK3PXP"
URI = f"otpauth://totp/Example:alice@example.com?secret={SECRET}&issuer=Example"
# One line: WebKitWebDriver does not type newlines into a textarea.
CODES = "abcd-efgh-2345 ijkl-mnop-6789 qrst-uvwx-2468 yzab-cdef-1357 ghij-klmn-9753"


def oathtool(at: int) -> str:
    out = subprocess.run(
        ["oathtool", "--totp", "-b", f"--now=@{at}", SECRET], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def clipboard() -> str:
    out = subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True)
    return out.stdout.strip()


def texts(driver, testid: str) -> list:
    """The trimmed text of every element with this test id (textContent: WebKit's innerText may lag)."""
    return [
        (e.get_attribute("textContent") or "").strip()
        for e in driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
    ]


def main() -> int:
    options = webdriver.ChromeOptions()  # any Options object carries arbitrary capabilities
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": APP})
    driver = webdriver.Remote(command_executor="http://127.0.0.1:4444", options=options)
    wait = WebDriverWait(driver, 30)

    def by(testid: str):
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')))

    def shot(name: str) -> None:
        time.sleep(0.4)  # let transitions settle
        driver.save_screenshot(os.path.join(SHOTS, f"{name}{os.environ.get('SHOT_SUFFIX', '')}.png"))

    def unlock_again() -> None:
        """On the unlock screen: the right password opens the vault with its two accounts."""
        fill(by("password"), PASSWORD)
        by("password").send_keys(Keys.ENTER)
        by("vault")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="account"]')) == 2)

    def ok(step: str) -> None:
        print(f"app-e2e: ok: {step}", flush=True)

    try:
        # 1. First run: the setup screen, with the meter and the plain warning.
        by("setup")
        assert "cannot recover" in by("forgot-warning").text or "nobody can recover" in by("forgot-warning").text
        fill(by("new-password"), PASSWORD)
        assert by("strength").text.strip() != "", "the strength meter shows a label"
        fill(by("confirm-password"), PASSWORD)
        shot("setup")
        by("create-vault").click()
        by("vault")
        by("empty")
        ok("create-vault")

        # 2. Add an account by pasting its URI; the pick list shows it.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "n")
        by("add-dialog")
        by("tab-uri").click()
        by("uri").send_keys(URI)
        shot("add-account")
        by("read-uri").click()
        by("candidates")
        by("add-picked").click()
        wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, '[data-testid="add-dialog"]')))
        try:
            wait.until(lambda d: texts(d, "issuer") == ["Example"])
        except WebDriverException:
            raise AssertionError(f"issuers: {texts(driver, 'issuer')}")
        ok("add-by-uri")

        # 3. The code shown is oathtool's for that second.
        for _ in range(3):
            before = int(time.time())
            shown = by("code").text.replace(" ", "")
            after = int(time.time())
            if shown in (oathtool(before), oathtool(after)):
                break
            time.sleep(1)  # the list refreshes each second: retry across a step boundary
        else:
            raise AssertionError(f"code {shown!r} is not oathtool's ({oathtool(before)}/{oathtool(after)})")
        ok("code-matches-oathtool")

        # 4. Copy: the notice, and the code on the clipboard.
        code_now = by("code").text.replace(" ", "")
        by("code").click()
        assert "clears in 30 s" in by("toast").text
        copied = clipboard()
        assert copied in (code_now, oathtool(int(time.time()))), f"clipboard holds {copied!r}"
        shot("codes")
        ok("copy-to-clipboard")

        # 5. Recovery codes: add five, mark one used.
        by("open-recovery").click()
        by("recovery-dialog")
        by("recovery-text").send_keys(CODES)
        by("recovery-add").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="recovery-code"]')) == 5)
        driver.find_elements(By.CSS_SELECTOR, '[data-testid="mark-used"]')[0].click()
        wait.until(lambda d: "4 unused" in d.find_element(By.CSS_SELECTOR, '[data-testid="recovery-left"]').text)
        assert "abcd" not in driver.find_element(By.CSS_SELECTOR, '[data-testid="recovery-dialog"]').text
        shot("recovery-codes")
        by("close").click()
        wait.until(lambda d: "4/5" in d.find_element(By.CSS_SELECTOR, '[data-testid="open-recovery"]').text)
        ok("recovery-codes")

        # 6. Scan a QR code shown on the screen (an ImageMagick window beside the app).
        viewer = subprocess.Popen(["display", "-geometry", "+880+60", os.environ["QR_PNG_FILE"]])
        try:
            time.sleep(1.5)  # let the viewer map its window
            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "n")
            by("scan-screen").click()
            by("candidates")
            shot("scan-screen")
            by("add-picked").click()
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="account"]')) == 2)
        finally:
            viewer.kill()
            viewer.wait()
        issuers = texts(driver, "issuer")
        assert "SmartPush" in issuers, issuers
        ok("scan-screen")

        # 7. Lock with Ctrl+L; a wrong password is refused; the right one unlocks.
        by("search").send_keys(Keys.CONTROL, "l")
        by("unlock")
        fill(by("password"), "not the password")
        by("password").send_keys(Keys.ENTER)
        assert "Wrong password" in by("unlock-error").text
        shot("unlock-wrong-password")
        unlock_again()
        ok("lock-and-unlock")

        # 7b. The screen locker turning on (the session bus's ScreenSaver signal) locks the vault,
        # and the unlock screen says why.
        subprocess.run(
            ["dbus-send", "--session", "--type=signal", "/org/freedesktop/ScreenSaver",
             "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true"],
            check=True,
        )
        wait.until(lambda d: "screen was locked" in by("unlock-lead").text)
        shot("unlock-session-locked")
        unlock_again()
        ok("session-lock")

        # 8. Type-to-search: focus is in the search box; a non-matching query empties the list.
        by("search").send_keys("zzz")
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="account"]'))
        by("search").send_keys(Keys.BACKSPACE * 3, "alice")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="account"]')) == 1)
        ok("search")

        # 8b. The navigation guard: a script sending the window to another page is cancelled.
        home = driver.current_url
        driver.execute_script("window.location.href = 'http://127.0.0.1:9/elsewhere'")
        time.sleep(1.5)
        assert driver.current_url == home, f"navigated to {driver.current_url}"
        by("vault")
        ok("navigation-guard")

        steps_details.run(driver, by, wait, shot, ok)
        steps_settings.run(driver, by, wait, shot, ok)
        steps_transfer.run(driver, by, wait, shot, ok)
        steps_server.run(driver, by, wait, shot, ok)
    except (AssertionError, WebDriverException) as err:
        import traceback

        traceback.print_exc()
        print(f"app-e2e: FAILED: {type(err).__name__}: {err}", file=sys.stderr)
        try:
            driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
        except WebDriverException:
            pass
        return 1
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
