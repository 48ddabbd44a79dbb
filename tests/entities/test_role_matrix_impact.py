"""Before a role's matrix changes, the admin says whom it reaches (role_holders: how many people in how many
cockpits), and saves the change only once the operator confirms it."""

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import Access, AuditLogEntry, Level, Role
from entities.selectors import RoleHolders, role_holders
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    admin_role_change_form,
    grant_company_role,
    grant_entity_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_role():
    return Role.objects.get(code="customer")


@pytest.fixture
def known_world(instance, other_instance):
    """Four active people hold Customer, in three cockpits; a removed person and a Manager do not count."""
    alpine = CompanyFactory(instance=instance)
    rhein = CompanyFactory(instance=other_instance)
    building = BusinessEntityFactory(instance=instance, owner=alpine)
    elsewhere = BusinessEntityFactory(instance=other_instance, owner=rhein)

    twice = UserFactory(company=alpine)  # at a company level and on an entity: one person
    grant_company_role(twice, Level.OWNER, alpine, "customer")
    grant_entity_role(twice, building, "customer")
    two_levels = UserFactory(company=alpine)
    grant_company_role(two_levels, Level.OWNER, alpine, "customer")
    grant_company_role(two_levels, Level.CUSTOMER, alpine, "customer")
    on_an_entity = UserFactory(company=rhein)
    grant_entity_role(on_an_entity, elsewhere, "customer")
    UserFactory(  # sees all entities with Customer's rights, in a third cockpit
        company=OperatorCompanyFactory(instance=InstanceFactory(slug="bern")),
        sees_all_entities=True,
        otp_required=True,
        all_entities_role=Role.objects.get(code="customer"),
    )

    removed = UserFactory(company=alpine)
    grant_company_role(removed, Level.OWNER, alpine, "customer")
    User.objects.filter(pk=removed.pk).update(is_active=False)
    other_role = UserFactory(company=alpine)
    grant_company_role(other_role, Level.OWNER, alpine, "manager")


def change_url(role):
    return reverse("admin:entities_role_change", args=[role.pk])


def matrix_change(role, **extra):
    return admin_role_change_form(role, capability_analytics=Access.EDIT, **extra)


# --- the count -------------------------------------------------------------------------------------------------


def test_role_holders_counts_the_people_and_cockpits_of_a_known_world(known_world, customer_role):
    assert role_holders(customer_role) == RoleHolders(people=4, cockpits=3)


def test_role_holders_of_a_role_nobody_holds():
    assert role_holders(Role.objects.get(code="cad-plan-provider")) == RoleHolders(people=0, cockpits=0)


def test_role_holders_is_one_statement(known_world, customer_role, django_assert_num_queries):
    with django_assert_num_queries(1):
        role_holders(customer_role)


# --- the role page ---------------------------------------------------------------------------------------------


def test_role_page_says_whom_the_matrix_reaches(admin_client, known_world, customer_role):
    page = admin_client.get(change_url(customer_role)).content.decode()

    assert "Held by 4 people in 3 cockpits" in page
    assert 'name="matrix_change_confirmed"' in page


def test_role_page_says_whom_the_matrix_reaches_in_german(admin_client, operator_admin, known_world, customer_role):
    User.objects.filter(pk=operator_admin.pk).update(language="de")

    page = admin_client.get(change_url(customer_role)).content.decode()

    assert "Personen mit dieser Rolle: 4 Personen in 3 Cockpits." in page


def test_role_page_of_a_role_nobody_holds_asks_for_no_confirmation(admin_client):
    page = admin_client.get(change_url(Role.objects.get(code="cad-plan-provider"))).content.decode()

    assert "Nobody holds this role yet." in page
    assert 'name="matrix_change_confirmed"' not in page


def test_matrix_change_unconfirmed_is_not_saved_and_says_whom_it_reaches(admin_client, known_world, customer_role):
    before = dict(customer_role.capabilities.values_list("section", "access"))

    response = admin_client.post(change_url(customer_role), matrix_change(customer_role))

    assert response.status_code == 200
    assert "applies at once to everyone who holds the role: 4 people in 3 cockpits" in response.content.decode()
    assert dict(customer_role.capabilities.values_list("section", "access")) == before
    assert not AuditLogEntry.objects.filter(action="role.capabilities_changed").exists()


def test_matrix_change_confirmed_is_saved(admin_client, known_world, customer_role):
    response = admin_client.post(change_url(customer_role), matrix_change(customer_role, matrix_change_confirmed="on"))

    assert response.status_code == 302
    assert customer_role.capabilities.get(section="analytics").access == Access.EDIT


def test_role_change_outside_the_matrix_needs_no_confirmation(admin_client, known_world, customer_role):
    response = admin_client.post(
        change_url(customer_role), admin_role_change_form(customer_role, usage="Customers of the cockpit")
    )

    assert response.status_code == 302
    assert Role.objects.get(pk=customer_role.pk).usage == "Customers of the cockpit"


def test_matrix_change_of_a_role_nobody_holds_needs_no_confirmation(admin_client):
    role = Role.objects.get(code="cad-plan-provider")

    response = admin_client.post(change_url(role), matrix_change(role))

    assert response.status_code == 302
    assert role.capabilities.get(section="analytics").access == Access.EDIT
