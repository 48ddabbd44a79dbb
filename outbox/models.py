from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from outbox.kinds import MESSAGE_KINDS


class OutgoingMessage(models.Model):
    """One email or SMS to a user, kept until it has left so that an outage loses nothing (outbox.services).

    It holds what to send, never a secret: the temporary password, invitation link or
    code is issued by the worker at the moment it sends, so no clear-text secret waits
    in the queue.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")
        SUPERSEDED = "superseded", _("Replaced by a later one")

    # A code of outbox.kinds.MESSAGE_KINDS, registered by the app whose message it is.
    kind = models.CharField(_("kind"), max_length=20)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="outgoing_messages",
        verbose_name=_("recipient"),
    )
    # The share of an invitation, the device of an SMS code: whatever the kind's sender needs, by id.
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["recipient", "kind", "-created_at"], name="outgoing_recipient_kind")]

    def __str__(self) -> str:
        return f"{self.kind_label} → {self.recipient_id}: {self.get_state_display()}"

    @property
    def kind_label(self) -> str:
        kind = MESSAGE_KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind
