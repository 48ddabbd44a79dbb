"""Check /healthz against the production server: 200 while PostgreSQL answers, 503 (fast) once it does not.

    python -m tools.check_health [--database-url URL]
    make check-health

1. (Re)creates a PostgreSQL database (default postgres://postgres@127.0.0.1:5432/cockpit_health) and
   migrates it in a subprocess with the server's environment.
2. Starts `gunicorn cockpit.wsgi` (2 workers, DEBUG=0, the production settings) on it and asks
   /healthz by IP address over plain HTTP, as a load balancer does: it must answer 200.
3. Starts gunicorn again with a DATABASE_URL whose port has no server (a stopped database, without
   stopping the machine's PostgreSQL that other work uses): /healthz must answer 503 within 5 s.
Prints PASS/FAIL per step; exit code 0 only when all pass. gunicorn is always stopped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.check_login_limits import free_port, recreate_database, start_gunicorn, stop

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cockpit_health"
STOPPED_DATABASE_URL = "postgres://postgres@127.0.0.1:9/cockpit_health"  # the discard port: nothing listens
FAST_SECONDS = 5.0


def environment(database_url: str, port: int) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    env.update(
        {
            "PYTHONPATH": str(BASE_DIR),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "cockpit.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "cockpit.example.com",
            "COCKPIT_BASE_URL": "https://cockpit.example.com",
            "DATABASE_URL": database_url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "RATE_LIMIT_STORE": "database",
        }
    )
    return env


def ask(port: int, path: str, host: str = "127.0.0.1") -> tuple[int, str, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host, "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace"), time.monotonic() - started
    finally:
        connection.close()


def serve(database_url: str, workdir: Path, log) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = start_gunicorn(environment(database_url, port), port, workdir, 2, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            ask(port, "/healthz")
        except OSError:
            time.sleep(0.2)
            continue
        return process, port
    raise RuntimeError("gunicorn did not answer within 60 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check /healthz against gunicorn with the production settings.")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    recreate_database(args.database_url)
    migrate = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=environment(args.database_url, 0),
        capture_output=True,
        text=True,
        check=False,
    )
    if migrate.returncode != 0:
        print(migrate.stdout + migrate.stderr)
        return 1
    results: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "server.log", "wb") as log:
        workdir = Path(tmp)
        process, port = serve(args.database_url, workdir, log)
        try:
            status, body, seconds = ask(port, "/healthz", host="10.0.0.7")
            ok = status == 200 and json.loads(body)["status"] == "ok"
            results.append(ok)
            print(f"{'PASS' if ok else 'FAIL'}  database up: /healthz by IP over HTTP -> {status} {body}")
        finally:
            stop(process)
        process, port = serve(STOPPED_DATABASE_URL, workdir, log)
        try:
            status, body, seconds = ask(port, "/healthz", host="10.0.0.7")
            ok = status == 503 and json.loads(body)["database"] == "failing" and seconds < FAST_SECONDS
            results.append(ok)
            print(f"{'PASS' if ok else 'FAIL'}  database stopped: /healthz -> {status} in {seconds:.2f} s {body}")
        finally:
            stop(process)
    recreate_database(args.database_url, drop_only=True)
    print(f"{sum(results)} of {len(results)} passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
