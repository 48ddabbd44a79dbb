from django.utils.functional import SimpleLazyObject

from cockpit.permissions import cockpits_of


def cockpit(request) -> dict:
    """The current cockpit and the cockpits for the header's switcher."""
    return {
        "current_instance": getattr(request, "instance", None),
        "available_cockpits": SimpleLazyObject(lambda: cockpits_of(request.user)),
    }
