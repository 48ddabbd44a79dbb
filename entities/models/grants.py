"""Grants: a role held at a company (level) or on one business entity, each checked against the grant rules."""

import operator
from datetime import date
from functools import reduce

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from entities.models.roles import COMPANY_LEVELS, Access, Level, Role, Section
from entities.models.tenancy import BusinessEntity, Company

GRANT_ROLE_OPERATOR_ONLY = _("%(role)s is an operator-only role; only operator (soobr) employees may hold it.")
GRANT_OTHER_INSTANCE = _("%(target)s belongs to another cockpit than the user.")
GRANT_SPECIAL_ROLE_ON_COMPANY = _(
    "%(role)s is a special role; it can only be granted on a single business entity, "
    "not at the owner, service provider or customer level."
)
GRANT_USER_DEACTIVATED = _("%(user)s is deactivated; a deactivated user cannot be given a role.")
GRANT_SHARE_ROLE = _("%(role)s comes only with a Cockpit Share; it cannot be granted.")
GRANT_END_NOT_AHEAD = _("The end date must lie after today: a role that ends today counts no more from 00:00.")


def in_force(today: date | None = None) -> models.Q:
    """Grants (company or entity) whose end date has not come by `today` (the cockpit's date unless given): the
    ORM's form of the access rules' NOT_ENDED, for the checks outside them (who may be given show-all, who reviews,
    who counts as external)."""
    return models.Q(ends_on__isnull=True) | models.Q(ends_on__gt=today or timezone.localdate())


def entity_at(company, prefix: str = "") -> models.Q:
    """The business entity (at `prefix`) has `company` at one of its levels: owner, service provider or customer.
    `company` may be a Company, an id or an expression (F, OuterRef)."""
    return reduce(operator.or_, (models.Q(**{f"{prefix}{level}": company}) for level in COMPANY_LEVELS))


class GrantQuerySet(models.QuerySet):
    def in_force(self):
        """The grants whose end date has not come (in_force)."""
        return self.filter(in_force())

    def managing_users(self):
        """The grants whose role may change users (User Management's "users: edit"): their holders manage the
        users of that company."""
        return self.filter(role__capabilities__section=Section.USERS, role__capabilities__access__gte=Access.EDIT)


def end_noticed_on_field():
    # The end date whose notice went out (a week before): moved and moved back, the notice still goes once.
    return models.DateField(null=True, blank=True, editable=False)


def ends_on_field():
    """A grant's end: from 00:00 of this day in the cockpit's time zone the access rules ignore it."""
    return models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("From 00:00 of this day, the cockpit's time, the role no longer counts. Empty: no end."),
    )


def validate_grant(
    *,
    user,
    role: "Role | None",
    instance_id: int | None,
    target,
    level: str,
    grant: models.Model | None = None,
    ends_on: date | None = None,
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
    if ends_on is not None and ends_on <= timezone.localdate():
        unchanged = grant is not None and type(grant)._default_manager.filter(pk=grant.pk, ends_on=ends_on).exists()
        if not unchanged:
            errors.setdefault("ends_on", []).append(ValidationError(GRANT_END_NOT_AHEAD, code="end_not_ahead"))
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
    ends_on = ends_on_field()
    end_noticed_on = end_noticed_on_field()
    # Who gave it (None: the system, or before this was kept): told a week before the grant ends.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("granted by"),
    )

    objects = GrantQuerySet.as_manager()

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
                ends_on=self.ends_on,
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
    ends_on = ends_on_field()
    end_noticed_on = end_noticed_on_field()
    # Who gave it (None: the system, or before this was kept), for the person's list of roles on entities.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("granted by"),
    )

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
                ends_on=self.ends_on,
            )
