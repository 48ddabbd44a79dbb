"""Shared people switched off for inactivity (users.inactivity): users of other cockpits holding a Cockpit Share of
this one, counted from their last visit of it. Their login belongs to their own cockpit, so what ends here is the
share, removed by the system with the reason in the history."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import InactivityPolicy, User
from entities.audit import audit_record
from entities.models import Instance
from sharing.models import Share, ShareScope
from sharing.permissions import share_reach
from sharing.selectors import sharing_state
from users.inactivity import IdlePerson, InactivitySource, PersonKind, limit_of, warned_from
from users.permissions import Reach


def _candidates(policy: InactivityPolicy, today: date, reach: Reach | None) -> list[IdlePerson]:
    """Accepted shares in force, neither suspended nor ended: a share that gives nothing cannot be used, so its
    holder is not idle in it (and a cockpit whose sharing is off gives nothing at all)."""
    instance = policy.instance
    if (reach is not None and not reach.is_manager) or not sharing_state(instance).is_shareable:
        return []
    shares = Share.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        instance=instance,
        accepted_at__isnull=False,
        suspended_at__isnull=True,
        user__is_active=True,
    )
    if reach is not None:
        shares = shares.filter(share_reach(reach).shares())
    if not policy.include_operator_staff:
        shares = shares.filter(user__is_staff=False, user__is_superuser=False)
    limit = limit_of(policy, PersonKind.SHARED)
    shares = (
        shares.annotate(active_at=Coalesce("last_visit_at", "accepted_at"))
        .filter(active_at__lt=warned_from(today, limit))
        .select_related("user__company")
        .order_by("pk")
    )
    return [
        IdlePerson(
            user=share.user,
            kind=PersonKind.SHARED,
            idle_since=timezone.localdate(share.active_at),
            active_at=share.active_at,
            limit=limit,
            url=reverse("sharing:share-edit", kwargs={"instance_slug": instance.slug, "pk": share.pk}),
            ref=share.pk,
        )
        for share in shares
    ]


def _managers(instance: Instance, person: IdlePerson) -> list[User]:
    """Who gave the share (its invitation, its scopes) and is still active in this cockpit."""
    givers = Q(pk__in=Share.objects.filter(pk=person.ref).values("invited_by")) | Q(
        pk__in=ShareScope.objects.filter(share_id=person.ref).values("given_by")
    )
    return list(User.objects.filter(givers, is_active=True, company__instance=instance).order_by("pk"))


def _end(instance: Instance, person: IdlePerson, today: date) -> bool:
    return share_remove_inactive(
        share_id=person.ref, active_at=person.active_at, idle_days=person.idle_days(today), limit=person.limit
    )


@transaction.atomic
def share_remove_inactive(*, share_id: int, active_at: datetime, idle_days: int, limit: int) -> bool:
    """The system removes a share its holder has not used for `idle_days` days, at or past the cockpit's `limit`;
    their very next request to the cockpit answers 404. False, changing nothing, when they visited since."""
    share = Share.objects.select_for_update(of=("self",)).select_related("user", "instance").filter(pk=share_id).first()
    if share is None or (share.last_visit_at or share.accepted_at) != active_at:
        return False
    audit_record(
        actor=None,
        action="share.removed_inactive",
        target=share,
        subject_user=share.user,
        instance=share.instance,
        changes={
            "inventory": (share.inventory, None),
            "customer_care": (share.customer_care, None),
            "days_without_sign_in": (None, idle_days),
            "inactivity_limit": (None, limit),
        },
    )
    share.delete()
    return True


SHARED_PEOPLE = InactivitySource(candidates=_candidates, managers=_managers, end=_end)
