"""The sign-in and welcome-email limits against the real server: tools/check_login_limits.py on PostgreSQL."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.postgres import POSTGRES, postgres_reachable, suite_on_postgresql

BASE_DIR = Path(__file__).resolve().parents[2]


pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"),
    # It always runs on a PostgreSQL database of its own; once per CI run (the PostgreSQL suite) is enough.
    pytest.mark.skipif(not suite_on_postgresql(), reason="runs with the PostgreSQL suite (DATABASE_URL=postgres://…)"),
    pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL at 127.0.0.1:5432 is not reachable (pg_isready)"),
]


def drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def check(*args: str) -> subprocess.CompletedProcess:
    """tools.check_login_limits on a PostgreSQL database of this run's own (CI runs the suite twice)."""
    name = f"cockpit_limits_{os.getpid()}"
    try:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.check_login_limits",
                *args,
                "--database-url",
                f"{POSTGRES}/{name}",
                "--drop-database",
            ],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        drop_database(name)  # also when the check was killed before it could drop it


def test_the_production_server_enforces_the_sign_in_limits():
    # when: the check runs gunicorn with the production configuration and the database counter store
    result = check("--store", "database")

    # then: all seven scenarios pass (the sixth: the welcome-email limit across workers; the seventh: a logout
    # ends the session on every worker), and both workers answered
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, output
    assert "7 of 7 passed" in result.stdout, output
    for number in range(1, 8):
        assert re.search(rf"^{number}\. PASS ", result.stdout, re.MULTILINE), output
    assert re.search(r"answered by 2 worker PIDs \(", result.stdout), output


@pytest.mark.skipif(not redis_reachable(), reason="Redis at 127.0.0.1:6379 is not reachable")
def test_with_redis_a_logout_and_the_list_limit_hold_across_the_workers():
    result = check("--store", "redis", "--scenarios", "7,8")

    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, output
    assert "2 of 2 passed" in result.stdout, output
