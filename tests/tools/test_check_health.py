"""/healthz against the real server: tools/check_health.py runs gunicorn with the production settings."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.postgres import POSTGRES, postgres_reachable, suite_on_postgresql

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"),
    pytest.mark.skipif(not suite_on_postgresql(), reason="runs with the PostgreSQL suite (DATABASE_URL=postgres://…)"),
    pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL at 127.0.0.1:5432 is not reachable (pg_isready)"),
]


def test_healthz_answers_200_with_the_database_and_503_at_once_without_it():
    result = subprocess.run(
        [sys.executable, "-m", "tools.check_health", "--database-url", f"{POSTGRES}/cockpit_health_{os.getpid()}"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 of 2 passed" in result.stdout
