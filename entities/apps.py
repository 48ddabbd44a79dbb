from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How the audit log names the changes of cockpits, companies, entities, roles and grants.
ENTITY_ACTIONS = {
    "instance.created": _("Cockpit created"),
    "instance.changed": _("Cockpit changed"),
    "company.created": _("Company created"),
    "company.changed": _("Company changed"),
    "entity.created": _("Business entity created"),
    "entity.changed": _("Business entity changed"),
    "role.created": _("Role added to the catalogue"),
    "role.changed": _("Role changed in the catalogue"),
    "role.capabilities_changed": _("Capability matrix changed"),
    "grant.created": _("Role granted"),
    "grant.changed": _("Role changed"),
    "grant.deleted": _("Role revoked"),
    "grant.end_set": _("Role's end date set"),
    "grant.ended": _("Role ended (its end date came)"),
    "user.chat_switched_off": _("Chat switched off (no role allows it any more)"),
    "object.deleted": _("Deleted in the Django admin"),
    "audit.exported": _("Audit log exported"),
    "audit_stream.created": _("Audit stream endpoint added"),
    "audit_stream.changed": _("Audit stream endpoint changed"),
    "audit_stream.deleted": _("Audit stream endpoint removed"),
    "audit_stream.retried": _("Audit stream deliveries sent again"),
}
# Changes that are no field of their entry's object.
ENTITY_CHANGES = {"role": _("Role")}


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = _("Business entities and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.retention import RETENTION
        from entities.access.cache import every_answer_outdated
        from entities.audit import audit_deliveries_prune, audit_entries_prune
        from entities.models import AUDIT_ACTIONS, AUDIT_CHANGES

        AUDIT_ACTIONS.register_all(ENTITY_ACTIONS)
        AUDIT_CHANGES.register_all(ENTITY_CHANGES)
        RETENTION.register("audit entries", audit_entries_prune)
        RETENTION.register("delivered audit stream rows", audit_deliveries_prune)
        # A deploy may change the rules or, by a data migration, the rows they read without an audit entry.
        post_migrate.connect(every_answer_outdated, sender=self)
