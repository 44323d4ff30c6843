"""Driving the dashboard in Debian's Chromium through Playwright: a page whose console errors, failed requests
and HTTP errors are all recorded, and waits that respect the dashboard's Content-Security-Policy."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("GIGSIGHT_ARTIFACTS", "test-artifacts"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def wait_until(page: Any, expression: str, timeout: float = 60.0) -> None:
    """Poll a condition from Python: Playwright's wait_for_function evaluates strings inside the page, which the
    dashboard's Content-Security-Policy (no 'unsafe-eval') forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout:.0f} s: {expression}")
        time.sleep(0.1)


class Watched:
    """A page with every console error, failed request and HTTP error recorded."""

    def __init__(self, browser: Any, width: int = 1366, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.settle()
        return self.page

    def settle(self) -> None:
        wait_until(self.page, "document.getElementById('status').textContent !== 'Loading…'")
        status = self.page.locator("#status").inner_text()
        if not status.startswith("Data "):
            self.problems.append(f"status: {status}")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def launch(playwright: Any) -> Any:
    """Chromium as the tests run it (headless, no network extras)."""
    if not Path(CHROMIUM).exists():
        raise AssertionError("chromium is not installed: ./run test installs it (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
