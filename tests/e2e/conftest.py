"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

Browser downloads are impossible here, so Playwright launches the system Chromium.
Without Chromium the e2e tests are skipped locally, but fail in CI (CI=true).
"""

import os
import shutil

import pytest

from tests.support.browser import LAPTOP_WIDTH, inspect_page

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium).")
        pytest.skip("Chromium is not installed; install Debian's 'chromium' package to run the browser tests.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's async guard is moot here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": LAPTOP_WIDTH, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    yield page
    context.close()
    # Every page a flow opened works under the Content-Security-Policy: nothing of ours was refused.
    assert refused == [], refused


@pytest.fixture
def screenshot(page):
    """inspect_page for the test's page: no sideways scroll and no axe-core violation at 360 and 1440 px, with
    a screenshot of each."""
    return lambda name, **checks: inspect_page(page, name, **checks)


@pytest.fixture(autouse=True)
def _browser_tests_have_the_catalogue(role_catalogue):
    """Browser tests run in flushed transactional databases (live server)."""
