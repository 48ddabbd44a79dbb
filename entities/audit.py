"""The audit log's one write path. Services call audit_record() inside their transaction.

The request's IP address reaches it through a context variable that the cockpit's
middleware sets, so services stay free of request objects.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from entities.models import AuditLogEntry, Instance

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


def audit_record(**entry) -> AuditLogEntry:
    """Record one change (audit_entry's arguments)."""
    record = audit_entry(**entry)
    record.save()
    return record


def audit_records(entries: list[AuditLogEntry]) -> None:
    """Record many changes of one action in one statement (audit_entry builds each)."""
    AuditLogEntry.objects.bulk_create(entries, batch_size=500)


def diff(before: dict, after: dict) -> dict[str, tuple]:
    """The fields whose values differ, as (before, after)."""
    return {
        key: (before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
