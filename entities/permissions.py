"""Object-level checks for business entity pages: 404 when the user may not see, 403 when they may not change."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from entities.access import EntityAccess, Subject, entity_access, held_rights
from entities.models import Access, BusinessEntity, Instance, Section
from entities.sections import SECTION_SPECS

NO_ENTITY_PAGES = _("Your roles give no business entity pages in this cockpit.")

# user.has_perm("entities.<verb>_<section>", entity), e.g. "entities.edit_route_planning", names a right on a section.
VERBS = {"view": Access.VIEW, "edit": Access.EDIT}


def section_right(perm: str) -> tuple[str, int] | None:
    """(section, access) a permission name asks for, or None when it names no section right."""
    if not perm.startswith("entities."):
        return None
    verb, _, section = perm.removeprefix("entities.").partition("_")
    if verb not in VERBS or section not in Section.values:
        return None
    return section, VERBS[verb]


def user_has_entity_pages(subject: Subject | None, instance: Instance) -> bool:
    """Whether a role of the user that counts in the cockpit opens a tab of an entity page (one query per request).

    Special roles open none: a Tablet provider or CAD plan provider works on the tablet or
    plan pages, and the entity list, which names entities and their companies, is not theirs.
    """
    rights = held_rights(subject, instance.pk)
    return any(rights[section] >= Access.VIEW for section in SECTION_SPECS)


def require_entity_pages(subject: Subject | None, instance: Instance) -> None:
    if not user_has_entity_pages(subject, instance):
        raise PermissionDenied(NO_ENTITY_PAGES)


def access_entity(subject: Subject | None, instance: Instance, pk: int) -> tuple[BusinessEntity, EntityAccess]:
    """The entity and the access that decides it; Http404 for a missing entity and an invisible one alike."""
    entity = (
        BusinessEntity.objects.select_related("instance", "owner", "service_provider", "customer")
        .filter(instance=instance, pk=pk)
        .first()
    )
    access = entity_access(subject, entity) if entity is not None else None
    if entity is None or access is None:
        raise Http404("No such business entity.")
    return entity, access


def user_can_view_section(subject: Subject | None, entity: BusinessEntity, section: str) -> bool:
    """Rights from the deciding role; in their own cockpit, chat also needs chat switched on for the user.

    In a cockpit shared with them, the share's Customer care decides about chat alone.
    """
    if subject is None:
        return False
    if section == Section.CHAT and entity.instance_id == subject.home_instance_id and not subject.chat_enabled:
        return False
    access = entity_access(subject, entity)
    return access is not None and access.allows(section, Access.VIEW)


def user_can_edit_section(subject: Subject | None, entity: BusinessEntity, section: str) -> bool:
    if not user_can_view_section(subject, entity, section):
        return False
    access = entity_access(subject, entity)
    return access is not None and access.allows(section, Access.EDIT)


def visible_sections(subject: Subject | None, entity: BusinessEntity) -> list[str]:
    """The tabs of an entity page this user sees, in page order."""
    return [section for section in SECTION_SPECS if user_can_view_section(subject, entity, section)]


def landing_section(subject: Subject | None, entity: BusinessEntity) -> str | None:
    """The tab an entity's page opens on: the first the user may edit, else the first they may view (None: no tab).

    Someone who works on one part of an entity should land where their work is, not on
    a read-only tab before it.
    """
    sections = visible_sections(subject, entity)
    editable = [section for section in sections if user_can_edit_section(subject, entity, section)]
    return next(iter(editable or sections), None)


def access_entity_section(
    subject: Subject | None, instance: Instance, pk: int, section: str, *, edit: bool = False
) -> tuple[BusinessEntity, EntityAccess]:
    """The entity for one tab: Http404 unless the user may view it, PermissionDenied for edit without the right."""
    if section not in SECTION_SPECS:
        raise Http404("No such section.")
    entity, access = access_entity(subject, instance, pk)
    if not user_can_view_section(subject, entity, section):
        raise Http404("No such section.")
    if edit and not user_can_edit_section(subject, entity, section):
        raise PermissionDenied("Your role may only view this section.")
    return entity, access
