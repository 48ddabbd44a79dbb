"""People at scale, in process, on the bench data set: the pages of a person with thousands of roles on single
entities (the guardian twins of the provider and heavy personas: 3,700 and 35,338 at 100,000 entities), and giving
a role on 1,000 entities in one action (issue 26).

Operator staff (a superuser) of the bench cockpit open the pages and the admin's changelists, and so does a
company admin who manages the twin without being staff (each made for the run, removed afterwards), signed in
past the second factor as the login leaves a session. Each row: p50 / p95
/ max milliseconds, the page's size and its statements.
"""

import gc
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from entities.access import request_scope
from entities.models import BusinessEntity, Company, CompanyGrant, EntityGrant, Instance, Level, Role
from plans.models import PlanFile, PlanStatus
from tablets.models import Tablet, TabletState
from tools.bench_access.dataset import BENCH_SLUG, twin_email
from tools.bench_access.measure import percentile
from users.services import ENTITY_GRANTS_PER_ACTION, entity_grants_give

STAFF_EMAIL = "bench-people-staff@bench.example"
MANAGER_EMAIL = "bench-people-manager-%s@bench.example"
# The admin's changelists (app_model) and a search each; their rows: the table's.
ADMIN_CHANGELISTS = [
    ("entities_businessentity", "Bahnhof"),
    ("accounts_user", "bench"),
    ("entities_entitygrant", "twin"),
    ("entities_company", "AG"),
    ("entities_auditlogentry", "grant"),
    ("tablets_tablet", "SN-00042"),
    ("plans_planstatus", "Bahnhof"),
    ("plans_planfile", "Bahnhof"),
]
# Tablets, plan statuses and plan files made for the run (the bench data set has none), each on an entity.
SIDE_ROWS = 20_000


class Command(BaseCommand):
    help = "Time the pages and actions of people with many roles on single entities, in process."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=20, help="timed requests per page (default 20)")

    def handle(self, *args, iterations: int, **options):
        instance = Instance.objects.filter(slug=BENCH_SLUG).first()
        if instance is None:
            raise CommandError("No bench data set: seed it first (python -m tools.bench_access --seed-only).")
        entities = BusinessEntity.objects.filter(instance=instance).count()
        staff = self.staff(instance)
        client = self.signed_in(staff)
        self.stdout.write(f"{entities:,} business entities; operator staff open the pages")
        self.stdout.write(
            f"{'row':<44} | {'rows':>9} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | {'KB':>6} | {'queries':>7}"
        )
        try:
            for persona in ("provider", "heavy"):
                twin = User.objects.get(email=twin_email(persona))
                grants = EntityGrant.objects.filter(user=twin).count()
                managing = self.signed_in(self.manager(instance, twin, persona))
                for name, url in (
                    ("user page", reverse("users:user-edit", args=[instance.slug, twin.pk])),
                    ("roles on single entities", reverse("users:user-entity-grants", args=[instance.slug, twin.pk])),
                ):
                    self.row(f"{name} of the {persona} twin", grants, client, url, iterations)
                    self.row("  the same, by its company's manager", grants, managing, url, iterations)
                self.row(
                    f"  user list with the {persona} twin, by its manager",
                    grants,
                    managing,
                    reverse("users:user-list", args=[instance.slug]) + f"?q={twin.email}",
                    iterations,
                )
            self.side_rows(instance)
            self.give_many(staff, instance)
            self.import_many(staff, instance)
            self.bulk_many(staff, instance)
            for model, search in ADMIN_CHANGELISTS:
                url = reverse(f"admin:{model}_changelist")
                rows = self.model_rows(model)
                self.row(f"admin {model.split('_')[1]}", rows, client, url, iterations)
                self.row(f"admin {model.split('_')[1]} ?q={search}", rows, client, f"{url}?q={search}", iterations)
        finally:
            Tablet.objects.filter(instance=instance, serial_number__startswith="SN-").delete()
            PlanStatus.objects.filter(entity__instance=instance, flagged_by__email=STAFF_EMAIL).delete()
            PlanFile.objects.filter(entity__instance=instance, stored_name__startswith="bench-").delete()
            User.objects.filter(email__in=[STAFF_EMAIL, *(MANAGER_EMAIL % p for p in ("provider", "heavy"))]).delete()

    def staff(self, instance: Instance) -> User:
        operator = Company.objects.get(instance=instance, is_operator=True)
        staff, _created = User.objects.get_or_create(
            email=STAFF_EMAIL, defaults={"company": operator, "is_staff": True, "is_superuser": True, "language": "en"}
        )
        return staff

    def manager(self, instance: Instance, twin: User, persona: str) -> User:
        """A company admin who is not operator staff and may change the twin: Projectmanager at the owner level of
        every company owning an entity the twin holds a role on, and at the twin's own company (whose users they
        manage). Opening the twin, every one of its roles is checked against theirs."""
        manager, _created = User.objects.get_or_create(
            email=MANAGER_EMAIL % persona, defaults={"company": twin.company, "language": "en"}
        )
        owners = set(
            EntityGrant.objects.filter(user=twin).values_list("content_object__owner_id", flat=True).distinct()
        )
        role = Role.objects.get(code="projectmanager")
        CompanyGrant.objects.bulk_create(
            [CompanyGrant(user=manager, level=Level.OWNER, company_id=pk, role=role) for pk in owners]
            + [CompanyGrant(user=manager, level=Level.SERVICE_PROVIDER, company=twin.company, role=role)],
            ignore_conflicts=True,
        )
        return manager

    def signed_in(self, staff: User) -> Client:
        host = next((name for name in settings.ALLOWED_HOSTS if name != "*" and not name.startswith(".")), "localhost")
        client = Client(HTTP_HOST=host)
        client.force_login(staff)
        device = TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    def side_rows(self, instance: Instance) -> None:
        """SIDE_ROWS tablets, plan statuses and plan files on entities spread over the set, for their changelists."""
        operator = Company.objects.get(instance=instance, is_operator=True)
        staff = User.objects.get(email=STAFF_EMAIL)
        every = list(BusinessEntity.objects.filter(instance=instance).order_by("pk").values_list("pk", flat=True))
        # Spread over the data set, as tablets and plans come to entities of every age.
        entities = every[:: max(1, len(every) // SIDE_ROWS)][:SIDE_ROWS]
        Tablet.objects.bulk_create(
            [
                Tablet(
                    instance=instance,
                    serial_number=f"SN-{n:05}",
                    state=TabletState.ASSIGNED,
                    entity_id=pk,
                    added_by_company=operator,
                )
                for n, pk in enumerate(entities)
            ]
        )
        PlanStatus.objects.bulk_create(
            [PlanStatus(entity_id=pk, awaiting_plans=True, flagged_by=staff) for pk in entities],
            ignore_conflicts=True,
        )
        PlanFile.objects.bulk_create(
            [PlanFile(entity_id=pk, stored_name=f"bench-{n}.pdf", original_name=f"Grundriss {n}.pdf", size=1000,
                      sha256=f"{n:064}", kind="pdf", uploaded_by=staff)
             for n, pk in enumerate(entities)]
        )  # fmt: skip

    def model_rows(self, model: str) -> int:
        app_label, name = model.split("_", 1)
        from django.apps import apps

        return apps.get_model(app_label, name)._default_manager.count()

    def row(self, label: str, grants: int, client: Client, url: str, iterations: int) -> None:
        client.get(url)  # warm
        samples, size, queries = [], 0, 0
        gc.collect()
        for _ in range(iterations):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            size, queries = len(response.content), len(captured)
        self.stdout.write(
            f"{label:<44} | {grants:>9,} | {percentile(samples, 50):>7.1f} | {percentile(samples, 95):>7.1f} | "
            f"{max(samples):>7.1f} | {size / 1024:>6.0f} | {queries:>7}"
        )

    def give_many(self, staff: User, instance: Instance) -> None:
        """A role on 1,000 entities in one action, for a new person; rolled back afterwards."""
        operator = Company.objects.get(instance=instance, is_operator=True)
        role = Role.objects.get(code="customer")
        entities = list(BusinessEntity.objects.filter(instance=instance).order_by("pk")[:ENTITY_GRANTS_PER_ACTION])
        samples = []
        for _ in range(3):
            with transaction.atomic():
                person = User.objects.create(email="bench-people-new@bench.example", company=operator)
                started = time.perf_counter()
                with request_scope():
                    entity_grants_give(
                        actor=staff,
                        instance=instance,
                        user=person,
                        entities=entities,
                        role=role,
                        lowering_confirmed=True,
                    )
                samples.append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)
        self.stdout.write(
            f"{'give a role on 1,000 entities (one action)':<44} | {len(entities):>9,} | "
            f"{percentile(samples, 50):>7.1f} | {percentile(samples, 95):>7.1f} | {max(samples):>7.1f} | "
            f"{'':>6} | {'':>7}"
        )

    def import_many(self, staff: User, instance: Instance) -> None:
        """A 500-line file of new people with a role each, read, checked and imported; rolled back afterwards."""
        from django.test.utils import override_settings

        from users.imports import read_people
        from users.permissions import manager_reach
        from users.services import people_import

        company = Company.objects.filter(instance=instance, is_operator=False).order_by("pk").first()
        assert company is not None
        lines = [f"import-{n}@bench.example,Import,Person {n},{company.name},en,,Owner · {company.name}: Customer"
                 for n in range(500)]  # fmt: skip
        raw = ("email,first_name,last_name,company,language,mobile_phone,roles\n" + "\n".join(lines)).encode()
        samples = []
        with override_settings(INVITATIONS_PER_HOUR=10_000, INVITATIONS_PER_COMPANY_PER_DAY=10_000):
            for _ in range(3):
                # As on the page: one request's scope, where the manager's reach and the roles' rights are read once.
                with transaction.atomic(), request_scope():
                    started = time.perf_counter()
                    plan = read_people(raw, manager_reach(staff, instance))
                    result = people_import(actor=staff, instance=instance, plan=plan)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert result.created == 500, result
                    transaction.set_rollback(True)
        self.summary("import a 500-line CSV (check and save)", 500, samples)

    def bulk_many(self, staff: User, instance: Instance) -> None:
        """A role changed for 500 people in one bulk action; rolled back afterwards."""
        from entities.models import CompanyGrant, Level
        from users.services import BulkAction, BulkKind, users_bulk_apply

        company = Company.objects.filter(instance=instance, is_operator=False).order_by("pk").first()
        assert company is not None
        samples = []
        for _ in range(3):
            with transaction.atomic():
                people = User.objects.bulk_create(
                    [User(email=f"bulk-{n}@bench.example", company=company) for n in range(500)]
                )
                customer, manager = Role.objects.get(code="customer"), Role.objects.get(code="manager")
                CompanyGrant.objects.bulk_create(
                    [CompanyGrant(user=p, level=Level.OWNER, company=company, role=customer) for p in people]
                )
                started = time.perf_counter()
                with request_scope():
                    users_bulk_apply(
                        actor=staff,
                        instance=instance,
                        user_ids=[p.pk for p in people],
                        action=BulkAction(BulkKind.GIVE_ROLE, Level.OWNER, company, manager),
                    )
                samples.append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)
        self.summary("change the role of 500 people (one bulk action)", 500, samples)

    def summary(self, label: str, rows: int, samples: list[float]) -> None:
        self.stdout.write(
            f"{label:<44} | {rows:>9,} | {percentile(samples, 50):>7.1f} | {percentile(samples, 95):>7.1f} | "
            f"{max(samples):>7.1f} | {'':>6} | {'':>7}"
        )
