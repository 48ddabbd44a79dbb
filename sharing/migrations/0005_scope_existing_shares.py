"""Existing shares covered the whole cockpit: each gets the scopes its giver may share now, or is suspended.

The scopes and their caps come from the access rules as they stand when this migration
runs (sharing.services.share_scope_from_giver), because "what the giver may share" is
what those rules say: a giver who sees the whole cockpit keeps it whole, any other gets
every company where they manage users, each capped at what they can do there. A share
left with no scope is suspended, not deleted, and operators find it in the admin
(Cockpit shares, "suspended"). Both are written to the audit log.
"""

from django.db import migrations


def scope_existing_shares(apps, schema_editor):
    # The current models and rules, not the historical ones: see the docstring.
    from sharing.models import Share
    from sharing.services import share_scope_from_giver

    for share in Share.objects.filter(scopes__isnull=True, suspended_at__isnull=True).select_related(
        "instance", "user", "invited_by__company"
    ):
        share_scope_from_giver(share=share)


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0004_share_scopes"),
        ("accounts", "0009_outgoingmessage"),
        ("entities", "0012_role_is_project_manager"),
    ]

    operations = [migrations.RunPython(scope_existing_shares, migrations.RunPython.noop)]
