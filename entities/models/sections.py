"""What a business entity's sections hold: section settings and the demo sections' rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from entities.models.roles import Section
from entities.models.tenancy import BusinessEntity


class SectionSettings(models.Model):
    """The settings of one section of one entity; entities/sections.py declares and validates their fields."""

    entity = models.ForeignKey(BusinessEntity, on_delete=models.CASCADE, related_name="section_settings")
    section = models.CharField(_("section"), max_length=32, choices=Section.choices)
    data = models.JSONField(_("settings"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("section settings")
        verbose_name_plural = _("section settings")
        constraints = [models.UniqueConstraint("entity", "section", name="section_settings_unique")]

    def __str__(self) -> str:
        return f"{self.entity}: {self.get_section_display()}"


class TourActivity(models.Model):
    """Work done on a cleaning tour in an entity."""

    entity = models.ForeignKey(BusinessEntity, on_delete=models.CASCADE, related_name="tour_activities")
    performed_on = models.DateField(_("date"))
    area = models.CharField(_("area"), max_length=120)
    description = models.CharField(_("activity"), max_length=300)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name = _("tour activity")
        verbose_name_plural = _("tour activities")
        indexes = [models.Index(fields=["entity", "-performed_on"], name="tour_activity_entity_idx")]

    def __str__(self) -> str:
        return f"{self.performed_on} {self.area}: {self.description}"


class QualityFeedback(models.Model):
    """A quality-control rating of an entity's cleaning."""

    entity = models.ForeignKey(BusinessEntity, on_delete=models.CASCADE, related_name="quality_feedback")
    score = models.PositiveSmallIntegerField(
        _("score"), choices=[(n, str(n)) for n in range(1, 6)], help_text=_("1 (poor) to 5 (excellent)")
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quality feedback")
        verbose_name_plural = _("quality feedback")
        indexes = [models.Index(fields=["entity", "-created_at"], name="quality_feedback_entity_idx")]

    def __str__(self) -> str:
        return f"{self.entity}: {self.score}/5"


class ChatMessage(models.Model):
    """A message in an entity's chat thread."""

    entity = models.ForeignKey(BusinessEntity, on_delete=models.CASCADE, related_name="chat_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [models.Index(fields=["entity", "-created_at"], name="chat_message_entity_idx")]

    def __str__(self) -> str:
        return f"{self.entity}: {self.body[:40]}"
