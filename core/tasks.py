"""Work the task worker does later, at a moment of its own (django-tasks' run_after)."""

from datetime import datetime
from typing import Any

from django.db import connection
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def enqueue_at(task: Task, when: datetime, *args: Any) -> bool:
    """Have the worker run `task(*args)` at `when`, committed with the caller's transaction (the database queue).

    A backend that cannot wait (the tests' immediate one) queues nothing and says so: there the
    task is run by hand when its moment is reached.
    """
    if not task.get_backend().supports_defer:
        return False
    task.using(run_after=when).enqueue(*args)
    return True


def enqueue_once(task: Task, *, run_after: datetime | None = None) -> bool:
    """Queue `task` unless a run of it waits already: a self-rescheduling daily task stays one run however many
    workers and deploys queue it. False where there is no worker's queue (the tests' immediate backend, or a
    database not migrated yet)."""
    backend = task.get_backend()
    if (
        not isinstance(backend, DatabaseBackend)
        or DBTaskResult._meta.db_table not in connection.introspection.table_names()
    ):
        return False
    waiting = DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY, backend_name=backend.alias
    )
    if waiting.exists():
        return False
    (task.using(run_after=run_after) if run_after else task).enqueue()
    return True
