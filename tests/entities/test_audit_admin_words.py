"""The admin's audit list reads in the reader's language, with action names, and filters by cockpit."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.services import password_changed
from entities.models import AuditLogEntry, Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(instance):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    user = UserFactory(company=owner, email="kim@zurich.example")
    grant_company_role(user, Level.OWNER, owner, "customer")
    return user


def changelist(client, **query):
    """The results table of the admin's audit list (not its filters)."""
    page = client.get(reverse("admin:entities_auditlogentry_changelist"), query).content.decode()
    return page.split('id="result_list"', 1)[1].split("</table>", 1)[0] if 'id="result_list"' in page else ""


def test_an_english_operator_reads_the_entry_in_english(client, login, operator_admin, granted):
    login(operator_admin)

    page = changelist(client)

    assert "Role granted" in page and "Owner · Zurich Property AG" in page
    assert "Eigentümer" not in page and "grant.created" not in page


def test_a_german_operator_reads_the_same_entry_in_german(client, login, operator_admin, granted):
    User.objects.filter(pk=operator_admin.pk).update(language="de")
    login(operator_admin)

    with translation.override("de"):
        page = changelist(client)

    assert "Rolle vergeben" in page and "Eigentümer · Zurich Property AG" in page


def test_the_action_filter_names_actions_in_words(client, login, operator_admin, granted):
    login(operator_admin)

    full = client.get(reverse("admin:entities_auditlogentry_changelist")).content.decode()
    page = changelist(client, action="grant.created")

    assert '<a href="?action=grant.created">Role granted</a>' in full
    assert "Role granted" in page and str(granted) in page


def test_the_audit_list_filters_by_cockpit(client, login, operator_admin, granted, other_instance):
    elsewhere = UserFactory(company=CompanyFactory(instance=other_instance), email="rhein@rhein.example")
    grant_company_role(elsewhere, Level.OWNER, elsewhere.company, "customer")
    login(operator_admin)

    page = changelist(client, instance__id__exact=str(granted.company.instance_id))

    assert str(granted) in page and str(elsewhere) not in page


def test_a_password_change_is_filed_under_the_users_cockpit(granted):
    password_changed(user=granted)

    assert AuditLogEntry.objects.get(action="user.password_changed").instance == granted.company.instance


def test_the_audit_list_costs_no_query_per_entry(client, login, operator_admin, granted, count_queries):
    login(operator_admin)
    few = count_queries(lambda: changelist(client))
    for n in range(10):
        user = UserFactory(company=granted.company, email=f"more{n}@zurich.example")
        grant_company_role(user, Level.OWNER, granted.company, "manager")

    assert count_queries(lambda: changelist(client)) == few
