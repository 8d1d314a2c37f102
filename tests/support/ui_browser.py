"""A real headless Chromium driven by selenium, for the resource browser's tests.

Debian's ``chromium`` and ``chromium-driver`` (``make test-tools`` installs
both); selenium is told where they are, so it never looks for (or downloads)
a driver of its own. ``evil.example.com`` resolves to 127.0.0.1 inside this
browser, so a page served by the tests on loopback is, to the browser, another
site.

Screenshots are test artifacts: ``$TEST_ARTIFACTS_DIR/ui/`` when that variable
is set (``make test`` sets it to ``test-artifacts``, which git ignores), else a
directory under pytest's temporary path.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Optional

from .attacker_site import EVIL_HOST

WINDOW = (1280, 1400)


def find_binaries() -> tuple[Optional[str], Optional[str]]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return browser, driver


def start_chromium(browser: str, driver: str, profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={profile}",
                 f"--host-resolver-rules=MAP {EVIL_HOST} 127.0.0.1"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


class Screenshots:
    """Numbered PNGs of what the browser showed, kept after the run."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._count = 0
        self._lock = threading.Lock()

    @staticmethod
    def directory_for(fallback: Path) -> Path:
        configured = os.environ.get("TEST_ARTIFACTS_DIR")
        return Path(configured).resolve() / "ui" if configured else fallback

    def take(self, driver: Any, name: str) -> Path:
        with self._lock:
            self._count += 1
            path = self.directory / f"{self._count:02d}-{name}.png"
        driver.save_screenshot(str(path))
        return path


def wait_for(driver: Any, condition: Callable[[Any], Any], timeout: float = 30, message: str = "") -> Any:
    """Poll ``condition(driver)`` until it is truthy (selenium's wait; stale elements are retried)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)
