from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Cockpit sharing")

    def ready(self) -> None:
        import sharing.services  # noqa: F401 - registers the invitation's sender for the outbox worker
        from accounts.selectors import register_outside_members
        from entities.access.rules import register_path
        from sharing.access import SHARE_PATH
        from sharing.selectors import shared_members

        register_path(SHARE_PATH)
        register_outside_members(shared_members)
