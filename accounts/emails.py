"""Emails to users, rendered in the recipient's language and sent through the configured (anymail) backend."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User


def send_templated_email(*, user: User, template: str, context: dict) -> None:
    """Render templates/<template>_subject.txt, _body.txt and _body.html in the user's language and send them."""
    with translation.override(user.language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email])
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


SECURITY_EVENTS = ("added", "removed", "reset")


def send_security_email(*, user: User, event: str, device: str) -> None:
    """Tell the user a sign-in method was added to or removed from their account, or all were reset.

    Sent whoever made the change, so a stranger's change does not go unnoticed.
    """
    assert event in SECURITY_EVENTS
    context = {
        "user": user,
        "event": event,
        "device": device,
        "account_url": settings.COCKPIT_BASE_URL + reverse("accounts:my-account"),
    }
    send_templated_email(user=user, template="accounts/email/security", context=context)
