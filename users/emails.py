"""The welcome email of a new user, in their language."""

from django.conf import settings
from django.urls import reverse

from accounts.emails import METHOD_NAMES
from accounts.models import User
from accounts.second_factor import Method, offered_methods, second_factor_required
from accounts.selectors import inviter_of
from outbox.emails import send_templated_email


def first_methods(user: User) -> list:
    """The methods the person can set up at their first sign-in, when a second factor will be asked of them."""
    if not second_factor_required(user):
        return []
    methods = [method for method in offered_methods() if method != Method.BACKUP]
    return [METHOD_NAMES[method] for method in methods if method != Method.SMS or user.mobile_phone]


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
        "second_factor_methods": first_methods(user),
    }
    send_templated_email(user=user, template="users/email/welcome", context=context)
