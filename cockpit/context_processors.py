from django.utils.functional import SimpleLazyObject

from accounts.second_factor import second_factor_grace
from entities.access import subject_of
from entities.models import Access
from entities.permissions import user_has_entity_pages
from plans.permissions import user_uploads_plans
from sharing.access import cockpits_of
from sharing.permissions import cockpit_is_shareable
from tablets.permissions import tablet_right
from users.permissions import user_manages_users, user_views_users


def cockpit(request) -> dict:
    """The current cockpit, the cockpits for the header's switcher, and which pages the sidebar offers.

    Each link is there exactly when its page would open: the same permission functions decide.
    """
    instance = getattr(request, "instance", None)
    return {
        "can_see_entities": SimpleLazyObject(
            lambda: instance is not None and user_has_entity_pages(subject_of(request.user), instance)
        ),
        "can_use_tablets": SimpleLazyObject(
            lambda: (
                instance is not None
                and request.user.is_authenticated
                and tablet_right(request.user, instance) >= Access.VIEW
            )
        ),
        "can_use_plans": SimpleLazyObject(
            lambda: (
                instance is not None
                and request.user.is_authenticated
                and user_uploads_plans(request.user, subject_of(request.user), instance)
            )
        ),
        "current_instance": instance,
        "second_factor_grace_until": second_factor_grace(request),
        "available_cockpits": SimpleLazyObject(lambda: cockpits_of(request.user)),
        "can_manage_users": SimpleLazyObject(lambda: instance is not None and user_views_users(request.user, instance)),
        "can_open_admin": SimpleLazyObject(lambda: request.user.is_authenticated and request.user.is_operator_staff),
        "can_manage_shares": SimpleLazyObject(
            lambda: (
                instance is not None
                and user_manages_users(request.user, instance)
                and cockpit_is_shareable(request.user, instance)
            )
        ),
    }
