"""Work the task worker does later, at a moment of its own (django-tasks' run_after)."""

from datetime import datetime
from typing import Any

from django_tasks.base import Task


def enqueue_at(task: Task, when: datetime, *args: Any) -> bool:
    """Have the worker run `task(*args)` at `when`, committed with the caller's transaction (the database queue).

    A backend that cannot wait (the tests' immediate one) queues nothing and says so: there the
    task is run by hand when its moment is reached.
    """
    if not task.get_backend().supports_defer:
        return False
    task.using(run_after=when).enqueue(*args)
    return True
