"""Headless Chromium for the console's browser tests: Debian's ``chromium`` and
``chromium-driver`` (installed by ``scripts/bootstrap``), driven with Selenium.

Nothing is downloaded: the driver and the browser are named by path, so Selenium Manager is
never asked to find (or fetch) either. Every wait is for a condition, with a deadline.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 20.0
DESKTOP = (1366, 900)
TABLET = (800, 1180)


@contextlib.contextmanager
def chromium(width: int = DESKTOP[0], height: int = DESKTOP[1]) -> Iterator[WebDriver]:
    """A headless Chromium at ``width`` x ``height``, quit on exit."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",  # tests run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--lang=zh-CN",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver, timeout: float = WAIT_S) -> WebDriverWait[WebDriver]:
    """A wait for a condition (never a sleep)."""
    return WebDriverWait(driver, timeout)


def open_page(driver: WebDriver, url: str, path_pattern: str) -> None:
    """Loads ``url`` and waits until the page at a path matching ``path_pattern`` is shown."""
    driver.get(url)
    wait(driver).until(lambda d: re.search(path_pattern, d.current_url) is not None)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def element(driver: WebDriver, css: str) -> WebElement:
    """The element matching ``css`` once it is visible (looked up again while the page is
    still replacing itself: Chromium then says a node "does not belong to the document")."""

    def visible(d: WebDriver) -> WebElement | bool:
        try:
            found = d.find_element(By.CSS_SELECTOR, css)
            return found if found.is_displayed() else False
        except WebDriverException:
            return False

    found: WebElement = wait(driver).until(visible)
    return found


def click(driver: WebDriver, css: str) -> None:
    """Clicks the element matching ``css``, finding it again if the page replaced it between
    the look-up and the click (a click on a replaced node fails before it acts)."""

    def clicked(d: WebDriver) -> bool:
        try:
            found = d.find_element(By.CSS_SELECTOR, css)
            if not found.is_displayed():
                return False
            found.click()
        except WebDriverException:
            return False
        return True

    wait(driver).until(clicked)


def submit(driver: WebDriver, css: str) -> None:
    """Clicks the element matching ``css`` and waits until the browser has left the page it
    was on and loaded the answer (a marker set on the old page is gone). Without this, a look
    at the page right after the click may still see the old one, or a node of it that the
    navigation is removing."""
    driver.execute_script("window.__before_submit = true;")
    click(driver, css)

    def new_page_loaded(d: WebDriver) -> bool:
        try:
            return bool(
                d.execute_script(
                    "return window.__before_submit === undefined"
                    " && document.readyState === 'complete';"
                )
            )
        except WebDriverException:  # the navigation is under way
            return False

    wait(driver).until(new_page_loaded)


def text_appears(driver: WebDriver, text: str) -> None:
    """Waits until ``text`` is in the page's body (read again if the page is being replaced
    while it is read: Chromium then says a node "does not belong to the document")."""

    def present(d: WebDriver) -> bool:
        try:
            body = d.execute_script("return document.body ? document.body.innerText : '';")
            return text in str(body)
        except WebDriverException:
            return False

    wait(driver).until(present)


def screenshot(driver: WebDriver, folder: Path, name: str) -> Path:
    """A PNG of the whole page (as tall as its content) as ``folder/name.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    original = driver.get_window_size()["height"]
    driver.set_window_size(width, min(max(int(height) + 120, original), 6000))
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(width, original)
    return path


def text_of(driver: WebDriver, css: str, starts_with: str) -> str:
    """Waits until the element matching ``css`` reads ``starts_with...`` (the page may still
    be replacing itself while it is looked at) and answers its text."""

    def read(d: WebDriver) -> str | bool:
        try:
            text = str(d.find_element(By.CSS_SELECTOR, css).text)
        except WebDriverException:  # not there yet, or replaced while being read
            return False
        return text if text.startswith(starts_with) else False

    return str(wait(driver).until(read))
