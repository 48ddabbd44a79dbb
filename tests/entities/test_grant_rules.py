"""Grant rows that should not exist cannot be written: special roles at a company level, roles for removed users."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level
from entities.services import company_grant_create, entity_grant_create, grant_change_role
from tests.factories import BusinessEntityFactory, UserFactory, admin_user_change_form

pytestmark = pytest.mark.django_db

SPECIAL_ROLES = ["inventory-manager", "tablet-provider", "cad-plan-provider"]


@pytest.fixture
def building(instance, customer_company):
    return BusinessEntityFactory(instance=instance, name="Klinik Nord", customer=customer_company)


@pytest.fixture
def removed_user(customer_company):
    return UserFactory(company=customer_company, email="former@example.com", is_active=False)


@pytest.mark.parametrize("level", [Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER])
def test_company_grant_create_refuses_a_tablet_provider_at_any_company_level(user, customer_company, role, level):
    with pytest.raises(ValidationError, match="Tablet provider is a special role; it can only be granted on a single"):
        company_grant_create(actor=None, user=user, level=level, company=customer_company, role=role("tablet-provider"))

    assert not CompanyGrant.objects.filter(user=user).exists()
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("code", SPECIAL_ROLES)
def test_company_grant_create_refuses_every_special_role(user, customer_company, role, code):
    with pytest.raises(ValidationError) as excinfo:
        company_grant_create(actor=None, user=user, level=Level.OWNER, company=customer_company, role=role(code))

    assert [error.code for error in excinfo.value.error_dict["role"]] == ["special_role_on_company"]


@pytest.mark.parametrize("code", SPECIAL_ROLES)
def test_entity_grant_create_accepts_a_special_role(user, building, role, code):
    grant = entity_grant_create(actor=None, user=user, entity=building, role=role(code))

    assert EntityGrant.objects.get().pk == grant.pk
    assert grant.role.code == code


def test_company_grant_create_refuses_a_deactivated_user(removed_user, customer_company, role):
    with pytest.raises(
        ValidationError, match="Erika Muster.* is deactivated; a deactivated user cannot be given a role"
    ):
        company_grant_create(
            actor=None, user=removed_user, level=Level.CUSTOMER, company=customer_company, role=role("customer")
        )

    assert not CompanyGrant.objects.filter(user=removed_user).exists()


def test_entity_grant_create_refuses_a_deactivated_user(removed_user, building, role):
    with pytest.raises(ValidationError, match="is deactivated"):
        entity_grant_create(actor=None, user=removed_user, entity=building, role=role("customer"))

    assert not EntityGrant.objects.exists()


def test_grant_change_role_refuses_a_special_role_on_a_company_grant_and_keeps_the_role(user, customer_company, role):
    grant = company_grant_create(
        actor=None, user=user, level=Level.CUSTOMER, company=customer_company, role=role("customer")
    )

    with pytest.raises(ValidationError, match="Tablet provider is a special role"):
        grant_change_role(actor=None, grant=grant, role=role("tablet-provider"))

    assert grant.role.code == "customer"
    assert CompanyGrant.objects.get(pk=grant.pk).role.code == "customer"
    assert not AuditLogEntry.objects.filter(action="grant.changed").exists()


def test_grant_change_role_accepts_a_special_role_on_an_entity_grant(user, building, role):
    grant = entity_grant_create(actor=None, user=user, entity=building, role=role("customer"))

    grant_change_role(actor=None, grant=grant, role=role("cad-plan-provider"))

    assert EntityGrant.objects.get(pk=grant.pk).role.code == "cad-plan-provider"


def test_grant_change_role_refuses_a_deactivated_user_and_keeps_the_role(user, customer_company, role):
    grant = company_grant_create(
        actor=None, user=user, level=Level.CUSTOMER, company=customer_company, role=role("customer")
    )
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    grant = CompanyGrant.objects.get(pk=grant.pk)

    with pytest.raises(ValidationError, match="is deactivated"):
        grant_change_role(actor=None, grant=grant, role=role("manager"))

    assert CompanyGrant.objects.get(pk=grant.pk).role.code == "customer"


def test_grant_full_clean_lets_a_deactivated_user_keep_an_unchanged_grant(user, customer_company, role):
    company_grant_create(actor=None, user=user, level=Level.CUSTOMER, company=customer_company, role=role("customer"))
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    CompanyGrant.objects.get(user=user).full_clean()


def test_company_grant_create_still_refuses_an_operator_role_for_a_customer(user, customer_company, role):
    with pytest.raises(ValidationError, match="Sales \\(soobr\\) is an operator-only role"):
        company_grant_create(actor=None, user=user, level=Level.OWNER, company=customer_company, role=role("sales"))

    assert not CompanyGrant.objects.filter(user=user).exists()


# --- through the Django admin's user change page ----------------------------------------------


def test_admin_refuses_a_company_level_special_role_in_the_grant_inline(
    client, login, operator_admin, user, customer_company, role
):
    data = admin_user_change_form(
        user,
        last_name="Neuname",
        **{
            "company_grants-TOTAL_FORMS": "1",
            "company_grants-0-level": Level.CUSTOMER,
            "company_grants-0-company": customer_company.pk,
            "company_grants-0-role": role("tablet-provider").pk,
        },
    )

    response = login(operator_admin).post(reverse("admin:accounts_user_change", args=[user.pk]), data)

    # The company-level picker offers no special role (entities.selectors.grantable_roles), so one posted anyway
    # is not a choice there; the grant rules refuse it on every other path (tests above).
    assert response.status_code == 200
    assert [message for errors in response.context["errors"] for message in errors] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not CompanyGrant.objects.filter(user=user).exists()
    assert type(user).objects.get(pk=user.pk).last_name != "Neuname"


def test_admin_deactivates_a_user_who_holds_roles(client, login, operator_admin, user, customer_company, role):
    grant = company_grant_create(
        actor=None, user=user, level=Level.CUSTOMER, company=customer_company, role=role("customer")
    )
    data = admin_user_change_form(
        user,
        is_active="",
        **{
            "company_grants-TOTAL_FORMS": "1",
            "company_grants-INITIAL_FORMS": "1",
            "company_grants-0-id": grant.pk,
            "company_grants-0-user": user.pk,
            "company_grants-0-level": Level.CUSTOMER,
            "company_grants-0-company": customer_company.pk,
            "company_grants-0-role": role("customer").pk,
        },
    )

    response = login(operator_admin).post(reverse("admin:accounts_user_change", args=[user.pk]), data)

    assert response.status_code == 302
    assert type(user).objects.get(pk=user.pk).is_active is False
    assert CompanyGrant.objects.filter(pk=grant.pk).exists()


def test_admin_refuses_a_new_role_for_a_deactivated_user(client, login, operator_admin, removed_user, building, role):
    data = {"user": removed_user.pk, "content_object": building.pk, "role": role("customer").pk}

    response = login(operator_admin).post(reverse("admin:entities_entitygrant_add"), data)

    assert response.status_code == 200
    assert "is deactivated; a deactivated user cannot be given a role." in response.content.decode()
    assert not EntityGrant.objects.exists()
