from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the audit log names what managers do to the users of their cockpit.
USER_MANAGEMENT_ACTIONS = {
    "user.deactivated": _("User removed"),
    "user.reactivated": _("User reactivated"),
    "user.welcome_email_resent": _("Welcome email sent again"),
    "users.exported": _("User list exported"),
    "user.deactivated_inactive": _("User removed for inactivity"),
    "inactivity.policy_changed": _("Inactivity policy changed"),
}
# Changes that are no field of the person: why the system switched them off (users.inactivity).
INACTIVITY_CHANGES = {
    "days_without_sign_in": _("Days without sign-in"),
    "inactivity_limit": _("Limit (days without sign-in)"),
}
# How the audit log names an access review's steps; its removals are the grants' and shares' own entries,
# carrying the review's id.
ACCESS_REVIEW_ACTIONS = {
    "review.started": _("Access review started"),
    "review.decided": _("Access review answered"),
    "review.applied": _("Access review applied at its deadline"),
    "review.stopped": _("Access review stopped early"),
    "review.exported": _("Access review exported"),
}


class UsersConfig(AppConfig):
    """User Management: who may manage whom (Reach), the managing services, their pages, the export, the user admin."""

    name = "users"
    verbose_name = _("User Management")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from entities.models import AUDIT_ACTIONS, AUDIT_CHANGES
        from entities.services import GRANT_END_NOTICES
        from outbox.kinds import MESSAGE_KINDS
        from users.grant_ends import GRANT_END_NOTICE_EMAILS, grant_end_notice_queue
        from users.inactivity import INACTIVITY_NOTICE_EMAILS, INACTIVITY_SOURCES, OWN_PEOPLE, inactivity_scheduled
        from users.review_emails import REVIEW_REQUEST_EMAILS
        from users.review_sources import COMPANY_GRANTS, ENTITY_GRANTS, REVIEW_SOURCES
        from users.welcome import WELCOME_EMAILS

        AUDIT_ACTIONS.register_all(USER_MANAGEMENT_ACTIONS)
        AUDIT_ACTIONS.register_all(ACCESS_REVIEW_ACTIONS)
        MESSAGE_KINDS.register(REVIEW_REQUEST_EMAILS.code, REVIEW_REQUEST_EMAILS)
        REVIEW_SOURCES.register("company_grant", COMPANY_GRANTS)
        REVIEW_SOURCES.register("entity_grant", ENTITY_GRANTS)
        MESSAGE_KINDS.register(WELCOME_EMAILS.code, WELCOME_EMAILS)
        MESSAGE_KINDS.register(GRANT_END_NOTICE_EMAILS.code, GRANT_END_NOTICE_EMAILS)
        GRANT_END_NOTICES.register("emails", grant_end_notice_queue)
        AUDIT_CHANGES.register_all(INACTIVITY_CHANGES)
        MESSAGE_KINDS.register(INACTIVITY_NOTICE_EMAILS.code, INACTIVITY_NOTICE_EMAILS)
        INACTIVITY_SOURCES.register("users", OWN_PEOPLE)
        post_migrate.connect(inactivity_scheduled, sender=self)
