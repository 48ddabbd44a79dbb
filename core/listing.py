"""The listing limit as a property of the page: each list, search, export and one-by-one entity page says so.

These are the pages a script copying a cockpit asks for. A view carries ListingLimited
among its bases, and the listing limit (accounts.throttle.listing_allowed, applied by
cockpit.middleware.ListingLimitMiddleware) counts every request to it; a test walks every
URL pattern and fails on a list page that does not carry it.
"""

from collections.abc import Callable
from typing import Any


class ListingLimited:
    """A page counted by the per-person listing limit: 429 once someone asks for too many."""

    listing_limited = True


def is_listing_limited(view_func: Callable[..., Any]) -> bool:
    """Whether a resolved view (a class-based view's as_view() function) is counted by the listing limit."""
    view_class = getattr(view_func, "view_class", None)
    return bool(getattr(view_class, "listing_limited", False))
