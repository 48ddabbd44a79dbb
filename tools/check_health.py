"""Check /healthz against the production server: 200 while PostgreSQL answers, 503 (fast) once it does not.

    python -m tools.check_health [--database-url URL]
    make check-health

1. (Re)creates a PostgreSQL database (default postgres://postgres@127.0.0.1:5432/cockpit_health) and
   migrates it in a subprocess with the server's environment.
2. Starts `gunicorn cockpit.wsgi` (2 workers, DEBUG=0, the production settings) on it and asks
   /healthz by IP address over plain HTTP, as a load balancer does: it must answer 200.
3. Starts gunicorn again with a DATABASE_URL whose port has no server (a stopped database, without
   stopping the machine's PostgreSQL that other work uses): /healthz must answer 503 within 5 s.
4. With --restart-postgres (it restarts this machine's PostgreSQL, so only when asked): gunicorn on
   the database of step 2 under four clients that sign in with a wrong password in a loop (each
   request reads the rate-limit counters in the database); PostgreSQL is restarted after 5 s.
   Every request must answer within 5 s, every failure must be the 503 page (no 500, no
   traceback), and the last 5 s must all succeed again: the server recovers by itself.
Prints PASS/FAIL per step; exit code 0 only when all pass. gunicorn is always stopped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.check_login_limits import (
    SETTINGS_MODULE,
    SETTINGS_SOURCE,
    Browser,
    Server,
    free_port,
    recreate_database,
    start_gunicorn,
    stop,
)

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
            "ALLOWED_HOSTS": "cockpit.example.com,127.0.0.1",
            # The restart step's clients speak plain HTTP to 127.0.0.1, as check_login_limits does.
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "COCKPIT_BASE_URL": "https://cockpit.example.com",
            "DATABASE_URL": database_url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SMS_ENABLED": "0",
            "RATE_LIMIT_STORE": "database",
            # Counted in the cache, the list limit needs Redis with several workers; this check has none.
            "LIST_REQUESTS_PER_USER": "0",
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


def serve(database_url: str, workdir: Path, log, extra: dict | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = start_gunicorn({**environment(database_url, port), **(extra or {})}, port, workdir, 2, log)
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


def restart_postgres() -> float:
    """Restart the machine's PostgreSQL cluster; the seconds it took."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.monotonic()
    command = [shutil.which("pg_ctlcluster") or "/usr/bin/pg_ctlcluster", "--skip-systemctl-redirect"]
    subprocess.run([*command, version, "main", "restart"], check=True, capture_output=True)  # noqa: S603
    return time.monotonic() - started


def under_restart(port: int, workdir: Path) -> tuple[bool, str]:
    """Four clients sign in wrongly in a loop while PostgreSQL restarts; (passed, what was seen)."""
    import threading

    server = Server(port=port, access_log=workdir / "access.log", server_log=workdir / "server.log")
    seen: list[tuple[float, int, float, bool]] = []  # (when, status, seconds, the 503 page)
    lock, stopping = threading.Lock(), threading.Event()
    began = time.monotonic()

    def client(number: int) -> None:
        browser = Browser(server, f"192.0.2.{number + 10}")
        while not stopping.is_set():
            try:
                outcome = browser.login(f"nobody{number}@example.com", "wrong-password")
                reply = outcome.reply
                record = (
                    time.monotonic() - began,
                    reply.status,
                    reply.seconds,
                    "Temporarily unavailable" in reply.text,
                )
            except OSError:
                record = (time.monotonic() - began, 0, 0.0, False)
            with lock:
                seen.append(record)
            browser.token = None  # a fresh login page (and CSRF token) each time

    threads = [threading.Thread(target=client, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    restart_seconds = restart_postgres()
    restarted_at = time.monotonic() - began
    time.sleep(15)
    stopping.set()
    for thread in threads:
        thread.join()
    failures = [r for r in seen if r[1] not in (200, 302)]
    slowest = max(r[2] for r in seen)
    tail = [r for r in seen if r[0] > seen[-1][0] - 5]
    passed = (
        slowest < FAST_SECONDS
        and all(status == 503 and page for _when, status, _seconds, page in failures)
        and all(status in (200, 302) for _when, status, _seconds, _page in tail)
    )
    return passed, (
        f"{len(seen)} requests; PostgreSQL restarted at {restarted_at:.1f} s (took {restart_seconds:.1f} s); "
        f"{len(failures)} answered 503 with the page, "
        f"{sum(1 for r in failures if r[1] != 503 or not r[3])} anything else; slowest {slowest:.2f} s; "
        f"last 5 s: {len(tail)} requests, {sum(1 for r in tail if r[1] in (200, 302))} succeeded"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check /healthz against gunicorn with the production settings.")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--restart-postgres", action="store_true", help="also restart this machine's PostgreSQL under load"
    )
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
        if args.restart_postgres:
            # Pages (not only /healthz) need the collected static files the manifest storage names.
            (workdir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
            pages = {
                "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
                "CHECK_LOGIN_LIMITS_STATIC_ROOT": str(workdir / "staticfiles"),
                "PYTHONPATH": os.pathsep.join([str(workdir), str(BASE_DIR)]),
            }
            subprocess.run(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=BASE_DIR,
                env={**environment(args.database_url, 0), **pages},
                check=True,
                capture_output=True,
            )
            process, port = serve(args.database_url, workdir, log, pages)
            try:
                ok, seen = under_restart(port, workdir)
                results.append(ok)
                print(f"{'PASS' if ok else 'FAIL'}  PostgreSQL restarted under load: {seen}")
            finally:
                stop(process)
    recreate_database(args.database_url, drop_only=True)
    print(f"{sum(results)} of {len(results)} passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
