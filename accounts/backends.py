from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email + password login; loads the user with the company and cockpit every request needs, in one query.

    The show-all role is left to load on use: only a few operator employees have one.
    """

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("company", "company__instance")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
