from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    """User Management: who may manage whom (Reach), the managing services, their pages, the export, the user admin."""

    name = "users"
    verbose_name = _("User Management")

    def ready(self) -> None:
        from outbox.kinds import MESSAGE_KINDS
        from users.services import WELCOME_EMAILS

        MESSAGE_KINDS.register(WELCOME_EMAILS.code, WELCOME_EMAILS)
