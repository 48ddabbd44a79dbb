"""Tablet provider: "tablets" view instead of edit (docs/tablets.md).

View is what a tablet provider needs: add tablets and see the ones their company added.
Edit is for those who manage every tablet of the cockpit (Inventory manager, Admin).
Only the catalogue's default changes; operators keep editing the matrix in the admin.
Going back restores edit. Frozen like every data migration: codes and numbers, no imports.
"""

from django.db import migrations

ROLE, SECTION = "tablet-provider", "tablets"
VIEW, EDIT = 1, 2


def set_access(access: int):
    def forwards(apps, schema_editor):
        Capability = apps.get_model("entities", "Capability")
        Capability.objects.filter(role__code=ROLE, section=SECTION).update(access=access)

    return forwards


provider_views_tablets = set_access(VIEW)
provider_edits_tablets = set_access(EDIT)


class Migration(migrations.Migration):
    dependencies = [
        ("tablets", "0001_initial"),
        ("entities", "0008_role_catalogue_german"),
    ]

    operations = [migrations.RunPython(provider_views_tablets, provider_edits_tablets)]
