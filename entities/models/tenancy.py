"""Tenancy: a cockpit (Instance), its companies and their business entities."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

COMPANY_IN_USE_STAYS = _(
    "This company has users, business entities or roles in its cockpit, so it cannot move to another cockpit."
)
ENTITY_WITH_GRANTS_STAYS = _(
    "Users hold roles on this business entity in its cockpit; revoke them before moving it to another cockpit."
)
COMPANY_OF_OTHER_INSTANCE = _("%(company)s belongs to another cockpit (%(instance)s); choose a company of %(own)s.")


class Instance(models.Model):
    """One cockpit: a home for companies, users and business entities."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True, help_text=_("Used in URLs: /c/<slug>/"))
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    # Counts the changes that can alter what anyone may see or do here (entities.audit); answers
    # cached under it (entities.access.cache) are never read again once it moved on.
    access_version = models.PositiveBigIntegerField(_("access version"), default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("instance")
        verbose_name_plural = _("instances")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The version only ever moves on, by an UPDATE that adds to it (entities.audit): a cockpit saved
            # from an object read earlier would write back the number it read, and old answers would count again.
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields if field.name not in ("id", "access_version")
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("cockpit:dashboard", kwargs={"instance_slug": self.slug})


class Company(models.Model):
    """An organisation registered in one instance."""

    instance = models.ForeignKey(
        Instance, on_delete=models.PROTECT, related_name="companies", verbose_name=_("instance")
    )
    name = models.CharField(_("name"), max_length=200)
    is_operator = models.BooleanField(
        _("operator (soobr)"), default=False, help_text=_("The platform operator's own company.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(
                "instance",
                Lower("name"),
                name="company_unique_name_per_instance",
                violation_error_message=_("A company with this name already exists in this instance."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.pk is None or not self.instance_id:
            return
        stored_instance = type(self)._default_manager.filter(pk=self.pk).values_list("instance_id", flat=True).first()
        if stored_instance not in (None, self.instance_id) and self._is_in_use():
            # Its users, entities and grants would be left pointing into another cockpit.
            raise ValidationError({"instance": ValidationError(COMPANY_IN_USE_STAYS, code="company_in_use")})

    def _is_in_use(self) -> bool:
        return (
            self.users.exists()
            or self.grants.exists()
            or BusinessEntity.objects.filter(
                models.Q(owner=self) | models.Q(service_provider=self) | models.Q(customer=self)
            ).exists()
        )


class ProjectForm(models.TextChoices):
    STANDARD = "standard", _("Standard")
    EASY = "easy", _("Easy")


# The company columns, short, for index names (at most 30 characters).
SHORT = {"owner": "owner", "service_provider": "provider", "customer": "customer"}


class BusinessEntity(models.Model):
    """A building or site that gets cleaned; its three companies drive who sees it."""

    instance = models.ForeignKey(
        Instance, on_delete=models.PROTECT, related_name="business_entities", verbose_name=_("instance")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    project_form = models.CharField(
        _("project form"), max_length=16, choices=ProjectForm.choices, default=ProjectForm.STANDARD
    )
    owner = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="owned_entities", verbose_name=_("owner"))
    service_provider = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="serviced_entities", verbose_name=_("service provider")
    )
    customer = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="customer_entities", verbose_name=_("customer")
    )
    # Copy of owner.is_operator, kept by save() and company_save(): scoped roles (Sales)
    # are matched against it inside the index, without a join per entity.
    is_operator_entity = models.BooleanField(_("operator's own (demo) entity"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("business entity")
        verbose_name_plural = _("business entities")
        permissions = [("hold_role", _("Holds a role on this business entity"))]
        # One index per grant path of the access rules, each carrying the sort key, the
        # scope columns and the searched address, so resolving a grant, with a search or
        # without, is an index-only scan (PostgreSQL). Rare search words find their entities
        # through trigram indexes instead (migration 0011, PostgreSQL only).
        indexes = [
            models.Index(
                fields=["owner", "name", "id"],
                include=["instance", "project_form", "is_operator_entity", "address"],
                name="entity_owner_name_idx",
            ),
            models.Index(
                fields=["service_provider", "name", "id"],
                include=["instance", "project_form", "is_operator_entity", "address"],
                name="entity_provider_name_idx",
            ),
            models.Index(
                fields=["customer", "name", "id"],
                include=["instance", "project_form", "is_operator_entity", "address"],
                name="entity_customer_name_idx",
            ),
            models.Index(
                fields=["instance", "name", "id"],
                include=["project_form", "is_operator_entity", "address"],
                name="entity_instance_name_idx",
            ),
            # The list filters' companies (access.listing.visible_companies): the companies of one
            # column among the entities of a company in another, one index probe per company found.
            *(
                models.Index(
                    fields=[first, second],
                    include=["instance", "project_form", "is_operator_entity"],
                    name=f"entity_{SHORT[first]}_{SHORT[second]}_idx",
                )
                for first in SHORT
                for second in SHORT
                if first != second
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.owner_id:
            self.is_operator_entity = self.owner.is_operator
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if not self.instance_id:
            return
        errors = {}
        for field in ("owner", "service_provider", "customer"):
            company = getattr(self, field) if getattr(self, f"{field}_id") else None
            if company is not None and company.instance_id != self.instance_id:
                errors[field] = ValidationError(
                    COMPANY_OF_OTHER_INSTANCE,
                    code="company_of_other_instance",
                    params={"company": company.name, "instance": company.instance.name, "own": self.instance.name},
                )
        if self.pk is not None and self.entity_grants.exists():
            stored_instance = (
                type(self)._default_manager.filter(pk=self.pk).values_list("instance_id", flat=True).first()
            )
            if stored_instance not in (None, self.instance_id):
                errors["instance"] = ValidationError(ENTITY_WITH_GRANTS_STAYS, code="entity_has_grants")
        if errors:
            raise ValidationError(errors)
