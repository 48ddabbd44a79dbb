"""Object-level checks for business entity pages: 404 when the user may not see, 403 when they may not change."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from entities.access import EntityAccess, entity_access
from entities.backends import section_permission
from entities.models import BusinessEntity, Instance, Section
from entities.sections import SECTION_SPECS


def access_entity(user: AbstractBaseUser, instance: Instance, pk: int) -> tuple[BusinessEntity, EntityAccess]:
    """The entity and the access that decides it; Http404 for a missing entity and an invisible one alike."""
    entity = (
        BusinessEntity.objects.select_related("instance", "owner", "service_provider", "customer")
        .filter(instance=instance, pk=pk)
        .first()
    )
    access = entity_access(user, entity) if entity is not None else None
    if access is None:
        raise Http404("No such business entity.")
    return entity, access


def user_can_view_section(user: AbstractBaseUser, entity: BusinessEntity, section: str) -> bool:
    """Rights from the deciding role; chat also needs chat switched on for the user."""
    if section == Section.CHAT and not getattr(user, "chat_enabled", False):
        return False
    return user.has_perm(section_permission("view", section), entity)


def user_can_edit_section(user: AbstractBaseUser, entity: BusinessEntity, section: str) -> bool:
    return user_can_view_section(user, entity, section) and user.has_perm(section_permission("edit", section), entity)


def visible_sections(user: AbstractBaseUser, entity: BusinessEntity) -> list[str]:
    """The tabs of an entity page this user sees, in page order."""
    return [section for section in SECTION_SPECS if user_can_view_section(user, entity, section)]


def access_entity_section(
    user: AbstractBaseUser, instance: Instance, pk: int, section: str, *, edit: bool = False
) -> tuple[BusinessEntity, EntityAccess]:
    """The entity for one tab: Http404 unless the user may view it, PermissionDenied for edit without the right."""
    if section not in SECTION_SPECS:
        raise Http404("No such section.")
    entity, access = access_entity(user, instance, pk)
    if not user_can_view_section(user, entity, section):
        raise Http404("No such section.")
    if edit and not user_can_edit_section(user, entity, section):
        raise PermissionDenied("Your role may only view this section.")
    return entity, access
