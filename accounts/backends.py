from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.exceptions import PermissionDenied

from entities.access import entity_access, subject_of
from entities.access.cache import all_cockpits_version
from entities.models import BusinessEntity
from entities.permissions import section_right


class EmailBackend(ModelBackend):
    """Email + password login; loads the user with the company and cockpit every request needs, in one query.

    The same query reads where access stands in all cockpits (entities.access.cache.all_cockpits_version):
    the header's switcher is kept in the cache under it. The show-all role is left to load on use: only a
    few operator employees have one.
    """

    def get_user(self, user_id):
        users = (
            get_user_model()
            ._default_manager.select_related("company", "company__instance")
            .annotate(all_cockpits_version=all_cockpits_version())
        )
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class SectionRightsBackend(BaseBackend):
    """Answers user.has_perm("entities.<view|edit>_<section>", entity) from the deciding role.

    A refusal raises PermissionDenied so no later backend is asked: the role is the whole answer.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if not isinstance(obj, BusinessEntity):
            return False
        right = section_right(perm)
        if right is None:
            return False
        section, access = right
        decided = entity_access(subject_of(user_obj), obj)
        if decided is None or not decided.allows(section, access):
            raise PermissionDenied
        return True
