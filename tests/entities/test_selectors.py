"""Reads shared by the pages: the user's company grants in a cockpit, and the companies the list filters offer."""

import pytest

from entities.access import NamedRef
from entities.models import Company, CompanyGrant, Level, Role
from entities.selectors import filter_companies, held_company_grants
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

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


def names(companies) -> list[str]:
    return [company.name for company in companies]


def test_a_customers_owner_filter_offers_the_owners_of_the_entities_they_see_and_not_of_others(
    user, instance, customer_company
):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    for owner in ("Zurich Property AG", "Helvetia Real Estate"):
        BusinessEntityFactory(
            instance=instance, owner=CompanyFactory(instance=instance, name=owner), customer=customer_company
        )
    BusinessEntityFactory(instance=instance, owner=CompanyFactory(instance=instance, name="Hidden Owner AG"))

    offered = filter_companies(subject=user.access_subject(), instance=instance)

    assert names(offered["owner"]) == ["Helvetia Real Estate", "Zurich Property AG"]


def test_each_filter_offers_only_the_companies_of_its_own_column(user, instance):
    owner, provider, customer = (
        CompanyFactory(instance=instance, name=name) for name in ("Owner", "Provider", "Customer")
    )
    grant_company_role(user, Level.OWNER, owner, "manager")
    BusinessEntityFactory(instance=instance, owner=owner, service_provider=provider, customer=customer)
    CompanyFactory(instance=instance, name="On no entity AG")

    offered = filter_companies(subject=user.access_subject(), instance=instance)

    assert {level: names(companies) for level, companies in offered.items()} == {
        "owner": ["Owner"],
        "service_provider": ["Provider"],
        "customer": ["Customer"],
    }


def test_filters_offer_each_company_once_by_name_ignoring_case(user, instance, customer_company):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    for owner in ("beta AG", "Alpha AG", "beta AG"):
        BusinessEntityFactory(
            instance=instance,
            owner=Company.objects.get_or_create(instance=instance, name=owner)[0],
            customer=customer_company,
        )

    offered = filter_companies(subject=user.access_subject(), instance=instance)

    assert names(offered["owner"]) == ["Alpha AG", "beta AG"]
    assert all(isinstance(company, NamedRef) for company in offered["owner"])


def test_show_all_users_are_offered_only_the_companies_on_entities_each_in_its_column(instance, operator_admin):
    owner, provider, customer = (
        CompanyFactory(instance=instance, name=name) for name in ("Owner", "Provider", "Customer")
    )
    BusinessEntityFactory(instance=instance, owner=owner, service_provider=provider, customer=customer)
    CompanyFactory(instance=instance, name="On no entity AG")

    offered = filter_companies(subject=operator_admin.access_subject(), instance=instance)

    assert {level: names(companies) for level, companies in offered.items()} == {
        "owner": ["Owner"],
        "service_provider": ["Provider"],
        "customer": ["Customer"],
    }


def test_a_show_all_role_of_a_scope_is_offered_only_the_companies_of_the_entities_in_its_scope(
    instance, operator_company, role
):
    sales = UserFactory(
        company=operator_company, sees_all_entities=True, otp_required=True, all_entities_role=role("sales-read-only")
    )
    BusinessEntityFactory(
        instance=instance, owner=operator_company, customer=CompanyFactory(instance=instance, name="Demo")
    )
    BusinessEntityFactory(instance=instance, customer=CompanyFactory(instance=instance, name="Real customer"))

    offered = filter_companies(subject=sales.access_subject(), instance=instance)

    assert names(offered["owner"]) == ["soobr AG"]
    assert names(offered["customer"]) == ["Demo"]


def test_a_user_without_access_is_offered_no_company(user, instance):
    BusinessEntityFactory(instance=instance)

    offered = filter_companies(subject=user.access_subject(), instance=instance)

    assert offered == {"owner": [], "service_provider": [], "customer": []}
