"""Import, export and backups through the real window (called at the end of app.py's main).

Native file dialogs cannot be driven by WebDriver, so the import uses the paste path: two URIs,
one of them an account the vault already has (marked, unchecked, not imported). Then a batch of
long-named accounts, so the Google Authenticator export needs several QR codes, paged through in
the Export dialog. Backups lists the automatic backups the saves wrote and backs up once more.
"""

from e2e_util import click
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

# The account app.py added, as steps_details (which runs first) renamed it: same secret, issuer
# and account name, so the import marks it as a duplicate.
EXISTING = "otpauth://totp/Example%20Corp:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Corp"
NEW = "otpauth://totp/Imported:carol@example.com?secret=KRUGS4ZANFZSAYLUMVZXIIDTMVRXEZLU&issuer=Imported"


def _long(i: int) -> str:
    # 16 or 32 base32 characters: lengths whose last character carries no stray bits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"[: 16 if i % 2 == 0 else 32]
    issuer = f"Long%20Service%20Name%20Number%20{i:02d}%20Incorporated"
    return f"otpauth://totp/{issuer}:someone.with.a.long.address.{i:02d}%40example.org?secret={secret}&issuer={issuer}"


def _paste(driver, element, text: str) -> None:
    """Sets a textarea's value with newlines (WebKitWebDriver cannot type them) and tells Svelte."""
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
        element,
        text,
    )


def _count(driver, testid: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))


def _gone(wait, testid: str) -> None:
    wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')))


def run(driver, by, wait, shot, ok) -> None:
    # The search box may still hold a query from earlier steps.
    search = by("search")
    driver.execute_script(
        "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));", search
    )
    before = _count(driver, "account")

    # 1. Import by pasting two URIs, one already in the vault.
    click(driver, by("more"))
    click(driver, by("import"))
    by("import-dialog")
    _paste(driver, by("import-text"), f"{EXISTING}\n{NEW}")
    click(driver, by("import-read"))
    by("import-preview")
    assert "otpauth" in by("import-format-detected").text.lower() or "uri" in by("import-format-detected").text.lower(), (
        by("import-format-detected").text
    )
    entries = driver.find_elements(By.CSS_SELECTOR, '[data-testid="import-entry"]')
    assert len(entries) == 2, len(entries)
    assert entries[0].get_attribute("data-duplicate") == "true"
    assert entries[1].get_attribute("data-duplicate") == "false"
    box = entries[0].find_element(By.CSS_SELECTOR, "input[type=checkbox]")
    assert not box.is_selected(), "a duplicate is unchecked"
    assert "Import 1 account" in by("import-commit").text, by("import-commit").text
    shot("import")
    click(driver, by("import-commit"))
    _gone(wait, "import-dialog")
    wait.until(lambda d: _count(d, "account") == before + 1)
    ok("import-paste-duplicate-skipped")

    # 2. Enough long-named accounts for several Google Authenticator QR codes.
    click(driver, by("more"))
    click(driver, by("import"))
    _paste(driver, by("import-text"), "\n".join(_long(i) for i in range(12)))
    click(driver, by("import-read"))
    wait.until(lambda d: "Import 12 accounts" in d.find_element(By.CSS_SELECTOR, '[data-testid="import-commit"]').text)
    click(driver, by("import-commit"))
    _gone(wait, "import-dialog")
    wait.until(lambda d: _count(d, "account") == before + 13)
    ok("import-many")

    # 3. Export: Google Authenticator QR codes, paged batch by batch.
    click(driver, by("more"))
    click(driver, by("export"))
    by("export-dialog")
    click(driver, by("export-google"))
    click(driver, by("export-show-qr"))
    by("export-qr")
    first = by("export-batch").text
    assert first.startswith("Batch 1 of "), first
    total = int(first.rsplit(" ", 1)[1])
    assert total >= 2, first
    assert driver.find_element(By.CSS_SELECTOR, '[data-testid="export-qr"] svg')
    click(driver, by("export-next"))
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="export-batch"]').text.startswith("Batch 2 of"))
    shot("export")
    click(driver, by("export-prev"))
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="export-batch"]').text == first)
    click(driver, by("export-plain"))
    assert not by("export-save").is_enabled(), "plaintext needs the explicit confirmation"
    click(driver, by("export-understand"))
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="export-save"]').is_enabled())
    click(driver, by("close"))
    _gone(wait, "export-dialog")
    ok("export-google-batches")

    # 4. Backups: the saves above wrote backups; back up once more.
    click(driver, by("more"))
    click(driver, by("backups"))
    by("backups-dialog")
    wait.until(lambda d: _count(d, "backup-entry") >= 1)
    listed = _count(driver, "backup-entry")
    click(driver, by("backups-now"))
    wait.until(lambda d: _count(d, "backup-entry") == min(listed + 1, 10))
    shot("backups")
    click(driver, by("close"))
    _gone(wait, "backups-dialog")
    ok("backups-listed")
