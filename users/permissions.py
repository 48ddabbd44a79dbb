"""Who may manage whom (docs/user-management.md): a manager's reach and the limits on what they may grant.

A manager is operator staff, or a user holding a user-managing role (one whose
"users" section is editable: Projectmanager, Projectmanager extended, Provider
project manager) at some level on a company. Their reach is those companies.
They may grant a role at (level, company) only where they themselves hold a
user-managing role at that level and company, only a role that is not
operator-only, and only one whose rights do not exceed their own there in any
section. On a single entity, their deciding role there must manage users and
outrank the granted role. A user is theirs to change only while every role the
user holds is one they could have granted. Nobody manages themselves here.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from entities.access import (
    Subject,
    catalogue_rights,
    context_for,
    deciding_roles_on_grants,
    entities_access,
    entity_access,
    role_rights,
)
from entities.access.rules import path_of
from entities.history import OUTSIDE_VIEW
from entities.models import (
    COMPANY_LEVELS,
    Access,
    BusinessEntity,
    Company,
    CompanyGrant,
    EntityGrant,
    Instance,
    Role,
    Section,
)
from entities.selectors import held_company_grants

NOT_A_MANAGER = gettext_lazy("Your role does not allow managing users.")
USER_OUT_OF_REACH = gettext_lazy("You cannot manage this user.")
NO_SUCH_ENTITY = gettext_lazy("There is no such business entity in this cockpit.")
EMAIL_TAKEN_HERE = gettext_lazy("%(email)s already has a login in this cockpit.")
EMAIL_NOT_USABLE_HERE = gettext_lazy(
    "This email address cannot be used for a new login here. If the person works with another cockpit, "
    "share this cockpit with them instead."
)
# The codes of email_error's two answers; on the second a page may offer a share instead.
EMAIL_TAKEN_HERE_CODE = "email_taken_here"
EMAIL_NOT_USABLE_HERE_CODE = "email_not_usable_here"


@dataclass
class Reach:
    """What one manager may do in one cockpit, computed once per request."""

    actor: User
    subject: Subject
    instance: Instance
    is_operator_staff: bool
    # (level, company id) -> rights of the manager's user-managing role there
    managed: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    # (level, company id) where the actor's role at least views users (the Manager role's "users: view")
    viewed: frozenset[tuple[str, int]] = frozenset()

    def rights_of(self, role: Role) -> dict[str, int]:
        """A role's rights, read once per request."""
        return catalogue_rights(context_for(self.subject))[role.pk]

    @property
    def is_manager(self) -> bool:
        return self.is_operator_staff or bool(self.managed)

    @property
    def is_viewer(self) -> bool:
        """Sees User Management: managers, and holders of a view-only users right, who change nothing."""
        return self.is_manager or bool(self.viewed)

    @property
    def company_ids(self) -> set[int] | None:
        """Companies in reach; None means all companies of the cockpit (operator staff)."""
        if self.is_operator_staff:
            return None
        return {company_id for _level, company_id in self.managed}

    def employees(self) -> Q:
        """Users employed by a company whose users the actor sees (every user of the cockpit, for operator staff)."""
        if self.is_operator_staff:
            return Q(company__instance=self.instance)
        return Q(company_id__in={company_id for _level, company_id in self.viewed}, company__is_operator=False)

    def is_employee(self) -> Case:
        """Per user, as SQL: employed by a company whose users the actor sees (False: external)."""
        return Case(When(self.employees(), then=Value(True)), default=Value(False), output_field=BooleanField())

    def grants_in_reach(self, *, to_change: bool = False) -> tuple[Q, Q]:
        """Company grants and entity grants at a (level, company) where the actor sees users (manages, `to_change`).

        A grant on a single entity lies there when the entity's company at that level is the
        company: the actor's own role reaches the entity through the same path.
        """
        company_grants = Q(pk__in=[])
        for level, company_ids in self._companies_by_level(to_change=to_change).items():
            company_grants |= Q(level=level, company_id__in=company_ids)
        return company_grants, self.entities_in_reach(to_change=to_change, prefix="content_object__")

    def entities_in_reach(self, *, to_change: bool = False, prefix: str = "") -> Q:
        """Entities whose company at a level is one where the actor sees (manages, `to_change`) users."""
        entities = Q(pk__in=[])
        for level, company_ids in self._companies_by_level(to_change=to_change).items():
            entities |= Q(**{f"{prefix}{level}_id__in": company_ids})
        return entities

    def _companies_by_level(self, *, to_change: bool) -> dict[str, list[int]]:
        """The companies where the actor sees (manages) users, per level: one IN list per level keeps the SQL of an
        admin of hundreds of companies small enough to plan well (an OR per company did not)."""
        by_level: dict[str, list[int]] = {}
        for level, company_id in sorted(self.managed if to_change else self.viewed):
            by_level.setdefault(level, []).append(company_id)
        return by_level

    def externals(self, *, to_change: bool = False) -> Q:
        """Users employed elsewhere in the cockpit who hold a grant in reach (GitHub's outside collaborators).

        Listed: employed outside the companies whose users the actor sees, holding a grant
        where they see users. `to_change`: employed outside the companies the actor
        manages, holding a grant where they manage users (whose grants there they change).
        Never operator employees or Django-admin users: operator staff manage them. Never the actor.
        """
        if self.is_operator_staff:
            return Q(pk__in=[])
        company_grants, entity_grants = self.grants_in_reach(to_change=to_change)
        holds = Exists(CompanyGrant.objects.filter(company_grants, user=OuterRef("pk"))) | Exists(
            EntityGrant.objects.filter(entity_grants, user=OuterRef("pk"))
        )
        employer = (
            Q(company_id__in=self.company_ids or [], company__is_operator=False) if to_change else self.employees()
        )
        return (
            holds
            & Q(company__instance=self.instance, company__is_operator=False, is_staff=False, is_superuser=False)
            & ~employer
            & ~Q(pk=self.actor.pk)
        )

    def listed_users(self) -> Q:
        """The users of the cockpit whom this manager's User Management reads (themselves aside)."""
        users = Q(company__instance=self.instance) & ~Q(pk=self.actor.pk)
        if self.is_operator_staff:
            return users & Q(is_superuser=False)
        return users & (self.employees() | self.externals())

    def listed_people(self) -> Q:
        """Everyone User Management's list shows: the users it reads, and the actor themselves (as GitHub's People
        page lists you), whose own roles nobody changes here (manageable_people)."""
        return self.listed_users() | Q(pk=self.actor.pk)

    def companies(self) -> QuerySet:
        """The companies of the cockpit this manager may grant roles on, by name."""
        companies = Company.objects.filter(instance=self.instance).order_by("name")
        return companies if self.is_operator_staff else companies.filter(pk__in=self.company_ids)

    def listed_companies(self) -> QuerySet:
        """The companies whose employees the actor's list shows, by name (its company filter)."""
        companies = Company.objects.filter(instance=self.instance).order_by("name")
        if self.is_operator_staff:
            return companies
        return companies.filter(pk__in={company_id for _level, company_id in self.viewed}, is_operator=False)

    def user_companies(self) -> QuerySet:
        """The companies a user this manager creates or edits may belong to: never the operator, unless staff."""
        companies = self.companies()
        return companies if self.is_operator_staff else companies.filter(is_operator=False)

    def may_place_user_in(self, company: Company) -> bool:
        """Whether a user this manager creates or edits may belong to the company."""
        return (
            company.instance_id == self.instance.pk
            and self.includes_company(company.pk)
            and (self.is_operator_staff or not company.is_operator)
        )

    def includes_company(self, company_id: int) -> bool:
        ids = self.company_ids
        return ids is None or company_id in ids

    def role_error(self, role: Role, own_rights: dict[str, int] | None) -> str | None:
        """Why this manager may not hand out `role` with their rights `own_rights`, or None."""
        if self.is_operator_staff:
            return None
        if role.is_operator_only:
            return _("%(role)s is an operator role; only operator staff grant it.") % {"role": role.label}
        if own_rights is None:
            return _("You hold no user-managing role there.")
        granted = self.rights_of(role)
        exceeding = [Section(s).label for s, access in granted.items() if access > own_rights.get(s, Access.NONE)]
        if exceeding:
            return _("%(role)s has more rights than your own role there (%(sections)s).") % {
                "role": role.label,
                "sections": ", ".join(str(label) for label in exceeding),
            }
        return None

    def grantable_roles(self, roles: list[Role]) -> list[Role]:
        """Of these roles, those the manager may grant somewhere: below one of their user-managing roles."""
        if self.is_operator_staff:
            return roles
        return [role for role in roles if any(self.role_error(role, own) is None for own in self.managed.values())]

    def grantable_levels(self) -> list[str]:
        """The company levels at which the manager holds a user-managing role (all, for operator staff)."""
        return [
            level for level in COMPANY_LEVELS if self.is_operator_staff or any(lv == level for lv, _ in self.managed)
        ]

    def company_grant_error(self, level: str, company_id: int, role: Role) -> str | None:
        """Why this manager may not grant `role` at `level` on the company, or None."""
        if self.is_operator_staff:
            return None
        own = self.managed.get((level, company_id))
        if own is None:
            return _("You hold no user-managing role at this level for this company.")
        return self.role_error(role, own)

    def entity_grant_error(self, entity: BusinessEntity, role: Role) -> str | None:
        """Why this manager may not grant `role` on a single entity, or None."""
        if entity.instance_id != self.instance.pk:
            return _("This business entity belongs to another cockpit.")
        if self.is_operator_staff:
            return None
        access = entity_access(self.subject, entity)
        if access is None:
            # Never name an entity the manager cannot see: it reads like one that does not exist.
            return str(NO_SUCH_ENTITY)
        if not access.allows(Section.USERS, Access.EDIT):
            return _("Your role on %(entity)s does not manage users.") % {"entity": entity.name}
        return self.role_error(role, access.rights)

    def grant_in_reach(self, grant) -> bool:
        """Whether an existing grant is this manager's to change or remove: in reach and not above their own."""
        if isinstance(grant, CompanyGrant):
            return self.company_grant_error(grant.level, grant.company_id, grant.role) is None
        return self.entity_grant_error(grant.content_object, grant.role) is None

    def visible_entity_ids(self, ids: set[int]) -> set[int]:
        """Which of these entities the manager may see (and so name), in one resolution."""
        entities = list(BusinessEntity.objects.filter(instance=self.instance, pk__in=ids).only("pk", "instance"))
        if self.is_operator_staff:
            return {entity.pk for entity in entities}
        return {pk for pk, access in entities_access(self.subject, entities).items() if access is not None}

    def sees_entity(self, entity: BusinessEntity) -> bool:
        """Whether the manager may see, and so name, this entity (resolved with the request's other entities)."""
        return entity.instance_id == self.instance.pk and (
            self.is_operator_staff or entity_access(self.subject, entity) is not None
        )

    def entity_label(self, entity: BusinessEntity) -> str:
        """The entity's name where the manager sees it, else words that name nothing."""
        return entity.name if self.sees_entity(entity) else str(OUTSIDE_VIEW)

    def entity_grants_in_reach(self, holder_ids: set[int]) -> set[int]:
        """Of these people, those whose every role on a single entity is this manager's to change.

        The rule of entity_grant_error, asked of all their entities in one query: what
        decides the manager's access on each (holder, role) group's entities must manage
        users and outrank the role. A group the manager does not wholly see, or sees through a share, is refused.
        """
        if self.is_operator_staff:
            return set(holder_ids)
        decided = deciding_roles_on_grants(self.subject, self.instance, holder_ids)
        roles = Role.objects.in_bulk({role_id for _holder, role_id, _deciding in decided})
        rights = catalogue_rights(context_for(self.subject))
        refused = set()
        for holder, role_id, deciding in decided:
            if deciding is None or path_of(deciding[0]).source.cap is not None:
                # Unseen, or seen through a share: a share is never the manager's own cockpit, and a capped
                # role's rights are not its role's; either way not theirs to change.
                refused.add(holder)
                continue
            own = rights[deciding[1]]
            if own.get(Section.USERS, Access.NONE) < Access.EDIT or self.role_error(roles[role_id], own):
                refused.add(holder)
        return set(holder_ids) - refused

    def prime_entities(self, entities: list[BusinessEntity]) -> None:
        """Resolve the manager's access to many entities in one go (for lists of users)."""
        if not self.is_operator_staff:
            entities_access(self.subject, entities)


def manager_reach(actor: User, instance: Instance) -> Reach:
    """The actor's reach in the cockpit, in two queries; cached on the actor for the request."""
    subject = actor.access_subject()
    context = context_for(subject)
    cache = context.store("reach")
    if instance.pk not in cache:
        # Staff manage the cockpits of their own instance; a cockpit shared with them is not theirs to run.
        is_staff = actor.is_operator_staff and actor.company.instance_id == instance.pk
        managing = [grant for grant in held_company_grants(subject, instance) if grant.manages_users]
        rights = role_rights({grant.role_id for grant in managing}, context)
        managed = {(grant.level, grant.company.pk): rights[grant.role_id] for grant in managing}
        viewed = frozenset(
            (grant.level, grant.company.pk) for grant in held_company_grants(subject, instance) if grant.views_users
        )
        cache[instance.pk] = Reach(
            actor=actor, subject=subject, instance=instance, is_operator_staff=is_staff, managed=managed, viewed=viewed
        )
    return cache[instance.pk]


def user_manages_users(actor: User, instance: Instance) -> bool:
    """Whether the actor changes users here (and so may share the cockpit), from the grants the request reads anyway."""
    if actor.is_operator_staff and actor.company.instance_id == instance.pk:
        return True
    return any(grant.manages_users for grant in held_company_grants(actor.access_subject(), instance))


def user_views_users(actor: User, instance: Instance) -> bool:
    """Whether to offer User Management: managers, and those whose role views users (read-only)."""
    if actor.company.instance_id != instance.pk:
        return False
    if actor.is_operator_staff:
        return True
    return any(grant.views_users for grant in held_company_grants(actor.access_subject(), instance))


def require_manager(actor: User, instance: Instance) -> Reach:
    """The reach of a user manager; PermissionDenied (403) for everyone else of the cockpit.

    In a cockpit shared with them people have no management pages at all: Http404, as
    for any page that is not there for them.
    """
    if actor.company.instance_id != instance.pk:
        raise Http404("Managing users is not part of a share.")
    reach = manager_reach(actor, instance)
    if not reach.is_manager:
        raise PermissionDenied(NOT_A_MANAGER)
    return reach


def require_viewer(actor: User, instance: Instance) -> Reach:
    """The reach of someone who sees User Management (managers and view-only holders); else as require_manager."""
    if actor.company.instance_id != instance.pk:
        raise Http404("Managing users is not part of a share.")
    reach = manager_reach(actor, instance)
    if not reach.is_viewer:
        raise PermissionDenied(NOT_A_MANAGER)
    return reach


def access_listed_user(actor: User, instance: Instance, pk: int) -> tuple[User, Reach]:
    """A user the actor's User Management lists, to read: 403 for those who see no users, 404 for anyone else."""
    reach = require_viewer(actor, instance)
    target = (
        User.objects.filter(reach.listed_users(), pk=pk)
        .annotate(is_employee=reach.is_employee())
        .select_related("company", "all_entities_role")
        .prefetch_related("company_grants__role", "company_grants__company")
        .first()
    )
    if target is None:
        raise Http404("No such user.")
    return target, reach


def require_manageable_user(actor: User, instance: Instance, user: User) -> Reach:
    """The reach of a manager who may change this user; PermissionDenied (403) for everyone else."""
    reach = require_manager(actor, instance)
    if not user_can_manage_user(reach, user):
        raise PermissionDenied(USER_OUT_OF_REACH)
    return reach


def require_staff_over(actor: User, user: User) -> Reach:
    """Operator staff's reach over a person of any cockpit, for the Django admin; PermissionDenied for anyone else.

    Operator staff run every cockpit through the admin (docs/operations.md), while the cockpit's own
    User Management is for the cockpit they work in (manager_reach). Whom staff may change is the same
    rule in both: everyone but themselves and other staff.
    """
    reach = require_staff_in(actor, user.company.instance)
    if not user_can_manage_user(reach, user):
        raise PermissionDenied(USER_OUT_OF_REACH)
    return reach


def require_staff_in(actor: User, instance: Instance) -> Reach:
    """Operator staff's reach over any cockpit, for the Django admin (the whole cockpit, as in their own);
    PermissionDenied for anyone else."""
    if not actor.is_operator_staff:
        raise PermissionDenied(NOT_A_MANAGER)
    return Reach(actor=actor, subject=actor.access_subject(), instance=instance, is_operator_staff=True)


def manageable_people(reach: Reach, people: Iterable[User]) -> set[int]:
    """The ids of those of these people whom the manager may change or remove.

    Never themselves; operator staff manage everyone but other staff; other managers
    manage users of companies in their reach, never operator employees, and only
    while every role the user holds lies within their reach and does not outrank
    their own (else they could lock out or take over someone above them). The roles
    on single entities are checked for all the people at once, in a fixed number of
    queries however many they hold (Reach.entity_grants_in_reach).
    """
    standing = [person for person in people if _may_manage_standing(reach, person)]
    if reach.is_operator_staff:
        return {person.pk for person in standing}
    return reach.entity_grants_in_reach({person.pk for person in standing})


def _may_manage_standing(reach: Reach, target: User) -> bool:
    """The part of the rule read off the person and their (few) company roles."""
    if target.pk == reach.actor.pk or target.company.instance_id != reach.instance.pk:
        return False
    if reach.is_operator_staff:
        return not (target.is_superuser or target.is_staff)
    if target.is_operator_employee or not reach.includes_company(target.company_id):
        return False
    return all(reach.grant_in_reach(grant) for grant in target.company_grants.all())


def user_can_manage_user(reach: Reach, target: User) -> bool:
    """Whether the manager may change or remove this user (manageable_people, for one)."""
    return target.pk in manageable_people(reach, [target])


def access_managed_user(actor: User, instance: Instance, pk: int) -> tuple[User, Reach]:
    """A user the actor may manage: 403 for non-managers, 404 for anyone outside their reach or missing."""
    reach = require_manager(actor, instance)
    users = User.objects.select_related("company", "all_entities_role").prefetch_related(
        "company_grants__role", "company_grants__company"
    )
    target = users.filter(pk=pk).first()
    if target is None or not user_can_manage_user(reach, target):
        raise Http404("No such user.")
    return target, reach


def access_named_entity(reach: Reach, pk: int) -> BusinessEntity:
    """An entity of the cockpit a manager names (in a grant or an explanation); Http404 for one they cannot see.

    Ids are sequential, so an entity the manager cannot see must read exactly like one
    that does not exist, or its name would leak. Operator staff name any entity of the cockpit.
    """
    entity = (
        BusinessEntity.objects.select_related("owner", "service_provider", "customer")
        .filter(instance=reach.instance, pk=pk)
        .first()
    )
    if entity is None or not reach.sees_entity(entity):
        raise Http404("No such business entity.")
    return entity


def email_error(reach: Reach, email: str, *, user: User | None = None) -> ValidationError | None:
    """Why a manager may not give `user` (None: a new user) this email address, or None.

    Addresses are unique across all cockpits. Only a holder the manager could see in
    their own list is named as such (EMAIL_TAKEN_HERE_CODE); any other holder reads alike
    (EMAIL_NOT_USABLE_HERE_CODE: perhaps a person of another cockpit, whom a share
    reaches), so the answer never tells whether, or in which cockpit, the address has a
    login elsewhere.
    """
    # Emails are stored lower-case (User.save): the exact lookup uses the unique index, iexact would not.
    holders = User.objects.filter(email=email.strip().lower())
    holder = (holders.exclude(pk=user.pk) if user is not None else holders).first()
    if holder is None:
        return None
    if User.objects.filter(reach.listed_people(), pk=holder.pk).exists():
        return ValidationError(EMAIL_TAKEN_HERE % {"email": holder.email}, code=EMAIL_TAKEN_HERE_CODE)
    return ValidationError(EMAIL_NOT_USABLE_HERE, code=EMAIL_NOT_USABLE_HERE_CODE)


def access_external_user(actor: User, instance: Instance, pk: int) -> tuple[User, Reach]:
    """A user employed elsewhere who holds grants in the actor's reach: 403 for non-managers, 404 for anyone else."""
    reach = require_manager(actor, instance)
    target = (
        User.objects.filter(reach.externals(to_change=True), pk=pk)
        .select_related("company")
        .prefetch_related("company_grants__role", "company_grants__company", "entitygrant_set__role")
        .first()
    )
    if target is None:
        raise Http404("No such user.")
    return target, reach


def listed_external_company_grants(reach: Reach, user: User) -> list[CompanyGrant]:
    """The company grants of an external user at the companies whose users the actor sees: what the actor may read
    of them (their roles on single entities there: users.selectors.entity_grant_page, not to change)."""
    company_q, _entity_q = reach.grants_in_reach()
    return list(CompanyGrant.objects.filter(company_q, user=user).select_related("role", "company"))


def external_company_grants(reach: Reach, user: User) -> list[CompanyGrant]:
    """The company grants of an external user that lie in the manager's reach (their roles on single entities are
    listed page by page: users.selectors.entity_grant_page)."""
    company_q, _entity_q = reach.grants_in_reach(to_change=True)
    company_grants = CompanyGrant.objects.filter(company_q, user=user).select_related("role", "company")
    return [grant for grant in company_grants if reach.grant_in_reach(grant)]


def external_grants(reach: Reach, user: User) -> tuple[list[CompanyGrant], list[EntityGrant]]:
    """The grants of an external user that lie in the manager's reach: theirs to change or remove."""
    company_q, entity_q = reach.grants_in_reach(to_change=True)
    company_grants = list(CompanyGrant.objects.filter(company_q, user=user).select_related("role", "company"))
    entity_grants = list(EntityGrant.objects.filter(entity_q, user=user).select_related("role", "content_object"))
    reach.prime_entities([grant.content_object for grant in entity_grants])
    return (
        [grant for grant in company_grants if reach.grant_in_reach(grant)],
        [grant for grant in entity_grants if reach.grant_in_reach(grant)],
    )


def access_grant_holder(actor: User, instance: Instance, pk: int) -> tuple[User, Reach, bool]:
    """A person whose roles on single entities the actor changes, and whether they are external.

    A user the actor manages (all their roles), or an external user holding a role at the actor's
    companies (those roles): 403 for non-managers, 404 for anyone else, as their pages answer.
    """
    reach = require_manager(actor, instance)
    employed = User.objects.filter(pk=pk, company__instance=instance).values_list("company_id", flat=True).first()
    if employed is not None and (reach.is_operator_staff or reach.includes_company(employed)):
        target, reach = access_managed_user(actor, instance, pk)
        return target, reach, False
    target, reach = access_external_user(actor, instance, pk)
    return target, reach, True
