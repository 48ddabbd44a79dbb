from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

from entities.access import entity_access
from entities.models import Access, BusinessEntity, Section

VERBS = {"view": Access.VIEW, "edit": Access.EDIT}


def section_permission(verb: str, section: str) -> str:
    """The permission name for a right on a section, e.g. entities.edit_route_planning."""
    return f"entities.{verb}_{section}"


class SectionRightsBackend(BaseBackend):
    """Answers user.has_perm("entities.<view|edit>_<section>", entity) from the deciding role.

    A refusal raises PermissionDenied so no later backend is asked: the role is the whole answer.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if not isinstance(obj, BusinessEntity) or not perm.startswith("entities."):
            return False
        verb, _, section = perm.removeprefix("entities.").partition("_")
        if verb not in VERBS or section not in Section.values:
            return False
        access = entity_access(user_obj, obj)
        if access is None or not access.allows(section, VERBS[verb]):
            raise PermissionDenied
        return True
