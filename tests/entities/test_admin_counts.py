"""Operator pages stay fast at a million rows: no changelist of the admin counts a whole table."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BusinessEntityFactory

pytestmark = pytest.mark.django_db

COUNT = re.compile(r"SELECT\s+COUNT\(", re.IGNORECASE)


def changelists() -> list[str]:
    return [
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_module_permission  # every registered page
    ]


@pytest.mark.parametrize("name", changelists())
def test_no_changelist_counts_more_than_its_cap(admin_client, instance, owner_a, name):
    BusinessEntityFactory(instance=instance, owner=owner_a)

    for query in ({}, {"q": "a"}):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(reverse(name), query)
        assert response.status_code == 200, name
        counts = [q["sql"] for q in captured if COUNT.search(q["sql"])]
        unbounded = [sql for sql in counts if "LIMIT" not in sql.upper()]
        assert not unbounded, f"{name} counts without a cap: {unbounded}"


def test_the_business_entity_and_audit_log_changelists_are_among_those_checked():
    assert {"admin:entities_businessentity_changelist", "admin:entities_auditlogentry_changelist"} <= set(changelists())
