from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the audit log names the tablet register's actions, on a tablet's page and in the Django admin.
TABLET_ACTIONS = {
    "tablet.added": _("Tablet added"),
    "tablet.changed": _("Tablet changed"),
    "tablet.assigned": _("Tablet assigned"),
    "tablet.unassigned": _("Tablet unassigned"),
    "tablet.retired": _("Tablet retired"),
}
# Changes that are no field of the tablet: why it was retired.
TABLET_CHANGES = {"reason": _("Reason")}


class TabletsConfig(AppConfig):
    name = "tablets"
    verbose_name = _("Tablets")

    def ready(self) -> None:
        from entities.models import AUDIT_ACTIONS, AUDIT_CHANGES

        AUDIT_ACTIONS.register_all(TABLET_ACTIONS)
        AUDIT_CHANGES.register_all(TABLET_CHANGES)
