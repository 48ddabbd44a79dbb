import re
from io import StringIO

import pytest
from django.core.management import call_command

from cockpit.management.commands.bench_access import PERSONAS


@pytest.mark.django_db
def test_bench_access_seeds_measures_and_prints_the_table():
    out = StringIO()

    call_command(
        "bench_access",
        "--small",
        "--allow-sqlite",
        "--entities",
        "300",
        "--users",
        "30",
        "--company-grants",
        "40",
        "--entity-grants",
        "20",
        "--iterations",
        "2",
        stdout=out,
    )

    output = out.getvalue()
    assert "Seeded the bench data set" in output
    assert re.search(r"measurement\s+\| persona\s+\| visible entities \|\s+p50 ms \|\s+p95 ms", output)
    for persona in PERSONAS:
        assert re.search(rf"^list page 1 \+ count.*\| {re.escape(persona)}\s+\|", output, re.MULTILINE), persona
        assert re.search(rf"^guardian baseline: get_objects.*\| {re.escape(persona)}\s+\|", output, re.MULTILINE)
        assert re.search(rf"^guardian baseline: list page.*\| {re.escape(persona)}\s+\|", output, re.MULTILINE)
        assert re.search(
            rf"^\s+{re.escape(persona)}\s+list page ÷ floor .* guardian list page ÷ our list page = ",
            output,
            re.MULTILINE,
        )
    assert "floor: logged-in request through middleware (404)" in output
    assert "floor: raw SQL page 1 + count" in output
    assert "detail page, first tab" in output
    assert "Machine:" in output
