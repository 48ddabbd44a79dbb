"""Passkeys (WebAuthn, django-otp-webauthn): added on My account, a second factor, or a sign-in on their own.

django-otp-webauthn runs the ceremonies (options, signature checks, sign counts) and its
browser script; this module makes its credentials ours: named by the person, audited and
announced by email like every other method, verified into the session the way
second_factor_verify() does it, and signed in with our own session rules when used alone.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.structs import ResidentKeyRequirement

from accounts.models import User
from accounts.second_factor import (
    ENROLLED_SESSION_KEY,
    backup_codes_on_enrolment,
    device_audit,
    device_security_email,
    remember_enrolment,
    require_self_or_staff,
)

# The name the person gave the passkey they are adding, kept between the naming form and the ceremony.
PASSKEY_NAME_KEY = "passkey_name"
# Backup codes made with a first passkey, held for the one page after the ceremony that shows them.
PASSKEY_CODES_KEY = "passkey_backup_codes"
PASSKEY_NAME_MAX = 64


def relying_party_id(request: HttpRequest) -> str:
    """The domain passkeys belong to: the host the person is on (Django's ALLOWED_HOSTS vouch for it).

    A passkey made on localhost works on localhost only, as browsers scope it; in production that is
    the cockpit's one domain.
    """
    return request.get_host().rsplit(":", 1)[0].strip("[]")


class PasskeyHelper(WebAuthnHelper):
    """django-otp-webauthn's ceremonies with our origin, our names, and every new passkey audited."""

    def get_allowed_origins(self) -> list[str]:
        # The cockpit's own address, and the one this page is served from (a local port, a test server).
        own = urlsplit(settings.COCKPIT_BASE_URL)
        here = f"{self.request.scheme}://{self.request.get_host()}"
        return sorted({f"{own.scheme}://{own.netloc}", here})

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        # Signing in with the passkey alone needs the authenticator to keep the credential (a discoverable one).
        return ResidentKeyRequirement.REQUIRED

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = self.request.session.get(PASSKEY_NAME_KEY) or str(_("Passkey"))
        return device

    def register_complete(self, user: AbstractBaseUser, state: dict, data: dict):
        with transaction.atomic():
            device = super().register_complete(user=user, state=state, data=data)
            passkey_added(actor=user, device=device)
            codes = backup_codes_on_enrolment(user=device.user)
        self.request.session.pop(PASSKEY_NAME_KEY, None)
        if codes:
            self.request.session[PASSKEY_CODES_KEY] = codes
        return device


def passkey_added(*, actor: AbstractBaseUser, device: WebAuthnCredential) -> None:
    """A passkey the person just made counts from now on: audited, and announced to them by email."""
    user = device.user
    assert isinstance(user, User)
    require_self_or_staff(actor, user)
    device_audit(actor=actor, action="device.created", device=device, user=user)
    device_security_email(user, "added", device)


def passkeys_of(user: User) -> list[WebAuthnCredential]:
    """The person's passkeys, oldest first, each with the key My account's remove form is known by."""
    passkeys = list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk"))
    for passkey in passkeys:
        passkey.remove_key = f"passkey-{passkey.pk}"
    return passkeys


def passkey_verified(request: HttpRequest, device: WebAuthnCredential) -> None:
    """A passkey signed the challenge: the session is verified, as by a right code, and gets a new id.

    Used alone from the login page, it is the whole sign-in: the person is logged in first, with our
    password step's own backend (which loads what every page needs) and its session notes.
    """
    user = device.user
    if not request.user.is_authenticated:
        auth_login(request, user, backend="accounts.backends.EmailBackend")
        remember_enrolment(request, user)
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    request.session.cycle_key()
