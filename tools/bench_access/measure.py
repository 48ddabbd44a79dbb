"""The measurements: each times one call per persona (or a few) and gives one row per persona, in report order."""

import gc
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast
from unittest import mock
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from accounts.second_factor import second_factor_required
from entities.access import EntityPage, EntityRow, NamedRef, Subject, entity_page, request_scope, visible_entities
from entities.models import BusinessEntity, Instance, Level
from entities.selectors import LIST_PAGE_SIZE
from tools.bench_access.dataset import KINDS, Persona


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Row:
    measurement: str
    persona: str
    visible: int | None
    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


@dataclass
class Timer:
    iterations: int
    warmup: int

    @property
    def warmup_runs(self) -> int:
        return min(self.warmup, self.iterations)

    def time(self, row: Row, call: Callable[[], object]) -> Row:
        """Run `call` untimed `warmup_runs` times, then record `iterations` timings in ms into `row`."""
        for _ in range(self.warmup_runs):
            call()
        gc.collect()
        samples = row.samples
        for _ in range(self.iterations):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return row

    def time_side_by_side(self, timed: Sequence[tuple[Row, Callable[[], object]]]) -> list[Row]:
        """Like `time`, but each iteration runs every call once, in turn: a shared machine's slow minute then
        slows them all alike, and their ratio holds where their milliseconds would not."""
        for _ in range(self.warmup_runs):
            for _row, call in timed:
                call()
        gc.collect()
        for _ in range(self.iterations):
            for row, call in timed:
                started = time.perf_counter()
                call()
                row.samples.append((time.perf_counter() - started) * 1000)
        return [row for row, _call in timed]


# ---------------------------------------------------------------------- the guardian baseline


def guardian_entities(user: User, instance: Instance) -> QuerySet[BusinessEntity]:
    """The entities a twin holds a per-entity object permission on, as django-guardian lists them."""
    return get_objects_for_user(
        user,
        "entities.hold_role",
        klass=BusinessEntity.objects.filter(instance=instance),
        with_superuser=False,
        accept_global_perms=False,
    )


def guardian_list_page(*, subject: Subject, instance: Instance, **_filters: object) -> EntityPage:
    """The list's page 1 and count as a guardian-based product would read them, for our view and template.

    Guardian knows permissions, not roles, so every row shows one fixed role name; it
    needs the user object, which the view hands over only as the access subject.
    """
    queryset = guardian_entities(User(pk=subject.user_id, is_active=True), instance)
    total = queryset.count()
    entities = queryset.select_related("owner", "service_provider", "customer").order_by("name", "id")
    role = NamedRef(0, "Projectmanager")
    # Model instances, not EntityRows: the template reads the same attributes, as a guardian-based page would.
    rows = [(entity, role, Level.ENTITY) for entity in entities[:LIST_PAGE_SIZE]]
    return EntityPage(
        rows=cast(list[tuple[EntityRow, NamedRef, str]], rows),
        total=total,
        number=1,
        per_page=LIST_PAGE_SIZE,
        cap=settings.ENTITY_LIST_COUNT_CAP,
    )


# ---------------------------------------------------------------------- the calls timed


def check_list_shows(client: Client, url: str, persona: Persona) -> None:
    """The list answers the persona 200 with its first entity as a row: the cockpit gate let them in."""
    response = client.get(url, secure=True)
    if response.status_code != 200 or persona.entity.name not in response.content.decode():
        raise CommandError(
            f"GET {url} as {persona.name} answered {response.status_code} without the row {persona.entity.name!r}."
        )


def page_request(client: Client, url: str, expected: int = 200) -> Callable[[], None]:
    def call() -> None:
        response = client.get(url, secure=True)
        if response.status_code != expected:
            raise CommandError(f"GET {url} answered {response.status_code}, expected {expected}.")

    return call


def permission_check(user: User, entity: BusinessEntity) -> Callable[[], None]:
    def call() -> None:
        for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(cache, None)
        if not user.has_perm("entities.view_master_data", entity):
            raise CommandError(f"{user.email} may not view master data of entity {entity.pk}.")

    return call


def raw_sql(queries: list[tuple[str, Any]]) -> Callable[[], None]:
    def call() -> None:
        with connection.cursor() as cursor:
            for sql, params in queries:
                cursor.execute(sql, params)
                cursor.fetchall()

    return call


def our_entity_page(subject: Subject, instance: Instance) -> Callable[[], None]:
    """entity_page as a page calls it: within one request's memory (a share's kinds of scope are read once)."""

    def call() -> None:
        with request_scope():
            entity_page(subject, instance, cap=settings.ENTITY_LIST_COUNT_CAP)

    return call


def general_queryset(subject: Subject, instance: Instance) -> Callable[[], None]:
    def call() -> None:
        queryset = visible_entities(subject, instance)
        list(queryset.order_by("name", "id")[:50])
        queryset.count()

    return call


def guardian_query(twin: User, instance: Instance) -> Callable[[], None]:
    def call() -> None:
        queryset = guardian_entities(twin, instance)
        list(queryset.order_by("name", "id")[:LIST_PAGE_SIZE])
        queryset.count()

    return call


def capture_list_queries(user: User, instance: Instance) -> list[tuple[str, Any]]:
    """The exact SQL and parameters the list page sends for page 1 and its count (one statement).

    Asked a second time within one request, as the page asks it after the layout: what a request
    reads once (a share's kinds of scope) is read by then.
    """
    captured: list[tuple[str, Any]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with request_scope():
        entity_page(user.access_subject(), instance, cap=settings.ENTITY_LIST_COUNT_CAP)
        with connection.execute_wrapper(record):
            entity_page(user.access_subject(), instance, cap=settings.ENTITY_LIST_COUNT_CAP)
    if len(captured) != 1:
        raise CommandError(f"entity_page sent {len(captured)} statements, expected one.")
    return captured


# ---------------------------------------------------------------------- the measurements


@contextmanager
def production_like() -> Iterator[None]:
    """No query log (DEBUG=0 logs nothing), plain 404 template; the test host is allowed.

    The list limit is lifted: each persona opens its list thousands of times, far above
    what a person may (LIST_REQUESTS_PER_USER), and the limit's own cost stays measured.
    """
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)  # the 404 floor would log a warning per request
    try:
        with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, LIST_REQUESTS_PER_USER=10**9):
            yield
    finally:
        request_log.setLevel(level)


def measure(
    out: OutputWrapper, timer: Timer, instance: Instance, personas: dict[str, Persona], *, baselines: bool = True
) -> list[Row]:
    """Every measurement, in the order the report lists them; the general and guardian baselines if asked."""
    with production_like():
        list_url = reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})
        clients = logged_in_clients(personas)
        out.write("")
        out.write(f"Measuring ({timer.iterations} iterations each after {timer.warmup_runs} warm-up)...")
        return [
            *measure_side_by_side(timer, instance, personas, clients, list_url, guardian=baselines),
            measure_request_floor(timer, instance, clients["heavy"]),
            *measure_list_pages(timer, personas, clients, list_url),
            *measure_detail_pages(timer, instance, personas, clients),
            *measure_permission_checks(timer, personas),
            *measure_sql_floors(timer, instance, personas),
            *measure_entity_pages(timer, instance, personas),
            *(measure_general_querysets(timer, instance, personas) if baselines else []),
            *(measure_guardian_queries(timer, instance, personas) if baselines else []),
            *(measure_guardian_list_pages(timer, personas, list_url) if baselines else []),
        ]


def logged_in_clients(personas: dict[str, Persona]) -> dict[str, Client]:
    return {name: logged_in_client(persona.user) for name, persona in personas.items()}


def logged_in_client(user: User) -> Client:
    """A client with the user's session; verified with the user's authenticator app where the policy asks for it."""
    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise CommandError(f"{user.email} must give a second factor and has no device; run again with --reseed.")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


DETAIL_PERSONAS = ("heavy", "owner", "show-all", "share")


def measure_request_floor(timer: Timer, instance: Instance, client: Client) -> Row:
    """A logged-in request that the middleware answers with a 404: what every page costs before its own work."""
    floor = page_request(client, f"/c/{instance.slug}/does-not-exist/", expected=404)
    return timer.time(Row("floor: logged-in request through middleware (404)", "heavy", None), floor)


SIDE_BY_SIDE = "side by side: "
NOT_CACHED = "list page 1, not cached"


def measure_side_by_side(
    timer: Timer,
    instance: Instance,
    personas: dict[str, Persona],
    clients: dict[str, Client],
    list_url: str,
    *,
    guardian: bool,
) -> list[Row]:
    """Issue 27's yardsticks, each persona's timed in turn within every iteration: its signed-in 404 (the floor),
    its list page as served (from the cache after the first time) and read from the database, the page's statement
    through a bare cursor, and the twin's list page with guardian's rows."""
    rows = []
    for name, persona in personas.items():
        client = clients[name]
        statement = raw_sql(capture_list_queries(persona.user, instance))
        served = page_request(client, list_url)

        def not_cached(page: Callable[[], None] = served) -> None:
            with override_settings(ACCESS_CACHE_PAGES=False):
                page()

        timed: list[tuple[Row, Callable[[], object]]] = [
            (Row(f"{SIDE_BY_SIDE}floor (404)", name, None), page_request(client, f"/c/{instance.slug}/nothing/", 404)),
            (Row(f"{SIDE_BY_SIDE}list page 1", name, persona.visible), served),
            (Row(f"{SIDE_BY_SIDE}{NOT_CACHED}", name, persona.visible), not_cached),
            (Row(f"{SIDE_BY_SIDE}raw SQL", name, persona.visible), statement),
        ]
        if guardian and persona.twin is not None:
            twin_page = page_request(logged_in_client(persona.twin), list_url)

            def with_guardian_rows(page: Callable[[], None] = twin_page) -> None:
                with mock.patch("entities.views.entity_list_page", guardian_list_page):
                    page()

            timed.append((Row(f"{SIDE_BY_SIDE}guardian list page", name, persona.twin_rows), with_guardian_rows))
        rows += timer.time_side_by_side(timed)
    return rows


def measure_list_pages(
    timer: Timer, personas: dict[str, Persona], clients: dict[str, Client], list_url: str
) -> list[Row]:
    for name, persona in personas.items():
        check_list_shows(clients[name], list_url, persona)
    rows = [
        timer.time(
            Row("list page 1 + count (HTTP, in-process)", name, persona.visible), page_request(clients[name], list_url)
        )
        for name, persona in personas.items()
    ]
    # A word on every eighth entity (walked in name order up to the cap) and one on none
    # (found through the trigram indexes): the two ends of what a search costs.
    for label, word in (("common word", KINDS[0]), ("no match", "Zzyzx")):
        rows += [
            timer.time(
                Row(f"search, {label} (HTTP, in-process)", name, persona.visible),
                page_request(clients[name], f"{list_url}?{urlencode({'q': word})}"),
            )
            for name, persona in personas.items()
        ]
    return rows


def measure_detail_pages(
    timer: Timer, instance: Instance, personas: dict[str, Persona], clients: dict[str, Client]
) -> list[Row]:
    """The first tab of the persona's first entity, for the heavy, owner, show-all and share personas."""
    rows = []
    for name in DETAIL_PERSONAS:
        persona = personas[name]
        detail_url = reverse("entities:entity-detail", kwargs={"instance_slug": instance.slug, "pk": persona.entity.pk})
        response = clients[name].get(detail_url, secure=True)
        if response.status_code in (301, 302):
            detail_url = response.headers["Location"]
        rows.append(
            timer.time(
                Row("detail page, first tab (HTTP)", name, persona.visible), page_request(clients[name], detail_url)
            )
        )
    return rows


def measure_permission_checks(timer: Timer, personas: dict[str, Persona]) -> list[Row]:
    return [
        timer.time(
            Row("has_perm view_master_data (fresh user)", name, persona.visible),
            permission_check(persona.user, persona.entity),
        )
        for name, persona in personas.items()
    ]


def measure_sql_floors(timer: Timer, instance: Instance, personas: dict[str, Persona]) -> list[Row]:
    """The list page's one statement, as captured from entity_page, sent through a bare cursor."""
    return [
        timer.time(
            Row("floor: raw SQL page 1 + count (cursor)", name, persona.visible),
            raw_sql(capture_list_queries(persona.user, instance)),
        )
        for name, persona in personas.items()
    ]


def measure_entity_pages(timer: Timer, instance: Instance, personas: dict[str, Persona]) -> list[Row]:
    return [
        timer.time(
            Row("ours: entity_page page 1 + count", name, persona.visible),
            our_entity_page(persona.user.access_subject(), instance),
        )
        for name, persona in personas.items()
    ]


def measure_general_querysets(timer: Timer, instance: Instance, personas: dict[str, Persona]) -> list[Row]:
    return [
        timer.time(
            Row("general visible_entities QuerySet, page 1 + exact count", name, persona.visible),
            general_queryset(persona.user.access_subject(), instance),
        )
        for name, persona in personas.items()
    ]


def twins(personas: dict[str, Persona]) -> dict[str, User]:
    """The guardian twins by persona; personas that see every entity have none."""
    return {name: persona.twin for name, persona in personas.items() if persona.twin is not None}


def measure_guardian_queries(timer: Timer, instance: Instance, personas: dict[str, Persona]) -> list[Row]:
    return [
        timer.time(
            Row("guardian baseline: get_objects_for_user page 1 + count", name, personas[name].twin_rows),
            guardian_query(twin, instance),
        )
        for name, twin in twins(personas).items()
    ]


def measure_guardian_list_pages(timer: Timer, personas: dict[str, Persona], list_url: str) -> list[Row]:
    """Our list view and template with guardian's rows, logged in as each persona's twin."""
    rows = []
    for name, twin in twins(personas).items():
        client = logged_in_client(twin)
        with mock.patch("entities.views.entity_list_page", guardian_list_page):
            rows.append(
                timer.time(
                    Row("guardian baseline: list page 1 + count (HTTP)", name, personas[name].twin_rows),
                    page_request(client, list_url),
                )
            )
    return rows
