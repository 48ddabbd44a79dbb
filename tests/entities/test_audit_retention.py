"""The audit log keeps every entry for AUDIT_RETENTION_DAYS; the worker's pruning removes only older ones."""

from datetime import timedelta

import pytest
from django.utils import timezone

from entities.audit import audit_deliveries_prune, audit_entries_prune, audit_record
from entities.models import AuditDelivery, AuditLogEntry, AuditStream

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def entry_aged(instance, days: float) -> AuditLogEntry:
    entry = audit_record(actor=None, action="instance.changed", target=instance, instance=instance)
    AuditLogEntry.objects.filter(pk=entry.pk).update(created_at=NOW - timedelta(days=days))
    return entry


def test_entries_older_than_the_setting_are_removed_and_younger_ones_kept(instance, settings):
    settings.AUDIT_RETENTION_DAYS = 400
    old, older = entry_aged(instance, 400.01), entry_aged(instance, 900)
    young, on_the_day = entry_aged(instance, 399.99), entry_aged(instance, 400)

    removed = audit_entries_prune(NOW)

    assert removed == 2
    remaining = set(AuditLogEntry.objects.values_list("pk", flat=True))
    assert {young.pk, on_the_day.pk} <= remaining and not {old.pk, older.pk} & remaining


def test_pruning_removes_every_old_entry_a_slice_at_a_time(instance, settings, monkeypatch):
    monkeypatch.setattr("core.retention.SLICE", 2)
    settings.AUDIT_RETENTION_DAYS = 365
    for _ in range(5):
        entry_aged(instance, 366)
    kept = entry_aged(instance, 10)

    assert audit_entries_prune(NOW) == 5
    assert list(AuditLogEntry.objects.filter(created_at__lt=NOW - timedelta(days=30))) == []
    assert AuditLogEntry.objects.filter(pk=kept.pk).exists()


def test_the_clock_decides_not_the_day_the_entry_was_read(instance, settings):
    """Run a year on, the same entry goes; run now, it stays."""
    settings.AUDIT_RETENTION_DAYS = 365
    entry = entry_aged(instance, 200)

    assert audit_entries_prune(NOW) == 0
    assert audit_entries_prune(NOW + timedelta(days=166)) == 1
    assert not AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_delivered_stream_rows_go_after_the_task_retention_and_dead_letters_stay(instance, settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    stream = AuditStream.objects.create(instance=instance, url="https://siem.example/in", secret="s")
    entry = entry_aged(instance, 1)
    rows = {
        state: AuditDelivery.objects.create(stream=stream, entry=entry, state=state)
        for state in AuditDelivery.State.values
    }
    AuditDelivery.objects.update(created_at=NOW - timedelta(days=15))

    assert audit_deliveries_prune(NOW) == 1

    remaining = set(AuditDelivery.objects.values_list("state", flat=True))
    assert remaining == {AuditDelivery.State.QUEUED, AuditDelivery.State.DEAD}
    assert rows[AuditDelivery.State.DEAD].pk in set(AuditDelivery.objects.values_list("pk", flat=True))
