"""The queue of outgoing messages is the outbox app's now (outbox 0001 took the table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_sms_code_bound_to_its_session"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="OutgoingMessage")]),
    ]
