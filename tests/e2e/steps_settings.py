"""Window steps of the settings dialog, run at the end of app.py's main with the vault unlocked.

Open the settings (Ctrl+,), switch the theme to dark and back, set the clipboard clearing to
its minimum and prove with xclip that a copied code is cleared after it, but not when the
clipboard was overwritten meanwhile; change the master password, lock from the dialog, unlock
with the new one, and change it back (so later steps keep the usual password).
"""

from e2e_util import click, fill
import subprocess
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a new and longer master password 42"
CLEAR_SECONDS = 5


def clipboard() -> str:
    out = subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True, text=True)
    return out.stdout.strip()


def set_clipboard(text: str) -> None:
    # xclip keeps serving the selection from a background child until another owner takes it.
    subprocess.run(
        ["xclip", "-selection", "clipboard"],
        input=text,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )


def run(driver, by, wait, shot, ok) -> None:
    def theme() -> str:
        return driver.execute_script("return document.documentElement.dataset.theme || ''")

    def background() -> str:
        return driver.execute_script("return getComputedStyle(document.body).backgroundColor")

    def close_dialog() -> None:
        by("settings-dialog").find_element(By.CSS_SELECTOR, '[data-testid="close"]').click()
        wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, '[data-testid="settings-dialog"]')))

    def open_settings(with_keys: bool) -> None:
        if with_keys:
            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, ",")
        else:
            click(driver, by("open-settings"))
        by("settings-dialog")

    def change_password(current: str, new: str) -> None:
        fill(by("current-password"), current)
        fill(by("next-password"), new)
        fill(by("repeat-password"), new)
        click(driver, by("change-password-submit"))
        wait.until(lambda d: "changed" in by("password-done").text)

    # 1. Ctrl+, opens the dialog; the theme switches live to dark and back to the system's.
    open_settings(with_keys=True)
    system_background = background()
    click(driver, by("theme-dark"))
    wait.until(lambda d: theme() == "dark")
    wait.until(lambda d: background() == "rgb(15, 20, 32)")
    shot("settings-dark")
    click(driver, by("theme-light"))
    wait.until(lambda d: theme() == "light" and background() == "rgb(244, 246, 251)")
    click(driver, by("theme-system"))
    wait.until(lambda d: theme() == "system" and background() == system_background)
    shot("settings")
    ok("settings-theme")

    # 2. The clipboard is cleared after the chosen delay, only if it still holds our code.
    Select(by("clipboard-clear")).select_by_value(str(CLEAR_SECONDS))
    wait.until(lambda d: Select(by("clipboard-clear")).first_selected_option.get_attribute("value") == "5")
    close_dialog()
    code = by("code").text.replace(" ", "")
    click(driver, by("code"))
    assert f"clears in {CLEAR_SECONDS} s" in by("toast").text, by("toast").text
    copied = clipboard()
    assert copied.isdigit(), f"clipboard holds {copied!r}"
    time.sleep(CLEAR_SECONDS + 1.5)
    assert clipboard() != copied, f"the code {copied!r} is still on the clipboard"
    click(driver, by("code"))
    wait.until(lambda d: clipboard().isdigit())
    set_clipboard("something the user copied")
    time.sleep(CLEAR_SECONDS + 1.5)
    assert clipboard() == "something the user copied", f"clipboard holds {clipboard()!r}"
    ok(f"clipboard-cleared-after-{CLEAR_SECONDS}s-only-if-ours (code was {len(code)} digits)")

    # 3. Change the master password; lock from the dialog; the old one fails, the new one opens.
    open_settings(with_keys=False)
    wait.until(lambda d: "unlock takes about" in by("kdf-cost").text)
    change_password(PASSWORD, NEW_PASSWORD)
    click(driver, by("settings-lock-now"))
    by("unlock")
    fill(by("password"), PASSWORD)
    by("password").send_keys(Keys.ENTER)
    assert "Wrong password" in by("unlock-error").text
    fill(by("password"), NEW_PASSWORD)
    by("password").send_keys(Keys.ENTER)
    by("vault")
    ok("change-password")

    # Back to the usual password, so later steps are unaffected.
    open_settings(with_keys=True)
    change_password(NEW_PASSWORD, PASSWORD)
    close_dialog()
    ok("password-restored")
