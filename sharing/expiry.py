"""When a Cockpit Share runs out (its end date passes, or its invitation link expires unused), the task worker
records it in the history at that moment: a page view never writes it, and the list of shares reads the state
from the dates themselves."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core.tasks import enqueue_at
from entities.audit import audit_record
from sharing.models import Share


def _ran_out(share: Share) -> bool:
    """Past its end date, or its invitation link expired unused: what the Cockpit Shares list shows as expired."""
    if share.ends_on is not None and share.ends_on < timezone.localdate():
        return True
    return (
        share.accepted_at is None
        and share.invitation_expires_at is not None
        and share.invitation_expires_at <= timezone.now()
    )


def _expiry_moments(share: Share) -> list[datetime]:
    moments = []
    if share.ends_on is not None:
        # The share counts through its end date: it runs out as the next day begins, in the cockpit's time zone.
        moments.append(timezone.make_aware(datetime.combine(share.ends_on + timedelta(days=1), time.min)))
    if share.accepted_at is None and share.invitation_expires_at is not None:
        moments.append(share.invitation_expires_at)
    return moments


def share_expiry_schedule(share: Share) -> None:
    """Have the worker record the share's expiry when it comes; called wherever a share's end or link changes.

    A task queued for a moment that later moved finds nothing due and does nothing.
    """
    now = timezone.now()
    for moment in _expiry_moments(share):
        if moment > now:
            enqueue_at(share_expiry_record, moment, share.pk)


@task()
def share_expiry_record(share_id: int) -> bool:
    """Record once, for the history, that a share has run out (run by the worker when its moment comes)."""
    with transaction.atomic():
        share = (
            Share.objects.select_for_update(of=("self",))
            .select_related("user", "instance")
            .filter(pk=share_id, expiry_recorded=False)
            .first()
        )
        if share is None or not _ran_out(share):
            return False
        share.expiry_recorded = True
        share.save(update_fields=["expiry_recorded", "role"])
        audit_record(actor=None, action="share.expired", target=share, subject_user=share.user, instance=share.instance)
        return True


def share_expiries_record() -> int:
    """Record every expiry that is due and schedule the rest: for shares from before the worker recorded them
    (`manage.py share_expiries_record`, once after upgrading; harmless at any time)."""
    count = 0
    for share in Share.objects.filter(expiry_recorded=False).only(
        "pk", "ends_on", "accepted_at", "invitation_expires_at"
    ):
        if _ran_out(share):
            count += share_expiry_record.call(share.pk)
        else:
            share_expiry_schedule(share)
    return count
