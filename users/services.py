"""Writes of User Management: managers create, edit and remove users within their reach; each one transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_create, user_update
from accounts.throttle import invitation_allowed
from entities.access import lowered_by_entity_grant
from entities.audit import audit_batch, audit_record
from entities.models import BusinessEntity, Company, CompanyGrant, EntityGrant, Instance, Role, Section
from entities.services import (
    company_grant_create,
    entity_grant_create,
    entity_grants_create,
    grant_change_role,
    grant_delete,
    grant_end_set,
)
from outbox.models import OutgoingMessage
from users.imports import ImportPlan
from users.permissions import (
    Reach,
    access_external_user,
    email_error,
    external_company_grants,
    external_grants,
    manageable_people,
    require_manageable_user,
    require_manager,
    require_staff_over,
)
from users.selectors import user_edit_version
from users.welcome import welcome_queue

CHAT_NEEDS_ROLE = _("Chat can only be switched on while one of the user's roles allows chat.")
SHOW_ALL_ONLY_BY_STAFF = _("Only operator staff may let a user see all business entities.")
COMPANY_OUT_OF_REACH = _("You cannot manage users of %(company)s.")
TOO_MANY_INVITATIONS = _("You have sent many invitations in the last hour; please wait before you send more.")
TOO_MANY_COMPANY_INVITATIONS = _(
    "Your company has sent many invitations in the last 24 hours; please wait until tomorrow, or ask operator "
    "staff to raise the limit."
)
EMAIL_FIXED_AFTER_FIRST_LOGIN = _(
    "The email address can only be changed until the user has chosen their own password; "
    "afterwards operator staff change it."
)
WELCOME_ONLY_FOR_ACTIVE = _(
    "This user has been removed; a welcome email could not let them log in. Operator staff can reactivate them."
)
WELCOME_ONLY_BEFORE_FIRST_LOGIN = _(
    "This user has already chosen their own password; if they forgot it, they use 'Forgot your password?'."
)
ONLY_STAFF_REACTIVATE = _("Only operator staff may reactivate a user.")
CHANGED_MEANWHILE = _(
    "Someone else changed this user while you were editing; nothing of yours was saved. "
    "The page now shows their current values: make your changes again."
)


LOWERS_RIGHTS = _(
    "On %(entity)s, %(user)s would have less than their other roles give them there (%(sections)s): "
    "a role on a single business entity decides alone."
)


class RightsLowered(ValidationError):
    """A save whose roles on single entities would give their holder less there than their other roles: not saved
    until the manager confirms (`lowering_confirmed`)."""


@dataclass(frozen=True)
class CompanyGrantRequest:
    level: str
    company: Company
    role: Role
    # The grant's first day without access (entities.access.rules.NOT_ENDED); None: no end.
    ends_on: date | None = None


@dataclass(frozen=True)
class EntityGrantRequest:
    entity: BusinessEntity
    role: Role
    ends_on: date | None = None


def require_invitation_allowed(actor: User) -> None:
    """Count one invitation (a welcome email or a share's) of this person, whatever page asks for it: refused beyond
    their hourly or their company's daily limit, counted where all workers count together (accounts.throttle)."""
    counted = invitation_allowed(actor_id=actor.pk, company_id=actor.company_id)
    if not counted.by_inviter:
        raise ValidationError(TOO_MANY_INVITATIONS, code="throttled")
    if not counted.by_company:
        raise ValidationError(TOO_MANY_COMPANY_INVITATIONS, code="throttled")


def _check_email(reach: Reach, email: str, user: User | None = None) -> None:
    error = email_error(reach, email, user=user)
    if error:
        raise ValidationError({"email": error})


@contextmanager
def _email_worded_for(reach: Reach, email: str, user: User | None = None) -> Iterator[None]:
    """A concurrent request may take the address between the check and the save: say so as the check would.

    The model's own message would tell that the address has a login somewhere, which the
    check words carefully (email_error); asked again, it now sees the committed holder.
    """
    try:
        yield
    except ValidationError as error:
        if "email" in getattr(error, "error_dict", {}):
            _check_email(reach, email, user)
        raise


def _check_profile(reach: Reach, *, company: Company, sees_all_entities: bool) -> None:
    if not reach.may_place_user_in(company):
        raise ValidationError({"company": ValidationError(COMPANY_OUT_OF_REACH, params={"company": company.name})})
    if sees_all_entities and not reach.is_operator_staff:
        raise ValidationError({"sees_all_entities": ValidationError(SHOW_ALL_ONLY_BY_STAFF)})


def _check_grants(reach: Reach, company_grants, entity_grants) -> None:
    errors = []
    for grant in company_grants:
        error = reach.company_grant_error(grant.level, grant.company.pk, grant.role)
        if error:
            errors.append(f"{grant.role.label} · {grant.company.name}: {error}")
    for grant in entity_grants:
        error = reach.entity_grant_error(grant.entity, grant.role)
        if error:
            errors.append(f"{grant.role.label} · {reach.entity_label(grant.entity)}: {error}")
    if errors:
        raise ValidationError(errors)


SHOW_ALL_FIELDS = ("sees_all_entities", "all_entities_role")


def _show_all_after_grants(profile: dict) -> dict:
    """Takes "show all" out of `profile` when it is being switched on, to be set once the grants are written.

    It needs a project-manager role on the operator's company (User.clean), which the
    same request may be granting; switched off, it goes first, with the profile.
    """
    if not profile.get("sees_all_entities"):
        return {}
    return {field: profile.pop(field) for field in SHOW_ALL_FIELDS if field in profile}


def _changed_entities(existing: list[EntityGrant], requested: list["EntityGrantRequest"]) -> list[BusinessEntity]:
    """The entities whose role the request gives anew or changes."""
    held = {grant.content_object_id: grant.role_id for grant in existing}
    return [request.entity for request in requested if held.get(request.entity.pk) != request.role.pk]


def _require_lowering_confirmed(reach: Reach, user: User, entities: list[BusinessEntity], confirmed: bool) -> None:
    """Asked once the grants are written, so the access rules see them: RightsLowered unless the manager confirmed."""
    if confirmed or not entities:
        return
    lowered = lowered_by_entity_grant(user.access_subject(), entities)
    if lowered:
        raise RightsLowered(
            [
                ValidationError(
                    LOWERS_RIGHTS,
                    code="lowers_rights",
                    params={
                        "entity": reach.entity_label(entity),
                        "user": user,
                        "sections": ", ".join(str(Section(section).label) for section in lowered[entity.pk]),
                    },
                )
                for entity in entities
                if entity.pk in lowered
            ]
        )


def _check_chat(*, chat_enabled: bool, roles: list[Role]) -> None:
    if chat_enabled and not any(role.chat_allowed for role in roles):
        raise ValidationError({"chat_enabled": ValidationError(CHAT_NEEDS_ROLE, code="chat_needs_role")})


@transaction.atomic
def user_invite(
    *,
    actor: User,
    instance: Instance,
    company_grants: list[CompanyGrantRequest],
    entity_grants: list[EntityGrantRequest],
    lowering_confirmed: bool = False,
    **profile,
) -> tuple[User, OutgoingMessage]:
    """Create a user with their roles, and email them a one-time temporary password once committed.

    RightsLowered, and nothing saved, when a role on a single entity would give them less
    there than their roles at the levels, unless `lowering_confirmed`.
    """
    reach = require_manager(actor, instance)
    _check_email(reach, profile["email"])
    _check_profile(reach, company=profile["company"], sees_all_entities=profile.get("sees_all_entities", False))
    _check_grants(reach, company_grants, entity_grants)
    roles = [g.role for g in company_grants] + [g.role for g in entity_grants] + [profile.get("all_entities_role")]
    _check_chat(chat_enabled=profile.get("chat_enabled", False), roles=[role for role in roles if role])
    show_all = _show_all_after_grants(profile)
    with _email_worded_for(reach, profile["email"]):
        user = user_create(actor=actor, **profile)
    for company_grant in company_grants:
        company_grant_create(
            actor=actor,
            user=user,
            level=company_grant.level,
            company=company_grant.company,
            role=company_grant.role,
            ends_on=company_grant.ends_on,
        )
    for entity_grant in entity_grants:
        entity_grant_create(
            actor=actor, user=user, entity=entity_grant.entity, role=entity_grant.role, ends_on=entity_grant.ends_on
        )
    if show_all:
        user_update(actor=actor, user=user, **show_all)
    _require_lowering_confirmed(reach, user, [request.entity for request in entity_grants], lowering_confirmed)
    # Counted last: a save that only asked for a confirmation sent nothing.
    require_invitation_allowed(actor)
    return user, welcome_queue(user)


def _replace_grants(
    *,
    actor: User,
    user: User,
    existing: tuple[list[CompanyGrant], list[EntityGrant]],
    company_grants: list[CompanyGrantRequest],
    entity_grants: list[EntityGrantRequest] | None,
) -> None:
    """Delete, change or create grants so that of `existing` the user holds exactly the requested ones (the roles on
    single entities left alone when `entity_grants` is None)."""
    existing_company, existing_entity = existing
    _replace_rows(
        actor=actor,
        existing=existing_company,
        key=lambda grant: (grant.level, grant.company_id),
        wanted={(request.level, request.company.pk): request for request in company_grants},
        create=lambda request: company_grant_create(
            actor=actor,
            user=user,
            level=request.level,
            company=request.company,
            role=request.role,
            ends_on=request.ends_on,
        ),
    )
    if entity_grants is None:
        return
    _replace_rows(
        actor=actor,
        existing=existing_entity,
        key=lambda grant: grant.content_object_id,
        wanted={request.entity.pk: request for request in entity_grants},
        create=lambda request: entity_grant_create(
            actor=actor, user=user, entity=request.entity, role=request.role, ends_on=request.ends_on
        ),
    )


def _replace_rows(*, actor: User, existing: list, key, wanted: dict, create) -> None:
    """Delete, change or create grants so that the user holds exactly the `wanted` requests (by `key`)."""
    wanted = dict(wanted)
    for grant in existing:
        request = wanted.pop(key(grant), None)
        if request is None:
            grant_delete(actor=actor, grant=grant)
            continue
        if request.role.pk != grant.role_id:
            grant_change_role(actor=actor, grant=grant, role=request.role)
        if request.ends_on != grant.ends_on:
            grant_end_set(actor=actor, grant=grant, ends_on=request.ends_on)
    for request in wanted.values():
        create(request)


def user_edit(
    *,
    actor: User,
    instance: Instance,
    user: User,
    company_grants: list[CompanyGrantRequest],
    entity_grants: list[EntityGrantRequest] | None,
    seen_version: str | None = None,
    lowering_confirmed: bool = False,
    **profile,
) -> tuple[User, OutgoingMessage | None]:
    """Change a user's profile and replace their roles, all in one transaction.

    `entity_grants` None leaves the roles on single entities as they are (the user page changes
    them row by row: entity_grants_give and its siblings).

    `seen_version` is user_edit_version() as the editing page showed it: when the user
    changed since, nothing is saved (ValidationError, code "changed_meanwhile").

    Only users whose every role lies within the manager's reach can be edited
    (user_can_manage_user), so the new roles replace the old ones entirely. When a
    change is refused, the row is as it was and so is `user`, read again once the
    transaction has rolled back. A new address before the first login gets a new
    temporary password (the one mailed to the old address stops working): the
    delivery is returned, else None. A new or changed role on a single entity that gives the
    user less there than their level roles is saved only when `lowering_confirmed`
    (RightsLowered otherwise).
    """
    try:
        return _user_edit(
            actor=actor,
            instance=instance,
            user=user,
            company_grants=company_grants,
            entity_grants=entity_grants,
            seen_version=seen_version,
            lowering_confirmed=lowering_confirmed,
            **profile,
        )
    except ValidationError:
        user.refresh_from_db()
        raise


@transaction.atomic
def _user_edit(
    *,
    actor: User,
    instance: Instance,
    user: User,
    company_grants,
    entity_grants,
    seen_version: str | None = None,
    lowering_confirmed: bool = False,
    **profile,
) -> tuple[User, OutgoingMessage | None]:
    # Locked first: of two managers saving at once, the second reads the first's result and is told.
    User.objects.select_for_update(of=("self",)).filter(pk=user.pk).get()
    reach = require_manageable_user(actor, instance, user)
    if seen_version is not None and seen_version != user_edit_version(user.pk):
        raise ValidationError(CHANGED_MEANWHILE, code="changed_meanwhile")
    _check_profile(
        reach,
        company=profile.get("company", user.company),
        sees_all_entities=profile.get("sees_all_entities", False),
    )
    _check_grants(reach, company_grants, entity_grants or [])
    # The stored address, not `user.email`: a bound ModelForm has already written the new one onto `user`.
    stored_email = User.objects.filter(pk=user.pk).values_list("email", flat=True).get()
    new_email = profile.get("email", stored_email).strip().lower()
    readdressed = new_email != stored_email
    if readdressed and not user.awaits_first_login:
        raise ValidationError({"email": ValidationError(EMAIL_FIXED_AFTER_FIRST_LOGIN)})
    if readdressed:
        _check_email(reach, new_email, user)
        require_invitation_allowed(actor)  # a new address gets the welcome email anew
    existing_company = list(CompanyGrant.objects.filter(user=user).select_related("role", "company"))
    if entity_grants is None:
        existing_entity: list[EntityGrant] = []
        entity_roles = list(Role.objects.filter(entity_grants__user=user).distinct())
    else:
        existing_entity = list(EntityGrant.objects.filter(user=user).select_related("role", "content_object"))
        entity_roles = [g.role for g in entity_grants]
    all_entities_role = profile.get("all_entities_role", user.all_entities_role)
    roles = [g.role for g in company_grants] + entity_roles + [all_entities_role]
    _check_chat(chat_enabled=profile.get("chat_enabled", user.chat_enabled), roles=[r for r in roles if r])

    show_all = _show_all_after_grants(profile)
    with _email_worded_for(reach, new_email, user):
        user_update(actor=actor, user=user, **profile)

    _replace_grants(
        actor=actor,
        user=user,
        existing=(existing_company, existing_entity),
        company_grants=company_grants,
        entity_grants=entity_grants,
    )
    if show_all:
        user_update(actor=actor, user=user, **show_all)
    _require_lowering_confirmed(
        reach, user, _changed_entities(existing_entity, entity_grants or []), lowering_confirmed
    )
    if not readdressed:
        return user, None
    # A password mailed to the old address stops working now, not when the new email leaves.
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.welcome_email_resent", target=user, subject_user=user, instance=instance)
    return user, welcome_queue(user)


ENTITY_OUTSIDE_YOUR_COMPANIES = _("An external user gets roles here only on business entities of your companies.")
HELD_BEYOND_YOUR_ROLE = _("%(user)s holds a role at %(company)s that outranks yours there; operator staff change it.")


@transaction.atomic
def external_grants_replace(
    *,
    actor: User,
    instance: Instance,
    user: User,
    company_grants: list[CompanyGrantRequest],
    entity_grants: list[EntityGrantRequest] | None,
    seen_version: str | None = None,
    lowering_confirmed: bool = False,
) -> User:
    """Change the grants an external user holds in the manager's reach, and nothing else of theirs (their roles on
    single entities left alone when `entity_grants` is None).

    Their profile, their employer and every grant outside the manager's reach stay as
    they are; an empty request removes the user's access to the manager's companies.
    `seen_version` as for user_edit: a change since the page was shown saves nothing.
    """
    # Locked first, as in user_edit: of two managers saving at once, the second is told.
    User.objects.select_for_update(of=("self",)).filter(pk=user.pk).get()
    access_external_user(actor, instance, user.pk)
    if seen_version is not None and seen_version != user_edit_version(user.pk):
        raise ValidationError(CHANGED_MEANWHILE, code="changed_meanwhile")
    reach = require_manager(actor, instance)
    _check_grants(reach, company_grants, entity_grants or [])
    in_reach_entity: list[EntityGrant] = []
    if entity_grants is None:
        in_reach_company = external_company_grants(reach, user)
    else:
        in_reach_company, in_reach_entity = external_grants(reach, user)
    changeable = {(grant.level, grant.company_id) for grant in in_reach_company}
    for request in company_grants:
        key = (request.level, request.company.pk)
        if (
            key not in changeable
            and CompanyGrant.objects.filter(user=user, level=key[0], company=request.company).exists()
        ):
            raise ValidationError(HELD_BEYOND_YOUR_ROLE, params={"user": user, "company": request.company.name})
    requested = {entity_request.entity.pk for entity_request in entity_grants or []}
    reachable = set(
        BusinessEntity.objects.filter(reach.entities_in_reach(to_change=True), pk__in=requested).values_list(
            "pk", flat=True
        )
    )
    if requested - reachable:
        # The manager may edit users on such an entity through a role there, but it is not at their
        # companies: the grant would be theirs to make and never theirs to see again here.
        raise ValidationError(ENTITY_OUTSIDE_YOUR_COMPANIES)
    changeable_entities = {grant.content_object_id for grant in in_reach_entity}
    for entity_request in entity_grants or []:
        entity = entity_request.entity
        if (
            entity.pk not in changeable_entities
            and EntityGrant.objects.filter(user=user, content_object=entity).exists()
        ):
            raise ValidationError(HELD_BEYOND_YOUR_ROLE, params={"user": user, "company": reach.entity_label(entity)})
    _replace_grants(
        actor=actor,
        user=user,
        existing=(in_reach_company, in_reach_entity),
        company_grants=company_grants,
        entity_grants=entity_grants,
    )
    _require_lowering_confirmed(
        reach, user, _changed_entities(in_reach_entity, entity_grants or []), lowering_confirmed
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, instance: Instance, user: User) -> User:
    """Remove a user from the cockpit: the login stops working at once, the history stays."""
    require_manageable_user(actor, instance, user)
    if user.is_active:
        _deactivate(actor=actor, action="user.deactivated", instance=instance, user=user)
    return user


@transaction.atomic
def user_deactivate_inactive(*, instance: Instance, user: User, idle_days: int, limit: int) -> bool:
    """The system removes a person of the cockpit who has not signed in for `idle_days` days, at or past the
    cockpit's `limit` (users.inactivity decides when); reactivation undoes it as any removal.

    False, changing nothing, when they signed in (or were removed) since `user` was read.
    """
    locked = (
        User.objects.select_for_update()
        .filter(pk=user.pk, company__instance=instance, is_active=True, last_login=user.last_login)
        .first()
    )
    if locked is None:
        return False
    _deactivate(
        actor=None,
        action="user.deactivated_inactive",
        instance=instance,
        user=locked,
        changes={"days_without_sign_in": (None, idle_days), "inactivity_limit": (None, limit)},
    )
    return True


def _deactivate(
    *, actor: User | None, action: str, instance: Instance, user: User, changes: dict[str, tuple] | None = None
) -> None:
    user.is_active = False
    # A new password hash invalidates every session at once (Django checks it per request),
    # and stays invalid if the user is reactivated.
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    audit_record(
        actor=actor,
        action=action,
        target=user,
        subject_user=user,
        instance=instance,
        changes={"is_active": (True, False), **(changes or {})},
    )


@transaction.atomic
def user_reactivate(*, actor: User, instance: Instance, user: User) -> OutgoingMessage | None:
    """Operator staff bring a removed user back, with a new temporary password by email.

    None when the user is active already (a second click): nothing changes, nothing is sent.
    """
    reach = require_manageable_user(actor, instance, user)
    if not reach.is_operator_staff:
        raise PermissionDenied(ONLY_STAFF_REACTIVATE)
    if user.is_active:
        return None
    require_invitation_allowed(actor)
    user.is_active = True
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    audit_record(
        actor=actor,
        action="user.reactivated",
        target=user,
        subject_user=user,
        instance=instance,
        changes={"is_active": (False, True)},
    )
    return welcome_queue(user)


@transaction.atomic
def welcome_email_resend(*, actor: User, instance: Instance, user: User) -> OutgoingMessage:
    """Issue a new temporary password (the old one stops working) and email it again."""
    require_manageable_user(actor, instance, user)
    return _welcome_email_resend(actor=actor, instance=instance, user=user)


@transaction.atomic
def welcome_email_resend_by_staff(*, actor: User, user: User) -> OutgoingMessage:
    """The same for operator staff in the Django admin, whichever cockpit the person belongs to."""
    require_staff_over(actor, user)
    return _welcome_email_resend(actor=actor, instance=user.company.instance, user=user)


def _welcome_email_resend(*, actor: User, instance: Instance, user: User) -> OutgoingMessage:
    if not user.is_active:
        raise ValidationError(WELCOME_ONLY_FOR_ACTIVE, code="removed")
    if not user.awaits_first_login:
        # A new password for someone who already has their own would hand their account to the sender.
        raise ValidationError(WELCOME_ONLY_BEFORE_FIRST_LOGIN, code="already_active")
    require_invitation_allowed(actor)
    audit_record(actor=actor, action="user.welcome_email_resent", target=user, subject_user=user, instance=instance)
    return welcome_queue(user)


@transaction.atomic
def users_export_recorded(*, actor: User, instance: Instance, filters: dict[str, str]) -> None:
    """A list of users with their roles left the cockpit as a file: who, when, with which filters."""
    audit_record(
        actor=actor,
        action="users.exported",
        target=instance,
        instance=instance,
        params={"filters": {key: value[:100] for key, value in filters.items() if key != "page"}},
    )


# --- a person's roles on single entities, row by row (the user page's list) ----------------------------------

# The most entities one action gives a role on: a page's selection, or "all matching" a search.
ENTITY_GRANTS_PER_ACTION = 1000
TOO_MANY_ENTITIES = _(
    "At most %(limit)s business entities at once; narrow the search or give the role at a company level instead."
)
NOTHING_CHOSEN = _("Choose at least one business entity.")
GRANT_NOT_YOURS = _("You cannot change the role of %(user)s on %(entity)s: it outranks your own there.")


def _grant_holder(actor: User, instance: Instance, user: User) -> tuple[Reach, bool]:
    """The manager's reach over the person whose entity roles change, and whether the person is external.

    The person's row is locked first, as in user_edit: of two managers changing them at once, the
    second reads the first's result. A user they manage: every role of theirs; an external user
    holding a role in their reach: the roles at their companies (access_external_user).
    """
    User.objects.select_for_update(of=("self",)).filter(pk=user.pk).get()
    reach = require_manager(actor, instance)
    if reach.is_operator_staff or reach.includes_company(user.company_id):
        require_manageable_user(actor, instance, user)
        return reach, False
    access_external_user(actor, instance, user.pk)
    return reach, True


def _check_external_entities(reach: Reach, entities: list[BusinessEntity]) -> None:
    ids = {entity.pk for entity in entities}
    reachable = BusinessEntity.objects.filter(reach.entities_in_reach(to_change=True), pk__in=ids).count()
    if reachable != len(ids):
        raise ValidationError(ENTITY_OUTSIDE_YOUR_COMPANIES)


def _check_chat_kept(user: User) -> None:
    """Chat stays on only while one of the person's roles allows it (as when the profile is saved)."""
    if not user.chat_enabled:
        return
    roles = [*Role.objects.filter(company_grants__user=user), *Role.objects.filter(entity_grants__user=user)]
    _check_chat(chat_enabled=True, roles=[*roles, *([user.all_entities_role] if user.all_entities_role else [])])


@transaction.atomic
def entity_grants_give(
    *,
    actor: User,
    instance: Instance,
    user: User,
    entities: list[BusinessEntity],
    role: Role,
    ends_on: date | None = None,
    lowering_confirmed: bool = False,
) -> int:
    """Give the person `role` on each of `entities` (a new grant, or the role of one they hold there changed), until
    `ends_on` if given (a role they hold there already gets that end too).

    Every entity is checked as a single grant is (Reach.entity_grant_error): the manager's own
    role there manages users and the role does not outrank it. Nothing is written unless all pass.
    Returns how many grants were made or changed.
    """
    if not entities:
        raise ValidationError(NOTHING_CHOSEN, code="nothing_chosen")
    if len(entities) > ENTITY_GRANTS_PER_ACTION:
        raise ValidationError(TOO_MANY_ENTITIES, code="too_many", params={"limit": ENTITY_GRANTS_PER_ACTION})
    reach, external = _grant_holder(actor, instance, user)
    reach.prime_entities(entities)
    _check_grants(reach, [], [EntityGrantRequest(entity, role) for entity in entities])
    if external:
        _check_external_entities(reach, entities)
    held = {
        grant.content_object_id: grant
        for grant in EntityGrant.objects.filter(user=user, content_object__in=entities).select_related(
            "role", "content_object"
        )
    }
    changed: list[BusinessEntity] = []
    for grant in held.values():
        moves_end = ends_on is not None and grant.ends_on != ends_on
        if (grant.role_id != role.pk or moves_end) and not reach.grant_in_reach(grant):
            raise ValidationError(
                GRANT_NOT_YOURS, params={"user": user, "entity": reach.entity_label(grant.content_object)}
            )
        if grant.role_id != role.pk:
            grant_change_role(actor=actor, grant=grant, role=role)
            changed.append(grant.content_object)
        if moves_end:
            grant_end_set(actor=actor, grant=grant, ends_on=ends_on)
    new = [entity for entity in entities if entity.pk not in held]
    entity_grants_create(actor=actor, user=user, entities=new, role=role, ends_on=ends_on)
    changed += new
    _require_lowering_confirmed(reach, user, changed, lowering_confirmed)
    return len(changed)


def _held_in_reach(reach: Reach, user: User, grant_ids: list[int], *, external: bool) -> list[EntityGrant]:
    """The person's grants of these ids, each the manager's to change; Http404 names none that is not theirs."""
    if not grant_ids:
        raise ValidationError(NOTHING_CHOSEN, code="nothing_chosen")
    if len(grant_ids) > ENTITY_GRANTS_PER_ACTION:
        raise ValidationError(TOO_MANY_ENTITIES, code="too_many", params={"limit": ENTITY_GRANTS_PER_ACTION})
    grants = list(
        EntityGrant.objects.filter(user=user, pk__in=grant_ids, content_object__instance=reach.instance)
        .select_related("role", "content_object")
        .order_by("pk")
    )
    if external:
        reachable = set(
            BusinessEntity.objects.filter(
                reach.entities_in_reach(to_change=True), pk__in=[grant.content_object_id for grant in grants]
            ).values_list("pk", flat=True)
        )
        grants = [grant for grant in grants if grant.content_object_id in reachable]
    if len(grants) != len(set(grant_ids)):
        # Another person's grant, one of another cockpit, or one outside an external's companies: as if missing.
        raise Http404("No such role on a business entity.")
    reach.prime_entities([grant.content_object for grant in grants])
    for grant in grants:
        if not reach.grant_in_reach(grant):
            raise ValidationError(
                GRANT_NOT_YOURS, params={"user": user, "entity": reach.entity_label(grant.content_object)}
            )
    return grants


@transaction.atomic
def entity_grants_change_role(
    *,
    actor: User,
    instance: Instance,
    user: User,
    grant_ids: list[int],
    role: Role,
    lowering_confirmed: bool = False,
) -> int:
    """Give the person `role` in place of the role of each of these grants; each checked as a new grant would be."""
    reach, external = _grant_holder(actor, instance, user)
    grants = _held_in_reach(reach, user, grant_ids, external=external)
    _check_grants(reach, [], [EntityGrantRequest(grant.content_object, role) for grant in grants])
    changed = [grant for grant in grants if grant.role_id != role.pk]
    for grant in changed:
        grant_change_role(actor=actor, grant=grant, role=role)
    _check_chat_kept(user)
    _require_lowering_confirmed(reach, user, [grant.content_object for grant in changed], lowering_confirmed)
    return len(changed)


@transaction.atomic
def entity_grants_end_set(
    *, actor: User, instance: Instance, user: User, grant_ids: list[int], ends_on: date | None
) -> int:
    """Give these roles on single entities an end date, move it, or take it away (None); each audited."""
    reach, external = _grant_holder(actor, instance, user)
    grants = _held_in_reach(reach, user, grant_ids, external=external)
    moved = [grant for grant in grants if grant.ends_on != ends_on]
    for grant in moved:
        grant_end_set(actor=actor, grant=grant, ends_on=ends_on)
    return len(moved)


@transaction.atomic
def entity_grants_remove(*, actor: User, instance: Instance, user: User, grant_ids: list[int]) -> int:
    """Take these roles on single entities from the person; each audited."""
    reach, external = _grant_holder(actor, instance, user)
    grants = _held_in_reach(reach, user, grant_ids, external=external)
    for grant in grants:
        grant_delete(actor=actor, grant=grant)
    _check_chat_kept(user)
    return len(grants)


# --- bulk actions on the user list --------------------------------------------------------------------------

# The most people one bulk action changes (the list's "all matching" included).
PEOPLE_PER_BATCH = 1000
TOO_MANY_PEOPLE = _("At most %(limit)s people at once; narrow the list with its filters.")
NOBODY_CHOSEN = _("Choose at least one person.")


class BulkKind(models.TextChoices):
    GIVE_ROLE = "give_role", _("Give or change a role")
    REMOVE_ROLE = "remove_role", _("Remove their role")
    DEACTIVATE = "deactivate", _("Remove (deactivate) them")
    RESEND_WELCOME = "resend_welcome", _("Send the welcome email again")
    REQUIRE_SECOND_FACTOR = "require_second_factor", _("Require a second factor")


@dataclass(frozen=True)
class BulkAction:
    """One action for every chosen person: a role at (level, company) to give or take, or one of the others."""

    kind: str
    level: str = ""
    company: Company | None = None
    role: Role | None = None
    # For a role given: its end date (None: none; a role held already keeps its own end).
    ends_on: date | None = None


@dataclass(frozen=True)
class BulkResult:
    batch: str
    changed: int
    unchanged: int


@transaction.atomic
def users_bulk_apply(*, actor: User, instance: Instance, user_ids: list[int], action: BulkAction) -> BulkResult:
    """Apply one action to every chosen person in one transaction, every audit entry carrying the batch's id.

    Each person must be one the manager may change (manageable_people): one who is not, or who is not
    there, makes the whole batch answer 404 and change nothing. People the action does not concern (a role
    they do not hold, a welcome email after their first sign-in) stay as they are and are counted.
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        raise ValidationError(NOBODY_CHOSEN, code="nobody")
    if len(ids) > PEOPLE_PER_BATCH:
        raise ValidationError(TOO_MANY_PEOPLE, code="too_many", params={"limit": PEOPLE_PER_BATCH})
    reach = require_manager(actor, instance)
    # Locked in id order, as user_edit locks one: two batches over the same people wait for each other.
    list(User.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk").values_list("pk"))
    people = list(
        User.objects.filter(pk__in=ids, company__instance=instance)
        .select_related("company", "all_entities_role")
        .prefetch_related("company_grants__role", "company_grants__company")
        .order_by("pk")
    )
    if len(people) != len(ids) or manageable_people(reach, people) != set(ids):
        raise Http404("No such user.")
    if action.kind in (BulkKind.GIVE_ROLE, BulkKind.REMOVE_ROLE):
        if action.company is None or not action.level:
            raise ValidationError(_("Choose the level and the company."), code="incomplete")
        if action.kind == BulkKind.GIVE_ROLE:
            if action.role is None:
                raise ValidationError(_("Choose the role."), code="incomplete")
            error = reach.company_grant_error(action.level, action.company.pk, action.role)
            if error:
                raise ValidationError(error, code="out_of_reach")
    changed = 0
    with audit_batch() as batch:
        for person in people:
            changed += _bulk_one(actor, instance, reach, person, action)
    return BulkResult(batch=batch, changed=changed, unchanged=len(people) - changed)


def _bulk_one(actor: User, instance: Instance, reach: Reach, person: User, action: BulkAction) -> int:
    """The action for one person: 1 when it changed them, 0 when it does not concern them."""
    if action.kind == BulkKind.DEACTIVATE:
        if not person.is_active:
            return 0
        user_deactivate(actor=actor, instance=instance, user=person)
        return 1
    if action.kind == BulkKind.RESEND_WELCOME:
        if not person.awaits_first_login:
            return 0
        welcome_email_resend(actor=actor, instance=instance, user=person)
        return 1
    if action.kind == BulkKind.REQUIRE_SECOND_FACTOR:
        if person.otp_required:
            return 0
        user_update(actor=actor, user=person, otp_required=True)
        return 1
    company, role = action.company, action.role
    assert company is not None  # users_bulk_apply checked the action
    held = next((g for g in person.company_grants.all() if (g.level, g.company_id) == (action.level, company.pk)), None)
    if action.kind == BulkKind.REMOVE_ROLE:
        if held is None:
            return 0
        grant_delete(actor=actor, grant=held)
        _check_chat_kept(person)
        return 1
    assert role is not None
    if held is not None:
        moves_end = action.ends_on is not None and held.ends_on != action.ends_on
        if held.role_id == role.pk and not moves_end:
            return 0
        if held.role_id != role.pk:
            grant_change_role(actor=actor, grant=held, role=role)
        if moves_end:
            grant_end_set(actor=actor, grant=held, ends_on=action.ends_on)
        return 1
    company_grant_create(
        actor=actor, user=person, level=action.level, company=company, role=role, ends_on=action.ends_on
    )
    return 1


# --- importing people from a CSV file ---------------------------------------------------------------------

IMPORT_HAS_ERRORS = _("The file has errors; nothing was saved. Correct the lines named and upload it again.")


@dataclass(frozen=True)
class ImportResult:
    batch: str
    created: int
    changed: int
    unchanged: int


@transaction.atomic
def people_import(*, actor: User, instance: Instance, plan: ImportPlan) -> ImportResult:
    """Create the plan's new people with their roles (welcome emails queued) and add roles to those who exist, in
    one transaction and one audit batch; nothing at all while any line has an error.

    Every person goes through the same services and checks as one made by hand (user_invite, the grant
    rules, the manager's reach, the invitation limits); one refusal rolls the whole file back.
    """
    if plan.saves_nothing:
        raise ValidationError(IMPORT_HAS_ERRORS, code="has_errors")
    created = changed = 0
    with audit_batch() as batch:
        for person in plan.people:
            requests = [CompanyGrantRequest(role.level, role.company, role.role, role.ends_on) for role in person.roles]
            if person.existing is None:
                user_invite(
                    actor=actor,
                    instance=instance,
                    company_grants=requests,
                    entity_grants=[],
                    email=person.email,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    company=person.company,
                    language=person.language,
                    mobile_phone=person.mobile_phone,
                )
                created += 1
            elif requests:
                reach = require_manageable_user(actor, instance, person.existing)
                _check_grants(reach, requests, [])
                for request in requests:
                    company_grant_create(
                        actor=actor,
                        user=person.existing,
                        level=request.level,
                        company=request.company,
                        role=request.role,
                        ends_on=request.ends_on,
                    )
                changed += 1
    return ImportResult(batch=batch, created=created, changed=changed, unchanged=len(plan.people) - created - changed)
