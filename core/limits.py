"""Which rate limit counts a page is a property of the page: its view carries the mark among its bases.

ListingLimited: the pages a script copying a cockpit asks for (lists, searches, exports,
entity pages one by one), counted per person by the listing limit
(accounts.throttle.listing_allowed, applied by cockpit.middleware.ListingLimitMiddleware).
EmailedLinkLimited: the pages of emailed links and their requests, counted per address by the
link limit (accounts.throttle.link_allowed, cockpit.middleware.EmailedLinkLimitMiddleware):
their tokens cannot be guessed, and nobody may try. Tests walk every URL pattern and fail on
a list page or an emailed link's page without its mark.
"""

from collections.abc import Callable
from typing import Any


class ListingLimited:
    """A page counted by the per-person listing limit: 429 once someone asks for too many."""

    listing_limited = True


class EmailedLinkLimited:
    """A page counted by the per-address link limit, on the methods named (a link's page: every request)."""

    emailed_link_methods: frozenset[str] = frozenset(
        {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}
    )


def is_listing_limited(view_func: Callable[..., Any]) -> bool:
    """Whether a resolved view (a class-based view's as_view() function) is counted by the listing limit."""
    view_class = getattr(view_func, "view_class", None)
    return bool(getattr(view_class, "listing_limited", False))


def emailed_link_methods(view_func: Callable[..., Any]) -> frozenset[str]:
    """The methods on which the link limit counts a resolved view: none for a page that is no emailed link's."""
    view_class = getattr(view_func, "view_class", None)
    return getattr(view_class, "emailed_link_methods", frozenset())
