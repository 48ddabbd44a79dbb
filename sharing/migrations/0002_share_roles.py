"""The catalogue's share roles: one per combination of Inventory and Customer care levels.

A share's rights are these roles' capabilities, derived from sharing/modules.py's
table as it stood when this migration was written (frozen here, like every data
migration; a test holds the roles to the table).
"""

from django.db import migrations

NONE, VIEW, EDIT = 0, 1, 2
LEVELS = {NONE: ("none", "none"), VIEW: ("read", "read"), EDIT: ("write", "write")}
INVENTORY = [
    "master_data",
    "features",
    "performance_figures",
    "cleaning_categories",
    "cleaning_process",
    "route_planning",
    "tour_modification",
    "calculation",
    "analytics",
    "tour_activities",
    "iot",
]
CUSTOMER_CARE = ["chat", "quality_control"]
NEVER_SHARED = ["users", "alpha_features", "tablets", "plan_upload"]


def add_share_roles(apps, schema_editor):
    Role = apps.get_model("entities", "Role")
    Capability = apps.get_model("entities", "Capability")
    for inventory, (inventory_code, inventory_word) in LEVELS.items():
        for customer_care, (care_code, care_word) in LEVELS.items():
            if inventory == NONE and customer_care == NONE:
                continue
            role, _created = Role.objects.update_or_create(
                code=f"share-inventory-{inventory_code}-customer-care-{care_code}",
                defaults={
                    "name": f"Cockpit Share: Inventory {inventory_word}, Customer care {care_word}",
                    "usage": "Cockpit Shares (users of other cockpits)",
                    "description": "Given only by a Cockpit Share; never granted.",
                    "chat_allowed": customer_care != NONE,
                    "is_share_role": True,
                    "position": 900,
                },
            )
            role.capabilities.all().delete()
            rights = (
                {section: inventory for section in INVENTORY}
                | {section: customer_care for section in CUSTOMER_CARE}
                | dict.fromkeys(NEVER_SHARED, NONE)
            )
            Capability.objects.bulk_create(
                [Capability(role=role, section=section, access=access) for section, access in rights.items()]
            )


def remove_share_roles(apps, schema_editor):
    apps.get_model("entities", "Role").objects.filter(is_share_role=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0001_initial"),
        ("entities", "0005_role_is_share_role"),
    ]

    operations = [migrations.RunPython(add_share_roles, remove_share_roles)]
