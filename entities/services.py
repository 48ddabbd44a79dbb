"""Writes to cockpits, companies, entities, roles and grants: each one transaction, each told who acts, each audited."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from core.integrity import save_unique
from core.registry import Registry
from core.tasks import enqueue_at
from entities.audit import audit_entry, audit_record, audit_records, diff
from entities.models import (
    Access,
    BusinessEntity,
    Capability,
    ChatMessage,
    Company,
    CompanyGrant,
    EntityGrant,
    Instance,
    Level,
    ProjectForm,
    QualityFeedback,
    Role,
    SectionSettings,
    TourActivity,
)
from entities.models.grants import validate_grant

ModelT = TypeVar("ModelT", bound=models.Model)

ONE_ROLE_PER_ENTITY = _("The user already has a role on one of these business entities; nothing was given.")

INSTANCE_AUDITED_FIELDS = ("slug", "name", "is_active")
COMPANY_AUDITED_FIELDS = ("instance", "name", "is_operator")
BUSINESS_ENTITY_AUDITED_FIELDS = (
    "instance",
    "name",
    "address",
    "project_form",
    "owner",
    "service_provider",
    "customer",
)
ROLE_AUDITED_FIELDS = (
    "code",
    "name",
    "usage",
    "description",
    "name_de",
    "usage_de",
    "description_de",
    "chat_allowed",
    "is_operator_only",
    "is_special",
    "is_project_manager",
    "entity_scope",
    "position",
)


def _snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict:
    """The audited fields as people read them: related objects and choice labels rather than ids and codes."""
    values = {}
    for name in fields:
        has_choices = bool(getattr(obj._meta.get_field(name), "choices", None))
        values[name] = getattr(obj, f"get_{name}_display")() if has_choices else getattr(obj, name)
    return values


def _audited_save(*, actor: AbstractBaseUser | None, obj: ModelT, fields: tuple[str, ...], action: str) -> ModelT:
    """Validate and store `obj`, and record `<action>.created` or `<action>.changed` with the fields that changed.

    The entry is filed under the cockpit the object belongs to; roles belong to none.
    """
    obj.full_clean()
    relations = [name for name in fields if obj._meta.get_field(name).is_relation]
    stored = type(obj)._default_manager.select_related(*relations).filter(pk=obj.pk).first() if obj.pk else None
    before = _snapshot(stored, fields) if stored else {}
    obj.save()
    changes = diff(before, _snapshot(obj, fields))
    if stored is None or changes:
        audit_record(
            actor=actor,
            action=f"{action}.created" if stored is None else f"{action}.changed",
            target=obj,
            instance=obj if isinstance(obj, Instance) else getattr(obj, "instance", None),
            changes=changes,
        )
    return obj


def _cockpit_of(obj: models.Model) -> Instance | None:
    """The cockpit an object belongs to, as its audit entry is filed; None for what belongs to all (a role)."""
    if isinstance(obj, Instance):
        return obj
    if hasattr(obj, "instance"):
        return obj.instance
    company = getattr(obj, "company", None)
    return company.instance if isinstance(company, Company) else None


@transaction.atomic
def admin_objects_delete(*, actor: AbstractBaseUser | None, objects: Iterable[models.Model]) -> None:
    """Delete what operator staff delete in the Django admin, each audited: a deletion (and what it takes with it)
    changes access, so it moves the cockpit's access version on like every other change (entities.audit)."""
    for obj in objects:
        audit_record(
            actor=actor,
            action="object.deleted",
            target=obj,
            instance=_cockpit_of(obj),
            params={"type": obj._meta.label},
        )
        obj.delete()


@transaction.atomic
def instance_save(*, actor: AbstractBaseUser | None, instance: Instance) -> Instance:
    """Validate and store a new or changed instance (cockpit)."""
    return _audited_save(actor=actor, obj=instance, fields=INSTANCE_AUDITED_FIELDS, action="instance")


@transaction.atomic
def company_save(*, actor: AbstractBaseUser | None, company: Company) -> Company:
    """Validate and store a new or changed company; names are unique per instance regardless of case."""
    _audited_save(actor=actor, obj=company, fields=COMPANY_AUDITED_FIELDS, action="company")
    # Entities keep a copy of their owner's operator flag for the access indexes.
    BusinessEntity.objects.filter(owner=company).exclude(is_operator_entity=company.is_operator).update(
        is_operator_entity=company.is_operator
    )
    return company


def company_create(
    *, actor: AbstractBaseUser | None, instance: Instance, name: str, is_operator: bool = False
) -> Company:
    """Register a company in an instance."""
    return company_save(actor=actor, company=Company(instance=instance, name=name.strip(), is_operator=is_operator))


@transaction.atomic
def business_entity_save(*, actor: AbstractBaseUser | None, entity: BusinessEntity) -> BusinessEntity:
    """Validate and store a new or changed business entity (its companies must be of its instance)."""
    return _audited_save(actor=actor, obj=entity, fields=BUSINESS_ENTITY_AUDITED_FIELDS, action="entity")


def business_entity_create(
    *,
    actor: AbstractBaseUser | None,
    instance: Instance,
    name: str,
    owner: Company,
    service_provider: Company,
    customer: Company,
    address: str = "",
    project_form: str = ProjectForm.STANDARD,
) -> BusinessEntity:
    """Create a business entity; a company of another instance is a ValidationError and saves nothing."""
    entity = BusinessEntity(
        instance=instance,
        name=name.strip(),
        address=address.strip(),
        project_form=project_form,
        owner=owner,
        service_provider=service_provider,
        customer=customer,
    )
    return business_entity_save(actor=actor, entity=entity)


@transaction.atomic
def role_save(*, actor: AbstractBaseUser | None, role: Role) -> Role:
    """Validate and store a new or changed role of the catalogue; roles are global, so no instance is recorded."""
    return _audited_save(actor=actor, obj=role, fields=ROLE_AUDITED_FIELDS, action="role")


def _access_label(access: int | None) -> str | None:
    return None if access is None else str(Access(access).label)


@transaction.atomic
def role_capabilities_set(*, actor: AbstractBaseUser | None, role: Role, rights: Mapping[str, int | None]) -> Role:
    """Give a role the access `rights` maps each section to (None removes the section's row).

    Sections left out keep their rights. The matrix change is one audit entry, before → after
    per section; a right that is invalid refuses the whole change.
    """
    stored = {capability.section: capability for capability in role.capabilities.select_for_update()}
    changes = {}
    for section, access in rights.items():
        capability = stored.get(section)
        before = capability.access if capability else None
        if before == access:
            continue
        if access is None and capability is not None:
            capability.delete()
        elif access is not None:
            capability = capability or Capability(role=role, section=section)
            capability.access = access
            capability.full_clean()
            capability.save()
        changes[section] = (_access_label(before), _access_label(access))
    if changes:
        audit_record(actor=actor, action="role.capabilities_changed", target=role, changes=changes)
    return role


def hold_role_permission() -> Permission:
    """The django-guardian permission every entity grant carries; the grant's role says which rights."""
    return Permission.objects.get(content_type__app_label="entities", codename="hold_role")


def _grant_audit(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    grant: CompanyGrant | EntityGrant,
    role_change=None,
    changes: dict[str, tuple] | None = None,
    extra_params: dict | None = None,
):
    """Who got which role where, as codes and ids: each reader sees it in their language and view."""
    target: Company | BusinessEntity
    if isinstance(grant, CompanyGrant):
        target, params = grant.company, {"level": grant.level, "company": grant.company_id}
    else:
        target, params = grant.content_object, {"level": Level.ENTITY, "entity": grant.content_object_id}
    changes = dict(changes or {})
    if role_change is not None:
        before, after = role_change
        changes["role"] = (before.code if before else None, after.code if after else None)
    audit_record(
        actor=actor,
        action=action,
        target=grant,
        subject_user=grant.user,
        instance=target.instance,
        changes=changes,
        params={**params, **(extra_params or {})},
    )


def _grant_store(*, actor: AbstractBaseUser | None, grant):
    grant.full_clean()
    save_unique(grant)
    ends = {"ends_on": (None, grant.ends_on.isoformat())} if grant.ends_on else {}
    _grant_audit(actor=actor, action="grant.created", grant=grant, role_change=(None, grant.role), changes=ends)
    grant_end_schedule(grant)
    return grant


@transaction.atomic
def company_grant_create(
    *,
    actor: AbstractBaseUser | None,
    user,
    level: str,
    company: Company,
    role: Role,
    ends_on: date | None = None,
) -> CompanyGrant:
    """Give a user a role at a level on a company: one row, whatever the number of entities."""
    grant = CompanyGrant(user=user, level=level, company=company, role=role, ends_on=ends_on)
    if actor is not None and actor.is_authenticated:
        grant.granted_by_id = actor.pk
    return _grant_store(actor=actor, grant=grant)


@transaction.atomic
def entity_grant_create(
    *, actor: AbstractBaseUser | None, user, entity: BusinessEntity, role: Role, ends_on: date | None = None
) -> EntityGrant:
    """Give a user a role on one business entity (a django-guardian object permission)."""
    grant = EntityGrant(user=user, content_object=entity, role=role, permission=hold_role_permission(), ends_on=ends_on)
    if actor is not None and actor.is_authenticated:
        grant.granted_by_id = actor.pk
    return _grant_store(actor=actor, grant=grant)


@transaction.atomic
def entity_grants_create(
    *,
    actor: AbstractBaseUser | None,
    user,
    entities: list[BusinessEntity],
    role: Role,
    ends_on: date | None = None,
) -> list[EntityGrant]:
    """Give a user one role on many business entities in one statement, each grant held to the rules every grant
    obeys (validate_grant) and audited with an entry of its own, as entity_grant_create does one by one.

    The caller locks the user's row and passes only entities the user holds no role on; one they
    hold meanwhile all the same fails the whole call with the rule's own message.
    """
    permission = hold_role_permission()
    giver = actor.pk if actor is not None and actor.is_authenticated else None
    instances = Instance.objects.in_bulk({entity.instance_id for entity in entities})
    grants = []
    for entity in entities:
        validate_grant(
            user=user, role=role, instance_id=entity.instance_id, target=entity, level=Level.ENTITY, ends_on=ends_on
        )
        grants.append(
            EntityGrant(
                user=user,
                content_object=entity,
                role=role,
                permission=permission,
                granted_by_id=giver,
                ends_on=ends_on,
            )
        )
    try:
        with transaction.atomic():
            EntityGrant.objects.bulk_create(grants, batch_size=500)
    except IntegrityError:
        raise ValidationError(ONE_ROLE_PER_ENTITY, code="unique") from None
    audit_records(
        [
            audit_entry(
                actor=actor,
                action="grant.created",
                target=grant,
                subject_user=user,
                instance=instances[grant.content_object.instance_id],
                changes={"role": (None, role.code), **({"ends_on": (None, ends_on.isoformat())} if ends_on else {})},
                params={"level": Level.ENTITY, "entity": grant.content_object_id},
            )
            for grant in grants
        ]
    )
    for grant in grants:
        grant_end_schedule(grant)
    return grants


@transaction.atomic
def grant_change_role(*, actor: AbstractBaseUser | None, grant: CompanyGrant | EntityGrant, role: Role):
    """Replace the role of a grant; takes effect on the user's next request."""
    before = grant.role
    grant.role = role
    try:
        grant.full_clean()
    except ValidationError:
        grant.role = before
        raise
    grant.save(update_fields=["role"])
    _grant_audit(actor=actor, action="grant.changed", grant=grant, role_change=(before, role))
    return grant


@transaction.atomic
def grant_end_set(*, actor: AbstractBaseUser | None, grant: CompanyGrant | EntityGrant, ends_on: date | None):
    """Give a grant an end date, move it or take it away (None): from 00:00 of that day the rules ignore it, and
    the worker removes it then (entities.grant_ends)."""
    before = grant.ends_on
    if before == ends_on:
        return grant
    grant.ends_on = ends_on
    try:
        grant.full_clean()
    except ValidationError:
        grant.ends_on = before
        raise
    grant.save(update_fields=["ends_on"])
    _grant_audit(
        actor=actor,
        action="grant.end_set",
        grant=grant,
        changes={"ends_on": (before.isoformat() if before else None, ends_on.isoformat() if ends_on else None)},
    )
    grant_end_schedule(grant)
    return grant


def _grant_kind(grant: CompanyGrant | EntityGrant) -> str:
    return "company" if isinstance(grant, CompanyGrant) else "entity"


# What a higher app does a week before a grant ends, each registered from its AppConfig.ready() (users: an email
# to the person and to whoever gave the grant).
GRANT_END_NOTICES: Registry[str, Callable[[CompanyGrant | EntityGrant], None]] = Registry("grant end notices")
NOTICE_DAYS_BEFORE_END = 7
NOTICE_HOUR = time(8)


def grant_end_schedule(grant: CompanyGrant | EntityGrant) -> None:
    """Have the worker tell of the grant's end a week before (08:00) and remove it when its end date comes (00:00),
    in the cockpit's time; called wherever a grant gets or changes its end. A task whose date has moved meanwhile
    finds nothing due and does nothing; an end set less than a week ahead is told of at once."""
    if grant.ends_on is None:
        return
    args = (_grant_kind(grant), grant.pk, grant.ends_on.isoformat())
    enqueue_at(grant_end_record, timezone.make_aware(datetime.combine(grant.ends_on, time.min)), *args)
    notice = datetime.combine(grant.ends_on - timedelta(days=NOTICE_DAYS_BEFORE_END), NOTICE_HOUR)
    enqueue_at(grant_end_notice, max(timezone.make_aware(notice), timezone.now()), *args)


def _grant_model(kind: str) -> type[CompanyGrant | EntityGrant]:
    return CompanyGrant if kind == "company" else EntityGrant


@task()
def grant_end_notice(kind: str, grant_id: int, ends_on: str) -> bool:
    """Tell of a grant's coming end, once per end date (run by the worker a week before it)."""
    with transaction.atomic():
        grant = (
            _grant_model(kind)
            .objects.select_for_update(of=("self",))
            .filter(pk=grant_id, ends_on=ends_on, ends_on__gt=timezone.localdate())
            .exclude(end_noticed_on=ends_on)
            .first()
        )
        if grant is None:
            return False
        grant.end_noticed_on = grant.ends_on
        grant.save(update_fields=["end_noticed_on"])
        for notify in GRANT_END_NOTICES.values():
            notify(grant)
        return True


@task()
def grant_end_record(kind: str, grant_id: int, ends_on: str) -> bool:
    """Remove a grant whose end date has come and record it in the history (run by the worker at that moment).

    The rules ignore it from 00:00 whether the worker has run or not (entities.access.rules.NOT_ENDED);
    this takes it off the person's page and tells the history when it ended, once.
    """
    with transaction.atomic():
        grant = (
            _grant_model(kind)
            .objects.select_for_update(of=("self",))
            .select_related("user", "role")
            .filter(pk=grant_id, ends_on=ends_on, ends_on__lte=timezone.localdate())
            .first()
        )
        if grant is None:
            return False
        _grant_audit(actor=None, action="grant.ended", grant=grant, role_change=(grant.role, None))
        grant.delete()
        chat_off_without_a_role(actor=None, user=grant.user)
        return True


def chat_off_without_a_role(*, actor: AbstractBaseUser | None, user) -> bool:
    """Switch chat off once none of the person's roles allows it any more; True when it did.

    Chat is on only while one of a person's roles allows it. A manager who removes the last such role is
    refused until they switch chat off (users.services); where the system removes it (its end date came, an
    access review decided), nobody is there to ask, so chat goes with it, audited.
    """
    if not user.chat_enabled:
        return False
    allowing = Role.objects.filter(chat_allowed=True)
    if (
        allowing.filter(company_grants__user=user).exists()
        or allowing.filter(entity_grants__user=user).exists()
        or allowing.filter(pk=user.all_entities_role_id).exists()
    ):
        return False
    user.chat_enabled = False
    user.save(update_fields=["chat_enabled"])
    audit_record(
        actor=actor,
        action="user.chat_switched_off",
        target=user,
        subject_user=user,
        instance=user.company.instance,
        changes={"chat_enabled": (True, False)},
    )
    return True


def grant_ends_record() -> int:
    """Record every end that has come and schedule the rest (`manage.py grant_ends_record`: after restoring a
    database or a worker's long outage; harmless at any time)."""
    count = 0
    for model in (CompanyGrant, EntityGrant):
        for grant in model.objects.filter(ends_on__isnull=False).only("pk", "ends_on"):
            if grant.ends_on <= timezone.localdate():
                count += grant_end_record.call(_grant_kind(grant), grant.pk, grant.ends_on.isoformat())
            else:
                grant_end_schedule(grant)
    return count


@transaction.atomic
def grant_delete(
    *, actor: AbstractBaseUser | None, grant: CompanyGrant | EntityGrant, params: dict | None = None
) -> None:
    """Revoke a grant; the user's very next request no longer has it. `params`: ids the entry carries besides (the
    access review that removed it)."""
    _grant_audit(actor=actor, action="grant.deleted", grant=grant, role_change=(grant.role, None), extra_params=params)
    grant.delete()


@transaction.atomic
def section_settings_update(
    *, actor: AbstractBaseUser, entity: BusinessEntity, section: str, data: dict
) -> SectionSettings:
    """Store a settings section's validated values (the caller validated them with the section's form)."""
    settings, _created = SectionSettings.objects.select_for_update().get_or_create(entity=entity, section=section)
    settings.data = data
    settings.updated_by_id = actor.pk
    settings.save()
    return settings


@transaction.atomic
def master_data_update(*, actor: AbstractBaseUser, entity: BusinessEntity, data: dict) -> BusinessEntity:
    """Change an entity's name and address and its further master data."""
    entity.name = data["name"].strip()
    entity.address = data.get("address", "").strip()
    business_entity_save(actor=actor, entity=entity)
    extras = {key: value for key, value in data.items() if key not in {"name", "address"}}
    section_settings_update(actor=actor, entity=entity, section="master_data", data=extras)
    return entity


@transaction.atomic
def section_entry_create(*, actor: AbstractBaseUser, entity: BusinessEntity, entry):
    """Add a quality feedback, tour activity or chat message to an entity, as the acting user."""
    entry.entity = entity
    if hasattr(entry, "author_id"):
        entry.author = actor
    else:
        entry.created_by = actor
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def section_data_bulk_create(
    *,
    actor: AbstractBaseUser,
    settings: Sequence[SectionSettings],
    tour_activities: Sequence[TourActivity] = (),
    quality_feedback: Sequence[QualityFeedback] = (),
    chat_messages: Sequence[ChatMessage] = (),
) -> None:
    """Store the section settings and entries of many entities at once (the demo data), as the acting user.

    As section_settings_update and section_entry_create do for one, in a few INSERTs: the
    settings must be new and validated by their sections' forms, as a caller of
    section_settings_update does. Entries are validated field by field; their entity and
    author are left unchecked, as a query each would cost more than the INSERTs.
    """
    for section_settings in settings:
        section_settings.updated_by_id = actor.pk
    for activity in tour_activities:
        activity.created_by_id = actor.pk
    for feedback in quality_feedback:
        feedback.created_by_id = actor.pk
    for message in chat_messages:
        message.author_id = actor.pk
    for entry in [*tour_activities, *quality_feedback, *chat_messages]:
        entry.full_clean(exclude=["entity", "author", "created_by"], validate_unique=False)
    SectionSettings.objects.bulk_create(settings)
    TourActivity.objects.bulk_create(tour_activities)
    QualityFeedback.objects.bulk_create(quality_feedback)
    ChatMessage.objects.bulk_create(chat_messages)


def audit_export_recorded(
    *, actor: AbstractBaseUser, instance: Instance | None, file_format: str, filters: Mapping[str, str]
) -> None:
    """The audit log, or part of it, left as a file: who, when, in which format, with which filters.

    Filed under the cockpit a user manager exported from; operator staff's export of every cockpit
    is about themselves.
    """
    audit_record(
        actor=actor,
        action="audit.exported",
        target=instance if instance is not None else actor,
        instance=instance,
        params={"format": file_format, "filters": {key: value[:100] for key, value in filters.items()}},
    )
