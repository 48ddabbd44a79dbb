"""Tablets of a cockpit: who added them, where they are, what state they are in (docs/tablets.md)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from entities.models import BusinessEntity, Company, Instance

SERIAL_MAX_LENGTH = 100
MODEL_MAX_LENGTH = 100
NOTES_MAX_LENGTH = 2000

SERIAL_TAKEN = _("A tablet with this serial number already exists in this cockpit.")
ENTITY_OF_OTHER_COCKPIT = _("This business entity belongs to another cockpit.")
COMPANY_OF_OTHER_COCKPIT = _("This company belongs to another cockpit.")
ASSIGNED_NEEDS_ENTITY = _("An assigned tablet needs a business entity.")
ENTITY_NEEDS_ASSIGNED = _("Only an assigned tablet has a business entity.")
ASSIGNED_IFF_ENTITY = _("A tablet is assigned exactly when it has a business entity.")


class TabletState(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    ASSIGNED = "assigned", _("Assigned")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


# The states an edit moves between; assigning, unassigning and retiring have their own actions.
EDITABLE_STATES = (TabletState.IN_STOCK, TabletState.IN_REPAIR)


class Tablet(models.Model):
    """One tablet of a cockpit, assigned to a business entity or not."""

    instance = models.ForeignKey(Instance, on_delete=models.PROTECT, related_name="tablets", verbose_name=_("cockpit"))
    serial_number = models.CharField(_("serial number"), max_length=SERIAL_MAX_LENGTH)
    model = models.CharField(_("model"), max_length=MODEL_MAX_LENGTH, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=TabletState.choices, default=TabletState.IN_STOCK)
    entity = models.ForeignKey(
        BusinessEntity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tablets",
        verbose_name=_("business entity"),
    )
    notes = models.TextField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True)
    added_by_company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="added_tablets", verbose_name=_("added by company")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        ordering = ["serial_number", "id"]
        verbose_name = _("tablet")
        verbose_name_plural = _("tablets")
        constraints = [
            models.UniqueConstraint(
                "instance",
                Lower("serial_number"),
                name="tablet_unique_serial_per_instance",
                violation_error_message=SERIAL_TAKEN,
            ),
            models.CheckConstraint(
                condition=models.Q(state=TabletState.ASSIGNED, entity__isnull=False)
                | (~models.Q(state=TabletState.ASSIGNED) & models.Q(entity__isnull=True)),
                name="tablet_assigned_iff_entity",
                violation_error_message=ASSIGNED_IFF_ENTITY,
            ),
        ]
        # One index per lookup of the pages: the list by serial (all, by state, by adding company).
        indexes = [
            models.Index(fields=["instance", "serial_number", "id"], name="tablet_instance_serial_idx"),
            models.Index(fields=["instance", "state", "serial_number"], name="tablet_instance_state_idx"),
            models.Index(fields=["instance", "added_by_company", "serial_number"], name="tablet_instance_company_idx"),
        ]

    def __str__(self) -> str:
        return self.serial_number

    def clean(self) -> None:
        super().clean()
        self.serial_number = (self.serial_number or "").strip()
        errors: dict[str, ValidationError] = {}
        if self.instance_id and self.entity is not None and self.entity.instance_id != self.instance_id:
            errors["entity"] = ValidationError(ENTITY_OF_OTHER_COCKPIT, code="entity_of_other_cockpit")
        if self.instance_id and self.added_by_company_id and self.added_by_company.instance_id != self.instance_id:
            errors["added_by_company"] = ValidationError(COMPANY_OF_OTHER_COCKPIT, code="company_of_other_cockpit")
        if self.state == TabletState.ASSIGNED and not self.entity_id:
            errors["entity"] = ValidationError(ASSIGNED_NEEDS_ENTITY, code="assigned_without_entity")
        elif self.state != TabletState.ASSIGNED and self.entity_id:
            errors["entity"] = ValidationError(ENTITY_NEEDS_ASSIGNED, code="entity_without_assigned")
        if errors:
            raise ValidationError(errors)
