"""The audit stream: a cockpit's audit entries sent, each as a signed POST, to an endpoint of the operator's choosing
(a SIEM), with one delivery row per entry and endpoint that the worker tries until it lands (entities.streaming)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from entities.models.audit import AuditLogEntry
from entities.models.tenancy import Instance


class AuditStream(models.Model):
    """One HTTPS endpoint that receives every new audit entry of one cockpit."""

    instance = models.ForeignKey(
        Instance, on_delete=models.CASCADE, related_name="audit_streams", verbose_name=_("instance")
    )
    url = models.URLField(_("endpoint URL"), max_length=500)
    # Kept as generated: signing needs the secret itself. It is shown once, when the endpoint is added.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit stream endpoint")
        verbose_name_plural = _("audit stream endpoints")
        ordering = ["instance", "url"]

    def __str__(self) -> str:
        return f"{self.instance} → {self.url}"


class AuditDelivery(models.Model):
    """One entry on its way to one endpoint: waiting (and how often tried), delivered, or given up (dead letter)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Given up (dead letter)")

    stream = models.ForeignKey(
        AuditStream, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    entry = models.ForeignKey(AuditLogEntry, on_delete=models.CASCADE, related_name="+", verbose_name=_("entry"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit stream delivery")
        verbose_name_plural = _("audit stream deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "-created_at"], name="audit_delivery_state_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.stream_id}: {self.get_state_display()}"
