"""Who may do what with an entity's CAD plans (docs/cad-plans.md). Every right is read from the access rules.

On one entity, the deciding role's rights (entities.access.entity_access), and for the
upload the user's special roles there (entities.access.special_rights), say:

- upload: the deciding role (Admin) or a special role (CAD plan provider) edits "plan upload",
  while the entity awaits plans;
- see and download every plan file: the role views "master data";
- request plans and clear the request ("manage"): operator staff, or the role edits "master data".

`_plan_rights` is the one place these rules are written; the services, the pages and the
lists all read it. Everything else answers 404, as for an entity the user does not see:
a CAD plan provider reaches an entity's plan page only while it awaits plans.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.access import EntityAccess, Subject, entities_access, entity_access, held_rights, special_rights
from entities.access.single import EntityRef
from entities.models import Access, BusinessEntity, Instance, Section
from entities.permissions import access_entity
from plans.models import PlanFile, PlanStatus

NOT_AWAITING = _("This business entity does not await plans, so no plan can be uploaded.")
MAY_NOT_UPLOAD = _("Your role does not upload plans for this business entity.")
MAY_NOT_MANAGE = _("Your role does not request plans for this business entity.")
MAY_NOT_DELETE = _("Only operator staff delete plan files.")


# The plan rules as (section, at least): read per entity by _plan_rights, per cockpit by the sidebar's questions.
UPLOADS = (Section.PLAN_UPLOAD, Access.EDIT)
VIEWS = (Section.MASTER_DATA, Access.VIEW)
MANAGES = (Section.MASTER_DATA, Access.EDIT)


def _grants(rights: Mapping[str, int] | None, rule: tuple[str, int]) -> bool:
    section, least = rule
    return (rights or {}).get(section, Access.NONE) >= least


@dataclass(frozen=True)
class PlanRights:
    """What one user may do with one entity's plans."""

    awaiting: bool
    uploads: bool  # the role edits plan upload (uploading also needs `awaiting`)
    views: bool  # sees and downloads every plan file, and the entity's master data around them
    manages: bool  # requests plans and clears the request

    @property
    def can_upload(self) -> bool:
        return self.uploads and self.awaiting

    @property
    def opens_page(self) -> bool:
        return self.views or self.manages or self.can_upload


def _allows(access: EntityAccess | None, section: str, level: int) -> bool:
    return access is not None and access.allows(section, level)


def _plan_rights(
    user: User, access: EntityAccess | None, special: Mapping[str, int] | None = None, *, awaiting: bool
) -> PlanRights:
    """The plan rules over the deciding role on an entity (None: the user does not see it) and the special roles
    the user holds on it (a CAD plan provider's: they give the upload, never the entity)."""
    return PlanRights(
        awaiting=awaiting,
        uploads=(_allows(access, *UPLOADS) or _grants(special, UPLOADS)),
        views=_allows(access, *VIEWS),
        # Operator staff run every cockpit through the Django admin, whether a role shows them the entity or not.
        manages=user.is_operator_staff or _allows(access, *MANAGES),
    )


def plan_rights(user: User, entity: BusinessEntity, status: PlanStatus | None = None) -> PlanRights:
    """The user's rights on the entity's plans (its access is read once per request); `status` says if it awaits."""
    subject = user.access_subject()
    return _plan_rights(
        user,
        entity_access(subject, entity),
        special_rights(subject, entity.instance_id, [entity.pk]).get(entity.pk),
        awaiting=status is not None and status.awaiting_plans,
    )


def may_upload_plans(user: User, entity: BusinessEntity) -> bool:
    """The deciding role or a special role on the entity edits plan upload; awaiting is the upload's own check."""
    return plan_rights(user, entity).uploads


def may_manage_plans(user: User, entity: BusinessEntity) -> bool:
    """Requests plans and clears the request: operator staff (any cockpit), or the deciding role edits master data."""
    return plan_rights(user, entity).manages


def require_plans(user: User, subject: Subject | None, instance: Instance) -> None:
    """The plans list: Http404 for someone who neither uploads nor manages plans here (the sidebar hides it too)."""
    if not user_uploads_plans(user, subject, instance):
        raise Http404("No plans for you in this cockpit.")


def access_plan_page(user: User, instance: Instance, pk: int) -> tuple[BusinessEntity, PlanStatus | None, PlanRights]:
    """The entity of a plan page and the user's rights there; Http404 unless they have something to do there."""
    # Not access_entity(): a CAD plan provider's role gives the upload, not the entity (entities.access.rules).
    entity = BusinessEntity.objects.filter(instance=instance, pk=pk).select_related("instance").first()
    if entity is None:
        raise Http404("No such business entity.")
    status = PlanStatus.objects.filter(entity=entity).first()
    rights = plan_rights(user, entity, status)
    if not rights.opens_page:
        raise Http404("No plans of this business entity for you.")
    return entity, status, rights


def access_plan_upload(user: User, instance: Instance, pk: int) -> tuple[BusinessEntity, PlanStatus | None, PlanRights]:
    """As access_plan_page, and Http404 unless the user's role uploads plans there.

    A forged upload reads like one for an entity that does not exist; whether the entity
    still awaits plans is the service's check, so an upload the manager overtook says why.
    """
    entity, status, rights = access_plan_page(user, instance, pk)
    if not rights.uploads:
        raise Http404("No plan upload of this business entity for you.")
    return entity, status, rights


def access_plan_management(
    user: User, instance: Instance, pk: int
) -> tuple[BusinessEntity, PlanStatus | None, PlanRights]:
    """As access_plan_page, and Http404 unless the user requests and clears plans there."""
    entity, status, rights = access_plan_page(user, instance, pk)
    if not rights.manages:
        raise Http404("No plan request of this business entity for you.")
    return entity, status, rights


def access_plan_file(user: User, instance: Instance, pk: int, file_pk: int) -> PlanFile:
    """A plan file to download: Http404 unless the user's role views the entity's master data (checked every time)."""
    entity, access = access_entity(user.access_subject(), instance, pk)
    if not _plan_rights(user, access, awaiting=False).views:
        raise Http404("No such plan file.")
    plan_file = PlanFile.objects.filter(entity=entity, pk=file_pk).first()
    if plan_file is None:
        raise Http404("No such plan file.")
    return plan_file


@dataclass(frozen=True)
class AwaitingEntity:
    """A row of the plans list: an entity awaiting plans and what the user may do with it."""

    entity: BusinessEntity
    status: PlanStatus
    rights: PlanRights


def awaiting_for_user(user: User, entities: Sequence[BusinessEntity]) -> list[AwaitingEntity]:
    """Of entities awaiting plans (with their plan status), those the user sees and uploads for or manages.

    One read of the access rules for all of them (entities_access), however many there are.
    Operator staff manage the entities no role shows them in the Django admin, not here.
    """
    subject = user.access_subject()
    access = entities_access(subject, entities)
    special = special_rights(subject, entities[0].instance_id, [entity.pk for entity in entities]) if entities else {}
    rows = []
    for entity in entities:
        if access[entity.pk] is None and entity.pk not in special:
            continue
        rights = _plan_rights(user, access[entity.pk], special.get(entity.pk), awaiting=True)
        if rights.can_upload or rights.manages:
            rows.append(AwaitingEntity(entity=entity, status=entity.plan_status, rights=rights))
    return rows


def managed_entity_ids(user: User, entities: Iterable[EntityRef]) -> set[int]:
    """Of entities the user sees, those whose plans they manage (one read of the access rules for all)."""
    access = entities_access(user.access_subject(), entities)
    return {
        pk for pk, found in access.items() if found is not None and _plan_rights(user, found, awaiting=False).manages
    }


def user_manages_plans(user: User, subject: Subject | None, instance: Instance) -> bool:
    """Whether the user may request plans somewhere here: operator staff, or a role that counts here edits master data.

    One query (entities.access.held_rights), remembered for the request; none for operator staff.
    """
    if user.is_operator_staff:
        return True
    return _grants(held_rights(subject, instance.pk), MANAGES)


def user_uploads_plans(user: User, subject: Subject | None, instance: Instance) -> bool:
    """For the sidebar's "CAD plans" link: the user uploads plans here or manages them.

    One query (entities.access.held_rights), remembered for the request; none for operator staff.
    """
    return user_manages_plans(user, subject, instance) or _grants(held_rights(subject, instance.pk), UPLOADS)
