from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the audit log names Cockpit Shares' actions, on a share's page and in the Django admin.
SHARE_ACTIONS = {
    "sharing.settings_changed": _("Sharing settings changed"),
    "share.created": _("Cockpit shared"),
    "share.changed": _("Share changed"),
    "share.accepted": _("Invitation accepted"),
    "share.resent": _("Invitation sent again"),
    "share.removed": _("Share removed"),
    "share.left": _("Shared cockpit left"),
    "share.expired": _("Share expired"),
    "share.suspended": _("Share suspended"),
    "share.resumed": _("Share resumed"),
    "share.scoped": _("Share narrowed to its giver's reach"),
    "share.removed_inactive": _("Share removed for inactivity"),
}


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Cockpit sharing")

    def ready(self) -> None:
        from entities.access.rules import GRANT_PATHS
        from entities.models import AUDIT_ACTIONS
        from outbox.kinds import MESSAGE_KINDS
        from sharing.access import SHARE_PATHS
        from sharing.inactivity import SHARED_PEOPLE
        from sharing.invitations import INVITATIONS
        from sharing.reviews import SHARES
        from sharing.selectors import shared_members
        from users.inactivity import INACTIVITY_SOURCES
        from users.review_sources import REVIEW_SOURCES
        from users.selectors import OUTSIDE_MEMBERS

        for path in SHARE_PATHS:
            GRANT_PATHS.register(path.level, path)
        AUDIT_ACTIONS.register_all(SHARE_ACTIONS)
        OUTSIDE_MEMBERS.register("sharing", shared_members)
        MESSAGE_KINDS.register(INVITATIONS.code, INVITATIONS)
        REVIEW_SOURCES.register("share", SHARES)
        INACTIVITY_SOURCES.register("sharing", SHARED_PEOPLE)
