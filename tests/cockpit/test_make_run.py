"""`make run PORT=…` serves on that port, links emails to it, and stops at once when the port is taken."""

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


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
