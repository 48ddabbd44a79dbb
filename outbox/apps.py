from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def retention_scheduled(**kwargs) -> None:
    """After every migrate (each deploy, each `make run`), a pruning run waits in the queue for the worker."""
    from core.retention import retention_schedule

    retention_schedule()


class OutboxConfig(AppConfig):
    """Queued email and SMS: the message model, the worker's task, the gateways; the kinds come from the apps."""

    name = "outbox"
    verbose_name = _("Outbox")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.retention import RETENTION
        from outbox.services import finished_tasks_prune

        RETENTION.register("finished queue tasks", finished_tasks_prune)
        post_migrate.connect(retention_scheduled, sender=self)
