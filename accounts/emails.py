"""Emails to users, rendered in the recipient's language and sent through the configured (anymail) backend."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User


def send_templated_email(*, user: User, template: str, context: dict, to: str | None = None) -> None:
    """Render templates/<template>_subject.txt, _body.txt and _body.html in the user's language and send them.

    To the user's address, or to `to` (the address they had, for a notice of its change).
    """
    with translation.override(user.language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to or user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def send_welcome_email(*, user: User, temporary_password: str) -> None:
    """The welcome email: user name, one-time temporary password, and the link to the cockpit."""
    instance = user.company.instance
    context = {
        "user": user,
        "temporary_password": temporary_password,
        "expires_at": user.temporary_password_expires_at,
        "cockpit": instance,
        "cockpit_url": settings.COCKPIT_BASE_URL
        + reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}),
        "login_url": settings.COCKPIT_BASE_URL + reverse("accounts:login"),
    }
    send_templated_email(user=user, template="accounts/email/welcome", context=context)


SECURITY_EVENTS = ("added", "removed", "reset", "backup_codes", "mobile_changed", "password_changed", "email_changed")


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
        "device": device,
        "account_url": settings.COCKPIT_BASE_URL + reverse("accounts:my-account"),
    }
    send_templated_email(user=user, template="accounts/email/security", context=context, to=address)
