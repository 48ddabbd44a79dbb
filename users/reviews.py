"""Writes of access reviews (docs/user-management.md, "Access reviews"): start one, answer its rows, apply it at
the deadline (the worker) or stop it early. Each one transaction, each audited.

Who removes: a row its reviewer answered "Remove" is removed as that reviewer; a row without answer, when no
answer means remove, as the review's starter. Either way through the source's service, which checks that
person's reach at that moment: what has left it meanwhile stays, and the row says so.
"""

from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from accounts.models import User
from core.tasks import enqueue_at
from entities.audit import audit_record
from entities.models import Company, CompanyGrant, Instance
from outbox.services import message_queue
from users.models import (
    AccessReview,
    AccessReviewRow,
    Decision,
    Outcome,
    ReviewerMode,
    ReviewState,
    ReviewSubject,
    Unanswered,
)
from users.permissions import Reach, manager_reach, require_manager, require_staff_in
from users.review_sources import REVIEW_SOURCES, SUBJECT_SOURCES, ReviewItem, ReviewScope

REVIEW_COMPANY_OUT_OF_REACH = _("You do not manage the users of this company; a review of it is not yours to start.")
REVIEW_COMPANY_ELSEWHERE = _("This company belongs to another cockpit.")
DEADLINE_NOT_AHEAD = _("The deadline must lie in the future.")
INACTIVE_DAYS_POSITIVE = _("Give at least one day, or leave it empty to review everyone.")
NOTHING_TO_REVIEW = _("There is nothing to review in this scope: nobody holds such access within your reach.")
TOO_MANY_ROWS = _(
    "This review would have more than %(limit)s rows; review one company, fewer kinds of access, or inactive people."
)
REVIEW_CLOSED = _("This review is closed; its decisions can no longer change.")
DEADLINE_PASSED = _("The deadline of this review has passed; its decisions are being applied.")
ONLY_THE_STARTER_STOPS = _("Only the person who started this review, or operator staff, may stop it.")
REASON_TOO_LONG = _("A reason has at most 500 characters.")

# The most rows one review holds: its page, its apply and its export stay quick.
REVIEW_ROWS_LIMIT = 5000


# --- starting -------------------------------------------------------------------------------------------


@transaction.atomic
def review_start(
    *,
    actor: User,
    instance: Instance,
    company: Company | None,
    subject: str,
    reviewer_mode: str,
    deadline,
    unanswered: str,
    inactive_days: int | None = None,
) -> AccessReview:
    """Start a review: its rows are what the scope holds now (a snapshot), each given its reviewer; the reviewers
    are emailed and the worker applies the decisions at the deadline.

    `company` None reviews everything in the starter's reach (the whole cockpit for operator staff). A company
    outside their reach is refused (PermissionDenied), as is a scope with nothing in it (ValidationError).
    """
    return _review_start(
        require_manager(actor, instance),
        company=company,
        subject=subject,
        reviewer_mode=reviewer_mode,
        deadline=deadline,
        unanswered=unanswered,
        inactive_days=inactive_days,
    )


@transaction.atomic
def review_start_by_staff(
    *,
    actor: User,
    instance: Instance,
    company: Company | None,
    subject: str,
    reviewer_mode: str,
    deadline,
    unanswered: str,
    inactive_days: int | None = None,
) -> AccessReview:
    """The same for operator staff in the Django admin, in any cockpit (the whole cockpit is their reach)."""
    return _review_start(
        require_staff_in(actor, instance),
        company=company,
        subject=subject,
        reviewer_mode=reviewer_mode,
        deadline=deadline,
        unanswered=unanswered,
        inactive_days=inactive_days,
    )


def _review_start(
    reach: Reach,
    *,
    company: Company | None,
    subject: str,
    reviewer_mode: str,
    deadline,
    unanswered: str,
    inactive_days: int | None,
) -> AccessReview:
    actor, instance = reach.actor, reach.instance
    if company is not None and company.instance_id != instance.pk:
        raise PermissionDenied(REVIEW_COMPANY_ELSEWHERE)
    if company is not None and not reach.includes_company(company.pk):
        raise PermissionDenied(REVIEW_COMPANY_OUT_OF_REACH)
    if deadline <= timezone.now():
        raise ValidationError({"deadline": ValidationError(DEADLINE_NOT_AHEAD, code="deadline_not_ahead")})
    if inactive_days is not None and inactive_days < 1:
        raise ValidationError({"inactive_days": ValidationError(INACTIVE_DAYS_POSITIVE, code="inactive_days")})
    review = AccessReview(
        instance=instance,
        company=company,
        subject=subject,
        reviewer_mode=reviewer_mode,
        deadline=deadline,
        unanswered=unanswered,
        inactive_days=inactive_days,
        started_by=actor,
    )
    review.full_clean()
    since = timezone.now() - timedelta(days=inactive_days) if inactive_days else None
    items: list[tuple[str, ReviewItem]] = []
    seen: set[tuple[str, int]] = set()
    for kind, externals_only in SUBJECT_SOURCES[ReviewSubject(subject)]:
        source = REVIEW_SOURCES.get(kind)
        if source is None:
            continue
        for item in source.items(ReviewScope(reach, company, externals_only, since)):
            if (kind, item.object_id) not in seen:
                seen.add((kind, item.object_id))
                items.append((kind, item))
    if not items:
        raise ValidationError(NOTHING_TO_REVIEW, code="nothing_to_review")
    if len(items) > REVIEW_ROWS_LIMIT:
        raise ValidationError(TOO_MANY_ROWS, code="too_many", params={"limit": REVIEW_ROWS_LIMIT})
    review.save()
    reviewers = _company_reviewers(reach, items) if reviewer_mode == ReviewerMode.MANAGERS else {}
    AccessReviewRow.objects.bulk_create(
        [
            AccessReviewRow(
                review=review,
                kind=kind,
                object_id=item.object_id,
                person=item.person,
                reviewer=reviewers.get((kind, item.object_id), actor),
                role=item.role,
                level=item.level,
                place=item.place[:300],
                given_by_id=item.given_by_id,
                given_at=item.given_at,
            )
            for kind, item in items
        ],
        batch_size=500,
    )
    audit_record(
        actor=actor,
        action="review.started",
        target=review,
        instance=instance,
        params={"review": review.pk, "rows": len(items), "subject": subject, "unanswered": unanswered},
    )
    enqueue_at(review_deadline_apply, deadline, review.pk)
    for reviewer in {reviewer.pk: reviewer for reviewer in reviewers.values()}.values():
        if reviewer.pk != actor.pk:
            message_queue(kind="access_review", recipient=reviewer, subject_id=review.pk, payload={"review": review.pk})
    return review


def _company_reviewers(reach: Reach, items: list[tuple[str, ReviewItem]]) -> dict[tuple[str, int], User]:
    """Each row's reviewer among the user managers of the companies it lies at: the one who gave it if they manage
    there still, else the first by name whose own reach covers it (never the person themselves). Rows none of
    them covers stay with the starter (absent from the answer)."""
    pairs = {pair for _kind, item in items for pair in item.where}
    if not pairs:
        return {}
    at_pairs = Q(pk__in=[])
    for level in {level for level, _company in pairs}:
        at_pairs |= Q(level=level, company_id__in=[company for lv, company in pairs if lv == level])
    managing = (
        CompanyGrant.objects.in_force()
        .managing_users()
        .filter(at_pairs, company__instance=reach.instance, user__is_active=True)
        .select_related("user__company")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    managers_at: dict[tuple[str, int], list[User]] = defaultdict(list)
    for grant in managing:
        managers_at[(grant.level, grant.company_id)].append(grant.user)
    candidates = {user.pk: user for users in managers_at.values() for user in users}
    covered: dict[tuple[int, str], set[int]] = {}
    for kind in {kind for kind, _item in items}:
        ids = [item.object_id for item_kind, item in items if item_kind == kind]
        for candidate in candidates.values():
            covered[(candidate.pk, kind)] = REVIEW_SOURCES[kind].covered(manager_reach(candidate, reach.instance), ids)
    chosen = {}
    for kind, item in items:
        order = [user for pair in item.where for user in managers_at.get(pair, [])]
        order.sort(key=lambda user: user.pk != item.given_by_id)  # stable: the giver first, then by name
        for user in order:
            if user.pk != item.person.pk and item.object_id in covered[(user.pk, kind)]:
                chosen[(kind, item.object_id)] = user
                break
    return chosen


# --- answering --------------------------------------------------------------------------------------------


def _locked_open_review(review: AccessReview) -> AccessReview:
    """The review's row locked (its apply or stop waits, or goes first): refused once closed or past its deadline."""
    locked = AccessReview.objects.select_for_update().get(pk=review.pk)
    if locked.state != ReviewState.OPEN:
        raise ValidationError(REVIEW_CLOSED, code="closed")
    return locked


@transaction.atomic
def review_decide(
    *, actor: User, instance: Instance, review: AccessReview, decisions: dict[int, tuple[str, str]]
) -> int:
    """Record the reviewer's Keep or Remove (with a reason) on these rows of theirs; returns how many changed.

    Every row must be one of this review the actor reviews: any other id (another review's row, another
    reviewer's) answers 404 and nothing is recorded. One audit entry per submit.
    """
    return _review_decide(require_manager(actor, instance), review, decisions)


@transaction.atomic
def review_decide_by_staff(*, actor: User, review: AccessReview, decisions: dict[int, tuple[str, str]]) -> int:
    """The same for operator staff in the Django admin, in any cockpit: the rows of the review they review (those
    of a review they started that no user manager there covers)."""
    return _review_decide(require_staff_in(actor, review.instance), review, decisions)


def _review_decide(reach: Reach, review: AccessReview, decisions: dict[int, tuple[str, str]]) -> int:
    actor, instance = reach.actor, reach.instance
    if review.instance_id != instance.pk:
        raise Http404("No such review.")
    review = _locked_open_review(review)
    if not review.takes_answers:
        raise ValidationError(DEADLINE_PASSED, code="deadline_passed")
    rows = list(review.rows.filter(pk__in=list(decisions), reviewer=actor).order_by("pk"))
    if len(rows) != len(decisions):
        raise Http404("No such row in your review.")
    now = timezone.now()
    changed = []
    for row in rows:
        decision, reason = decisions[row.pk]
        if decision not in Decision.values:
            raise ValidationError(_("Choose Keep or Remove."), code="decision")
        if len(reason) > 500:
            raise ValidationError(REASON_TOO_LONG, code="reason")
        if (row.decision, row.reason) == (decision, reason):
            continue
        row.decision, row.reason = decision, reason
        row.decided_by, row.decided_at = (actor, now) if decision else (None, None)
        changed.append(row)
    AccessReviewRow.objects.bulk_update(changed, ["decision", "reason", "decided_by", "decided_at"])
    if changed:
        audit_record(
            actor=actor,
            action="review.decided",
            target=review,
            instance=instance,
            params={
                "review": review.pk,
                "keep": sum(row.decision == Decision.KEEP for row in changed),
                "remove": sum(row.decision == Decision.REMOVE for row in changed),
            },
        )
    return len(changed)


# --- applying -----------------------------------------------------------------------------------------------


def _apply(review: AccessReview, *, unanswered_removes: bool, decisions_count: bool = True) -> dict[str, int]:
    """Carry out the rows' decisions (a row without answer removes when `unanswered_removes`; none removes unless
    `decisions_count`), each removal in a savepoint of the caller's transaction: one refused leaves the others
    done. Returns the outcomes counted."""
    rows = list(review.rows.select_related("decided_by").order_by("pk"))
    existing = {
        kind: REVIEW_SOURCES[kind].existing([row.object_id for row in rows if row.kind == kind])
        for kind in {row.kind for row in rows}
        if kind in REVIEW_SOURCES
    }
    for row in rows:
        removes = decisions_count and (
            row.decision == Decision.REMOVE or (row.decision == Decision.NONE and unanswered_removes)
        )
        if row.object_id not in existing.get(row.kind, set()):
            row.outcome = Outcome.GONE
        elif not removes:
            row.outcome = Outcome.KEPT
        else:
            row.outcome = _remove(review, row, row.decided_by if row.decision else review.started_by)
    AccessReviewRow.objects.bulk_update(rows, ["outcome"], batch_size=500)
    counts = dict.fromkeys([Outcome.KEPT, Outcome.REMOVED, Outcome.GONE, Outcome.REFUSED], 0)
    for row in rows:
        counts[Outcome(row.outcome)] += 1
    return {str(outcome.value): count for outcome, count in counts.items()}


def _remove(review: AccessReview, row: AccessReviewRow, actor: User | None) -> str:
    if actor is None or not actor.is_active:
        return Outcome.REFUSED
    try:
        with transaction.atomic():
            REVIEW_SOURCES[row.kind].remove(
                actor=actor, instance=review.instance, object_id=row.object_id, review_id=review.pk
            )
    except ObjectDoesNotExist:
        return Outcome.GONE
    except (PermissionDenied, Http404, ValidationError):
        return Outcome.REFUSED
    return Outcome.REMOVED


def _finish(review: AccessReview, state: str) -> None:
    review.state = state
    review.finished_at = timezone.now()
    review.save(update_fields=["state", "finished_at"])


@task()
def review_deadline_apply(review_id: int) -> bool:
    """Apply an open review whose deadline has come, in one transaction (run by the worker at the deadline); a
    review applied or stopped already, or whose deadline is still ahead, is left alone."""
    with transaction.atomic():
        review = (
            AccessReview.objects.select_for_update(of=("self",))
            .select_related("instance", "started_by")
            .filter(pk=review_id, state=ReviewState.OPEN, deadline__lte=timezone.now())
            .first()
        )
        if review is None:
            return False
        counts = _apply(review, unanswered_removes=review.unanswered == Unanswered.REMOVE)
        _finish(review, ReviewState.APPLIED)
        audit_record(
            actor=None,
            action="review.applied",
            target=review,
            instance=review.instance,
            params={"review": review.pk, **counts},
        )
        return True


def review_deadlines_apply() -> int:
    """Apply every open review whose deadline has passed and schedule the others (`manage.py
    review_deadlines_apply`: after restoring a database or a long outage of the worker; harmless at any time)."""
    applied = 0
    for review_id, deadline in AccessReview.objects.filter(state=ReviewState.OPEN).values_list("pk", "deadline"):
        if deadline <= timezone.now():
            applied += review_deadline_apply.call(review_id)
        else:
            enqueue_at(review_deadline_apply, deadline, review_id)
    return applied


@transaction.atomic
def review_stop(*, actor: User, instance: Instance, review: AccessReview, apply_decisions: bool) -> dict[str, int]:
    """Stop an open review before its deadline: the decisions so far carried out (rows without answer kept) or
    all discarded, as the starter (or operator staff) chooses. Returns the outcomes counted."""
    return _review_stop(require_manager(actor, instance), review, apply_decisions)


@transaction.atomic
def review_stop_by_staff(*, actor: User, review: AccessReview, apply_decisions: bool) -> dict[str, int]:
    """The same for operator staff in the Django admin, in any cockpit."""
    return _review_stop(require_staff_in(actor, review.instance), review, apply_decisions)


def _review_stop(reach: Reach, review: AccessReview, apply_decisions: bool) -> dict[str, int]:
    actor, instance = reach.actor, reach.instance
    if review.instance_id != instance.pk:
        raise Http404("No such review.")
    if review.started_by_id != actor.pk and not reach.is_operator_staff:
        raise PermissionDenied(ONLY_THE_STARTER_STOPS)
    review = _locked_open_review(review)
    counts = _apply(review, unanswered_removes=False, decisions_count=apply_decisions)
    _finish(review, ReviewState.STOPPED_APPLIED if apply_decisions else ReviewState.STOPPED_DISCARDED)
    audit_record(
        actor=actor,
        action="review.stopped",
        target=review,
        instance=instance,
        params={"review": review.pk, "applied": apply_decisions, **counts},
    )
    return counts


@transaction.atomic
def review_export_recorded(*, actor: User, instance: Instance, review: AccessReview) -> None:
    """A review's rows left the cockpit as a file: who, when."""
    audit_record(actor=actor, action="review.exported", target=review, instance=instance, params={"review": review.pk})
