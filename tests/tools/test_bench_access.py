import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from tools.bench_access.command import Command
from tools.bench_access.dataset import PERSONAS


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
