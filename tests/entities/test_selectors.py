"""Reads shared by the pages: the user's company grants in a cockpit, and the companies offered as list filters."""

import pytest

from entities.access import NamedRef
from entities.models import CompanyGrant, Level, Role
from entities.selectors import filter_companies, held_company_grants
from tests.factories import CompanyFactory, grant_company_role

pytestmark = pytest.mark.django_db


def test_held_company_grants_name_each_company_and_whether_the_role_manages_users(user, instance):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    grant_company_role(user, Level.CUSTOMER, user.company, "customer")

    held = {
        (grant.level, grant.company.name, grant.manages_users)
        for grant in held_company_grants(user.access_subject(), instance)
    }

    assert held == {(Level.OWNER, "Zurich Property AG", True), (Level.CUSTOMER, "Kantonsspital Nord", False)}


def test_held_company_grants_ignore_a_stale_grant_on_a_company_of_another_cockpit(user, instance, other_instance):
    foreign = CompanyFactory(instance=other_instance, name="Rhein Property")
    # Written past the services (which refuse it), as a stale row might be.
    CompanyGrant.objects.create(
        user=user, level=Level.OWNER, company=foreign, role=Role.objects.get(code="projectmanager")
    )

    # A grant acts only in its holder's own cockpit: this one counts in neither.
    assert held_company_grants(user.access_subject(), instance) == []
    assert held_company_grants(user.access_subject(), other_instance) == []


def test_filter_companies_offer_the_held_companies_or_all_to_show_all_users_by_name_ignoring_case(
    user, instance, operator_admin
):
    grant_company_role(user, Level.OWNER, CompanyFactory(instance=instance, name="beta AG"), "manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, CompanyFactory(instance=instance, name="Alpha AG"), "manager")
    CompanyFactory(instance=instance, name="Unseen AG")

    held = filter_companies(subject=user.access_subject(), instance=instance)
    every = filter_companies(subject=operator_admin.access_subject(), instance=instance)
    every = [company for company in every if company.pk != operator_admin.company_id]  # the operator's own

    assert [company.name for company in held] == ["Alpha AG", "beta AG"]
    assert [company.name for company in every] == ["Alpha AG", "beta AG", "Kantonsspital Nord", "Unseen AG"]
    assert all(isinstance(company, NamedRef) for company in held + every)
