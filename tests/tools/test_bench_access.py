import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from tools.bench_access.command import Command
from tools.bench_access.dataset import PERSONAS, TWINLESS, TWINNED

# A benchmark's run: CI starts it in its PostgreSQL pass, the database it measures in production.
pytestmark = pytest.mark.once


@pytest.mark.django_db
def test_bench_access_seeds_measures_and_prints_the_table():
    out = StringIO()

    call_command(
        Command(),
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
        for measurement in (
            r"list page 1 \+ count",
            "search, common word",
            "search, no match",
            "has_perm",
            "floor: raw SQL",
            "ours: entity_page",
            "general",
        ):
            assert row(measurement, persona, output), (measurement, persona)
    for persona in TWINNED:
        assert row("guardian baseline: get_objects", persona, output), persona
        assert row("guardian baseline: list page", persona, output), persona
        assert re.search(
            rf"^\s+{re.escape(persona)}\s+list page ÷ floor .* guardian list page ÷ our list page = ",
            output,
            re.MULTILINE,
        )
    for persona in TWINLESS:
        assert not row("guardian baseline", persona, output), persona
        assert row("detail page, first tab", persona, output), persona
        assert re.search(rf"^\s+{re.escape(persona)}\s+list page ÷ floor .*\(no guardian twin", output, re.MULTILINE)
    assert re.search(r"^  share list page ÷ show-all list page \(p95\) = \s*[0-9.]+×", output, re.MULTILINE)
    assert re.search(r"^  accepted shares of the cockpit\s+1$", output, re.MULTILINE)
    assert "floor: logged-in request through middleware (404)" in output
    assert "floor: raw SQL page 1 + count" in output
    assert "detail page, first tab" in output
    assert "Machine:" in output
    for persona in PERSONAS:
        for measurement in ("floor (404)", "list page 1", "list page 1, not cached", "raw SQL"):
            assert row(re.escape(f"side by side: {measurement}"), persona, output), (measurement, persona)
        assert re.search(
            rf"^\s+{re.escape(persona)}\s+list p50 .* ÷ \(floor .* \+ SQL .*\) = \s*[0-9.]+× (PASS|ABOVE) 1.5×"
            r"\s+served from the cache: p50 \s*[0-9.]+ = \s*[0-9.]+× the floor",
            output,
            re.MULTILINE,
        ), persona
    for persona in TWINNED:
        assert row("side by side: guardian list page", persona, output), persona
        assert re.search(
            rf"^\s+{re.escape(persona)}\s+list p50 .* guardian p95 ÷ ours = \s*[0-9.]+× (PASS|BELOW)",
            output,
            re.MULTILINE,
        ), persona


def row(measurement: str, persona: str, output: str) -> bool:
    """Whether the table has a row of this measurement (a regex prefix) for this persona."""
    return bool(re.search(rf"^{measurement}.*\| {re.escape(persona)}\s+\|", output, re.MULTILINE))


def test_bench_access_runs_as_a_module_outside_the_installed_apps():
    # given: the bench is a tool, not an installed app
    assert not any(app.startswith("tools") for app in settings.INSTALLED_APPS)

    # when: it is started the way docs/benchmark.md and `make bench` start it
    result = subprocess.run(
        [sys.executable, "-m", "tools.bench_access", "--help"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then: Django is set up by the tool itself and the command's options are there
    assert result.returncode == 0, result.stderr
    assert "usage: python -m tools.bench_access" in result.stdout
    assert "--small" in result.stdout
    assert "--reseed" in result.stdout
