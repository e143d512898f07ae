"""End-to-end steps of the account details dialog, run by app.py after its own steps.

Expects the vault app.py leaves: "Example" (alice, secret JBSWY3DPEHPK3PXP) and "SmartPush"
(bob), with "alice" typed in the search box. Edits the issuer, reveals the secret, shows the
QR code, stars the account, and deletes SmartPush through the confirmation.
"""

import time

from e2e_util import click
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

SECRET = "JBSWY3DPEHPK3PXP"


def _issuers(driver) -> list:
    # textContent: the row's star is an aria-hidden "★" plus a visually hidden "Favourite:".
    return [
        (e.get_attribute("textContent") or "").replace("★", "").replace("Favourite:", "").strip()
        for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="issuer"]')
    ]


def _rows(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, '[data-testid="account"]')


def _open_details(driver, wait, by, issuer: str) -> None:
    for row in _rows(driver):
        if issuer in (row.find_element(By.CSS_SELECTOR, '[data-testid="issuer"]').get_attribute("textContent") or ""):
            row.find_element(By.CSS_SELECTOR, '[data-testid="open-details"]').click()
            by("details-dialog")
            return
    raise AssertionError(f"no row for {issuer!r} in {_issuers(driver)}")


def _replace(element, text: str) -> None:
    """Selects the field's text and types over it (fires the input events the UI listens to)."""
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(text)


def run(driver, by, wait, shot, ok) -> None:
    # Show both accounts again.
    by("search").send_keys(Keys.BACKSPACE * 5)
    wait.until(lambda d: len(_rows(d)) == 2)

    # 1. Open the details of the account app.py added and edit its issuer.
    _open_details(driver, wait, by, "Example")
    assert by("d-issuer").get_attribute("value") == "Example"
    _replace(by("d-issuer"), "Example Corp")
    click(driver, by("d-save"))
    try:
        wait.until(lambda d: "Example Corp" in _issuers(d))
    except WebDriverException:
        raise AssertionError(f"issuers after the edit: {_issuers(driver)}")
    ok("details-edit-issuer")

    # 2. Reveal the secret: the known key, grouped by four.
    assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="secret"]'), "hidden until asked"
    click(driver, by("reveal"))
    shown = by("secret").text.replace(" ", "")
    assert shown == SECRET, f"revealed {shown!r}"
    # Hide it again (the layout settles before the next click: a click on a moving page can land
    # on the wrong button).
    click(driver, by("hide-secret"))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="secret"]'))
    ok("details-reveal-secret")

    # 3. Show as QR code: the image loads (CSP allows the data: SVG) and the warning is shown.
    show = by("show-qr")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", show)
    time.sleep(0.3)
    show.click()
    qr = by("qr")
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr))
    body = driver.find_element(By.CSS_SELECTOR, '[data-testid="details-dialog"]').text
    assert "contains the secret key" in body, body
    shot("details")
    ok("details-qr")

    # 4. Star it: pressed in the dialog, the star in its row, listed first.
    click(driver, by("favourite"))
    wait.until(lambda d: by("favourite").get_attribute("aria-pressed") == "true")
    click(driver, by("close"))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="details-dialog"]'))
    wait.until(lambda d: _issuers(d)[:1] == ["Example Corp"])
    first = _rows(driver)[0]
    assert first.find_elements(By.CSS_SELECTOR, '[data-testid="fav-star"]'), "the favourite is marked"
    # Ctrl+E opens the selected row's details from the keyboard; Esc closes them.
    by("search").send_keys(Keys.CONTROL, "e")
    assert by("d-issuer").get_attribute("value") == "Example Corp"
    by("d-issuer").send_keys(Keys.ESCAPE)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="details-dialog"]'))
    ok("details-favourite")

    # 5. Delete the other account: nothing happens before the confirmation.
    _open_details(driver, wait, by, "SmartPush")
    click(driver, by("delete"))
    assert "SmartPush" in by("confirm-text").text
    assert len(_rows(driver)) == 2, "not deleted before the confirmation"
    click(driver, by("confirm-delete"))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="details-dialog"]'))
    wait.until(lambda d: _issuers(d) == ["Example Corp"])
    ok("details-delete-confirmed")
