"""Reads shared by the pages: the user's company grants in a cockpit, the companies the list filters offer, and the
entity list itself (entity_page and count_visible_entities: its filters, search, page edges and cap)."""

import pickle

import pytest

from entities.access import EntityFilter, NamedRef, count_visible_entities, entity_page
from entities.models import Company, CompanyGrant, Level, Role
from entities.selectors import filter_companies, held_company_grants
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    UserFactory,
    grant_company_role,
    grant_entity_role,
    owned_by,
)

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

    assert {level: names(companies) for level, companies in offered.items()} == {
        "owner": [],
        "service_provider": [],
        "customer": [],
    }


# --- the entity list: entity_page and count_visible_entities -----------------------------------


def names_on(page):
    return [entity.name for entity, _role, _level in page.rows]


def test_entity_page_filters_by_customer(reader, instance, owner):
    # given
    clinic, other = CompanyFactory(instance=instance, name="Spital"), CompanyFactory(instance=instance, name="Schule")
    owned_by(instance, owner, "Halle 1", customer=clinic)
    owned_by(instance, owner, "Halle 2", customer=other)

    # when
    page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(customer_id=clinic.pk))

    # then
    assert names_on(page) == ["Halle 1"]


def test_entity_page_search_matches_a_backslash_literally(reader, instance, owner):
    # given
    owned_by(instance, owner, "Halle A\\B", "Halle AB")

    # when
    page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(search="A\\B"))

    # then
    assert names_on(page) == ["Halle A\\B"]


def test_entity_page_combines_a_company_filter_with_a_search(reader, instance, owner):
    # given: the reader also sees X's entities
    other = CompanyFactory(instance=instance, name="Other X")
    grant_company_role(reader, Level.OWNER, other, "owner-project-manager")
    owned_by(instance, owner, "Nord 1", "Süd 1")
    owned_by(instance, other, "Nord 2")

    # when
    page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(search="Nord", owner_id=owner.pk))

    # then
    assert names_on(page) == ["Nord 1"]


def test_entity_page_starts_on_the_first_page_by_default(reader, instance, owner):
    # given
    owned_by(instance, owner, "Halle 1", "Halle 2")

    # when
    page = entity_page(reader.access_subject(), instance, per_page=1)

    # then
    assert (page.number, names_on(page)) == (1, ["Halle 1"])


def test_entity_page_first_page_has_no_previous_page(reader, instance, owner):
    # given
    owned_by(instance, owner, "Halle 1", "Halle 2")

    # when
    page = entity_page(reader.access_subject(), instance, number=1, per_page=1)

    # then
    assert page.has_previous is False


def test_entity_page_for_an_anonymous_user_is_an_empty_page_one(instance, building):
    # when
    page = entity_page(None, instance, number=3)

    # then
    assert (page.number, page.rows, page.total) == (1, [], 0)


def test_entity_page_beyond_the_last_page_shows_the_last_page(reader, instance, owner):
    # given: one page of entities
    owned_by(instance, owner, "Halle 1")

    # when
    page = entity_page(reader.access_subject(), instance, number=2)

    # then
    assert (page.number, names_on(page)) == (1, ["Halle 1"])


def test_entity_page_beyond_the_last_page_keeps_the_filter(reader, instance, owner):
    # given
    owned_by(instance, owner, "Alpha", "Beta", "Gamma")

    # when
    page = entity_page(
        reader.access_subject(), instance, entity_filter=EntityFilter(search="Gamma"), number=3, per_page=1
    )

    # then
    assert (page.number, names_on(page)) == (1, ["Gamma"])


def test_count_visible_entities_says_more_than_the_cap_beyond_it_for_grants_on_single_entities(user, instance, owner):
    # given: four entities, each through a grant on the entity itself
    for entity in owned_by(instance, owner, "Halle 1", "Halle 2", "Halle 3", "Halle 4"):
        grant_entity_role(user, entity, "customer")

    # when
    count = count_visible_entities(user.access_subject(), instance, cap=2)

    # then: cap + 1 stands for "more than the cap"
    assert count == 3


def test_count_visible_entities_is_zero_without_any_grant(user, instance, building):
    # when
    count = count_visible_entities(user.access_subject(), instance, cap=5)

    # then
    assert count == 0


def test_count_visible_entities_is_zero_for_an_anonymous_user(instance, building):
    # when
    count = count_visible_entities(None, instance, cap=5)

    # then
    assert count == 0


def test_the_filters_companies_come_back_from_the_cache_as_they_went_in(user, instance):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    grant_company_role(user, Level.OWNER, owner, "manager")
    BusinessEntityFactory(instance=instance, owner=owner)
    offered = filter_companies(subject=user.access_subject(), instance=instance)

    kept = pickle.loads(pickle.dumps(offered))  # noqa: S301 - our own value, as the cache keeps it

    assert kept == offered
    assert [(company.pk, company.name) for company in kept["owner"]] == [(owner.pk, "Zurich Property AG")]
