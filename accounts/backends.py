from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email + password login; loads the user with what every request needs in one query."""

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("company", "company__instance", "all_entities_role")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
