"""Signing in as the tests do it: the two steps through the pages, a code from an authenticator app, the last SMS
code the fake gateway sent, and a session marked past the second factor without the pages."""

import time

from django.contrib.auth.models import update_last_login
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SIGN_IN_UNFINISHED
from outbox.sms import FakeGateway
from tests.factories import PASSWORD


def verify_second_factor(client, user):
    """Mark the client's session verified with the user's authenticator app (made if they have none), its sign-in
    finished."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Every step done, as the page after the second step would note it (accounts.middleware.sign_in_finished).
    if session.pop(SIGN_IN_UNFINISHED, None) and not user.must_change_password:
        update_last_login(type(user), user)
    session.save()
    return device


def totp_code(device: TOTPDevice, steps: int = 0) -> str:
    """The code an authenticator app shows for the device, `steps` time steps from now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def password_step(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def second_step(client, code, method="totp", next_url=""):
    data = {"code": code, "method": method}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:second-factor"), data)


def verified(client) -> bool:
    from django_otp import DEVICE_ID_SESSION_KEY

    return DEVICE_ID_SESSION_KEY in client.session


def last_sms_code() -> str:
    return FakeGateway.outbox[-1].body.rsplit(" ", 1)[-1]
