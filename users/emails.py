"""The welcome email of a new user, in their language."""

from django.conf import settings
from django.urls import reverse

from accounts.emails import METHOD_NAMES
from accounts.models import User
from accounts.second_factor import first_methods, second_factor_due, second_factor_required
from accounts.selectors import inviter_of
from outbox.emails import send_templated_email


def second_factor_methods(user: User) -> list:
    """The names of the methods the person can set up, when a second factor will be asked of them (else none)."""
    if not (second_factor_required(user) or second_factor_due(user)):
        return []
    return [METHOD_NAMES[method] for method in first_methods(user)]


def send_welcome_email(*, user: User, temporary_password: str) -> None:
    """The welcome email: who created the account, user name, temporary password, the link to the cockpit, and the
    second factor that will be asked, with the methods the person can choose from."""
    instance = user.company.instance
    context = {
        "user": user,
        "temporary_password": temporary_password,
        "expires_at": user.temporary_password_expires_at,
        "cockpit": instance,
        "cockpit_url": settings.COCKPIT_BASE_URL
        + reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}),
        "login_url": settings.COCKPIT_BASE_URL + reverse("accounts:login"),
        "inviter": inviter_of(user),
        "second_factor_methods": second_factor_methods(user),
    }
    send_templated_email(user=user, template="users/email/welcome", context=context)
