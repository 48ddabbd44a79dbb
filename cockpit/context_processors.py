from django.utils.functional import SimpleLazyObject

from accounts.permissions import is_operator_staff, user_manages_users, user_views_users
from cockpit.permissions import cockpits_of
from sharing.permissions import cockpit_is_shareable


def cockpit(request) -> dict:
    """The current cockpit, the cockpits for the header's switcher, and whether to offer User Management, Shares
    and the Django admin."""
    instance = getattr(request, "instance", None)
    return {
        "current_instance": instance,
        "available_cockpits": SimpleLazyObject(lambda: cockpits_of(request.user)),
        "can_manage_users": SimpleLazyObject(lambda: instance is not None and user_views_users(request.user, instance)),
        "can_open_admin": SimpleLazyObject(lambda: request.user.is_authenticated and is_operator_staff(request.user)),
        "can_manage_shares": SimpleLazyObject(
            lambda: (
                instance is not None and user_manages_users(request.user, instance) and cockpit_is_shareable(instance)
            )
        ),
    }
