"""The list filters' statement keeps its generic plan (PostgreSQL), and the setting never outlives it."""

import pytest
from django.db import connection, transaction

from entities.access import visible_companies
from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plan caching is PostgreSQL's"),
]


@pytest.fixture
def reader(role_catalogue, instance):
    owner = CompanyFactory(instance=instance, name="Owner A")
    BusinessEntityFactory(instance=instance, name="Halle 1", owner=owner)
    user = UserFactory(company=owner)
    grant_company_role(user, Level.OWNER, owner, "manager")
    return user


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def test_the_filters_statement_runs_with_its_generic_plan_and_the_connection_keeps_its_setting(reader, instance):
    modes = []

    def observe(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "oc.instance_id" in sql:
            modes.append(plan_cache_mode())
        return result

    with connection.execute_wrapper(observe):
        found = visible_companies(reader.access_subject(), instance)

    assert [company.name for company in found[Level.OWNER]] == ["Owner A"]
    assert modes == ["force_generic_plan"]
    assert plan_cache_mode() == "auto"


def test_inside_a_callers_transaction_the_filters_statement_leaves_the_plan_setting_alone(reader, instance):
    with transaction.atomic():
        visible_companies(reader.access_subject(), instance)
        during = plan_cache_mode()

    assert during == "auto"
