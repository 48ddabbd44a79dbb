from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from core.registry import Registry

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


GRANT_ROLE_OPERATOR_ONLY = _("%(role)s is an operator-only role; only operator (soobr) employees may hold it.")
GRANT_OTHER_INSTANCE = _("%(target)s belongs to another cockpit than the user.")
GRANT_SPECIAL_ROLE_ON_COMPANY = _(
    "%(role)s is a special role; it can only be granted on a single business entity, "
    "not at the owner, service provider or customer level."
)
GRANT_USER_DEACTIVATED = _("%(user)s is deactivated; a deactivated user cannot be given a role.")
GRANT_SHARE_ROLE = _("%(role)s comes only with a Cockpit Share; it cannot be granted.")


def validate_grant(
    *, user, role: "Role | None", instance_id: int | None, target, level: str, grant: models.Model | None = None
) -> None:
    """Rules every grant obeys, whichever path creates it.

    `level` is the grant's level (Level.ENTITY for a single entity); `grant` is the stored row
    being changed, None for a new grant.
    """
    if user is None or role is None or instance_id is None:
        return
    subject = user.access_subject()
    errors: dict[str, list[ValidationError]] = {}
    if role.is_operator_only and not subject.is_operator:
        errors.setdefault("role", []).append(
            ValidationError(GRANT_ROLE_OPERATOR_ONLY, code="operator_role", params={"role": role.label})
        )
    if role.is_share_role:
        errors.setdefault("role", []).append(
            ValidationError(GRANT_SHARE_ROLE, code="share_role", params={"role": role.label})
        )
    if role.is_special and level != Level.ENTITY:
        errors.setdefault("role", []).append(
            ValidationError(GRANT_SPECIAL_ROLE_ON_COMPANY, code="special_role_on_company", params={"role": role.label})
        )
    if subject.home_instance_id != instance_id:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            ValidationError(GRANT_OTHER_INSTANCE, code="other_instance", params={"target": target})
        )
    if not subject.is_active:
        # A deactivated user keeps the roles they had (as history that applies to nothing),
        # so an unchanged stored grant passes; a new grant or another role does not.
        unchanged = grant is not None and type(grant)._default_manager.filter(pk=grant.pk, role_id=role.pk).exists()
        if not unchanged:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                ValidationError(GRANT_USER_DEACTIVATED, code="user_deactivated", params={"user": user})
            )
    if errors:
        raise ValidationError(errors)


class CompanyGrant(models.Model):
    """A role at one level on one company: one row, however many entities the company has."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_grants", verbose_name=_("user")
    )
    level = models.CharField(_("level"), max_length=16, choices=[(lv.value, lv.label) for lv in COMPANY_LEVELS])
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="grants", verbose_name=_("company"))
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        related_name="company_grants",
        verbose_name=_("role"),
        limit_choices_to={"is_share_role": False},
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ["user", "level", "company"]
        verbose_name = _("role on a company")
        verbose_name_plural = _("roles on companies")
        constraints = [
            models.UniqueConstraint(
                "user",
                "level",
                "company",
                name="grant_one_role_per_user_level_company",
                violation_error_message=_("This user already has a role at this level for this company."),
            ),
        ]
        indexes = [models.Index(fields=["company", "level"], name="grant_company_level_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_level_display()} {self.company}: {self.role}"

    def clean(self) -> None:
        super().clean()
        if self.user_id and self.role_id and self.company_id:
            validate_grant(
                user=self.user,
                role=self.role,
                instance_id=self.company.instance_id,
                target=self.company,
                level=self.level,
                grant=None if self._state.adding else self,
            )


class EntityGrant(UserObjectPermissionBase):
    """A role on a single business entity, stored as a django-guardian object permission."""

    content_object = models.ForeignKey(
        BusinessEntity, on_delete=models.CASCADE, related_name="entity_grants", verbose_name=_("business entity")
    )
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        related_name="entity_grants",
        verbose_name=_("role"),
        limit_choices_to={"is_share_role": False},
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("role on a business entity")
        verbose_name_plural = _("roles on business entities")
        constraints = [
            models.UniqueConstraint(
                "user",
                "content_object",
                name="grant_one_role_per_user_entity",
                violation_error_message=_("This user already has a role on this business entity."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.content_object}: {self.role}"

    def clean(self) -> None:
        super().clean()
        if self.user_id and self.role_id and self.content_object_id:
            entity = self.content_object
            validate_grant(
                user=self.user,
                role=self.role,
                instance_id=entity.instance_id,
                target=entity,
                level=Level.ENTITY,
                grant=None if self._state.adding else self,
            )


# What each action of the audit log is called, registered by the app that writes it (core.registry).
AUDIT_ACTIONS: Registry[str, Promise] = Registry("audit actions")


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
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        label = AUDIT_ACTIONS.get(self.action)
        return self.action if label is None else str(label)


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
