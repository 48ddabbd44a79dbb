"""The load benchmark of the real server: gunicorn on PostgreSQL with the bench data, under Locust.

    python -m tools.loadtest [--duration 20] [--clients 4,16] [--repeats 3] [--workers 4] [--threads 2]
    make loadtest

1. The bench data set (tools/bench_access, 100,000 entities) must be in DATABASE_URL (default the
   cockpit_bench database); `make loadtest` migrates and seeds it when it is missing.
2. In a subprocess with the server's environment (--prepare): migrate, collectstatic, empty the
   server's Redis database, and a signed-in session for every bench persona (as the login would
   leave it, second step included), written to a JSON file with what the clients need.
3. Starts gunicorn with the production settings (DEBUG=0; only the HTTPS hardening off, since it
   speaks plain HTTP): --workers/--threads (gthread), Redis as cache and session cache.
4. For each number of clients, four phases of --duration seconds: the floor (a signed-in
   request the middleware answers with 404), the entity list alone, the mix (80 % list, 15 %
   detail, 5 % writes), and sign-ins (the login page, the password, an authenticator code; each
   by one of SIGN_IN_PEOPLE people, since a code counts once per 30 seconds). The floor, list and
   mix send each request on a new connection, so that every client spreads over the workers.
   Each phase but the sign-ins runs --repeats times: the table shows the run with the median requests/s, and the
   spread (max - min) / median of the repeats. Prints requests/s, p50/p95/p99 and errors per page
   and phase, the list's requests/s as a share of the floor's (the target: at least 50 %), and the
   sign-ins per second.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.check_login_limits import (
    SETTINGS_MODULE,
    SETTINGS_SOURCE,
    database_name,
    free_port,
    plain_http_environment,
    stop,
    tail,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cockpit_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PHASES = ("floor", "list", "mix", "sign-in")
# People who sign in during the sign-in phase, each with an authenticator app: at most one sign-in per person and
# 30-second step, so enough for a few hundred sign-ins a minute.
SIGN_IN_PEOPLE = 600
SIGN_IN_PASSWORD = "Load-Sign-In-2026"
LIST_TARGET = 0.50
# The floor's repeats may differ by at most this share of their median for the figures to be trusted.
SPREAD_TARGET = 0.15


def prepare(sessions_path: str) -> None:
    """Migrate, collect static files, empty the cache, and sign every bench persona in (JSON to sessions_path)."""
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.core.cache import cache
    from django.core.exceptions import PermissionDenied
    from django.core.management import call_command
    from django.http import Http404
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
    from accounts.second_factor import ENROLLED_SESSION_KEY, confirmed_devices, second_factor_required
    from entities.permissions import user_can_edit_section
    from tools.bench_access.dataset import BENCH_SLUG, CITIES, KINDS, STREETS, TWINNED, load_personas, twin_email
    from users.permissions import require_manager, user_can_manage_user
    from users.selectors import managed_users

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()
    from entities.models import Instance

    instance = Instance.objects.get(slug=BENCH_SLUG)
    personas = load_personas(instance)
    sessions = []
    now = int(time.time())
    for name, persona in personas.items():
        user = persona.user
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[SIGNED_IN_AT] = store[LAST_SEEN_AT] = now
        devices = confirmed_devices(user)
        store[ENROLLED_SESSION_KEY] = bool(devices)
        if second_factor_required(user) and devices:
            store[DEVICE_ID_SESSION_KEY] = next(iter(devices.values())).persistent_id
        store.create()
        # What each persona may write, asked of the product's own rules: a tab of its first entity, a user.
        subject = user.access_subject()
        edits_tab = user_can_edit_section(subject, persona.entity, "features")
        employees: list[int] = []
        try:
            reach = require_manager(user, instance)
        except (PermissionDenied, Http404):
            reach = None
        if reach is not None:
            # Not the guardian twins: each holds one grant per entity its persona sees (35,338 for heavy).
            twins = [twin_email(twin) for twin in TWINNED]
            candidates = managed_users(reach=reach).exclude(pk=user.pk).exclude(email__in=twins)[:40]
            employees = [c.pk for c in candidates if c.is_active and user_can_manage_user(reach, c)][:20]
        sessions.append(
            {
                "persona": name,
                "cookie": settings.SESSION_COOKIE_NAME,
                "key": store.session_key,
                "cockpit": instance.slug,
                "entity": persona.entity.pk,
                "visible": persona.visible,
                "searches": [KINDS[0], STREETS[1], CITIES[2]],
                "section_entity": persona.entity.pk if edits_tab else None,
                "user_edit": employees,
            }
        )
    Path(sessions_path).write_text(json.dumps(sessions, indent=1))
    Path(sign_ins_path(sessions_path)).write_text(json.dumps(sign_in_people(instance), indent=1))
    print(
        json.dumps(
            {
                "personas": len(sessions),
                "tab writers": sum(bool(s["section_entity"]) for s in sessions),
                "user writers": sum(bool(s["user_edit"]) for s in sessions),
            }
        )
    )


def sign_ins_path(sessions_path: str | Path) -> str:
    return str(sessions_path).replace(".json", "-sign-ins.json")


def sign_in_people(instance) -> list[dict]:
    """The people of the sign-in phase (made once, kept): email, password, and their authenticator key (hex)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from entities.models import Company

    company = Company.objects.get_or_create(instance=instance, name="Load sign-in AG")[0]
    password_hash = make_password(SIGN_IN_PASSWORD)
    people = []
    with transaction.atomic():
        for number in range(SIGN_IN_PEOPLE):
            person, _created = User.objects.get_or_create(
                email=f"load-sign-in-{number}@bench.example",
                defaults={"company": company, "otp_required": True, "language": "en", "password": password_hash},
            )
            device = TOTPDevice.objects.filter(user=person, confirmed=True).first() or TOTPDevice.objects.create(
                user=person, name="Authenticator app"
            )
            people.append({"email": person.email, "password": SIGN_IN_PASSWORD, "key": device.key})
        # A run stopped halfway may have left failed codes counted against them: each run starts unthrottled.
        TOTPDevice.objects.filter(user__company=company).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
    return people


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    from tools.check_login_limits import with_database

    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created the database {name}.")


def server_environment(args: argparse.Namespace, port: int, workdir: Path) -> dict[str, str]:
    env = plain_http_environment(args.database_url, port, workdir)
    env["REDIS_URL"] = args.redis_url
    # The benchmark's clients are scripts: the limit against scraping would stop them.
    env["LIST_REQUESTS_PER_USER"] = str(10**9)
    # Every list page from the database, as on its first request: what the page costs without the page cache.
    env["ACCESS_CACHE_PAGES"] = "0" if args.no_page_cache else "1"
    return env


def gunicorn_command(args: argparse.Namespace, port: int, workdir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "cockpit.wsgi",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(BASE_DIR),
        "--error-logfile",
        str(workdir / "error.log"),
    ]


def wait_until_up(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            status = connection.getresponse().status
            connection.close()
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer /healthz with 200 within {seconds:.0f} s")


def run_repeats(phase: str, clients: int, args, port: int, workdir: Path, sessions: Path) -> tuple[list[dict], float]:
    """The phase --repeats times: the rows of the run with the median requests/s, and the repeats' spread.

    Sign-ins run once: an authenticator code counts once per person and 30 seconds, and the people
    would sign in again within it.
    """
    repeats = 1 if phase == "sign-in" else args.repeats
    runs = [run_phase(phase, clients, args, port, workdir, sessions, repeat) for repeat in range(repeats)]
    runs.sort(key=aggregate_rps)
    median = aggregate_rps(runs[len(runs) // 2])
    spread = (aggregate_rps(runs[-1]) - aggregate_rps(runs[0])) / median if median else 0.0
    return runs[len(runs) // 2], spread


def aggregate_rps(rows: list[dict]) -> float:
    total = next((row for row in rows if row["Name"] == "Aggregated"), None)
    return figure(total, "Requests/s") if total is not None else 0.0


def run_phase(phase: str, clients: int, args, port: int, workdir: Path, sessions: Path, repeat: int = 0) -> list[dict]:
    """One Locust run; the rows of its stats CSV (one per request name, and the aggregate)."""
    prefix = workdir / f"{phase}-{clients}-{repeat}"
    env = {
        **os.environ,
        "LOADTEST_SESSIONS": str(sessions),
        "LOADTEST_SIGN_INS": sign_ins_path(sessions),
        "LOADTEST_PHASE": phase,
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(clients),
        "--spawn-rate",
        str(clients),
        "--run-time",
        f"{args.duration}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(command, env=env, cwd=BASE_DIR, capture_output=True, check=False)  # noqa: S603
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"Locust wrote no statistics for {phase} at {clients} clients")
    with stats.open() as handle:
        return [row for row in csv.DictReader(handle) if row["Name"] not in ("list (start)",)]


def figure(row: dict, key: str) -> float:
    value = row.get(key, "") or "0"
    return float(value) if value != "N/A" else 0.0


def print_table(
    results: dict[tuple[int, str], list[dict]], spreads: dict[tuple[int, str], float], clients_list: list[int]
) -> tuple[int, list[str]]:
    print(
        f"{'clients':>7} | {'phase':<5} | {'page':<20} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | "
        f"{'p95 ms':>7} | {'p99 ms':>7} | {'errors':>6} | {'spread':>6}"
    )
    print("-" * 105)
    errors = 0
    verdicts = []
    for clients in clients_list:
        rps = {}
        for phase in PHASES:
            for row in results[(clients, phase)]:
                name = row["Name"] if row["Name"] != "Aggregated" else "(all)"
                if phase not in ("mix", "sign-in") and name == "(all)":
                    continue
                failures = int(figure(row, "Failure Count"))
                if name != "(all)":
                    errors += failures
                print(
                    f"{clients:>7} | {phase:<5} | {name:<20} | {int(figure(row, 'Request Count')):>8} | "
                    f"{figure(row, 'Requests/s'):>7.1f} | {figure(row, '50%'):>7.0f} | {figure(row, '95%'):>7.0f} | "
                    f"{figure(row, '99%'):>7.0f} | {failures:>6} | {spreads[(clients, phase)]:>6.0%}"
                )
                if row["Name"] == "Aggregated":
                    rps[phase] = figure(row, "Requests/s")
            total = next((r for r in results[(clients, phase)] if r["Name"] == "Aggregated"), None)
            if total is not None and phase != "mix":
                rps[phase] = figure(total, "Requests/s")
        signed_in = next((r for r in results[(clients, "sign-in")] if r["Name"] == "sign-in: second step"), None)
        if signed_in is not None:
            verdicts.append(
                f"{clients} clients: {figure(signed_in, 'Requests/s'):.1f} sign-ins/s (password + authenticator code)"
            )
        floor_spread = spreads[(clients, "floor")]
        verdicts.append(
            f"{clients} clients: the floor's repeats spread {floor_spread:.0%} - "
            f"{'PASS' if floor_spread <= SPREAD_TARGET else 'ABOVE'} the {SPREAD_TARGET:.0%} limit"
        )
        if clients > 1 and rps.get("floor"):
            share = rps.get("list", 0) / rps["floor"]
            verdicts.append(
                f"{clients} clients: the list holds {share:.0%} of the floor's requests/s "
                f"({rps.get('list', 0):.1f} of {rps['floor']:.1f}) - {'PASS' if share >= LIST_TARGET else 'BELOW'} "
                f"the {LIST_TARGET:.0%} target"
            )
    return errors, verdicts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help=f"emptied first (default {DEFAULT_REDIS_URL})")
    parser.add_argument("--duration", type=int, default=20, help="seconds per phase (default 20)")
    parser.add_argument("--clients", default="4,16", help="concurrent clients, comma-separated (default 4,16)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each phase (default 3)")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers (default: two per core)"
    )
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument(
        "--no-page-cache", action="store_true", help="read every list page from the database (ACCESS_CACHE_PAGES=0)"
    )
    parser.add_argument(
        "--create-database", action="store_true", help="create the database if it is missing, then exit"
    )
    parser.add_argument("--prepare", metavar="SESSIONS_JSON", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare:
        prepare(args.prepare)
        return 0
    if args.create_database:
        create_database(args.database_url)
        return 0
    database_name(args.database_url)
    clients_list = [int(number) for number in args.clients.split(",")]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp:
        workdir = Path(tmp)
        (workdir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
        env = server_environment(args, port, workdir)
        sessions = workdir / "sessions.json"
        prepared = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "tools.loadtest", "--prepare", str(sessions)],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if prepared.returncode != 0:
            print(prepared.stdout, prepared.stderr, sep="\n", file=sys.stderr)
            print("FAIL: could not prepare (is the bench data set seeded? make loadtest seeds it)", file=sys.stderr)
            return 2
        personas = json.loads(sessions.read_text())
        writers = prepared.stdout.strip().splitlines()[-1]
        print(
            f"Load benchmark: gunicorn cockpit.wsgi, {args.workers} workers x {args.threads} threads (gthread), "
            f"DEBUG=0, PostgreSQL {database_name(args.database_url)}, Redis {args.redis_url}"
            f"{' (no list pages kept)' if args.no_page_cache else ''}; "
            f"{len(personas)} personas ({', '.join(p['persona'] for p in personas)}); "
            f"{args.duration} s per phase, {args.repeats} repeats; machine: {os.cpu_count()} CPUs; writers {writers}"
        )
        log = (workdir / "server.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            gunicorn_command(args, port, workdir), env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        results: dict[tuple[int, str], list[dict]] = {}
        spreads: dict[tuple[int, str], float] = {}
        try:
            wait_until_up(port, process)
            for clients in clients_list:
                for phase in PHASES:
                    results[(clients, phase)], spreads[(clients, phase)] = run_repeats(
                        phase, clients, args, port, workdir, sessions
                    )
        finally:
            stop(process)
            log.close()
        print()
        errors, verdicts = print_table(results, spreads, clients_list)
        print()
        for verdict in verdicts:
            print(verdict)
        print(f"errors: {errors}")
        if errors:
            print(f"\n--- gunicorn log (last lines) ---\n{tail(workdir / 'server.log')}", file=sys.stderr)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
