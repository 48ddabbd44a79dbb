"""The worker owns the pruning schedule: one run waits after every migrate, and each run queues the next a day on."""

import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.retention import RETENTION, retention_prune, retention_schedule
from entities.models import AuditLogEntry
from tests.support.queue import DATABASE_TASKS, run_worker

pytestmark = pytest.mark.django_db


def waiting_runs():
    return DBTaskResult.objects.filter(task_path=retention_prune.module_path, status="READY")


def test_every_app_that_keeps_growing_rows_registered_its_pruner():
    assert set(RETENTION) == {"audit entries", "delivered audit stream rows", "finished queue tasks"}


def test_migrate_leaves_one_pruning_run_waiting_for_the_worker(settings):
    settings.TASKS = DATABASE_TASKS

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert waiting_runs().count() == 1


def test_without_a_worker_s_queue_nothing_is_scheduled():
    assert retention_schedule() is False


@pytest.mark.django_db(transaction=True)  # the real worker closes its connection when done, as in production
def test_the_worker_prunes_logs_what_it_removed_and_queues_the_next_run_a_day_on(settings, instance, caplog):
    settings.TASKS = DATABASE_TASKS
    settings.AUDIT_RETENTION_DAYS = 365
    old = AuditLogEntry.objects.create(action="instance.changed", target_type="entities.Instance", target_id="1")
    AuditLogEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    retention_schedule()

    with caplog.at_level(logging.INFO, logger="cockpit.retention"):
        run_worker()

    assert not AuditLogEntry.objects.filter(pk=old.pk).exists()
    assert "Retention: removed 1 audit entries" in caplog.text
    assert "Retention: removed 0 finished queue tasks" in caplog.text
    (next_run,) = waiting_runs()
    assert timedelta(hours=23) < next_run.run_after - timezone.now() <= timedelta(days=1)


def test_a_second_schedule_while_one_run_waits_queues_nothing(settings):
    settings.TASKS = DATABASE_TASKS

    assert retention_schedule() is True
    assert retention_schedule() is False
    assert waiting_runs().count() == 1


def test_an_audit_retention_under_a_year_stops_the_start(tmp_path):
    """A typo in the environment must not cost the audit log: the settings refuse it before anything runs."""
    env = {**os.environ, "AUDIT_RETENTION_DAYS": "30", "DJANGO_SETTINGS_MODULE": "cockpit.settings", "DEBUG": "1"}

    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )

    assert started.returncode != 0
    assert "AUDIT_RETENTION_DAYS must be at least 365" in started.stderr
