"""The audit log's one write path. Services call audit_record() inside their transaction.

The request's IP address reaches it through a context variable that the cockpit's
middleware sets, so services stay free of request objects.

Every change that can alter access is audited, so the audit write is also where a cockpit's
access version moves on (Instance.access_version), in the same transaction as the change:
answers cached under the old number (entities.access.cache) are never read again. An entry
of no cockpit (a role, its matrix) or one that moves something between cockpits moves every
cockpit's number; an action that never alters access (KEEPS_ACCESS) moves none. It is also where
new entries are queued for the cockpit's audit stream endpoints (entities.streaming), in the same transaction.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import F

from core.retention import older_rows_delete
from entities.models import AuditDelivery, AuditLogEntry, Instance
from entities.streaming import entries_stream

current_ip: ContextVar[str | None] = ContextVar("audit_current_ip", default=None)
# The batch a bulk action's entries belong to: each entry of one action carries its id (params["batch"]).
current_batch: ContextVar[str | None] = ContextVar("audit_current_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[str]:
    """Every entry written inside belongs to one new batch (a bulk action), whose id it yields."""
    batch = uuid.uuid4().hex[:12]
    token = current_batch.set(batch)
    try:
        yield batch
    finally:
        current_batch.reset(token)


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_entry(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model,
    changes: dict[str, tuple] | None = None,
    subject_user: AbstractBaseUser | None = None,
    instance: Instance | None = None,
    params: dict | None = None,
) -> AuditLogEntry:
    """One change as an entry, not yet written: `changes` maps a field to (before, after); `params` holds codes and
    ids, never text.

    Readers see entries in their own language and only with the names they may see
    (entities.history), so nothing translated or named is stored for them.
    """
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditLogEntry(
        actor_id=actor.pk if actor else None,
        actor_label=actor.get_username() if actor else "system",
        action=action,
        target_type=target._meta.label,
        target_id=str(target.pk),
        target_label=str(target)[:300],
        subject_user_id=subject_user.pk if subject_user is not None else None,
        instance=instance,
        changes={name: [_plain(before), _plain(after)] for name, (before, after) in (changes or {}).items()},
        params={**(params or {}), **({"batch": batch} if (batch := current_batch.get()) else {})},
        ip_address=current_ip.get(),
    )


# What people do with tablets, plans, their own sign-in and messages: none of it changes who sees or does what.
# An action missing here moves the version (a cache miss too many, never a stale answer).
KEEPS_ACCESS = frozenset(
    {
        "plans.requested",
        "plans.cleared",
        "plans.file_uploaded",
        "plans.file_deleted",
        "tablet.added",
        "tablet.changed",
        "tablet.assigned",
        "tablet.unassigned",
        "tablet.retired",
        "users.exported",
        "user.welcome_email_resent",
        "user.password_changed",
        "user.sign_in_locked",
        "user.second_factor_locked",
        "user.second_factor_reset",
        "user.sessions_ended",
        "device.created",
        "device.confirmed",
        "device.removed",
        "device.backup_codes_generated",
        "share.resent",
        "audit.exported",
        "audit_stream.created",
        "audit_stream.changed",
        "audit_stream.deleted",
        "audit_stream.retried",
        # A review's own entries: its removals are the usual grant and share entries, which do move the version.
        "review.started",
        "review.decided",
        "review.applied",
        "review.stopped",
        "review.exported",
        # The policy itself; a deactivation it leads to is an entry of its own.
        "inactivity.policy_changed",
    }
)


def access_changed(entries: list[AuditLogEntry]) -> None:
    """Move on the access version of every cockpit the entries may have changed access in."""
    altering = [entry for entry in entries if entry.action not in KEEPS_ACCESS]
    if not altering:
        return
    cockpit_ids = {entry.instance_id for entry in altering}
    everywhere = None in cockpit_ids or any("instance" in entry.changes for entry in altering)
    if not everywhere and len(cockpit_ids) == 1:
        Instance.objects.filter(pk__in=cockpit_ids).update(access_version=F("access_version") + 1)
        return
    cockpits = Instance.objects.all() if everywhere else Instance.objects.filter(pk__in=cockpit_ids)
    with transaction.atomic():
        # Rows locked in one order whoever writes, so two changes of several cockpits never wait on each other.
        locked = list(cockpits.order_by("pk").select_for_update().values_list("pk", flat=True))
        Instance.objects.filter(pk__in=locked).update(access_version=F("access_version") + 1)


def audit_record(**entry) -> AuditLogEntry:
    """Record one change (audit_entry's arguments)."""
    record = audit_entry(**entry)
    record.save()
    access_changed([record])
    entries_stream([record])
    return record


def audit_records(entries: list[AuditLogEntry]) -> None:
    """Record many changes of one action in one statement (audit_entry builds each)."""
    AuditLogEntry.objects.bulk_create(entries, batch_size=500)
    access_changed(entries)
    entries_stream(entries)


def diff(before: dict, after: dict) -> dict[str, tuple]:
    """The fields whose values differ, as (before, after)."""
    return {
        key: (before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_deliveries_prune(now: datetime) -> int:
    """Remove the audit stream's delivered rows queued more than TASK_RESULT_RETENTION_DAYS before `now`: the
    receiver has the entry; waiting rows and dead letters stay for operator staff to see."""
    delivered = AuditDelivery.objects.filter(state=AuditDelivery.State.DELIVERED)
    return older_rows_delete(delivered, "created_at", now - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS))


def audit_entries_prune(now: datetime) -> int:
    """Remove the entries older than AUDIT_RETENTION_DAYS as of `now` (the worker, daily: core.retention)."""
    return older_rows_delete(
        AuditLogEntry.objects.all(), "created_at", now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    )
