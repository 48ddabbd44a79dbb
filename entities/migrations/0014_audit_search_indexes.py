"""The audit log searched at any size (PostgreSQL): trigram indexes on who acted and what it was about, which
`UPPER(...) LIKE` uses (entities.admin.entries_searched), and an index for an IP address asked as a whole."""

from django.db import migrations

SEARCH_SQL = [
    (
        "CREATE INDEX audit_actor_trgm_idx ON entities_auditlogentry USING gin (UPPER(actor_label::text) gin_trgm_ops)",
        "DROP INDEX IF EXISTS audit_actor_trgm_idx",
    ),
    (
        "CREATE INDEX audit_target_trgm_idx ON entities_auditlogentry USING gin (UPPER(target_label::text) gin_trgm_ops)",
        "DROP INDEX IF EXISTS audit_target_trgm_idx",
    ),
    (
        "CREATE INDEX audit_ip_idx ON entities_auditlogentry (ip_address)",
        "DROP INDEX IF EXISTS audit_ip_idx",
    ),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for forwards, _backwards in SEARCH_SQL:
            schema_editor.execute(forwards)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _forwards, backwards in reversed(SEARCH_SQL):
            schema_editor.execute(backwards)


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0013_entity_grant_granted_by"),
    ]

    operations = [migrations.RunPython(create_search_indexes, drop_search_indexes)]
