"""The audit log: every change of access, with its action in words registered by the app that writes it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.registry import Registry
from entities.models.tenancy import Instance

# What each action of the audit log is called, registered by the app that writes it (core.registry).
AUDIT_ACTIONS: Registry[str, Promise] = Registry("audit actions")
# What a change is called when it is no field of the entry's object (a person's sign-in method), registered likewise.
AUDIT_CHANGES: Registry[str, Promise] = Registry("audit changes")


class AuditLogEntry(models.Model):
    """One change of access: who acted, on whom or what, before and after, when, from where."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object id"), max_length=64)
    target_label = models.CharField(_("object"), max_length=300)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("concerning user"),
    )
    instance = models.ForeignKey(
        Instance, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("instance")
    )
    changes = models.JSONField(_("changes (before → after)"), default=dict, blank=True)
    # What the entry is about, as codes and ids (a grant's level, company or entity), rendered for each reader.
    params = models.JSONField(_("about"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["subject_user", "-created_at"], name="audit_subject_user_idx"),
            # An object's own history (a tablet's page), newest first.
            models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        # In the reader's time zone, as every time the audit log shows (entities.history.when_read).
        when = f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M}" if self.created_at else "-"
        return f"{when} {self.actor_label or '-'} {self.action_label} {self.target_label}"

    @property
    def action_label(self) -> str:
        label = AUDIT_ACTIONS.get(self.action)
        return self.action if label is None else str(label)
