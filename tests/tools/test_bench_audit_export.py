from io import StringIO

import pytest
from django.core.management import call_command

from entities.models import AuditLogEntry, Instance
from tools.bench_audit_export.command import Command


@pytest.mark.django_db
def test_bench_audit_export_exports_every_entry_in_both_formats_and_leaves_nothing_behind(role_catalogue):
    out = StringIO()

    call_command(Command(), "--entries", "30", stdout=out)

    rows = {line.split("|")[0].strip(): line.split("|")[1].strip() for line in out.getvalue().splitlines()[1:3]}
    assert rows == {"csv": "30", "jsonl": "30"}
    assert not Instance.objects.filter(slug="bench-audit-export").exists()
    assert not AuditLogEntry.objects.filter(action="grant.created", actor_label="bench@soobr.example").exists()
