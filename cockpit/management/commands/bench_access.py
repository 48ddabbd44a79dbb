"""Benchmark the access resolver on a large data set: list page, detail page, one permission check.

Seeds (or reuses) a data set in the instance with slug "bench", then measures p50/p95 of
- the entity list page (page 1 with total count) and an entity's first tab, in-process via django.test.Client;
- one `user.has_perm("entities.view_master_data", entity)` on a fresh user object;
- floors: a logged-in 404 through the whole middleware stack, and the list queries as raw SQL on a cursor;
- a peer baseline: the same list from django-guardian's get_objects_for_user over per-entity permissions,
  for a "twin" user holding one object permission per entity its persona sees: as a query, and as the
  whole list page (our view and template, rows from guardian) so that page compares with page.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/cockpit_bench python manage.py bench_access

The bench data bypasses the services (bulk_create) but keeps every constraint the services keep.
"""

import gc
import logging
import math
import os
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from entities.access import EntityPage, NamedRef, Subject, decode_access_key, entity_page, visible_entities
from entities.models import BusinessEntity, Company, CompanyGrant, EntityGrant, Instance, Level, ProjectForm, Role
from entities.selectors import LIST_PAGE_SIZE
from entities.services import hold_role_permission

BENCH_SLUG = "bench"
EMAIL_DOMAIN = "bench.example"
BATCH = 5_000

DEFAULTS = {"entities": 100_000, "users": 10_000, "company_grants": 40_000, "entity_grants": 10_000, "iterations": 200}
SMALL = {"entities": 5_000, "users": 500, "company_grants": 2_000, "entity_grants": 500, "iterations": 50}

# Roles handed out at each level; none is operator-only (bench users are customers) and
# none is special (special roles are granted on single entities only).
LEVEL_ROLES = {
    Level.OWNER: ["projectmanager", "owner-project-manager", "manager", "projectmanager-extended", "team-leader"],
    Level.SERVICE_PROVIDER: ["provider-project-manager", "team-leader", "manager", "projectmanager"],
    Level.CUSTOMER: ["customer", "customer-expanded", "customer-analytics-only", "quality-feedback-users"],
}
SCOPED_ROLE = "easy-project-leader"  # a few owner grants act on "easy" entities only
ENTITY_ROLES = ["projectmanager", "customer", "team-leader", "tablet-provider", "cad-plan-provider", "manager"]
LEVEL_SHARE = [(Level.OWNER, 0.45), (Level.SERVICE_PROVIDER, 0.20), (Level.CUSTOMER, 0.35)]

KINDS = ["Bürohaus", "Schulhaus", "Klinik", "Logistikzentrum", "Filiale", "Campus", "Werkhof", "Rathaus"]
STREETS = ["Seefeldstrasse", "Bahnhofstrasse", "Limmatquai", "Hardturmstrasse", "Rheingasse", "Marktgasse"]
CITIES = ["8001 Zürich", "8400 Winterthur", "4051 Basel", "3011 Bern", "6003 Luzern", "9000 St. Gallen"]

PERSONAS = ["entity-only", "owner", "provider", "customer", "heavy"]


def persona_email(name: str) -> str:
    return f"persona-{name}@{EMAIL_DOMAIN}"


def twin_email(name: str) -> str:
    return f"twin-{name}@{EMAIL_DOMAIN}"


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


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


def guardian_entities(user: User, instance: Instance):
    """The entities a twin holds a per-entity object permission on, as django-guardian lists them."""
    return get_objects_for_user(
        user,
        "entities.hold_role",
        klass=BusinessEntity.objects.filter(instance=instance),
        with_superuser=False,
        accept_global_perms=False,
    )


def guardian_list_page(*, subject: Subject, instance: Instance, **_filters) -> EntityPage:
    """The list's page 1 and count as a guardian-based product would read them, for our view and template.

    Guardian knows permissions, not roles, so every row shows one fixed role name; it
    needs the user object, which the view hands over only as the access subject.
    """
    queryset = guardian_entities(User(pk=subject.user_id, is_active=True), instance)
    total = queryset.count()
    entities = queryset.select_related("owner", "service_provider", "customer").order_by("name", "id")
    role = NamedRef(0, "Projectmanager")
    return EntityPage(
        rows=[(entity, role, Level.ENTITY) for entity in entities[:LIST_PAGE_SIZE]],
        total=total,
        number=1,
        per_page=LIST_PAGE_SIZE,
        cap=settings.ENTITY_LIST_COUNT_CAP,
    )


class Command(BaseCommand):
    help = "Seed (or reuse) a large access data set in instance 'bench' and measure list, detail and permission checks."

    def add_arguments(self, parser):
        parser.add_argument("--entities", type=int, help=f"business entities (default {DEFAULTS['entities']:,})")
        parser.add_argument("--users", type=int, help=f"users (default {DEFAULTS['users']:,})")
        parser.add_argument(
            "--company-grants", type=int, help=f"company-level grants (default {DEFAULTS['company_grants']:,})"
        )
        parser.add_argument(
            "--entity-grants", type=int, help=f"entity-level grants (default {DEFAULTS['entity_grants']:,})"
        )
        parser.add_argument("--iterations", type=int, help="timed iterations per measurement (default 200)")
        parser.add_argument("--warmup", type=int, default=10, help="untimed iterations first (default 10)")
        parser.add_argument("--reseed", action="store_true", help="drop the bench instance's data and seed again")
        parser.add_argument(
            "--small",
            action="store_true",
            help="5,000 entities, 500 users, 2,500 grants, 50 iterations (explicit options still win)",
        )
        parser.add_argument("--allow-sqlite", action="store_true", help="run on SQLite too (numbers mean little)")
        parser.add_argument("--seed", type=int, default=20260, help="random seed of the data set")

    # ------------------------------------------------------------------ entry point

    def handle(self, *args, **options):
        vendor = connection.vendor
        if vendor != "postgresql" and not (vendor == "sqlite" and options["allow_sqlite"]):
            raise CommandError(
                f"bench_access measures PostgreSQL; this database is {vendor}. Set DATABASE_URL=postgres://... "
                "or pass --allow-sqlite for a smoke run."
            )
        base = SMALL if options["small"] else DEFAULTS
        scale = {key: options[key] if options.get(key) is not None else base[key] for key in DEFAULTS}
        for key, value in scale.items():
            if value < (1 if key == "iterations" else 0):
                raise CommandError(f"--{key.replace('_', '-')} must not be {value}.")
        self.iterations = scale["iterations"]
        self.warmup = max(0, options["warmup"])
        self.rng = random.Random(options["seed"])  # noqa: S311 - reproducible bench data, not secrets

        instance = Instance.objects.filter(slug=BENCH_SLUG).first()
        if instance is not None and options["reseed"]:
            self.drop(instance)
            instance = None
        if instance is None:
            instance = self.seed(scale)
        else:
            self.stdout.write(
                f"Reusing the bench data set in instance '{BENCH_SLUG}' (pass --reseed to rebuild it at another scale)."
            )
        personas = self.load_personas(instance)
        self.describe(instance, personas)
        rows = self.measure(instance, personas)
        self.report(rows, personas)

    # ------------------------------------------------------------------ seeding

    def drop(self, instance: Instance) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            EntityGrant.objects.filter(content_object__instance=instance).delete()
            CompanyGrant.objects.filter(company__instance=instance).delete()
            User.objects.filter(company__instance=instance).delete()
            BusinessEntity.objects.filter(instance=instance).delete()
            Company.objects.filter(instance=instance).delete()
            instance.delete()
        self.stdout.write(f"Dropped the old bench data set in {time.perf_counter() - started:.1f} s.")

    def seed(self, scale: dict) -> Instance:
        rng = self.rng
        timings: list[tuple[str, float]] = []
        started = time.perf_counter()

        def lap(label: str, since: float) -> float:
            now = time.perf_counter()
            timings.append((label, now - since))
            return now

        n_entities, n_users = scale["entities"], scale["users"]
        with transaction.atomic():
            tick = time.perf_counter()
            instance = Instance.objects.create(slug=BENCH_SLUG, name="Bench cockpit")
            n_owners = min(200, max(4, n_entities // 500))
            n_providers = min(50, max(3, n_entities // 2_000))
            n_customers = min(200, max(4, n_entities // 500))
            companies = [Company(instance=instance, name="Bench soobr AG", is_operator=True)]
            companies += [Company(instance=instance, name=f"Bench Owner {i:03d}") for i in range(n_owners)]
            companies += [Company(instance=instance, name=f"Bench Provider {i:03d}") for i in range(n_providers)]
            companies += [Company(instance=instance, name=f"Bench Customer {i:03d}") for i in range(n_customers)]
            Company.objects.bulk_create(companies, batch_size=BATCH)
            by_name = dict(Company.objects.filter(instance=instance).values_list("name", "id"))
            operator_id = by_name["Bench soobr AG"]
            # Rank 0 is the biggest company of its kind: Zipf sizes, so a few have 20,000+ entities.
            owners = [by_name[f"Bench Owner {i:03d}"] for i in range(n_owners)]
            providers = [by_name[f"Bench Provider {i:03d}"] for i in range(n_providers)]
            customers = [by_name[f"Bench Customer {i:03d}"] for i in range(n_customers)]
            tick = lap("instance + companies", tick)

            owner_of = rng.choices(owners, weights=zipf_weights(n_owners), k=n_entities)
            provider_of = rng.choices(providers, weights=zipf_weights(n_providers), k=n_entities)
            customer_of = rng.choices(customers, weights=zipf_weights(n_customers), k=n_entities)
            operator_every = 500  # 0.2 % are the operator's own (demo) entities
            entities = []
            for i in range(n_entities):
                is_operator = i % operator_every == operator_every - 1
                entities.append(
                    BusinessEntity(
                        instance=instance,
                        name=f"{rng.choice(KINDS)} {rng.choice(STREETS)} {rng.randrange(1, 10**6):06d}",
                        address=f"{rng.choice(STREETS)} {rng.randrange(1, 200)}, {rng.choice(CITIES)}",
                        project_form=ProjectForm.EASY if rng.random() < 0.1 else ProjectForm.STANDARD,
                        owner_id=operator_id if is_operator else owner_of[i],
                        service_provider_id=provider_of[i],
                        customer_id=customer_of[i],
                        is_operator_entity=is_operator,  # save() is skipped: set the copy of owner.is_operator
                    )
                )
            BusinessEntity.objects.bulk_create(entities, batch_size=BATCH)
            del entities
            entity_ids = list(
                BusinessEntity.objects.filter(instance=instance).order_by("id").values_list("id", flat=True)
            )
            tick = lap(f"{n_entities:,} business entities", tick)

            password = make_password(None)  # unusable; the bench logs in with force_login
            non_operator = owners + providers + customers
            users = [
                User(
                    email=f"user{i:06d}@{EMAIL_DOMAIN}",
                    first_name="Bench",
                    last_name=f"User {i:06d}",
                    company_id=rng.choice(non_operator),
                    language="en",
                    password=password,
                )
                for i in range(n_users)
            ]
            home = {Level.OWNER: owners, Level.SERVICE_PROVIDER: providers, Level.CUSTOMER: customers}
            persona_company = {
                "entity-only": customers[len(customers) // 2],
                "owner": owners[len(owners) // 20],
                "provider": providers[len(providers) // 10],
                "customer": customers[len(customers) // 10],
                "heavy": providers[0],
            }
            for name in PERSONAS:
                for email, last in ((persona_email(name), f"Persona {name}"), (twin_email(name), f"Twin {name}")):
                    users.append(
                        User(
                            email=email,
                            first_name="Bench",
                            last_name=last,
                            company_id=persona_company[name],
                            language="en",
                            password=password,
                        )
                    )
            User.objects.bulk_create(users, batch_size=BATCH)
            del users
            user_ids = list(
                User.objects.filter(company__instance=instance, email__startswith="user")
                .order_by("id")
                .values_list("id", flat=True)
            )
            by_email = dict(User.objects.filter(company__instance=instance).values_list("email", "id"))
            tick = lap(f"{n_users:,} users + {2 * len(PERSONAS)} persona/twin users", tick)

            roles = dict(Role.objects.values_list("code", "id"))
            company_grants: dict[tuple[int, str, int], int] = {}
            levels, shares = zip(*LEVEL_SHARE, strict=True)
            attempts = 0
            while (
                user_ids and len(company_grants) < scale["company_grants"] and attempts < 20 * scale["company_grants"]
            ):
                attempts += 1
                level = rng.choices(levels, weights=shares)[0]
                key = (rng.choice(user_ids), level, rng.choice(home[level]))
                if key in company_grants:
                    continue
                code = SCOPED_ROLE if level == Level.OWNER and rng.random() < 0.03 else rng.choice(LEVEL_ROLES[level])
                company_grants[key] = roles[code]

            # Personas: one grant on a mid-size company each; heavy holds the biggest provider and owner.
            persona_company_grants = [
                ("owner", Level.OWNER, owners[len(owners) // 20], "owner-project-manager"),
                ("provider", Level.SERVICE_PROVIDER, providers[len(providers) // 10], "provider-project-manager"),
                ("customer", Level.CUSTOMER, customers[len(customers) // 10], "customer"),
                ("heavy", Level.SERVICE_PROVIDER, providers[0], "provider-project-manager"),
                ("heavy", Level.OWNER, owners[0], "projectmanager"),
            ]
            grant_rows = [
                CompanyGrant(user_id=user_id, level=level, company_id=company_id, role_id=role_id)
                for (user_id, level, company_id), role_id in company_grants.items()
            ]
            grant_rows += [
                CompanyGrant(
                    user_id=by_email[persona_email(name)], level=level, company_id=company_id, role_id=roles[code]
                )
                for name, level, company_id, code in persona_company_grants
            ]
            CompanyGrant.objects.bulk_create(grant_rows, batch_size=BATCH)
            tick = lap(f"{len(grant_rows):,} company grants", tick)

            hold_role = hold_role_permission()
            entity_grants: dict[tuple[int, int], int] = {}
            attempts = 0
            while (
                user_ids
                and entity_ids
                and len(entity_grants) < scale["entity_grants"]
                and attempts < 20 * scale["entity_grants"]
            ):
                attempts += 1
                key = (rng.choice(user_ids), rng.choice(entity_ids))
                if key not in entity_grants:
                    entity_grants[key] = roles[rng.choice(ENTITY_ROLES)]
            for name, count in (("entity-only", 10), ("heavy", 20)):
                for entity_id in rng.sample(entity_ids, min(count, len(entity_ids))):
                    entity_grants[(by_email[persona_email(name)], entity_id)] = roles["projectmanager"]
            EntityGrant.objects.bulk_create(
                [
                    EntityGrant(user_id=user_id, content_object_id=entity_id, role_id=role_id, permission=hold_role)
                    for (user_id, entity_id), role_id in entity_grants.items()
                ],
                batch_size=BATCH,
            )
            tick = lap(f"{len(entity_grants):,} entity grants", tick)

            # Twins: the same visibility materialised as one guardian object permission per entity.
            twin_rows = 0
            for name in PERSONAS:
                persona = User.objects.select_related("company").get(email=persona_email(name))
                twin_id = by_email[twin_email(name)]
                rows = [
                    EntityGrant(
                        user_id=twin_id,
                        content_object_id=entity_id,
                        role_id=decode_access_key(access_key)[1],
                        permission=hold_role,
                    )
                    for entity_id, access_key in visible_entities(persona.access_subject(), instance).values_list(
                        "id", "access_key"
                    )
                ]
                EntityGrant.objects.bulk_create(rows, batch_size=BATCH)
                twin_rows += len(rows)
            tick = lap(f"{twin_rows:,} twin object permissions (guardian baseline)", tick)

        self.analyze()
        lap("VACUUM ANALYZE" if self.can_vacuum() else "ANALYZE", tick)
        self.stdout.write(f"Seeded the bench data set in {time.perf_counter() - started:.1f} s:")
        for label, seconds in timings:
            self.stdout.write(f"  {label:<52} {seconds:7.2f} s")
        return instance

    def can_vacuum(self) -> bool:
        # VACUUM cannot run in a transaction block (e.g. inside a test's transaction); ANALYZE can.
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def analyze(self) -> None:
        tables = [
            model._meta.db_table for model in (Instance, Company, BusinessEntity, User, CompanyGrant, EntityGrant)
        ]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.execute("ANALYZE")
                return
            verb = "VACUUM ANALYZE" if self.can_vacuum() else "ANALYZE"
            for table in tables:
                cursor.execute(f"{verb} {connection.ops.quote_name(table)}")

    # ------------------------------------------------------------------ personas

    def load_personas(self, instance: Instance) -> dict[str, dict]:
        users = {
            user.email: user
            for user in User.objects.select_related("company", "company__instance", "all_entities_role").filter(
                email__in=[persona_email(name) for name in PERSONAS] + [twin_email(name) for name in PERSONAS]
            )
        }
        missing = [name for name in PERSONAS if persona_email(name) not in users or twin_email(name) not in users]
        if missing:
            raise CommandError(f"The bench data set lacks personas {', '.join(missing)}; run again with --reseed.")
        personas = {}
        for name in PERSONAS:
            persona = users[persona_email(name)]
            visible = visible_entities(persona.access_subject(), instance)
            first = visible.order_by("name", "id").values_list("id", flat=True).first()
            personas[name] = {
                "user": persona,
                "twin": users[twin_email(name)],
                "visible": visible.count(),
                "twin_rows": EntityGrant.objects.filter(user=users[twin_email(name)]).count(),
                "entity": BusinessEntity.objects.select_related("instance").get(pk=first) if first else None,
            }
            if personas[name]["entity"] is None:
                raise CommandError(f"Persona {name} sees no entity; run again with --reseed at a larger scale.")
        return personas

    def describe(self, instance: Instance, personas: dict[str, dict]) -> None:
        twin_ids = [persona["twin"].pk for persona in personas.values()]
        persona_ids = [persona["user"].pk for persona in personas.values()]
        entity_grants = EntityGrant.objects.filter(content_object__instance=instance)
        company_grants = CompanyGrant.objects.filter(company__instance=instance)
        self.stdout.write("")
        self.stdout.write(f"Data set (instance '{BENCH_SLUG}'):")
        lines = [
            ("companies", Company.objects.filter(instance=instance).count()),
            ("business entities", BusinessEntity.objects.filter(instance=instance).count()),
            ("users (incl. personas and twins)", User.objects.filter(company__instance=instance).count()),
            ("company-level grants", company_grants.exclude(user_id__in=persona_ids).count()),
            (
                "entity-level grants",
                entity_grants.exclude(user_id__in=twin_ids).exclude(user_id__in=persona_ids).count(),
            ),
            (
                "persona grants (company + entity)",
                company_grants.filter(user_id__in=persona_ids).count()
                + entity_grants.filter(user_id__in=persona_ids).count(),
            ),
            ("twin object permissions (guardian baseline)", entity_grants.filter(user_id__in=twin_ids).count()),
        ]
        for label, count in lines:
            self.stdout.write(f"  {label:<46} {count:>9,}")
        self.stdout.write("Personas (entities each sees):")
        for name, persona in personas.items():
            self.stdout.write(f"  {name:<12} {persona['visible']:>9,}   (twin holds {persona['twin_rows']:,} rows)")

    # ------------------------------------------------------------------ measuring

    def timed(self, row: Row, call: Callable[[], object]) -> Row:
        for _ in range(min(self.warmup, self.iterations)):
            call()
        gc.collect()
        samples = row.samples
        for _ in range(self.iterations):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return row

    def measure(self, instance: Instance, personas: dict[str, dict]) -> list[Row]:
        # Production-like: no query log (DEBUG=0 logs nothing), plain 404 template; the test host is allowed.
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)  # the 404 floor would log a warning per request
        try:
            with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts):
                return self._measure(instance, personas)
        finally:
            request_log.setLevel(level)

    def _measure(self, instance: Instance, personas: dict[str, dict]) -> list[Row]:
        rows: list[Row] = []
        list_url = reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})
        clients = {}
        for name, persona in personas.items():
            client = Client()
            client.force_login(persona["user"])
            clients[name] = client

        def get(client: Client, url: str, expected: int = 200) -> Callable[[], None]:
            def call() -> None:
                response = client.get(url, secure=True)
                if response.status_code != expected:
                    raise CommandError(f"GET {url} answered {response.status_code}, expected {expected}.")

            return call

        self.stdout.write("")
        self.stdout.write(
            f"Measuring ({self.iterations} iterations each after {min(self.warmup, self.iterations)} warm-up)..."
        )

        floor = get(clients["heavy"], f"/c/{instance.slug}/does-not-exist/", expected=404)
        rows.append(self.timed(Row("floor: logged-in request through middleware (404)", "heavy", None), floor))

        for name, persona in personas.items():
            rows.append(
                self.timed(
                    Row("list page 1 + count (HTTP, in-process)", name, persona["visible"]),
                    get(clients[name], list_url),
                )
            )

        for name in ("heavy", "owner"):
            persona = personas[name]
            entity = persona["entity"]
            detail_url = reverse("entities:entity-detail", kwargs={"instance_slug": instance.slug, "pk": entity.pk})
            response = clients[name].get(detail_url, secure=True)
            if response.status_code in (301, 302):
                detail_url = response.headers["Location"]
            rows.append(
                self.timed(
                    Row("detail page, first tab (HTTP)", name, persona["visible"]), get(clients[name], detail_url)
                )
            )

        for name, persona in personas.items():
            user, entity = persona["user"], persona["entity"]

            def check(user=user, entity=entity) -> None:
                for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
                    user.__dict__.pop(cache, None)
                if not user.has_perm("entities.view_master_data", entity):
                    raise CommandError(f"{user.email} may not view master data of entity {entity.pk}.")

            rows.append(self.timed(Row("has_perm view_master_data (fresh user)", name, persona["visible"]), check))

        for name, persona in personas.items():
            queries = self.capture_list_queries(persona["user"], instance)

            def raw(queries=queries) -> None:
                with connection.cursor() as cursor:
                    for sql, params in queries:
                        cursor.execute(sql, params)
                        cursor.fetchall()

            rows.append(self.timed(Row("floor: raw SQL page 1 + count (cursor)", name, persona["visible"]), raw))

        for name, persona in personas.items():
            subject = persona["user"].access_subject()

            def ours(subject=subject) -> None:
                entity_page(subject, instance, cap=settings.ENTITY_LIST_COUNT_CAP)

            rows.append(self.timed(Row("ours: entity_page page 1 + count", name, persona["visible"]), ours))

        for name, persona in personas.items():
            subject = persona["user"].access_subject()

            def general(subject=subject) -> None:
                queryset = visible_entities(subject, instance)
                list(queryset.order_by("name", "id")[:50])
                queryset.count()

            rows.append(
                self.timed(
                    Row("general visible_entities QuerySet, page 1 + exact count", name, persona["visible"]), general
                )
            )

        for name, persona in personas.items():
            twin = persona["twin"]

            def guardian(twin=twin) -> None:
                queryset = guardian_entities(twin, instance)
                list(queryset.order_by("name", "id")[:LIST_PAGE_SIZE])
                queryset.count()

            rows.append(
                self.timed(
                    Row("guardian baseline: get_objects_for_user page 1 + count", name, persona["twin_rows"]), guardian
                )
            )

        for name, persona in personas.items():
            client = Client()
            client.force_login(persona["twin"])
            with mock.patch("entities.views.entity_list_page", guardian_list_page):
                rows.append(
                    self.timed(
                        Row("guardian baseline: list page 1 + count (HTTP)", name, persona["twin_rows"]),
                        get(client, list_url),
                    )
                )
        return rows

    def capture_list_queries(self, user: User, instance: Instance) -> list[tuple[str, tuple]]:
        """The exact SQL and parameters the list page sends for page 1 and its count (one statement)."""
        captured: list[tuple[str, tuple]] = []

        def record(execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            entity_page(user.access_subject(), instance, cap=settings.ENTITY_LIST_COUNT_CAP)
        if len(captured) != 1:
            raise CommandError(f"entity_page sent {len(captured)} statements, expected one.")
        return captured

    # ------------------------------------------------------------------ report

    def report(self, rows: list[Row], personas: dict[str, dict]) -> None:
        width = max(len(row.measurement) for row in rows)
        header = (
            f"{'measurement':<{width}} | {'persona':<11} | {'visible entities':>16} | {'p50 ms':>8} | {'p95 ms':>8}"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            visible = f"{row.visible:,}" if row.visible is not None else "-"
            self.stdout.write(
                f"{row.measurement:<{width}} | {row.persona:<11} | {visible:>16} | {row.p50:>8.2f} | {row.p95:>8.2f}"
            )

        def p95(prefix: str, persona: str) -> float:
            return next(row.p95 for row in rows if row.measurement.startswith(prefix) and row.persona == persona)

        floor = p95("floor: logged-in", "heavy")
        self.stdout.write("")
        self.stdout.write("Ratios (p95; a ratio above 1 means the guardian baseline is slower):")
        for name in personas:
            page, ours = p95("list page", name), p95("ours:", name)
            guardian_query, guardian_page = (
                p95("guardian baseline: get_objects", name),
                p95("guardian baseline: list", name),
            )
            self.stdout.write(
                f"  {name:<12} list page ÷ floor (404) = {page / floor:5.2f}×"
                f"   guardian list page ÷ our list page = {guardian_page / page:5.2f}×"
                f"   guardian query ÷ our query = {guardian_query / ours:5.2f}×"
                f"   guardian query ÷ our whole list page = {guardian_query / page:5.2f}×"
            )

        with connection.cursor() as cursor:
            cursor.execute("select version()" if connection.vendor == "postgresql" else "select sqlite_version()")
            database = cursor.fetchone()[0]
        self.stdout.write("")
        self.stdout.write(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs")
        self.stdout.write(f"Database: {connection.vendor} {database}")
        self.stdout.write(f"Iterations: {self.iterations} timed after {min(self.warmup, self.iterations)} warm-up each")
