"""`make run PORT=…` serves on that port, links emails to it, and stops at once when the port is taken."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.once, pytest.mark.skipif(shutil.which("make") is None, reason="needs make")]


def dry_run(*args: str) -> str:
    return subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_make_run_serves_on_the_given_port_and_links_emails_to_it():
    commands = dry_run("PORT=8001")

    assert "runserver 127.0.0.1:8001" in commands
    # migrate, seed_demo, the email worker and the server
    assert commands.count("COCKPIT_BASE_URL=http://localhost:8001") == 4


def test_make_run_starts_the_email_worker_beside_the_server():
    commands = dry_run()

    assert commands.index("manage.py db_worker") < commands.index("runserver")


def test_make_run_defaults_to_port_8000():
    assert "runserver 127.0.0.1:8000" in dry_run()


def test_a_taken_port_stops_make_run_before_anything_else():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(["make", "port-free", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True)

    assert result.returncode != 0 and f"Port {port} is taken" in result.stderr
    # and `make run` asks before installing, migrating or seeding
    commands = dry_run(f"PORT={port}")
    assert commands.index("connect_ex") < commands.index("migrate") < commands.index("seed_demo")


def test_the_demo_logins_are_within_the_first_40_lines_make_run_prints(tmp_path):
    """The migration runs quietly, the seeded logins come first; the server's own lines follow them."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    printed = subprocess.run(
        ["make", "--no-print-directory", "demo-data"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout

    first = "\n".join(printed.splitlines()[:40])
    assert "admin@soobr.demo" in first and "Cockpit-Demo-2026" in first and "pm@rhein-clean.demo" in first
    assert "Applying" not in printed
