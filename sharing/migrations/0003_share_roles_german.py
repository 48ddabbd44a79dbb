"""The share roles of 0002 in German, by role code; frozen like every data migration.

Going back leaves the German empty, so English is read again.
"""

from django.db import migrations

NONE, VIEW, EDIT = 0, 1, 2
LEVELS = {NONE: ("none", "ohne Zugriff"), VIEW: ("read", "lesen"), EDIT: ("write", "schreiben")}


def share_roles():
    """(code, German name) of every share role, the same combinations as 0002."""
    for inventory, (inventory_code, inventory_word) in LEVELS.items():
        for customer_care, (care_code, care_word) in LEVELS.items():
            if inventory == NONE and customer_care == NONE:
                continue
            yield (
                f"share-inventory-{inventory_code}-customer-care-{care_code}",
                f"Cockpit-Freigabe: Inventar {inventory_word}, Kundenbetreuung {care_word}",
            )


def add_german(apps, schema_editor):
    Role = apps.get_model("entities", "Role")
    for code, name in share_roles():
        Role.objects.filter(code=code).update(
            name_de=name,
            usage_de="Cockpit-Freigaben (Benutzende anderer Cockpits)",
            description_de="Nur mit einer Cockpit-Freigabe; wird nie direkt vergeben.",
        )


def remove_german(apps, schema_editor):
    apps.get_model("entities", "Role").objects.filter(code__in=[code for code, _name in share_roles()]).update(
        name_de="", usage_de="", description_de=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0002_share_roles"),
        ("entities", "0007_role_german"),
    ]

    operations = [migrations.RunPython(add_german, remove_german)]
