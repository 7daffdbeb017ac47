"""Real-browser tests: the test app served over HTTP in a thread, and Debian's Chromium driven by Playwright.

    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, person)
        page.goto(base + "/grooming/check")

The browser is the system's Chromium (CI installs the ``chromium`` package; Playwright's own browser
downloads are never used). A missing browser fails the test: browser tests do not skip.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Where a journey leaves its screenshot when it fails (CI may point BROWSER_SHOTS at its artefacts folder).
SHOTS = os.environ.get("BROWSER_SHOTS") or os.path.join(tempfile.gettempdir(), "browser-shots")

# The right edge of the widest element and the document's scroll width, in CSS pixels.
MEASURE_WIDTH = """() => ({
    inner: window.innerWidth,
    scroll: document.documentElement.scrollWidth,
    right: Math.max(0, ...[...document.querySelectorAll('*')].map(e => e.getBoundingClientRect().right)),
    widest: [...document.querySelectorAll('*')].map(e => [e.getBoundingClientRect().right, e.tagName + '.' +
             [...e.classList].join('.')]).sort((a, b) => b[0] - a[0])[0],
})"""


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread, against the test's database; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def browser_page(width: int = 375, height: int = 800, *, phone: bool = True) -> Iterator[Page]:
    """A page of a fresh headless Chromium, ``width`` CSS pixels wide (a touch phone unless ``phone`` is False).

    The viewport is Playwright's (device metrics emulation), so headless Chromium's window-size clamp
    (about 500 px) does not apply.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone,
                                          has_touch=phone, device_scale_factor=2 if phone else 1)
            page = context.new_page()
            page.set_default_timeout(15_000)
            # The pages run under the app's Content-Security-Policy: anything it blocks (an inline script or
            # style someone added) fails the browser test that met it.
            blocked: list[str] = []
            page.on("console", lambda message: blocked.append(message.text)
                    if "Content Security Policy" in message.text else None)
            yield page
            assert not blocked, blocked
            context.close()
        finally:
            browser.close()


def sign_in(page: Page, base: str, person, password: str = PASSWORD) -> None:
    """Sign in through the login page, as a person would (``person``: an Employee or a username)."""
    page.goto(base + "/login")
    page.fill('input[name="username"]', person if isinstance(person, str) else person.username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('form:has(input[name="password"]) button[type="submit"]')
    assert "/login" not in page.url, page.url


def measure_width(page: Page) -> dict:
    """``inner`` (window.innerWidth), ``scroll`` (the document's scroll width), ``right`` (the rightmost element
    edge) and ``widest`` (that edge and the element's tag and classes)."""
    return page.evaluate(MEASURE_WIDTH)


@contextmanager
def screenshot_on_failure(page: Page, name: str) -> Iterator[None]:
    """Run a journey's steps; if one fails, save what the page showed then as ``SHOTS/<name>.png``."""
    try:
        yield
    except BaseException:
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
        try:
            page.screenshot(path=path, full_page=True)
            print(f"screenshot of the failure: {path}")
        except Exception:  # noqa: BLE001 - the journey's own failure is the one to report
            pass
        raise
