"""The role catalogue: roles, their rights per section (capabilities), and the levels a role is held at."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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


def in_reader_language(english: str, german: str) -> str:
    """German readers read the catalogue's German text; English, the catalogue's own, stands in where it is missing."""
    language = get_language() or ""
    return german if german and language.split("-")[0] == "de" else english


class Role(models.Model):
    """A row of the role catalogue; its rights are its capabilities, one per section."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    usage = models.CharField(_("usage"), max_length=200, blank=True)
    description = models.TextField(_("access right"), blank=True)
    name_de = models.CharField(_("name (German)"), max_length=100, blank=True)
    usage_de = models.CharField(_("usage (German)"), max_length=200, blank=True)
    description_de = models.TextField(_("access right (German)"), blank=True)
    chat_allowed = models.BooleanField(_("chat allowed"), default=False)
    is_operator_only = models.BooleanField(
        _("operator only"), default=False, help_text=_("Only operator (soobr) employees may hold this role.")
    )
    is_special = models.BooleanField(_("special role"), default=False)
    is_project_manager = models.BooleanField(
        _("project-manager role"),
        default=False,
        help_text=_(
            "An operator employee who holds a project-manager role on the operator's own company may be shown all "
            "business entities (seed 003: only soobr project managers)."
        ),
    )
    entity_scope = models.CharField(_("acts on"), max_length=32, choices=EntityScope.choices, default=EntityScope.ALL)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_share_role = models.BooleanField(
        _("share role"),
        default=False,
        editable=False,
        help_text=_("Given only by Cockpit Shares (Inventory / Customer care); never granted."),
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The role's name in the reader's language."""
        return in_reader_language(self.name, self.name_de)

    @property
    def usage_label(self) -> str:
        return in_reader_language(self.usage, self.usage_de)

    @property
    def description_label(self) -> str:
        return in_reader_language(self.description, self.description_de)


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


class Level(models.TextChoices):
    """Where a grant attaches: one of an entity's three companies, or the entity itself."""

    OWNER = "owner", _("Owner")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    CUSTOMER = "customer", _("Customer")
    ENTITY = "entity", _("Business entity")


# Precedence of the access rules, most specific first; "show all" comes last.
PRECEDENCE = [Level.ENTITY, Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER, "all"]
COMPANY_LEVELS = [Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER]
