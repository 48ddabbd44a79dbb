"""A user's tablets right in a cockpit: the best "tablets" right over every role that counts there."""

import importlib

import pytest
from django.apps import apps

from entities.access import request_scope
from entities.models import Access, Capability, Level, Role
from tablets.permissions import tablet_right
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


def test_an_inventory_manager_granted_on_one_entity_edits_tablets(inventory_manager, instance):
    assert tablet_right(inventory_manager, instance) == Access.EDIT


def test_a_tablet_provider_views_tablets(provider, instance):
    assert tablet_right(provider, instance) == Access.VIEW


def test_the_show_all_admin_edits_tablets(operator_admin, instance):
    assert tablet_right(operator_admin, instance) == Access.EDIT


def test_a_customer_has_no_tablets_right(no_tablets_user, instance):
    assert tablet_right(no_tablets_user, instance) == Access.NONE


def test_an_admin_company_grant_edits_tablets(operator_company, instance):
    staff = UserFactory(company=operator_company)
    grant_company_role(staff, Level.OWNER, operator_company, "admin")

    assert tablet_right(staff, instance) == Access.EDIT


def test_the_best_right_of_several_roles_wins(provider, second_building, instance):
    grant_entity_role(provider, second_building, "inventory-manager")

    assert tablet_right(provider, instance) == Access.EDIT


def test_a_deactivated_inventory_manager_has_no_tablets_right(inventory_manager, instance):
    inventory_manager.is_active = False
    inventory_manager.save()

    assert tablet_right(inventory_manager, instance) == Access.NONE


def test_an_entity_grant_in_another_cockpit_gives_nothing_here(other_instance, instance):
    company = CompanyFactory(instance=other_instance)
    user = UserFactory(company=company)
    grant_entity_role(user, BusinessEntityFactory(instance=other_instance), "inventory-manager")

    assert tablet_right(user, other_instance) == Access.EDIT
    assert tablet_right(user, instance) == Access.NONE  # a share's cockpit: never tablets


def test_the_right_follows_the_catalogue(inventory_manager, instance):
    Capability.objects.filter(role__code="inventory-manager", section="tablets").update(access=Access.VIEW)

    assert tablet_right(inventory_manager, instance) == Access.VIEW


def test_the_right_takes_at_most_two_queries(inventory_manager, instance, count_queries):
    assert count_queries(lambda: tablet_right(inventory_manager, instance)) <= 2


def test_the_right_is_read_once_per_request(inventory_manager, instance, count_queries):
    with request_scope():
        tablet_right(inventory_manager, instance)
        assert count_queries(lambda: tablet_right(inventory_manager, instance)) == 0


def test_the_migration_gives_tablet_providers_view_and_going_back_edit():
    migration = importlib.import_module("tablets.migrations.0002_tablet_provider_views_tablets")
    capability = Capability.objects.get(role=Role.objects.get(code="tablet-provider"), section="tablets")
    assert capability.access == Access.VIEW

    migration.provider_edits_tablets(apps, None)
    capability.refresh_from_db()
    assert capability.access == Access.EDIT

    migration.provider_views_tablets(apps, None)
    capability.refresh_from_db()
    assert capability.access == Access.VIEW


@pytest.mark.parametrize("code", ["inventory-manager", "tablet-provider", "cad-plan-provider"])
@pytest.mark.parametrize("level", [Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER])
def test_special_roles_are_refused_at_a_company_level(code, level, partner):
    from django.core.exceptions import ValidationError

    from entities.models import CompanyGrant
    from entities.services import company_grant_create

    user = UserFactory(company=partner)

    with pytest.raises(ValidationError, match="special role"):
        company_grant_create(actor=None, user=user, level=level, company=partner, role=Role.objects.get(code=code))
    assert not CompanyGrant.objects.filter(user=user).exists()


@pytest.mark.parametrize("code", ["inventory-manager", "tablet-provider", "cad-plan-provider"])
def test_special_roles_are_granted_on_a_single_entity(code, partner, building, instance):
    user = UserFactory(company=partner)

    grant = grant_entity_role(user, building, code)

    assert grant.role.code == code
