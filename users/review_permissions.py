"""Who sees an access review: its starter and operator staff of the cockpit (every row), and its reviewers (their
own rows); for anyone else it does not exist."""

from dataclasses import dataclass

from django.http import Http404

from accounts.models import User
from entities.models import Instance
from users.models import AccessReview
from users.permissions import Reach, require_manager


@dataclass(frozen=True)
class ReviewAccess:
    review: AccessReview
    reach: Reach
    # Sees every row and may stop the review: its starter, or operator staff.
    runs: bool
    # Has rows of their own to answer.
    reviews: bool


def access_review(actor: User, instance: Instance, pk: int) -> ReviewAccess:
    """A review of the cockpit the actor started, runs as operator staff, or has rows of: 403 for those who manage
    no users, 404 alike for a missing review, one of another cockpit and one that is none of theirs."""
    reach = require_manager(actor, instance)
    review = AccessReview.objects.select_related("company", "started_by").filter(pk=pk, instance=instance).first()
    if review is None:
        raise Http404("No such review.")
    runs = review.started_by_id == actor.pk or reach.is_operator_staff
    reviews = review.rows.filter(reviewer=actor).exists()
    if not (runs or reviews):
        raise Http404("No such review.")
    return ReviewAccess(review=review, reach=reach, runs=runs, reviews=reviews)
