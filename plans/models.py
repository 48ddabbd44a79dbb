"""CAD plans of business entities: whether an entity awaits plans, and the plan files uploaded for it.

The files themselves live in the "plans" storage (settings.STORAGES["plans"]) under a random
name; a PlanFile row keeps that name, never a URL. Only the access-checked download view
(plans.views.PlanDownloadView) reads a file back.
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from entities.models import BusinessEntity


def plan_storage() -> Storage:
    """The storage plan files live in, looked up at each use so configuration (and tests) can replace it."""
    return storages["plans"]


class PlanStatus(models.Model):
    """An entity's plan request: flagged "awaiting plans" by a manager, marked received by the first upload.

    One row per entity that was ever flagged; an entity without a row awaits nothing.
    """

    entity = models.OneToOneField(
        BusinessEntity,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="plan_status",
        verbose_name=_("business entity"),
    )
    awaiting_plans = models.BooleanField(_("awaiting plans"), default=False)
    flagged_at = models.DateTimeField(_("flagged"), null=True, blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("flagged by"),
    )
    received_at = models.DateTimeField(
        _("plans received"), null=True, blank=True, help_text=_("When the first plan file of this request came in.")
    )

    class Meta:
        verbose_name = _("plan status")
        verbose_name_plural = _("plan statuses")
        # The plans list reads only the entities awaiting plans: a partial index holds exactly those.
        indexes = [
            models.Index(fields=["entity"], condition=models.Q(awaiting_plans=True), name="plans_awaiting_idx"),
        ]

    def __str__(self) -> str:
        return str(self.entity)


class PlanKind(models.TextChoices):
    PDF = "pdf", _("PDF")
    DWG = "dwg", _("DWG (AutoCAD drawing)")
    DXF = "dxf", _("DXF (drawing exchange)")


class PlanFile(models.Model):
    """One uploaded plan file: who uploaded it, when, its name, size and SHA-256, where it is stored."""

    entity = models.ForeignKey(
        BusinessEntity, on_delete=models.CASCADE, related_name="plan_files", verbose_name=_("business entity")
    )
    # The name inside the "plans" storage: random, never derived from the upload's name, never a URL.
    stored_name = models.CharField(_("stored as"), max_length=255, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=PlanKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("plan file")
        verbose_name_plural = _("plan files")
        indexes = [
            # An entity's plan page: its files, newest first; a CAD plan provider's: only their own.
            models.Index(fields=["entity", "-uploaded_at"], name="plans_file_entity_idx"),
            models.Index(fields=["entity", "uploaded_by", "-uploaded_at"], name="plans_file_uploader_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name
