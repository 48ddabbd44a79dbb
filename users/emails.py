"""The welcome email of a new user, in their language."""

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from outbox.emails import send_templated_email


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
    send_templated_email(user=user, template="users/email/welcome", context=context)
