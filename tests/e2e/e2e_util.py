"""Small helpers shared by the end-to-end steps."""

import time

from selenium.webdriver.common.keys import Keys


def fill(element, text: str, attempts: int = 3) -> None:
    """Types `text` into an input and checks it arrived whole.

    Under load, WebKitWebDriver has been seen to deliver part of a send_keys to the previously
    focused field; the field is then cleared and typed again (the value is what is checked).
    """
    for _ in range(attempts):
        element.click()
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.BACKSPACE)
        element.send_keys(text)
        if element.get_attribute("value") == text:
            return
    raise AssertionError(f"could not type into {element.get_attribute('data-testid')!r} after {attempts} attempts")


def click(driver, element) -> None:
    """Scrolls `element` to the middle of its scroll box, lets the layout settle, then clicks.

    In a tall dialog WebKitWebDriver may otherwise click where the element was before the scroll
    (seen: a click meant for one button landing on its neighbour).
    """
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    time.sleep(0.2)
    element.click()
