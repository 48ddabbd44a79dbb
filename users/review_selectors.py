"""Reads of access reviews: the reviews a person started or answers, their rows, and what awaits a reviewer."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from entities.models import Instance
from users.models import AccessReview, AccessReviewRow, Decision, Outcome, ReviewState


def reviews_listed(actor: User, instance: Instance, *, is_operator_staff: bool) -> QuerySet:
    """The cockpit's reviews the person started or has rows of (every one, for operator staff), newest first, with
    their row count and how many of the person's rows wait for an answer."""
    reviews = AccessReview.objects.filter(instance=instance)
    if not is_operator_staff:
        reviews = reviews.filter(
            Q(started_by=actor) | Exists(AccessReviewRow.objects.filter(review=OuterRef("pk"), reviewer=actor))
        )
    return (
        reviews.select_related("company", "started_by")
        .annotate(
            row_count=Count("rows"),
            mine_left=Count("rows", filter=Q(rows__reviewer=actor, rows__decision=Decision.NONE)),
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class ReviewAwaiting:
    """An open review with rows the person has yet to answer."""

    review: AccessReview
    deadline: datetime
    left: int


def reviews_awaiting(user: User, instance: Instance) -> list[ReviewAwaiting]:
    """The open reviews of the cockpit in which `user` has rows without answer, soonest deadline first (for the
    dashboard), in one query."""
    reviews = (
        AccessReview.objects.filter(instance=instance, state=ReviewState.OPEN)
        .annotate(left=Count("rows", filter=Q(rows__reviewer=user, rows__decision=Decision.NONE)))
        .filter(left__gt=0)
        .order_by("deadline", "pk")
    )
    return [ReviewAwaiting(review=review, deadline=review.deadline, left=review.left) for review in reviews]


def review_rows(review: AccessReview, *, reviewer: User | None) -> QuerySet:
    """The review's rows grouped by person (only `reviewer`'s, unless None), with what the page and the CSV show."""
    rows = review.rows.all() if reviewer is None else review.rows.filter(reviewer=reviewer)
    return rows.select_related("person__company", "role", "given_by", "reviewer", "decided_by").order_by(
        "person__last_name", "person__first_name", "person_id", "pk"
    )


@dataclass(frozen=True)
class ReviewCounts:
    rows: int
    keep: int
    remove: int
    unanswered: int
    removed: int
    kept: int
    gone: int
    refused: int


def review_counts(review: AccessReview, *, reviewer: User | None = None) -> ReviewCounts:
    """How the review's rows stand (only `reviewer`'s, unless None): answers, and once applied, outcomes; one query.

    A reviewer who does not run the review reads only their own rows, so the counts they read are theirs too."""
    rows = review.rows.all() if reviewer is None else review.rows.filter(reviewer=reviewer)
    counted = rows.aggregate(
        rows=Count("pk"),
        keep=Count("pk", filter=Q(decision=Decision.KEEP)),
        remove=Count("pk", filter=Q(decision=Decision.REMOVE)),
        unanswered=Count("pk", filter=Q(decision=Decision.NONE)),
        removed=Count("pk", filter=Q(outcome=Outcome.REMOVED)),
        kept=Count("pk", filter=Q(outcome=Outcome.KEPT)),
        gone=Count("pk", filter=Q(outcome=Outcome.GONE)),
        refused=Count("pk", filter=Q(outcome=Outcome.REFUSED)),
    )
    return ReviewCounts(**counted)
