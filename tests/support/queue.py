"""The email and SMS queue as the tests drive it: the database task backend, one run of the real worker, the
pause before the next try passed, a user invited into the queue, and everything the queue stores as one text."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from outbox.models import OutgoingMessage
from users.services import user_invite

# The database task backend, so that messages wait in the queue until the worker runs.
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker() -> None:
    """One batch of the real worker (`manage.py db_worker`): every task due now."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@contextmanager
def worker_beside_the_server(pause_seconds: float = 1.0) -> Iterator[None]:
    """The queue worked as `make run` works it: a worker of its own, a moment after the page has answered.

    A thread runs the real worker (the loop `manage.py db_worker` runs, without its signal handlers, which
    only the main thread may set) every `pause_seconds` on its own database connection, so a page sees
    its message queued, not yet sent, exactly as a person waiting for the worker does. Run it while the
    browser waits: on SQLite the test database is one shared in-memory database, whose tables a reading
    worker would lock against the live server's writes.
    """
    stop = threading.Event()
    worker = Worker(
        queue_names=["default"],
        interval=pause_seconds,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-beside-the-server",
        excluded_queue_names=[],
    )

    def work() -> None:
        try:
            while not stop.wait(pause_seconds):
                worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="queue-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def arrived(outbox: list, what: str, seconds: float = 15):
    """The newest item of `outbox` (mail.outbox, FakeGateway.outbox) once the worker has put one there."""
    deadline = time.monotonic() + seconds
    while not outbox:
        assert time.monotonic() < deadline, f"no {what} left the queue"
        time.sleep(0.2)
    return outbox[-1]


def time_passes() -> None:
    """The pause before the next try is over."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))


def invite(manager, owner) -> User:
    """Nora Neu invited by `manager` into `owner`; her welcome email waits in the queue."""
    user, _message = user_invite(
        actor=manager,
        instance=owner.instance,
        company_grants=[],
        entity_grants=[],
        email="nora@owner-a.example",
        first_name="Nora",
        last_name="Neu",
        company=owner,
    )
    return user


def stored_queue_text() -> str:
    """Everything the queue keeps, as one text: the messages and the worker's task rows."""
    rows = list(OutgoingMessage.objects.values()) + list(DBTaskResult.objects.values())
    return json.dumps(rows, default=str)
