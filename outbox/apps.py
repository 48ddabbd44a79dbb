from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Queued email and SMS: the message model, the worker's task, the gateways; the kinds come from the apps."""

    name = "outbox"
    verbose_name = _("Outbox")
