"""Steps the browser tests share."""

import base64
import time
from urllib.parse import urlparse

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import totp_device_create
from tests.factories import PASSWORD

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
