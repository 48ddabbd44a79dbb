"""Check the sign-in and welcome-email limits (accounts/throttle.py) against the real production server: 2 workers.

    python -m tools.check_login_limits [--store database|redis] [--database-url URL] [--drop-database]
    make check-login-limits

What it does, in order:

1. (Re)creates a PostgreSQL database (default postgres://postgres@127.0.0.1:5432/cockpit_limits; any
   existing database of that name is dropped first) and, for --store redis, empties the Redis database
   of --redis-url (default redis://127.0.0.1:6379/15).
2. In a subprocess with exactly the server's environment (`--prepare`): django.setup(), migrate,
   collectstatic, and one cockpit with an operator company and a customer company holding 62 users
   with one known password: an operator staff account, 60 spray targets and a victim. It prints the
   sign-in limits in force, which the checks below expect.
3. Starts `gunicorn cockpit.wsgi --workers 2` on a free port of 127.0.0.1 with a production
   environment: DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, the default limits
   (nothing made small: the production configuration is the point), RATE_LIMIT_STORE=database, or
   RATE_LIMIT_STORE=cache with REDIS_URL for --store redis. Only the HTTPS hardening is switched off
   (SECURE_SSL_REDIRECT, SESSION/CSRF_COOKIE_SECURE, SECURE_HSTS_SECONDS), since the check speaks
   plain HTTP. The environment is built from scratch, so nothing of the caller's (DATABASE_URL,
   DJANGO_SETTINGS_MODULE of a pytest run, LOGIN_* overrides) leaks in.
4. Runs five scenarios over plain HTTP (http.client, a new connection per request, so the two workers
   answer in turn), each printed as PASS/FAIL with its counts, then "<n> of 5 passed". Exit code 0
   only when all pass. gunicorn is always stopped.

Client addresses. Every request comes from 127.0.0.1, so the server is started with
TRUSTED_PROXY_COUNT=1, as it runs behind our one load balancer, and each request carries the
`X-Forwarded-For: <client ip>` header that this proxy would append: its last entry is the address
the proxy saw, and that is the client address the limiter counts. A spoofing client writes its own
entries in front of it (`X-Forwarded-For: <anything>, <attacker ip>`); those must not matter. The
addresses used are from the documentation ranges (RFC 5737).

Settings. The server runs the product's settings (cockpit.settings) unchanged but for one value: a
throwaway module in a temporary directory imports them and moves STATIC_ROOT into that directory,
so collectstatic (which DEBUG=0 needs: the manifest storage refuses unknown files) leaves no
staticfiles/ in the working tree for WhiteNoise to serve stale files from later.

The scenarios:
1. the Django admin login is throttled like the cockpit's: /admin/login/ leads to the cockpit login;
   15 wrong passwords there for the staff account, then the right one is refused (15 > 10 per
   account + IP); a POST of the right password straight to /admin/login/ signs nobody in.
2. a blocked account is refused even with the right password, at the cockpit login, and fast: the
   median time of refused attempts against that of wrong passwords shows the hash is skipped.
3. 60 accounts sprayed with a wrong password from one IP: stopped at the IP limit (the attempts after
   the 50th are refused as too many), and a right password for a sprayed account from that IP is
   refused too, while the same account signs in from another address.
4. spoofed forwarding headers do not reset it: from the blocked IP, varied client-written entries in
   front of the address the proxy saw are still refused.
5. a victim still signs in from their own IP while the attacker's IP is blocked on their account
   (15 wrong passwords from IP A, then the victim from IP B: 302), and the attacker's IP stays blocked.
6. the welcome-email limit (INVITATIONS_PER_HOUR) of one manager holds across the workers: of
   limit + 10 users created through the page, each on a new connection, exactly `limit` are created.
7. a logout ends the session on every worker: signed in, the cockpit answers on new connections; after
   POST /accounts/logout/ through one worker, the old session cookie is signed out on every worker.
8. (--store redis only) the list limit (LIST_REQUESTS_PER_USER, set to 40 for this check) counts across
   the workers: of 50 entity lists opened on new connections, exactly 40 are served, then 429. Without
   Redis production refuses the limit in each worker's memory, so this run switches it off.

`--scenarios 7,8` runs only those; by default every scenario the store allows.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cockpit_limits"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
SETTINGS_MODULE = "check_login_limits_settings"
LIST_LIMIT = 40  # the list limit of the Redis run: small, so that scenario 8 passes it with 50 pages

PASSWORD = "Limits-Check-2026-right"
STAFF_EMAIL = "ops@soobr-limits.example"
VICTIM_EMAIL = "victim@customer-limits.example"
MANAGER_EMAIL = "manager@owner-limits.example"
LEAVER_EMAIL = "leaver@customer-limits.example"
READER_EMAIL = "reader@customer-limits.example"
TOO_MANY_WELCOMES = "You have sent many invitations in the last hour"
TARGET_EMAILS = [f"target{n:02d}@customer-limits.example" for n in range(1, 61)]

LOGIN_PATH = "/accounts/login/"
ADMIN_LOGIN_PATH = "/admin/login/"
TOO_MANY = "Too many failed attempts"
WRONG_PASSWORD = "Please enter a correct email address and password"

# Client addresses, one set per scenario so that no counter of one scenario touches another's.
IP_ADMIN = "198.51.100.11"
IP_BLOCKED_ACCOUNT = "198.51.100.22"
IP_SPRAYER = "203.0.113.33"
IP_SPRAYED_ACCOUNT_ELSEWHERE = "203.0.113.34"
IP_ATTACKER = "198.51.100.55"
IP_VICTIM = "192.0.2.55"
IP_MANAGER = "192.0.2.66"
IP_LEAVER = "192.0.2.77"
IP_READER = "192.0.2.88"

SETTINGS_SOURCE = '''"""cockpit.settings for tools/check_login_limits.py, STATIC_ROOT in a temporary directory."""

import os
from pathlib import Path

from cockpit.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["CHECK_LOGIN_LIMITS_STATIC_ROOT"])
'''


# --------------------------------------------------------------------------------------------------
# The prepare step: runs in a subprocess with the server's environment.


def prepare() -> None:
    """Migrate, collect the static files, empty the cache store, seed the users; print the limits as JSON."""
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.core.management import call_command

    from accounts.models import User
    from entities.models import Company, CompanyGrant, Instance, Level, Role

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if settings.RATE_LIMIT_STORE == "cache":
        cache.clear()  # FLUSHDB of the Redis database REDIS_URL names (sessions live there too)
    instance = Instance.objects.create(slug="limits-check", name="Login limits check")
    operator = Company.objects.create(instance=instance, name="soobr AG (limits check)", is_operator=True)
    customer = Company.objects.create(instance=instance, name="Customer AG (limits check)")
    hashed = make_password(PASSWORD)  # one hash for all: 62 separate hashes would take half a minute
    User(email=STAFF_EMAIL, company=operator, is_staff=True, language="en", password=hashed).save()
    for email in [*TARGET_EMAILS, VICTIM_EMAIL, LEAVER_EMAIL, READER_EMAIL]:
        User(email=email, company=customer, language="en", password=hashed).save()
    CompanyGrant.objects.create(
        user=User.objects.get(email=READER_EMAIL),
        level=Level.CUSTOMER,
        company=customer,
        role=Role.objects.get(code="customer"),
    )
    owner = Company.objects.create(instance=instance, name="Owner AG (limits check)")
    manager = User(email=MANAGER_EMAIL, company=owner, language="en", password=hashed)
    manager.save()
    CompanyGrant.objects.create(
        user=manager, level=Level.OWNER, company=owner, role=Role.objects.get(code="projectmanager")
    )
    print(
        json.dumps(
            {
                "users": User.objects.count(),
                "store": settings.RATE_LIMIT_STORE,
                "cache": str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1],
                "trusted_proxies": settings.TRUSTED_PROXY_COUNT,
                "per_account_and_ip": settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP,
                "per_ip": settings.LOGIN_FAILURES_PER_IP,
                "ip_window": settings.LOGIN_THROTTLE_WINDOW_SECONDS,
                "per_account": settings.LOGIN_FAILURES_PER_ACCOUNT,
                "account_window": settings.LOGIN_ACCOUNT_WINDOW_SECONDS,
                "hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
                "welcomes_per_hour": settings.INVITATIONS_PER_HOUR,
                "list_limit": settings.LIST_REQUESTS_PER_USER,
                "session_engine": settings.SESSION_ENGINE,
                "cockpit": instance.slug,
                "owner": owner.pk,
            }
        )
    )


# --------------------------------------------------------------------------------------------------
# HTTP: a tiny browser over http.client, one new connection per request.


@dataclass
class Reply:
    status: int
    location: str
    text: str
    seconds: float
    cookies_set: list[str]


@dataclass
class Outcome:
    """What one sign-in attempt came to."""

    kind: str  # "signed in", "too many", "wrong password", or "other ..."
    reply: Reply


class Browser:
    """One client with its own cookie jar, seen by the server through the X-Forwarded-For our proxy appends."""

    def __init__(self, server: Server, client_ip: str):
        self.server = server
        self.client_ip = client_ip
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.next_value = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None, forwarded: str = "") -> Reply:
        headers = {
            "Host": f"127.0.0.1:{self.server.port}",
            "Accept-Language": "en",
            "Connection": "close",
            "X-Forwarded-For": forwarded or self.client_ip,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            seconds = time.perf_counter() - started
            cookies_set = []
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    cookies_set.append(name)
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            self.server.count_request()
            return Reply(response.status, response.getheader("Location") or "", text, seconds, cookies_set)
        finally:
            connection.close()

    def open_login(self, path: str = LOGIN_PATH) -> Reply:
        reply = self.request("GET", path)
        self._read_form(reply)
        return reply

    def login(self, email: str, password: str, path: str = LOGIN_PATH, forwarded: str = "") -> Outcome:
        if self.token is None:
            self.open_login(path)
        form = {"csrfmiddlewaretoken": self.token or "", "username": email, "password": password}
        if self.next_value:
            form["next"] = self.next_value
        reply = self.request("POST", path, form, forwarded=forwarded)
        self._read_form(reply)
        return Outcome(self.server.classify(reply), reply)

    def _read_form(self, reply: Reply) -> None:
        if reply.status != 200:
            return
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reply.text)
        if token:
            self.token = token.group(1)
        next_field = re.search(r'name="next" value="([^"]*)"', reply.text)
        self.next_value = next_field.group(1) if next_field else ""


@dataclass
class Server:
    port: int
    access_log: Path
    server_log: Path
    worker_count: int = 2
    requests: int = 0
    csrf_cookie: str = ""
    session_cookie: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_request(self) -> None:
        with self.lock:
            self.requests += 1

    def classify(self, reply: Reply) -> str:
        if reply.status == 302:
            new_session = [name for name in reply.cookies_set if name != self.csrf_cookie]
            if new_session:
                self.session_cookie = self.session_cookie or new_session[0]
                return "signed in"
            return f"other (302 to {reply.location}, no session cookie)"
        if reply.status == 200 and TOO_MANY in reply.text:
            return "too many"
        if reply.status == 200 and WRONG_PASSWORD in reply.text:
            return "wrong password"
        return f"other ({reply.status} {reply.text[:80]!r})"

    def log_offsets(self) -> tuple[int, int]:
        def size(log: Path) -> int:
            return log.stat().st_size if log.exists() else 0

        return size(self.access_log), size(self.server_log)

    def workers_since(self, offset: int) -> Counter[str]:
        """Worker PIDs (the access log's %(p)s) of the requests answered since `offset`."""
        lines = read_since(self.access_log, offset)
        return Counter(match.group(1) for line in lines if (match := re.match(r"<(\d+)>", line)))

    def security_log_since(self, offset: int) -> Counter[str]:
        """The accounts.security lines (throttle.py) since `offset`, by kind: failed, locked (...), refused (...)."""
        kinds: Counter[str] = Counter()
        for line in read_since(self.server_log, offset):
            if line.startswith("Sign-in failed"):
                kinds["failed"] += 1
            elif match := re.match(r"Sign-in locked \((\S+)\)", line):
                kinds[f"locked ({match.group(1)})"] += 1
            elif match := re.match(r"Sign-in refused, limit (\S+) reached", line):
                kinds[f"refused ({match.group(1)})"] += 1
        return kinds


def read_since(path: Path, offset: int) -> list[str]:
    if not path.exists():
        return []
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace").splitlines()


# --------------------------------------------------------------------------------------------------
# The scenarios.


@dataclass
class Result:
    title: str
    checks: list[tuple[bool, str]] = field(default_factory=list)
    seconds: float = 0.0
    workers: Counter[str] = field(default_factory=Counter)
    security_log: Counter[str] = field(default_factory=Counter)

    def check(self, ok: bool, text: str) -> bool:
        self.checks.append((ok, text))
        return ok

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(ok for ok, _ in self.checks)


def tally(outcomes: list[Outcome]) -> str:
    counts = Counter(outcome.kind for outcome in outcomes)
    return ", ".join(f"{count} × {kind}" for kind, count in counts.items()) or "none"


def expected_run(outcomes: list[Outcome], allowed: int, refused_as: str = "too many") -> bool:
    """The first `allowed` attempts were judged on the password (wrong), every later one refused as too many."""
    kinds = [outcome.kind for outcome in outcomes]
    return kinds == ["wrong password"] * allowed + [refused_as] * (len(kinds) - allowed)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def scenario_admin(server: Server, limits: dict) -> Result:
    result = Result("the admin login is throttled like the cockpit's")
    allowed, wrong = limits["per_account_and_ip"], 15
    result.check(wrong > allowed, f"{wrong} wrong passwords exceed the {allowed} allowed per account + IP")
    browser = Browser(server, IP_ADMIN)
    first = browser.request("GET", ADMIN_LOGIN_PATH)
    login_url = first.location
    result.check(
        first.status == 302 and urlsplit(login_url).path == LOGIN_PATH,
        f"GET {ADMIN_LOGIN_PATH} → {first.status} {login_url}",
    )
    page = browser.open_login(login_url or LOGIN_PATH)
    result.check(page.status == 200 and browser.token is not None, f"the login page reached from it: {page.status}")
    outcomes = [browser.login(STAFF_EMAIL, f"wrong-admin-{n}", login_url) for n in range(wrong)]
    result.check(
        expected_run(outcomes, allowed),
        f"{wrong} wrong passwords for the staff account: {tally(outcomes)} (expected {allowed} × wrong password, "
        f"{wrong - allowed} × too many)",
    )
    right = browser.login(STAFF_EMAIL, PASSWORD, login_url)
    result.check(right.kind == "too many", f"then the right password: {right.kind} ({right.reply.status})")
    # The admin's own login URL takes no password: a POST to it only redirects to the cockpit login.
    direct = Browser(server, IP_ADMIN)
    direct.open_login(LOGIN_PATH)  # for a CSRF token of this jar
    posted = direct.request(
        "POST",
        ADMIN_LOGIN_PATH,
        {"csrfmiddlewaretoken": direct.token or "", "username": STAFF_EMAIL, "password": PASSWORD},
    )
    result.check(
        posted.status == 302
        and urlsplit(posted.location).path == LOGIN_PATH
        and not [name for name in posted.cookies_set if name != server.csrf_cookie],
        f"the right password POSTed straight to {ADMIN_LOGIN_PATH}: {posted.status} → {posted.location}, "
        f"cookies set: {posted.cookies_set or 'none'}",
    )
    return result


def scenario_blocked_account(server: Server, limits: dict) -> Result:
    result = Result("a blocked account is refused even with the right password, and fast")
    allowed, wrong = limits["per_account_and_ip"], 15
    email = TARGET_EMAILS[0]
    browser = Browser(server, IP_BLOCKED_ACCOUNT)
    outcomes = [browser.login(email, f"wrong-cockpit-{n}") for n in range(wrong)]
    result.check(
        expected_run(outcomes, allowed),
        f"{wrong} wrong passwords for {email}: {tally(outcomes)} (expected {allowed} × wrong password, "
        f"{wrong - allowed} × too many)",
    )
    right = browser.login(email, PASSWORD)
    result.check(right.kind == "too many", f"then the right password: {right.kind} ({right.reply.status})")
    judged = [o.reply.seconds for o in outcomes if o.kind == "wrong password"]
    refused = [o.reply.seconds for o in [*outcomes, right] if o.kind == "too many"]
    if judged and refused:
        judged_ms, refused_ms = statistics.median(judged), statistics.median(refused)
        result.check(
            refused_ms < judged_ms / 2,
            f"median time: refused {ms(refused_ms)} (n={len(refused)}) vs. wrong password {ms(judged_ms)} "
            f"(n={len(judged)}, {limits['hasher']}): {judged_ms / refused_ms:.0f}× faster, the hash is skipped",
        )
    else:
        result.check(False, "no timings to compare")
    return result


def scenario_spray(server: Server, limits: dict) -> Result:
    result = Result("60 accounts sprayed from one IP are stopped at the IP limit")
    allowed = limits["per_ip"]
    result.check(len(TARGET_EMAILS) > allowed, f"{len(TARGET_EMAILS)} accounts exceed the {allowed} allowed per IP")
    # The first attempts, well below the limit, go in two concurrent streams (two cookie jars, both workers
    # hashing at once): quicker, and any lost update of the shared counter would let more than `allowed` through.
    # The attempts from just below the limit on go one by one, so the count is exact whatever the timing.
    concurrent = max(0, allowed - 2)
    streams = [Browser(server, IP_SPRAYER), Browser(server, IP_SPRAYER)]
    with ThreadPoolExecutor(max_workers=len(streams)) as pool:
        halves = [TARGET_EMAILS[n:concurrent:2] for n in range(len(streams))]
        futures = [
            pool.submit(lambda b, emails: [b.login(email, "Spring2026!") for email in emails], browser, half)
            for browser, half in zip(streams, halves, strict=True)
        ]
        first = [outcome for future in futures for outcome in future.result()]
    browser = streams[0]
    outcomes = first + [browser.login(email, "Spring2026!") for email in TARGET_EMAILS[concurrent:]]
    result.check(
        expected_run(outcomes, allowed),
        f"one wrong password for each of {len(TARGET_EMAILS)} accounts from {IP_SPRAYER} (the first {concurrent} "
        f"in two concurrent streams): {tally(outcomes)} (expected {allowed} × wrong password, then "
        f"{len(TARGET_EMAILS) - allowed} × too many)",
    )
    sprayed = TARGET_EMAILS[1]
    right = browser.login(sprayed, PASSWORD)
    result.check(
        right.kind == "too many", f"the right password for {sprayed} from {IP_SPRAYER}: {right.kind} (expected refused)"
    )
    elsewhere = Browser(server, IP_SPRAYED_ACCOUNT_ELSEWHERE).login(sprayed, PASSWORD)
    result.check(
        elsewhere.kind == "signed in",
        f"the same from {IP_SPRAYED_ACCOUNT_ELSEWHERE}: {elsewhere.kind} ({elsewhere.reply.status} → "
        f"{elsewhere.reply.location or '-'}), so it was the IP limit that refused",
    )
    return result


def scenario_spoofing(server: Server, limits: dict) -> Result:
    result = Result("spoofed X-Forwarded-For entries do not reset the block")
    rng = random.Random()  # noqa: S311 - addresses for a test, not secrets

    def any_ip() -> str:
        return ".".join(str(rng.randrange(1, 255)) for _ in range(4))

    written_by_client = [
        any_ip(),
        f"{any_ip()}, {any_ip()}",
        f"{any_ip()}, {any_ip()}, {any_ip()}",
        IP_SPRAYED_ACCOUNT_ELSEWHERE,
        "127.0.0.1",
        "::1",
        "unknown",
        IP_SPRAYER,
    ]
    browser = Browser(server, IP_SPRAYER)
    browser.open_login()
    outcomes = []
    for entries in written_by_client:
        outcomes.append(browser.login(TARGET_EMAILS[1], PASSWORD, forwarded=f"{entries}, {IP_SPRAYER}"))
        outcomes.append(browser.login(TARGET_EMAILS[-1], f"wrong-{entries}", forwarded=f"{entries}, {IP_SPRAYER}"))
    result.check(
        all(outcome.kind == "too many" for outcome in outcomes),
        f"{len(outcomes)} attempts from the blocked {IP_SPRAYER} with client-written entries in front "
        f"(e.g. 'X-Forwarded-For: {written_by_client[1]}, {IP_SPRAYER}'), right and wrong passwords: "
        f"{tally(outcomes)} (expected all too many)",
    )
    return result


def scenario_victim(server: Server, limits: dict) -> Result:
    result = Result("the victim signs in from their own IP while the attacker's IP is blocked")
    allowed, wrong = limits["per_account_and_ip"], 15
    attacker = Browser(server, IP_ATTACKER)
    outcomes = [attacker.login(VICTIM_EMAIL, f"guess-{n}") for n in range(wrong)]
    result.check(
        expected_run(outcomes, allowed),
        f"{wrong} wrong passwords for {VICTIM_EMAIL} from {IP_ATTACKER}: {tally(outcomes)} "
        f"(expected {allowed} × wrong password, {wrong - allowed} × too many)",
    )
    victim = Browser(server, IP_VICTIM).login(VICTIM_EMAIL, PASSWORD)
    result.check(
        victim.kind == "signed in" and victim.reply.location == "/",
        f"the victim from {IP_VICTIM} with the right password: {victim.kind} ({victim.reply.status} → "
        f"{victim.reply.location or '-'})",
    )
    again = attacker.login(VICTIM_EMAIL, PASSWORD)
    result.check(
        again.kind == "too many",
        f"after that, the right password from {IP_ATTACKER}: {again.kind} (expected refused: the victim's "
        "success forgets only their own address's failures)",
    )
    return result


def scenario_welcome_limit(server: Server, limits: dict) -> Result:
    result = Result("the welcome-email limit of one manager counts across the workers")
    allowed, extra = limits["welcomes_per_hour"], 10
    manager = Browser(server, IP_MANAGER)
    signed_in = manager.login(MANAGER_EMAIL, PASSWORD)
    result.check(signed_in.kind == "signed in", f"the manager signs in: {signed_in.kind}")
    create_path = f"/c/{limits['cockpit']}/users/new/"
    outcomes: Counter[str] = Counter()
    for number in range(allowed + extra):
        manager._read_form(manager.request("GET", create_path))
        reply = manager.request(
            "POST",
            create_path,
            {
                "csrfmiddlewaretoken": manager.token or "",
                "email": f"new{number:03d}@owner-limits.example",
                "first_name": "New",
                "last_name": f"User {number}",
                "company": str(limits["owner"]),
                "language": "en",
                "company-TOTAL_FORMS": "0",
                "company-INITIAL_FORMS": "0",
                "entity-TOTAL_FORMS": "0",
                "entity-INITIAL_FORMS": "0",
            },
        )
        if reply.status == 302:
            outcomes["created, welcome email queued"] += 1
        elif reply.status == 400 and TOO_MANY_WELCOMES in reply.text:
            outcomes["refused: too many welcome emails"] += 1
        else:
            outcomes[f"other ({reply.status})"] += 1
    result.check(
        outcomes == Counter({"created, welcome email queued": allowed, "refused: too many welcome emails": extra}),
        f"{allowed + extra} users created by one manager, each request on a new connection: "
        + ", ".join(f"{count} × {kind}" for kind, count in outcomes.items())
        + f" (expected {allowed} created, {extra} refused: the limit is {allowed} per hour for all workers together)",
    )
    return result


def side_by_side(server: Server, client_ip: str, cookies: dict[str, str], path: str, count: int) -> list[Reply]:
    """`count` GETs with these cookies, eight at a time on new connections: every worker gets some."""

    def one(_number: int) -> Reply:
        browser = Browser(server, client_ip)
        browser.cookies = dict(cookies)
        return browser.request("GET", path)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def scenario_logout(server: Server, limits: dict) -> Result:
    result = Result("a logout ends the session on every worker")
    browser = Browser(server, IP_LEAVER)
    signed_in = browser.login(LEAVER_EMAIL, PASSWORD)
    result.check(signed_in.kind == "signed in", f"signed in: {signed_in.kind} ({limits['session_engine']})")
    cockpit = f"/c/{limits['cockpit']}/"
    old_cookies = dict(browser.cookies)  # the cookie a thief kept, or a second tab of the browser
    offset, _ = server.log_offsets()
    before = Counter(reply.status for reply in side_by_side(server, IP_LEAVER, old_cookies, cockpit, 24))
    time.sleep(0.05)
    result.check(
        before == Counter({200: 24}) and len(server.workers_since(offset)) == server.worker_count,
        f"the cockpit on 24 new connections, eight at a time, before logging out: {dict(before)}, "
        f"answered by {len(server.workers_since(offset))} workers (each now holds the session)",
    )
    page = browser.request("GET", cockpit)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    logout = browser.request("POST", "/accounts/logout/", {"csrfmiddlewaretoken": token.group(1) if token else ""})
    result.check(logout.status == 302, f"POST /accounts/logout/ through one worker: {logout.status}")
    offset, _ = server.log_offsets()
    after = Counter(
        "signed out" if reply.status == 302 and urlsplit(reply.location).path == LOGIN_PATH else str(reply.status)
        for reply in side_by_side(server, IP_LEAVER, old_cookies, cockpit, 24)
    )
    time.sleep(0.05)
    result.check(
        after == Counter({"signed out": 24}) and len(server.workers_since(offset)) == server.worker_count,
        f"the old session cookie on 24 new connections afterwards: {dict(after)} (expected 24 × signed out), "
        f"answered by {len(server.workers_since(offset))} workers",
    )
    return result


def scenario_list_limit(server: Server, limits: dict) -> Result:
    result = Result("the list limit counts across the workers")
    allowed, asked = limits["list_limit"], 50
    result.check(0 < allowed < asked, f"the limit in force: {allowed} lists per person and window")
    browser = Browser(server, IP_READER)
    signed_in = browser.login(READER_EMAIL, PASSWORD)
    result.check(signed_in.kind == "signed in", f"signed in: {signed_in.kind}")
    statuses = [browser.request("GET", f"/c/{limits['cockpit']}/entities/").status for _ in range(asked)]
    result.check(
        statuses == [200] * allowed + [429] * (asked - allowed),
        f"{asked} entity lists, each on a new connection: {dict(Counter(statuses))} (expected {allowed} × 200, "
        f"then {asked - allowed} × 429)",
    )
    return result


SCENARIO_FUNCTIONS: list[Callable[[Server, dict], Result]] = [
    scenario_admin,
    scenario_blocked_account,
    scenario_spray,
    scenario_spoofing,
    scenario_victim,
    scenario_welcome_limit,
    scenario_logout,
    scenario_list_limit,
]
NEEDS_REDIS = {8}


# --------------------------------------------------------------------------------------------------
# Database, environment, server.


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise SystemExit(f"--database-url must name a plain database (letters, digits, _), got {name!r}")
    return name


def recreate_database(url: str, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def counters_in_store(args: argparse.Namespace) -> str:
    """Where the sign-in counters ended up: rows of the counter table, or keys in the Redis database."""
    try:
        if args.store == "redis":
            import redis

            client = redis.Redis.from_url(args.redis_url)
            keys = sum(1 for _ in client.scan_iter(match="*login:*", count=1000))
            return f"{keys} login:* keys in Redis {args.redis_url}"
        import psycopg

        with psycopg.connect(args.database_url) as connection:
            row = connection.execute(
                "SELECT count(*) FROM accounts_ratelimitcounter WHERE key LIKE %s", ["login:%"]
            ).fetchone()
        return f"{row[0] if row else 0} login:* rows in the table accounts_ratelimitcounter"
    except Exception as error:  # only a report line
        return f"could not look: {error!r}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plain_http_environment(database_url: str, port: int, workdir: Path) -> dict[str, str]:
    """The production environment over plain HTTP on 127.0.0.1, built from scratch: nothing of the caller's
    Django settings leaks in. Only the HTTPS hardening is off; STATIC_ROOT is in `workdir` (SETTINGS_SOURCE)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(workdir), str(BASE_DIR)]),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "CHECK_LOGIN_LIMITS_STATIC_ROOT": str(workdir / "staticfiles"),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "COCKPIT_BASE_URL": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            # The checks send no email and no SMS; a real backend or gateway would need credentials.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "SMS_ENABLED": "0",
        }
    )
    return env


def server_environment(args: argparse.Namespace, port: int, workdir: Path) -> dict[str, str]:
    env = plain_http_environment(args.database_url, port, workdir)
    env["TRUSTED_PROXY_COUNT"] = "1"
    if args.store == "redis":
        env.update(
            {"RATE_LIMIT_STORE": "cache", "REDIS_URL": args.redis_url, "LIST_REQUESTS_PER_USER": str(LIST_LIMIT)}
        )
    else:
        # Without Redis, sessions live in the database and the list limit, counted in the cache, is off:
        # production refuses it in each worker's memory.
        env.update({"RATE_LIMIT_STORE": "database", "LIST_REQUESTS_PER_USER": "0"})
    return env


def start_gunicorn(
    env: dict[str, str], port: int, workdir: Path, workers: int, output: IO[bytes]
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cockpit.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(BASE_DIR),
        "--access-logfile",
        str(workdir / "access.log"),
        "--access-logformat",
        '%(p)s %(s)s %(m)s %(U)s %(M)sms "%({x-forwarded-for}i)s"',
        "--error-logfile",
        str(workdir / "error.log"),
    ]
    # The workers' stderr (Django's console logging, with accounts.security) goes to server.log.
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, env=env, cwd=BASE_DIR, stdout=output, stderr=subprocess.STDOUT
    )


def wait_until_up(server: Server, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            reply = Browser(server, "192.0.2.1").request("GET", LOGIN_PATH)
        except OSError:
            time.sleep(0.2)
            continue
        if reply.status == 200:
            return
        raise RuntimeError(f"GET {LOGIN_PATH} answered {reply.status}: {reply.text[:300]!r}")
    raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return "(none)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.check_login_limits",
        description="Check the sign-in limits against gunicorn with the production configuration.",
    )
    parser.add_argument("--store", choices=["database", "redis"], default="database", help="where counters live")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"PostgreSQL database to (re)create; dropped first if it exists (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"for --store redis; emptied first (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--scenarios", default="", help="numbers to run, e.g. 7,8 (default: every scenario the store allows)"
    )
    parser.add_argument("--drop-database", action="store_true", help="drop the database at the end")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def chosen_scenarios(args: argparse.Namespace) -> list[int]:
    allowed = [n for n in range(1, len(SCENARIO_FUNCTIONS) + 1) if args.store == "redis" or n not in NEEDS_REDIS]
    if not args.scenarios:
        return allowed
    asked = [int(part) for part in args.scenarios.split(",") if part.strip()]
    unknown = [n for n in asked if n not in allowed]
    if unknown:
        raise SystemExit(f"scenarios {unknown} cannot run with --store {args.store} (possible: {allowed})")
    return asked


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare:
        prepare()
        return 0
    numbers = chosen_scenarios(args)
    database_name(args.database_url)
    started = time.perf_counter()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="check-login-limits-") as tmp:
        workdir = Path(tmp)
        (workdir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
        env = server_environment(args, port, workdir)
        print(f"Login limits check: gunicorn cockpit.wsgi, {args.workers} workers, store={args.store}")
        recreate_database(args.database_url)
        prepared = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "tools.check_login_limits", "--prepare"],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if prepared.returncode != 0:
            print(prepared.stdout, prepared.stderr, sep="\n", file=sys.stderr)
            print("FAIL: could not prepare the database", file=sys.stderr)
            if args.drop_database:
                recreate_database(args.database_url, drop_only=True)
            return 2
        limits = json.loads(prepared.stdout.strip().splitlines()[-1])
        prepare_seconds = time.perf_counter() - started
        print(
            f"  database {database_name(args.database_url)} recreated and migrated, {limits['users']} users, "
            f"static files collected ({prepare_seconds:.1f} s)"
        )
        print(
            f"  counters: RATE_LIMIT_STORE={limits['store']} (cache backend {limits['cache']}"
            + (f", {args.redis_url}" if args.store == "redis" else "")
            + f"); TRUSTED_PROXY_COUNT={limits['trusted_proxies']}"
        )
        print(
            f"  limits in force (defaults): {limits['per_account_and_ip']} failures per account + IP and "
            f"{limits['per_ip']} per IP in {limits['ip_window'] // 60} min, {limits['per_account']} per account "
            f"in {limits['account_window'] // 60} min; password hasher {limits['hasher']}"
        )
        server = Server(
            port=port,
            access_log=workdir / "access.log",
            server_log=workdir / "server.log",
            worker_count=args.workers,
        )
        output = server.server_log.open("wb")
        process = start_gunicorn(env, port, workdir, args.workers, output)
        results: list[Result] = []
        try:
            wait_until_up(server, process)
            warm = Browser(server, "192.0.2.1")
            for _ in range(2 * args.workers):
                page = warm.open_login()
                csrf = [name for name in page.cookies_set if "csrf" in name.lower()]
                server.csrf_cookie = server.csrf_cookie or (csrf[0] if csrf else "")
            print(
                f"  gunicorn up on 127.0.0.1:{port} ({time.perf_counter() - started:.1f} s); CSRF cookie "
                f"{server.csrf_cookie or '(none seen)'}"
            )
            print()
            for number in numbers:
                scenario = SCENARIO_FUNCTIONS[number - 1]
                (access_offset, server_offset), began = server.log_offsets(), time.perf_counter()
                try:
                    result = scenario(server, limits)
                except Exception as error:  # a crash is a failed scenario, the others still run
                    result = Result(scenario.__name__)
                    result.check(False, f"crashed: {error!r}")
                result.seconds = time.perf_counter() - began
                time.sleep(0.05)  # let the access log catch up
                result.workers = server.workers_since(access_offset)
                result.security_log = server.security_log_since(server_offset)
                results.append(result)
                print(f"{number}. {'PASS' if result.passed else 'FAIL'}  {result.title}  ({result.seconds:.1f} s)")
                for ok, text in result.checks:
                    print(f"     {'ok ' if ok else 'NO '} {text}")
                print(
                    f"     answered by {len(result.workers)} worker PIDs: "
                    + ", ".join(f"{pid} × {count}" for pid, count in sorted(result.workers.items()))
                )
                print(
                    "     accounts.security log: "
                    + (", ".join(f"{count} × {kind}" for kind, count in result.security_log.items()) or "nothing")
                )
        except Exception as error:
            print(f"FAIL: {error}", file=sys.stderr)
        finally:
            stop(process)
            output.close()
            all_workers = server.workers_since(0)
            in_store = counters_in_store(args)
            if not all(result.passed for result in results) or len(results) < len(numbers):
                for log in ("error.log", "server.log"):
                    print(f"\n--- gunicorn {log} (last lines) ---\n{tail(workdir / log)}", file=sys.stderr)
            if args.drop_database:
                recreate_database(args.database_url, drop_only=True)
    passed = sum(result.passed for result in results)
    print()
    print(
        f"{server.requests} requests, answered by {len(all_workers)} worker PIDs ("
        + ", ".join(f"{pid}: {count}" for pid, count in sorted(all_workers.items()))
        + f"); session cookie {server.session_cookie or '(none seen)'}"
    )
    print(f"counters in the shared store after the run: {in_store} (sign-in; welcome emails count as invite:*)")
    print(f"{passed} of {len(numbers)} passed in {time.perf_counter() - started:.1f} s")
    return 0 if passed == len(numbers) else 1


if __name__ == "__main__":
    sys.exit(main())
