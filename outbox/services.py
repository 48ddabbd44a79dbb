"""Emails and SMS codes leave through a durable queue: one OutgoingMessage row each, sent by the task worker.

Why django-tasks (the backport of Django 6's tasks framework) with its database backend,
not Celery on Redis: the queue lives in the PostgreSQL we already back up, and the message
and its task commit in the same transaction as the user or share they belong to. A
rolled-back change sends nothing; a committed one is never lost, whether the email
service, Redis or the worker is down at that moment. The worker is one command
(`manage.py db_worker`); `make run` starts it beside the development server.

The message row is the state a manager sees (queued, sent, could not be sent). The
worker tries, and on a failure tries again later with a growing pause, up to
MESSAGE_MAX_ATTEMPTS times. Secrets are issued by the sender when it sends, inside the
same savepoint as the send: a failed send also takes back the password it issued.
"""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from core.retention import older_rows_delete
from outbox.kinds import MESSAGE_KINDS
from outbox.models import OutgoingMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import _User

logger = logging.getLogger(__name__)


class NothingToSend(Exception):  # noqa: N818 - an outcome, not a fault
    """The sender found the message no longer wanted (the user signed in meanwhile, the share was removed)."""


def retry_delay(attempts: int) -> timedelta:
    """The pause after the n-th failed attempt: doubling from MESSAGE_RETRY_SECONDS, at most an hour."""
    return timedelta(seconds=min(settings.MESSAGE_RETRY_SECONDS * 2 ** (attempts - 1), 3600))


def _enqueue(message_id: int, *, run_after=None) -> None:
    queued = deliver_message.using(run_after=run_after) if run_after else deliver_message
    if isinstance(queued.get_backend(), DatabaseBackend):
        queued.enqueue(message_id)  # the task row commits with the message, or neither does
    else:
        # A backend that runs at once (tests, no worker) must not send for a change still open.
        transaction.on_commit(lambda: queued.enqueue(message_id))


def message_queue(
    *,
    kind: str,
    recipient: "_User",
    subject_id: int | None = None,
    payload: dict | None = None,
    supersede: bool = True,
) -> OutgoingMessage:
    """Queue one message; an earlier one of the same kind and subject still waiting is replaced by it.

    Not with `supersede=False`: each notice of a change tells of its own change.
    Call it inside the transaction that makes the change the message tells of.
    """
    assert kind in MESSAGE_KINDS, f"no message kind registered as {kind!r}"
    if supersede:
        OutgoingMessage.objects.filter(
            kind=kind, recipient=recipient, subject_id=subject_id, state=OutgoingMessage.State.QUEUED
        ).update(state=OutgoingMessage.State.SUPERSEDED, next_attempt_at=None)
    message = OutgoingMessage.objects.create(
        kind=kind, recipient=recipient, subject_id=subject_id, payload=payload or {}
    )
    _enqueue(message.pk)
    return message


def latest_message(recipient: "_User", kind: str, subject_id: int | None = None) -> OutgoingMessage | None:
    return (
        OutgoingMessage.objects.filter(recipient=recipient, kind=kind, subject_id=subject_id)
        .order_by("-created_at", "-pk")
        .first()
    )


def latest_messages(kind: str, subject_ids) -> dict[int, OutgoingMessage]:
    """The newest message of one kind for each of many subjects (the list of shares), in one query."""
    newest: dict[int, OutgoingMessage] = {}
    rows = OutgoingMessage.objects.filter(kind=kind, subject_id__in=list(subject_ids)).order_by("created_at", "pk")
    for message in rows:
        newest[message.subject_id or 0] = message
    return newest


@task()
def deliver_message(message_id: int) -> str:
    """Send one queued message; on failure record why and, while attempts remain, queue the next try."""
    with transaction.atomic():
        message = (
            OutgoingMessage.objects.select_for_update(of=("self",))
            .filter(pk=message_id, state=OutgoingMessage.State.QUEUED)
            .select_related("recipient")
            .first()
        )
        if message is None:  # sent, replaced or given up already: a second delivery of the task does nothing
            return "nothing to send"
        message.attempts += 1
        try:
            with transaction.atomic():
                MESSAGE_KINDS[message.kind].send(message)
        except NothingToSend:
            message.state, message.next_attempt_at = OutgoingMessage.State.SUPERSEDED, None
        except Exception as error:  # noqa: BLE001 - any gateway failure is recorded and retried, never lost
            logger.exception("%s to %s failed (attempt %d)", message.kind, message.recipient.email, message.attempts)
            message.last_error = (str(error) or error.__class__.__name__)[:500]
            can_retry = deliver_message.get_backend().supports_defer
            if can_retry and message.attempts < settings.MESSAGE_MAX_ATTEMPTS:
                message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
                _enqueue(message.pk, run_after=message.next_attempt_at)
            else:
                message.state, message.next_attempt_at = OutgoingMessage.State.FAILED, None
        else:
            message.state, message.sent_at, message.next_attempt_at = OutgoingMessage.State.SENT, timezone.now(), None
        message.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "sent_at"])
        return message.state


def finished_tasks_prune(now: datetime) -> int:
    """The queue's finished tasks (sent, failed), kept TASK_RESULT_RETENTION_DAYS after they finished; tasks still
    waiting never go (the worker, daily: core.retention)."""
    keep = timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    return older_rows_delete(DBTaskResult.objects.finished(), "finished_at", now - keep)
