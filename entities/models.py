from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

COMPANY_OF_OTHER_INSTANCE = _("%(company)s belongs to another cockpit (%(instance)s); choose a company of %(own)s.")


class Instance(models.Model):
    """One cockpit: a home for companies, users and business entities."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True, help_text=_("Used in URLs: /c/<slug>/"))
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("instance")
        verbose_name_plural = _("instances")

    def __str__(self) -> str:
        return self.name

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


class ProjectForm(models.TextChoices):
    STANDARD = "standard", _("Standard")
    EASY = "easy", _("Easy")


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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("business entity")
        verbose_name_plural = _("business entities")
        # One index per grant path of the access rules (and the list's sort order), each
        # ending in the sort key so a page of visible entities is read in index order.
        indexes = [
            models.Index(fields=["owner", "name", "id"], name="entity_owner_name_idx"),
            models.Index(fields=["service_provider", "name", "id"], name="entity_provider_name_idx"),
            models.Index(fields=["customer", "name", "id"], name="entity_customer_name_idx"),
            models.Index(fields=["instance", "name", "id"], name="entity_instance_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

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
        if errors:
            raise ValidationError(errors)


class EntityScope(models.TextChoices):
    """Which business entities a role can act on at all."""

    ALL = "all", _("All business entities")
    OPERATOR_ENTITIES = "operator_entities", _("Only the operator's own (demo) entities")
    EASY_ENTITIES = "easy_entities", _("Only entities of project form 'easy'")


class Section(models.TextChoices):
    """Areas of a business entity page that rights are given on."""

    MASTER_DATA = "master_data", _("Master data")
    FEATURES = "features", _("Features")
    PERFORMANCE_FIGURES = "performance_figures", _("Performance figures")
    CLEANING_CATEGORIES = "cleaning_categories", _("Cleaning categories")
    CLEANING_PROCESS = "cleaning_process", _("Cleaning process")
    ROUTE_PLANNING = "route_planning", _("Route planning")
    TOUR_MODIFICATION = "tour_modification", _("Tour modification")
    CALCULATION = "calculation", _("Calculation")
    ANALYTICS = "analytics", _("Analytics")
    TOUR_ACTIVITIES = "tour_activities", _("Tour activities")
    QUALITY_CONTROL = "quality_control", _("Quality control")
    IOT = "iot", _("IoT")
    USERS = "users", _("Users")
    CHAT = "chat", _("Chat")
    ALPHA_FEATURES = "alpha_features", _("Alpha features")
    TABLETS = "tablets", _("Tablets")
    PLAN_UPLOAD = "plan_upload", _("Plan upload")


class Access(models.IntegerChoices):
    """Rights on one section, ordered so that a larger value is more."""

    NONE = 0, _("None")
    VIEW = 1, _("View")
    EDIT = 2, _("Edit")


class Role(models.Model):
    """A row of the role catalogue; its rights are its capabilities, one per section."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    usage = models.CharField(_("usage"), max_length=200, blank=True)
    description = models.TextField(_("access right"), blank=True)
    chat_allowed = models.BooleanField(_("chat allowed"), default=False)
    is_operator_only = models.BooleanField(
        _("operator only"), default=False, help_text=_("Only operator (soobr) employees may hold this role.")
    )
    is_special = models.BooleanField(_("special role"), default=False)
    entity_scope = models.CharField(_("acts on"), max_length=32, choices=EntityScope.choices, default=EntityScope.ALL)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class Capability(models.Model):
    """One cell of the capability matrix: a role's access to one section."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="capabilities", verbose_name=_("role"))
    section = models.CharField(_("section"), max_length=32, choices=Section.choices)
    access = models.PositiveSmallIntegerField(_("access"), choices=Access.choices, default=Access.NONE)

    class Meta:
        ordering = ["role", "section"]
        verbose_name = _("capability")
        verbose_name_plural = _("capability matrix")
        constraints = [
            models.UniqueConstraint("role", "section", name="capability_unique_role_section"),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.get_section_display()} = {self.get_access_display()}"
