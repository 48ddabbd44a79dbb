from django.http import Http404

from accounts.models import User
from entities.access import context_for
from entities.models import Instance
from sharing.selectors import ReachableCockpit, reachable_cockpits


def cockpits_of(user: User) -> list[ReachableCockpit]:
    """The cockpits the user can reach now: their own first, then those shared with them (read once per request)."""
    if not (user.is_authenticated and user.is_active):
        return []
    subject = user.access_subject()
    cache = context_for(subject).store("reachable_cockpits")
    if "all" not in cache:
        cache["all"] = reachable_cockpits(subject, user.company.instance)
    return cache["all"]


def access_cockpit(user: User, slug: str) -> Instance:
    """The active cockpit `slug` if the user may work in it (their own, or shared with them now); else Http404.

    A missing cockpit and one that is not theirs answer alike.
    """
    for reachable in cockpits_of(user):
        if reachable.instance.slug == slug:
            return reachable.instance
    raise Http404("No such cockpit.")
