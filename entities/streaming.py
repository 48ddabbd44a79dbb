"""The audit stream: every new audit entry of a cockpit POSTed, signed, to the endpoints operator staff add for it.

A SIEM (Splunk, Sentinel, Elastic, ...) receives each entry as JSON, signed with
HMAC-SHA256 under a secret the server generates per endpoint and shows once
(docs/operations.md tells the receiver how to check it). Delivery works as the outbox's
messages do (outbox.services): the audit write adds one AuditDelivery row per entry and
endpoint in its own transaction, and a task of the durable queue (django-tasks' database
backend) posts it. A rolled-back change streams nothing; a committed one is never lost,
whether the SIEM or the worker is down at that moment. A failure is retried with a
doubling pause; after AUDIT_STREAM_MAX_ATTEMPTS the delivery is a dead letter, listed in
the Django admin, from where operator staff send it again.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from django_tasks_db import DatabaseBackend

from entities.models import AuditDelivery, AuditLogEntry, AuditStream

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Cockpit-Signature"
DELIVERY_HEADER = "Cockpit-Delivery"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
URL_NOT_HTTPS = _("The endpoint must be an https:// address.")
URL_NO_HOST = _("The endpoint needs a host name.")
URL_WITH_CREDENTIALS = _("Put no user name or password in the address; the signature proves who sends.")
STREAM_OFF = "the endpoint was switched off"


# --- the endpoint -------------------------------------------------------------------------------------------------


def validate_stream_url(url: str) -> None:
    """An endpoint is https://; plain http:// only to this machine (127.0.0.1, localhost) where the settings allow it
    (AUDIT_STREAM_ALLOW_LOCAL_HTTP, on with DEBUG), for a receiver under test."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValidationError(URL_NO_HOST, code="no_host")
    if parts.username or parts.password:
        raise ValidationError(URL_WITH_CREDENTIALS, code="credentials")
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and settings.AUDIT_STREAM_ALLOW_LOCAL_HTTP
    if parts.scheme != "https" and not local:
        raise ValidationError(URL_NOT_HTTPS, code="not_https")


def _stream_audit(
    *, actor: AbstractBaseUser | None, action: str, stream: AuditStream, changes: dict, params: dict | None = None
) -> None:
    from entities.audit import audit_record  # the audit write path calls this module: imported when needed

    audit_record(actor=actor, action=action, target=stream, instance=stream.instance, changes=changes, params=params)


@transaction.atomic
def audit_stream_create(*, actor: AbstractBaseUser | None, stream: AuditStream) -> str:
    """Add an endpoint with a new signing secret, which is returned: the one moment anybody sees it."""
    validate_stream_url(stream.url)
    stream.secret = "whsec_" + secrets.token_urlsafe(32)
    stream.full_clean()
    stream.save()
    _stream_audit(
        actor=actor,
        action="audit_stream.created",
        stream=stream,
        changes={"url": (None, stream.url), "is_active": (None, stream.is_active)},
    )
    return stream.secret


@transaction.atomic
def audit_stream_change(*, actor: AbstractBaseUser | None, stream: AuditStream) -> AuditStream:
    """Store a changed address or switch; the secret stays."""
    validate_stream_url(stream.url)
    stream.full_clean()
    before = AuditStream.objects.select_for_update().get(pk=stream.pk)
    stream.save(update_fields=["url", "is_active"])
    changes = {
        name: (getattr(before, name), getattr(stream, name))
        for name in ("url", "is_active")
        if getattr(before, name) != getattr(stream, name)
    }
    if changes:
        _stream_audit(actor=actor, action="audit_stream.changed", stream=stream, changes=changes)
    return stream


@transaction.atomic
def audit_stream_delete(*, actor: AbstractBaseUser | None, stream: AuditStream) -> None:
    """Remove an endpoint with the deliveries still waiting for it."""
    _stream_audit(actor=actor, action="audit_stream.deleted", stream=stream, changes={"url": (stream.url, None)})
    stream.delete()


# --- queueing and delivering --------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The pause after the n-th failed attempt: doubling from AUDIT_STREAM_RETRY_SECONDS, at most an hour."""
    return timedelta(seconds=min(settings.AUDIT_STREAM_RETRY_SECONDS * 2 ** (attempts - 1), 3600))


def _enqueue(delivery_id: int, *, run_after=None) -> None:
    queued = deliver_audit_entry.using(run_after=run_after) if run_after else deliver_audit_entry
    if isinstance(queued.get_backend(), DatabaseBackend):
        queued.enqueue(delivery_id)  # the task row commits with the entry, or neither does
    else:
        # A backend that runs at once (tests, no worker) must not post an entry still open.
        transaction.on_commit(lambda: queued.enqueue(delivery_id))


def _cockpits_of(entries: list[AuditLogEntry]) -> dict[int, int | None]:
    """Each entry's cockpit; an entry filed under none (a person's own sign-in) streams to the person's home cockpit."""
    people = {entry.subject_user_id for entry in entries if entry.instance_id is None and entry.subject_user_id}
    homes = (
        dict(get_user_model().objects.filter(pk__in=people).values_list("pk", "company__instance_id")) if people else {}
    )
    return {
        entry.pk: entry.instance_id if entry.instance_id is not None else homes.get(entry.subject_user_id or 0)
        for entry in entries
    }


def entries_stream(entries: list[AuditLogEntry]) -> None:
    """Queue the new entries for the endpoints of their cockpits (one query when no cockpit streams).

    Called by the audit write path (entities.audit), inside the transaction of the change.
    """
    streams: dict[int, list[int]] = {}
    for stream_id, instance_id in AuditStream.objects.filter(is_active=True).values_list("pk", "instance_id"):
        streams.setdefault(instance_id, []).append(stream_id)
    if not streams:
        return
    cockpits = _cockpits_of(entries)
    deliveries = AuditDelivery.objects.bulk_create(
        [
            AuditDelivery(stream_id=stream_id, entry=entry)
            for entry in entries
            for stream_id in streams.get(cockpits[entry.pk] or 0, [])
        ],
        batch_size=500,
    )
    for delivery in deliveries:
        _enqueue(delivery.pk)


def entry_payload(entry: AuditLogEntry) -> dict:
    """What the endpoint receives of one entry: its codes and ids as stored, its action named in English."""
    with translation.override("en"):
        action_label = entry.action_label
    instance = entry.instance
    return {
        "id": entry.pk,
        "created_at": entry.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "action": entry.action,
        "action_label": action_label,
        "actor": {"id": entry.actor_id, "label": entry.actor_label},
        "target": {"type": entry.target_type, "id": entry.target_id, "label": entry.target_label},
        "subject_user_id": entry.subject_user_id,
        "cockpit": {"id": instance.pk, "slug": instance.slug} if instance is not None else None,
        "changes": entry.changes,
        "params": entry.params,
        "ip_address": entry.ip_address,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Cockpit-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: the signed entry goes to the address operator staff checked, nowhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(delivery: AuditDelivery) -> None:
    """POST the entry to the endpoint; anything but a 2xx answer raises."""
    stream = delivery.stream
    validate_stream_url(stream.url)
    body = json.dumps(entry_payload(delivery.entry), separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above: https, or http to this machine
        stream.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Cockpit-Audit-Stream/1",
            SIGNATURE_HEADER: signature(stream.secret, int(time.time()), body),
            DELIVERY_HEADER: str(delivery.pk),
        },
    )
    opener = urllib.request.build_opener(_NoRedirects)
    with opener.open(request, timeout=settings.AUDIT_STREAM_TIMEOUT_SECONDS) as response:
        response.read(1024)


def _failure(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or error.__class__.__name__


@task()
def deliver_audit_entry(delivery_id: int) -> str:
    """Post one entry to one endpoint; on failure record why and, while attempts remain, queue the next try."""
    with transaction.atomic():
        delivery = (
            AuditDelivery.objects.select_for_update(of=("self",))
            .filter(pk=delivery_id, state=AuditDelivery.State.QUEUED)
            .select_related("stream", "entry__instance")
            .first()
        )
        if delivery is None:  # delivered or given up already: a second run of the task does nothing
            return "nothing to deliver"
        delivery.attempts += 1
        try:
            if not delivery.stream.is_active:
                raise RuntimeError(STREAM_OFF)
            _post(delivery)
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried, never lost
            logger.warning(
                "Audit entry %s to %s failed (attempt %d)", delivery.entry_id, delivery.stream.url, delivery.attempts
            )
            delivery.last_error = _failure(error)[:500]
            can_retry = deliver_audit_entry.get_backend().supports_defer and delivery.stream.is_active
            if can_retry and delivery.attempts < settings.AUDIT_STREAM_MAX_ATTEMPTS:
                delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
                _enqueue(delivery.pk, run_after=delivery.next_attempt_at)
            else:
                delivery.state, delivery.next_attempt_at = AuditDelivery.State.DEAD, None
        else:
            delivery.state, delivery.delivered_at = AuditDelivery.State.DELIVERED, timezone.now()
            delivery.next_attempt_at, delivery.last_error = None, ""
        delivery.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "delivered_at"])
        return delivery.state


@transaction.atomic
def deliveries_retry(*, actor: AbstractBaseUser | None, deliveries: Iterable[AuditDelivery]) -> int:
    """Send dead letters again, with a fresh count of attempts; how many were queued."""
    dead = [delivery for delivery in deliveries if delivery.state == AuditDelivery.State.DEAD]
    AuditDelivery.objects.filter(pk__in=[delivery.pk for delivery in dead]).update(
        state=AuditDelivery.State.QUEUED, attempts=0, next_attempt_at=None
    )
    per_stream: dict[int, int] = {}
    for delivery in dead:
        _enqueue(delivery.pk)
        per_stream[delivery.stream_id] = per_stream.get(delivery.stream_id, 0) + 1
    for stream in AuditStream.objects.filter(pk__in=per_stream).select_related("instance"):
        _stream_audit(
            actor=actor,
            action="audit_stream.retried",
            stream=stream,
            changes={},
            params={"deliveries": per_stream[stream.pk]},
        )
    return len(dead)
