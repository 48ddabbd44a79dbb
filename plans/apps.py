from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the audit log names the plans app's actions (entities.models.AUDIT_ACTIONS holds every label, core.registry).
PLAN_ACTIONS = {
    "plans.requested": _("Plans requested"),
    "plans.cleared": _("Plan request cleared"),
    "plans.file_uploaded": _("Plan file uploaded"),
    "plans.file_deleted": _("Plan file deleted"),
}
# Changes that are no field of the business entity they are recorded on.
PLAN_CHANGES = {"awaiting_plans": _("awaiting plans")}


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("CAD plans")

    def ready(self) -> None:
        from entities.models import AUDIT_ACTIONS, AUDIT_CHANGES

        AUDIT_ACTIONS.register_all(PLAN_ACTIONS)
        AUDIT_CHANGES.register_all(PLAN_CHANGES)
