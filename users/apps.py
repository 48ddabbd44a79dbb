from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the audit log names what managers do to the users of their cockpit.
USER_MANAGEMENT_ACTIONS = {
    "user.deactivated": _("User removed"),
    "user.reactivated": _("User reactivated"),
    "user.welcome_email_resent": _("Welcome email sent again"),
    "users.exported": _("User list exported"),
}


class UsersConfig(AppConfig):
    """User Management: who may manage whom (Reach), the managing services, their pages, the export, the user admin."""

    name = "users"
    verbose_name = _("User Management")

    def ready(self) -> None:
        from entities.models import AUDIT_ACTIONS
        from entities.services import GRANT_END_NOTICES
        from outbox.kinds import MESSAGE_KINDS
        from users.grant_ends import GRANT_END_NOTICE_EMAILS, grant_end_notice_queue
        from users.welcome import WELCOME_EMAILS

        AUDIT_ACTIONS.register_all(USER_MANAGEMENT_ACTIONS)
        MESSAGE_KINDS.register(WELCOME_EMAILS.code, WELCOME_EMAILS)
        MESSAGE_KINDS.register(GRANT_END_NOTICE_EMAILS.code, GRANT_END_NOTICE_EMAILS)
        GRANT_END_NOTICES.register("emails", grant_end_notice_queue)
