"""Emails about a person's own account: notices of changes of how they sign in."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outbox.emails import send_templated_email

SECURITY_EVENTS = (
    "added",
    "removed",
    "reset",
    "backup_codes",
    "mobile_changed",
    "password_changed",
    "email_changed",
    "second_factor_required",
)
# The sign-in methods by their codes (accounts.second_factor.Method), named in the reader's language when the email
# is rendered: a notice queued by an operator working in English still reads German for a German person.
METHOD_NAMES = {
    "totp": _("Authenticator app"),
    "sms": _("SMS to your mobile number"),
    "backup": _("Backup codes"),
    "passkey": _("Passkey"),
}


def send_security_email(*, user: User, event: str, device: str, address: str | None = None) -> None:
    """Tell the user of a change of how they sign in: a method added or removed, all reset, new backup codes,
    another mobile number, password or email address.

    Sent whoever made the change, so a stranger's change does not go unnoticed; a new
    email address is announced to the one it replaces (`address`).
    """
    assert event in SECURITY_EVENTS
    context = {
        "user": user,
        "event": event,
        # A method's code, or (a notice queued before codes were stored) its name as it was then.
        "device": METHOD_NAMES.get(device, device),
        "account_url": settings.COCKPIT_BASE_URL + reverse("accounts:my-account"),
    }
    send_templated_email(user=user, template="accounts/email/security", context=context, to=address)
