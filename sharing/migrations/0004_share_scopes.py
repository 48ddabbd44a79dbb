import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0012_role_is_project_manager"),
        ("sharing", "0003_share_roles_german"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="share",
            name="suspended_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="Set when the share could not be given a scope within its giver's reach; it gives nothing until a manager or operator staff give it a scope again.",
                null=True,
                verbose_name="suspended",
            ),
        ),
        migrations.AlterField(
            model_name="share",
            name="invited_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="invited by",
            ),
        ),
        migrations.CreateModel(
            name="ShareScope",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("owner", "Owner"),
                            ("service_provider", "Service provider"),
                            ("customer", "Customer"),
                            ("cockpit", "Whole cockpit"),
                        ],
                        max_length=16,
                        verbose_name="level",
                    ),
                ),
                (
                    "entity_scope",
                    models.CharField(
                        choices=[
                            ("all", "All business entities"),
                            ("operator_entities", "Only the operator's own (demo) entities"),
                            ("easy_entities", "Only entities of project form 'easy'"),
                        ],
                        default="all",
                        editable=False,
                        max_length=32,
                        verbose_name="acts on",
                    ),
                ),
                (
                    "given_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="given"),
                ),
                (
                    "company",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="entities.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "given_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="given by",
                    ),
                ),
                (
                    "share",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scopes",
                        to="sharing.share",
                        verbose_name="share",
                    ),
                ),
            ],
            options={
                "verbose_name": "where the share applies",
                "verbose_name_plural": "where the share applies",
                "ordering": ["share", "level", "id"],
            },
        ),
        migrations.CreateModel(
            name="ShareCap",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "section",
                    models.CharField(
                        choices=[
                            ("master_data", "Master data"),
                            ("features", "Features"),
                            ("performance_figures", "Performance figures"),
                            ("cleaning_categories", "Cleaning categories"),
                            ("cleaning_process", "Cleaning process"),
                            ("route_planning", "Route planning"),
                            ("tour_modification", "Tour modification"),
                            ("calculation", "Calculation"),
                            ("analytics", "Analytics"),
                            ("tour_activities", "Tour activities"),
                            ("quality_control", "Quality control"),
                            ("iot", "IoT"),
                            ("users", "Users"),
                            ("chat", "Chat"),
                            ("alpha_features", "Alpha features"),
                            ("tablets", "Tablets"),
                            ("plan_upload", "Plan upload"),
                        ],
                        max_length=32,
                        verbose_name="section",
                    ),
                ),
                (
                    "access",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "None"), (1, "View"), (2, "Edit")], default=0, verbose_name="at most"
                    ),
                ),
                (
                    "scope",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="caps",
                        to="sharing.sharescope",
                        verbose_name="scope",
                    ),
                ),
            ],
            options={
                "verbose_name": "share cap",
                "verbose_name_plural": "share caps",
                "ordering": ["scope", "section"],
            },
        ),
        migrations.AddIndex(
            model_name="sharescope",
            index=models.Index(fields=["share", "level"], name="share_scope_share_level_idx"),
        ),
        migrations.AddConstraint(
            model_name="sharescope",
            constraint=models.UniqueConstraint(
                models.F("share"), models.F("level"), models.F("company"), name="share_scope_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="sharescope",
            constraint=models.UniqueConstraint(
                models.F("share"), condition=models.Q(("level", "cockpit")), name="share_scope_cockpit_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="sharescope",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("company__isnull", True), ("level", "cockpit")),
                    models.Q(models.Q(("level", "cockpit"), _negated=True), ("company__isnull", False)),
                    _connector="OR",
                ),
                name="share_scope_company_iff_level",
            ),
        ),
        migrations.AddConstraint(
            model_name="sharecap",
            constraint=models.UniqueConstraint(models.F("scope"), models.F("section"), name="share_cap_once"),
        ),
    ]
