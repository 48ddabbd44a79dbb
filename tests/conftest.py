import os
import random
from types import SimpleNamespace

import pytest

# The shared helpers' asserts report like the tests' own (before anything imports them).
pytest.register_assert_rewrite("tests.support")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from entities.models import Level, Role  # noqa: E402
from tests.factories import (  # noqa: E402
    PASSWORD,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
)
from tests.support.sign_in import verify_second_factor  # noqa: E402


def pytest_configure(config):
    # The random access worlds (tests/entities/test_access_worlds.py) replay from this seed.
    os.environ.setdefault("ACCESS_WORLDS_SEED", str(random.SystemRandom().randrange(10**9)))


def pytest_collection_modifyitems(config, items):
    """ONCE_SKIP=1: CI's second pass leaves out what its first pass checked and the database does not change.

    Browser tests (`e2e`) drive pages whose every rule a client test checks on both databases, and `once` tests
    start processes (make run, a benchmark) whose work the database does not shape; each costs seconds to minutes,
    so CI runs them in its PostgreSQL pass only (.ci/run) and keeps within its time budget.
    """
    if not os.environ.get("ONCE_SKIP"):
        return
    skip = pytest.mark.skip(reason="ONCE_SKIP is set: CI ran this in its other pass")
    for item in items:
        if item.get_closest_marker("e2e") or item.get_closest_marker("once"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """The crawler's count of pages (tests/e2e/test_crawl.py), in every run's output, with or without xdist.

    Here, not in tests/e2e/conftest.py: under xdist the controlling process, which writes the summary, reads only
    the conftest files on the paths it was given, and a whole run is given `tests`."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "crawl" and report.when == "call":
                terminalreporter.write_line(value)


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database.get('HOST') or database['NAME']})",
        f"access worlds seed: {os.environ['ACCESS_WORLDS_SEED']} (replay with ACCESS_WORLDS_SEED=...)",
    ]


@pytest.fixture
def role_catalogue(transactional_db):
    """For tests with real commits, whose databases are flushed: seed the role catalogue as its migrations do."""
    seed_role_catalogue()


@pytest.fixture(autouse=True)
def catalogue_after_a_flush(request):
    """A test in a rolled-back transaction finds the catalogue its migrations seeded, even when it runs after a
    test with real commits whose database was flushed (xdist's work stealing hands those out in any order)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional or (marker is None and "db" not in request.fixturenames):
        return
    request.getfixturevalue("db")
    if not Role.objects.exists():
        seed_role_catalogue()


@pytest.fixture
def schema_left_whole():
    """For a test that migrates back: it fails itself if it leaves any app's migration unapplied, rather than a
    later test on the same worker that finds a table missing."""
    yield
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    unapplied = [str(migration) for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
    assert unapplied == [], f"left unapplied: {unapplied}"


def seed_role_catalogue() -> None:
    """The catalogue's roles, and the share roles a Cockpit Share's rights are read from, in English and German,
    with the project-manager roles marked, as their migrations seed them."""
    import importlib

    from django.apps import apps

    seed = importlib.import_module("entities.migrations.0002_role_catalogue")
    seed.seed_roles(apps, None)
    share_roles = importlib.import_module("sharing.migrations.0002_share_roles")
    share_roles.add_share_roles(apps, None)
    importlib.import_module("entities.migrations.0008_role_catalogue_german").add_german(apps, None)
    importlib.import_module("sharing.migrations.0003_share_roles_german").add_german(apps, None)
    importlib.import_module("tablets.migrations.0002_tablet_provider_views_tablets").provider_views_tablets(apps, None)
    importlib.import_module("entities.migrations.0012_role_is_project_manager").mark_project_managers(apps, None)


@pytest.fixture
def instance(db):
    return InstanceFactory(slug="alpine", name="Alpine Facility Services")


@pytest.fixture
def other_instance(db):
    return InstanceFactory(slug="rhein", name="Rhein Cleaning Group")


@pytest.fixture
def operator_company(instance):
    return OperatorCompanyFactory(instance=instance, name="soobr AG")


@pytest.fixture
def customer_company(instance):
    return CompanyFactory(instance=instance, name="Kantonsspital Nord")


@pytest.fixture
def role(db):
    """Look up a seeded role of the catalogue by its code."""
    return lambda code: Role.objects.get(code=code)


@pytest.fixture
def user(customer_company):
    return UserFactory(company=customer_company, email="karin@example.com")


@pytest.fixture
def operator_admin(operator_company, role):
    return UserFactory(
        company=operator_company,
        email="olivia@soobr.example",
        is_staff=True,
        is_superuser=True,
        sees_all_entities=True,
        otp_required=True,
        all_entities_role=role("admin"),
    )


# --- managers and the companies they manage (User Management, My account, the sign-in) ---------


@pytest.fixture
def owner_a(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def provider_b(instance):
    return CompanyFactory(instance=instance, name="Provider B")


@pytest.fixture
def other_x(instance):
    return CompanyFactory(instance=instance, name="Other X")


@pytest.fixture
def projectmanager_a(owner_a):
    """Projectmanager at owner level of A: manages users of A."""
    manager = UserFactory(company=owner_a, email="pm@owner-a.example")
    grant_company_role(manager, Level.OWNER, owner_a, "projectmanager")
    return manager


@pytest.fixture
def provider_pm_b(provider_b):
    """Provider project manager of B: manages users of B, with fewer rights than a Projectmanager."""
    manager = UserFactory(company=provider_b, email="ppm@provider-b.example")
    grant_company_role(manager, Level.SERVICE_PROVIDER, provider_b, "provider-project-manager")
    return manager


@pytest.fixture
def employee_a(owner_a):
    """A user of A whose only role (Manager, read-only) lies within the reach of A's Projectmanager."""
    employee = UserFactory(company=owner_a, email="colleague@owner-a.example")
    grant_company_role(employee, Level.OWNER, owner_a, "manager")
    return employee


@pytest.fixture
def manager_a(owner_a):
    """A's Manager: sees users, changes nothing."""
    viewer = UserFactory(company=owner_a, email="manager@owner-a.example")
    grant_company_role(viewer, Level.OWNER, owner_a, "manager")
    return viewer


@pytest.fixture
def invited_a(owner_a):
    """A user of A who has not logged in yet (still on the temporary password), with a role in A's reach."""
    invited = UserFactory(company=owner_a, email="invited@owner-a.example", must_change_password=True)
    grant_company_role(invited, Level.OWNER, owner_a, "customer")
    return invited


@pytest.fixture
def operator_staff(operator_company):
    """Operator staff who is not a superuser: manages every user of the cockpit but other staff."""
    return UserFactory(company=operator_company, email="stefan@soobr.example", is_staff=True)


@pytest.fixture
def operator_projectmanager(operator_company):
    """An operator employee without Django admin access, managing users of the operator company by a role."""
    manager = UserFactory(company=operator_company, email="pm@soobr.example")
    grant_company_role(manager, Level.OWNER, operator_company, "projectmanager")
    return manager


@pytest.fixture
def admin_client(client, operator_admin, login):
    """The operator admin signed in (both steps), in place of pytest-django's company-less superuser."""
    return login(operator_admin)


# --- signing in --------------------------------------------------------------------------------


@pytest.fixture
def login_password_only(client):
    """Only the password step: what a session has before the second factor."""

    from accounts.second_factor import remember_enrolment

    def _login(user):
        assert client.login(username=user.email, password=PASSWORD)
        # As the password step does (accounts.views.signin.LoginView).
        session = client.session
        remember_enrolment(SimpleNamespace(session=session), user)
        session.save()
        return client

    return _login


@pytest.fixture
def login(client, login_password_only):
    """Both steps: the password, and the second factor for users the policy requires it of."""
    from accounts.second_factor import second_factor_required

    def _login(user):
        login_password_only(user)
        if second_factor_required(user):
            verify_second_factor(client, user)
        return client

    return _login


@pytest.fixture
def count_queries():
    """How many queries a call makes: list pages must make as many for 5 rows as for 50.

    From an empty cache each time, so that two counts compare alike: a page's second request
    reads its person's access answers from the cache (entities.access.cache), whatever the rows.
    """
    from django.core.cache import cache

    def _count(call) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as context:
            call()
        return len(context.captured_queries)

    return _count


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _audit_action_unnamed(action: str) -> str | None:
    """Why the audit log would show `action` as a raw code to some reader, or None when it reads in words."""
    from django.utils import translation

    from entities.models import AUDIT_ACTIONS

    label = AUDIT_ACTIONS.get(action)
    if label is None:
        return f"{action!r} has no label (register it in its app's AppConfig.ready)"
    with translation.override("en"):
        english = str(label)
    with translation.override("de"):
        german = str(label)
    if german == english:
        return f"{action!r} reads {english!r} in German too (no translation in locale/de)"
    return None


@pytest.fixture
def audit_action_unnamed():
    """Why an action would read as a raw code (tests/entities/test_audit_labels.py), or None."""
    return _audit_action_unnamed


@pytest.fixture(autouse=True)
def audit_actions_read_in_words():
    """Every test fails that writes an audit entry whose action has no words in English and German."""
    from django.db.models.signals import post_save

    from entities.models import AuditLogEntry

    unnamed: list[str] = []

    def check(sender, instance, created, **kwargs):
        if created and (why := _audit_action_unnamed(instance.action)):
            unnamed.append(why)

    post_save.connect(check, sender=AuditLogEntry, weak=False, dispatch_uid="tests.audit_actions_read_in_words")
    yield
    post_save.disconnect(sender=AuditLogEntry, dispatch_uid="tests.audit_actions_read_in_words")
    assert not unnamed, "audit entries written without words: " + "; ".join(sorted(set(unnamed)))
