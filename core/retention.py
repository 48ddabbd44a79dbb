"""How long what only grows is kept, and the worker's daily pruning that keeps it so.

The audit log and the queue's finished tasks grow with every change and every email. Each
app that owns such rows registers a pruner (`RETENTION`, from its AppConfig.ready()): a
function that removes the rows older than its own setting and says how many it removed.

The task worker owns the schedule, so nothing else is needed, neither cron nor a second
process: after every `migrate` one pruning run is queued for at once, and each run queues
the next for a day later. However many workers serve the queue, one run is waiting at a
time, and a worker that picks it up runs every pruner, logging what each removed.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone
from django_tasks import task

from core.registry import Registry
from core.tasks import enqueue_once

logger = logging.getLogger("cockpit.retention")

PRUNE_EVERY = timedelta(days=1)
# Rows are removed a slice at a time, each slice its own transaction: a year of entries never holds one long lock.
SLICE = 5_000

# A pruner removes its rows older than its setting, as of the moment it is given, and returns how many it removed.
RETENTION: Registry[str, Callable[[datetime], int]] = Registry("Retention")


def older_rows_delete(rows: models.QuerySet, field: str, cutoff: datetime) -> int:
    """Delete the rows whose `field` lies before `cutoff`, a slice at a time; the number deleted."""
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(
                rows.filter(**{f"{field}__lt": cutoff}).order_by(field, "pk").values_list("pk", flat=True)[:SLICE]
            )
            if not ids:
                return removed
            removed += rows.model.objects.filter(pk__in=ids).delete()[0]


def retention_prune_all(now: datetime) -> dict[str, int]:
    """Run every registered pruner as of `now`; what each removed, also written to the log."""
    removed = {}
    for name, prune in RETENTION.items():
        removed[name] = prune(now)
        logger.info("Retention: removed %d %s", removed[name], name)
    return removed


@task()
def retention_prune() -> dict[str, int]:
    """The worker's daily pruning: everything registered, then the next run a day later."""
    removed = retention_prune_all(timezone.now())
    retention_schedule(run_after=timezone.now() + PRUNE_EVERY)
    return removed


def retention_schedule(*, run_after: datetime | None = None) -> bool:
    """Queue a pruning run unless one is waiting already; False where there is no worker's queue (the tests')."""
    return enqueue_once(retention_prune, run_after=run_after)
