"""The catalogue's project-manager roles (seed 003): "show all business entities" is only for the operator's
project managers. Frozen here by role code, like every data migration; operators change the flag in the admin."""

from django.db import migrations, models

PROJECT_MANAGER_ROLES = [
    "projectmanager",
    "projectmanager-extended",
    "provider-project-manager",
    "owner-project-manager",
]


def mark_project_managers(apps, schema_editor):
    apps.get_model("entities", "Role").objects.filter(code__in=PROJECT_MANAGER_ROLES).update(is_project_manager=True)


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0011_entity_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="is_project_manager",
            field=models.BooleanField(
                default=False,
                help_text="An operator employee who holds a project-manager role on the operator's own company may be shown all business entities (seed 003: only soobr project managers).",
                verbose_name="project-manager role",
            ),
        ),
        migrations.RunPython(mark_project_managers, migrations.RunPython.noop),
    ]
