import os
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entities.models import Role
from tests.factories import PASSWORD, CompanyFactory, InstanceFactory, OperatorCompanyFactory, UserFactory


def pytest_configure(config):
    # The random access worlds (tests/entities/test_access_worlds.py) replay from this seed.
    os.environ.setdefault("ACCESS_WORLDS_SEED", str(random.SystemRandom().randrange(10**9)))


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database.get('HOST') or database['NAME']})",
        f"access worlds seed: {os.environ['ACCESS_WORLDS_SEED']} (replay with ACCESS_WORLDS_SEED=...)",
    ]


@pytest.fixture
def role_catalogue(transactional_db):
    """For tests with real commits, whose databases are flushed: seed the role catalogue as its migrations do.

    The catalogue's roles, and the share roles a Cockpit Share's rights are read from, in English and German,
    with the project-manager roles marked.
    """
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


def verify_second_factor(client, user):
    """Mark the client's session verified with the user's authenticator app (made if they have none)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def login_password_only(client):
    """Only the password step: what a session has before the second factor."""

    from accounts.second_factor import ENROLLED_SESSION_KEY, has_confirmed_device

    def _login(user):
        assert client.login(username=user.email, password=PASSWORD)
        # As the password step does (accounts.views.signin.LoginView).
        session = client.session
        session[ENROLLED_SESSION_KEY] = has_confirmed_device(user)
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
    """How many queries a call makes: list pages must make as many for 5 rows as for 50."""

    def _count(call) -> int:
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
