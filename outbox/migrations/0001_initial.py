"""The queue of outgoing messages moves from accounts to its own app, outbox, with its rows.

First the model changes hands in Django's state only (the table stays; accounts 0011 lets
it go), then the table takes the outbox's name, and tasks queued under the worker's old
path find it under the new one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TASK = "accounts.outbox.deliver_message"
NEW_TASK = "outbox.services.deliver_message"


def tasks_to_new_path(apps, schema_editor):
    task_result = apps.get_model("django_tasks_database", "DBTaskResult")
    task_result.objects.filter(task_path=OLD_TASK).update(task_path=NEW_TASK)


def tasks_to_old_path(apps, schema_editor):
    task_result = apps.get_model("django_tasks_database", "DBTaskResult")
    task_result.objects.filter(task_path=NEW_TASK).update(task_path=OLD_TASK)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0010_sms_code_bound_to_its_session"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutgoingMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(max_length=20, verbose_name="kind"),
                        ),
                        ("subject_id", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("payload", models.JSONField(blank=True, default=dict)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Waiting to be sent"),
                                    ("sent", "Sent"),
                                    ("failed", "Could not be sent"),
                                    ("superseded", "Replaced by a later one"),
                                ],
                                default="queued",
                                max_length=20,
                                verbose_name="state",
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                        ("last_error", models.CharField(blank=True, max_length=500, verbose_name="last error")),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next attempt")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="queued at")),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="outgoing_messages",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recipient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_outgoingmessage",
                        "verbose_name": "outgoing message",
                        "verbose_name_plural": "outgoing messages",
                        "indexes": [models.Index(fields=["recipient", "kind", "-created_at"], name="outgoing_recipient_kind")],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="outgoingmessage", table=None),
        migrations.RunPython(tasks_to_new_path, tasks_to_old_path),
    ]
