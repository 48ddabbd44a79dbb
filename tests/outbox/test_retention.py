"""The queue's finished tasks are kept TASK_RESULT_RETENTION_DAYS; tasks still waiting are never pruned."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox.services import finished_tasks_prune

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def task_row(status: str, finished_days_ago: float | None) -> DBTaskResult:
    finished = None if finished_days_ago is None else NOW - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="outbox.services.deliver_message",
        backend_name="default",
        queue_name="default",
        run_after=NOW - timedelta(days=60),
        finished_at=finished,
        exception_class_path="",
        traceback="",
    )


def test_finished_tasks_older_than_the_setting_go_and_the_rest_stay(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    sent_long_ago, failed_long_ago = task_row("SUCCESSFUL", 15), task_row("FAILED", 30)
    sent_lately, waiting = task_row("SUCCESSFUL", 13.9), task_row("READY", None)

    assert finished_tasks_prune(NOW) == 2

    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {sent_lately.pk, waiting.pk}
    assert sent_long_ago.pk not in remaining and failed_long_ago.pk not in remaining
