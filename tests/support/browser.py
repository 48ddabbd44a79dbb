"""Steps the browser tests share: signing in, an authenticator app handed over, and a page checked at a phone's and a
laptop's width (no sideways scroll, no axe-core violation) with a screenshot of each."""

import base64
import json
import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import totp_device_create
from tests.factories import PASSWORD

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The two widths every checked page must fit: a small phone and a laptop.
PHONE_WIDTH, LAPTOP_WIDTH = 360, 1440
SECOND_STEP_PATH = "/accounts/second-factor/"
ENROLMENT_PATH = "/accounts/second-factor/setup/"


def give_authenticator_app(user: User) -> TOTPDevice:
    """A confirmed authenticator app for a user under the second-factor policy, as operator staff hand one over."""
    return totp_device_create(actor=None, user=user, confirmed=True)


def authenticator_code(key: bytes, *, not_before_step: int = -1, step: int = 30) -> str:
    """The code an authenticator app holding `key` shows now, or in the first time step after `not_before_step`."""
    totp = TOTP(key, step=step)
    totp.time = time.time()
    if totp.t() < not_before_step:
        # A code counts once: a second log-in in the same 30 seconds takes the next one (within the tolerance).
        totp.time += (not_before_step - totp.t()) * step
    return f"{totp.token():06d}"


def key_from_page(manual_key: str) -> bytes:
    """The key shown under the QR code (base32 in groups of four), as an app decodes it when typed in."""
    key = manual_key.replace(" ", "").upper()
    return base64.b32decode(key + "=" * (-len(key) % 8))


def enter_password(page, email: str, password: str = PASSWORD) -> None:
    """The password step of the login page, as a person would fill it in."""
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def enter_authenticator_code(page, email: str) -> None:
    """The second step with the user's authenticator app, whose key the test reads from the database."""
    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
    assert device is not None, f"{email} must give a second factor: give them one with give_authenticator_app()"
    page.get_by_role("textbox", name="Code").fill(authenticator_code(device.bin_key, not_before_step=device.last_t + 1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login page, and through the second step with the authenticator app when it asks."""
    enter_password(page, email, password)
    path = urlparse(page.url).path
    assert path != ENROLMENT_PATH, f"{email} has no second factor yet: give them one with give_authenticator_app()"
    if path == SECOND_STEP_PATH:
        enter_authenticator_code(page, email)


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0: it fits the window)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it stands, one line per rule with the first offending elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, not as a <script> tag, which the Content-Security-Policy refuses.
        page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
        + json.dumps([node["target"] for node in violation["nodes"][:3]])
        for violation in result
    ]


def axe_available() -> bool:
    """Whether axe-core is installed (npm ci); CI must have it, a laptop without npm skips the check."""
    if AXE_SCRIPT.exists():
        return True
    if os.environ.get("CI"):
        pytest.fail("axe-core is required in CI: npm ci installs it from package.json (make install does).")
    return False


def page_problems(page, name: str | None = None, *, axe: bool = True, fits: bool = True) -> list[str]:
    """What is wrong with the page as it stands at a phone's and a laptop's width: sideways scroll (`fits`) and
    axe-core violations (`axe`), one line each; with a `name`, a screenshot of each width under
    test-artifacts/screenshots/<name>-360.png and -1440.png. The window returns to the width it had.
    """
    before = page.viewport_size or {"width": LAPTOP_WIDTH, "height": 900}
    problems = []
    for width in (PHONE_WIDTH, LAPTOP_WIDTH):
        page.set_viewport_size({"width": width, "height": before["height"]})
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of a full-page picture
        if name is not None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot_path(name, width)), full_page=True)
        if fits and (overflow := horizontal_overflow(page)) > 0:
            problems.append(f"at {width} px the page scrolls sideways by {overflow} px")
        if axe and axe_available():
            problems += [f"at {width} px axe: {violation}" for violation in axe_violations(page)]
    page.set_viewport_size(before)
    return problems


def screenshot_path(name: str, width: int) -> Path:
    return SCREENSHOTS / f"{name}-{width}.png"


def inspect_page(page, name: str, *, axe: bool = True, fits: bool = True) -> list[Path]:
    """Check the page as it stands at a phone's and a laptop's width, and keep a screenshot of each.

    At both widths the page must not scroll sideways (`fits`) and axe-core must find no
    violation (`axe`); the pictures go to test-artifacts/screenshots/<name>-360.png and
    -1440.png.
    """
    problems = page_problems(page, name, axe=axe, fits=fits)
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)
    return [screenshot_path(name, width) for width in (PHONE_WIDTH, LAPTOP_WIDTH)]
