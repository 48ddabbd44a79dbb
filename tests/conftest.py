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


@pytest.fixture
def login(client):
    def _login(user):
        assert client.login(username=user.email, password=PASSWORD)
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
