"""users/permissions.py: a manager's reach, whom they may manage, and the entities they may name
(docs/user-management.md "Who sees it")."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from entities.access import request_scope
from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role
from users.permissions import (
    access_managed_user,
    access_named_entity,
    manager_reach,
    require_manageable_user,
    require_manager,
    user_can_manage_user,
    user_manages_users,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity_of_a(instance, owner_a, provider_b, other_x):
    """Owned by A, serviced by B: A's Projectmanager and B's Provider project manager both manage users here."""
    return BusinessEntityFactory(
        instance=instance, name="Bürohaus A", owner=owner_a, service_provider=provider_b, customer=other_x
    )


@pytest.fixture
def entity_of_x(instance, other_x):
    """Owned, serviced and used by X only: out of reach of A's and B's managers."""
    return BusinessEntityFactory(
        instance=instance, name="Lager X", owner=other_x, service_provider=other_x, customer=other_x
    )


# --- manager_reach ---------------------------------------------------------------------------


def test_manager_reach_of_operator_staff_covers_every_company(operator_staff, instance):
    # when
    reach = manager_reach(operator_staff, instance)

    # then
    assert reach.is_operator_staff and reach.is_manager
    assert reach.company_ids is None


def test_manager_reach_of_a_grant_based_manager_is_the_companies_of_their_managing_roles(
    projectmanager_a, instance, owner_a
):
    # when
    reach = manager_reach(projectmanager_a, instance)

    # then
    assert not reach.is_operator_staff and reach.is_manager
    assert reach.company_ids == {owner_a.pk}
    assert set(reach.managed) == {(Level.OWNER, owner_a.pk)}


def test_manager_reach_ignores_roles_that_do_not_manage_users(instance, owner_a, other_x):
    # given: Manager only views the users section, Customer has none
    reader = UserFactory(company=owner_a)
    grant_company_role(reader, Level.OWNER, owner_a, "manager")
    grant_company_role(reader, Level.CUSTOMER, other_x, "customer")

    # when
    reach = manager_reach(reader, instance)

    # then
    assert not reach.is_manager
    assert reach.managed == {} and reach.company_ids == set()


def test_manager_reach_of_an_inactive_staff_member_is_not_operator_staff(operator_company, instance):
    # given
    former = UserFactory(company=operator_company, is_staff=True, is_active=False)

    # when
    reach = manager_reach(former, instance)

    # then
    assert not reach.is_operator_staff and not reach.is_manager


def test_manager_reach_counts_only_grants_in_the_given_cockpit(projectmanager_a, other_instance):
    # when
    reach = manager_reach(projectmanager_a, other_instance)

    # then
    assert not reach.is_manager


def test_manager_reach_keeps_each_managers_reach_apart_within_a_request(projectmanager_a, provider_pm_b, instance):
    # given: one request scope, two managers
    with request_scope():
        # when
        reach_a = manager_reach(projectmanager_a, instance)
        reach_b = manager_reach(provider_pm_b, instance)

    # then
    assert (reach_a.actor, reach_b.actor) == (projectmanager_a, provider_pm_b)


# --- Reach.companies / user_companies / may_place_user_in / includes_company ---------------------


def test_reach_companies_of_operator_staff_are_all_companies_of_the_cockpit_by_name(
    operator_staff, instance, other_instance, operator_company, owner_a, provider_b
):
    # given
    CompanyFactory(instance=other_instance, name="Rhein AG")

    # when
    companies = list(manager_reach(operator_staff, instance).companies())

    # then
    assert companies == [owner_a, provider_b, operator_company]


def test_reach_companies_of_a_manager_are_only_those_they_manage(projectmanager_a, instance, owner_a, provider_b):
    # when
    companies = list(manager_reach(projectmanager_a, instance).companies())

    # then
    assert companies == [owner_a]


def test_reach_user_companies_leave_out_the_operator_for_a_manager_who_is_not_staff(
    operator_projectmanager, instance, operator_company
):
    # given
    reach = manager_reach(operator_projectmanager, instance)

    # when
    companies = list(reach.user_companies())

    # then
    assert list(reach.companies()) == [operator_company]
    assert companies == []


def test_reach_user_companies_include_the_operator_for_operator_staff(operator_staff, instance, operator_company):
    # when
    companies = list(manager_reach(operator_staff, instance).user_companies())

    # then
    assert operator_company in companies


def test_reach_may_place_user_in_a_company_they_manage(projectmanager_a, instance, owner_a):
    # when / then
    assert manager_reach(projectmanager_a, instance).may_place_user_in(owner_a)


def test_reach_may_not_place_user_in_a_company_outside_reach(projectmanager_a, instance, other_x):
    # when / then
    assert not manager_reach(projectmanager_a, instance).may_place_user_in(other_x)


def test_reach_may_not_place_user_in_the_operator_unless_operator_staff(
    operator_projectmanager, operator_staff, instance, operator_company
):
    # when / then
    assert not manager_reach(operator_projectmanager, instance).may_place_user_in(operator_company)
    assert manager_reach(operator_staff, instance).may_place_user_in(operator_company)


def test_reach_may_not_place_user_in_a_company_of_another_cockpit_even_for_operator_staff(
    operator_staff, instance, other_instance
):
    # given
    foreign = CompanyFactory(instance=other_instance)

    # when / then
    assert not manager_reach(operator_staff, instance).may_place_user_in(foreign)


def test_reach_includes_company_only_those_managed(projectmanager_a, instance, owner_a, other_x):
    # given
    reach = manager_reach(projectmanager_a, instance)

    # when / then
    assert reach.includes_company(owner_a.pk)
    assert not reach.includes_company(other_x.pk)


def test_reach_includes_company_any_for_operator_staff(operator_staff, instance, other_x):
    # when / then
    assert manager_reach(operator_staff, instance).includes_company(other_x.pk)


# --- Reach.role_error --------------------------------------------------------------------------


def test_reach_role_error_refuses_an_operator_only_role(projectmanager_a, instance, owner_a, role):
    # given
    reach = manager_reach(projectmanager_a, instance)

    # when
    error = reach.role_error(role("sales"), reach.managed[(Level.OWNER, owner_a.pk)])

    # then
    assert error == "Sales (soobr) is an operator role; only operator staff grant it."


def test_reach_role_error_refuses_without_own_rights(projectmanager_a, instance, role):
    # when
    error = manager_reach(projectmanager_a, instance).role_error(role("customer"), None)

    # then
    assert error == "You hold no user-managing role there."


def test_reach_role_error_names_the_sections_where_the_role_exceeds_own_rights(
    provider_pm_b, instance, provider_b, role
):
    # given: a Provider project manager only views master data and cleaning categories
    reach = manager_reach(provider_pm_b, instance)

    # when
    error = reach.role_error(role("owner-project-manager"), reach.managed[(Level.SERVICE_PROVIDER, provider_b.pk)])

    # then
    assert error == (
        "Owner project manager has more rights than your own role there "
        "(Master data, Cleaning categories, Cleaning process, Quality control)."
    )


def test_reach_role_error_allows_a_role_within_own_rights(projectmanager_a, instance, owner_a, role):
    # given
    reach = manager_reach(projectmanager_a, instance)

    # when / then
    assert reach.role_error(role("provider-project-manager"), reach.managed[(Level.OWNER, owner_a.pk)]) is None
    assert reach.role_error(role("projectmanager"), reach.managed[(Level.OWNER, owner_a.pk)]) is None


def test_reach_role_error_allows_operator_staff_anything(operator_staff, instance, role):
    # when / then
    assert manager_reach(operator_staff, instance).role_error(role("admin"), None) is None


# --- Reach.company_grant_error -----------------------------------------------------------------


def test_reach_company_grant_error_refuses_a_company_where_they_hold_nothing(projectmanager_a, instance, other_x, role):
    # when
    error = manager_reach(projectmanager_a, instance).company_grant_error(Level.OWNER, other_x.pk, role("customer"))

    # then
    assert error == "You hold no user-managing role at this level for this company."


def test_reach_company_grant_error_refuses_another_level_of_a_managed_company(
    projectmanager_a, instance, owner_a, role
):
    # when
    error = manager_reach(projectmanager_a, instance).company_grant_error(Level.CUSTOMER, owner_a.pk, role("customer"))

    # then
    assert error == "You hold no user-managing role at this level for this company."


def test_reach_company_grant_error_refuses_a_role_above_their_own(provider_pm_b, instance, provider_b, role):
    # when
    error = manager_reach(provider_pm_b, instance).company_grant_error(
        Level.SERVICE_PROVIDER, provider_b.pk, role("projectmanager")
    )

    # then
    assert error.startswith("Projectmanager has more rights than your own role there (")


def test_reach_company_grant_error_refuses_an_operator_role_where_they_manage(
    projectmanager_a, instance, owner_a, role
):
    # when
    error = manager_reach(projectmanager_a, instance).company_grant_error(Level.OWNER, owner_a.pk, role("sales"))

    # then
    assert error == "Sales (soobr) is an operator role; only operator staff grant it."


def test_reach_company_grant_error_allows_a_lesser_role_where_they_manage(projectmanager_a, instance, owner_a, role):
    # when / then
    assert (
        manager_reach(projectmanager_a, instance).company_grant_error(Level.OWNER, owner_a.pk, role("customer")) is None
    )


def test_reach_company_grant_error_allows_operator_staff_any_company_and_role(operator_staff, instance, other_x, role):
    # when / then
    assert (
        manager_reach(operator_staff, instance).company_grant_error(Level.CUSTOMER, other_x.pk, role("sales")) is None
    )


# --- Reach.entity_grant_error ------------------------------------------------------------------


def test_reach_entity_grant_error_allows_a_lesser_role_where_their_deciding_role_manages_users(
    projectmanager_a, instance, entity_of_a, role
):
    # when / then
    assert manager_reach(projectmanager_a, instance).entity_grant_error(entity_of_a, role("customer")) is None


def test_reach_entity_grant_error_refuses_an_entity_they_cannot_see(projectmanager_a, instance, entity_of_x, role):
    # when
    error = manager_reach(projectmanager_a, instance).entity_grant_error(entity_of_x, role("customer"))

    # then
    # an entity they cannot see reads like one that does not exist: its name is not given away
    assert error == "There is no such business entity in this cockpit."


def test_reach_entity_grant_error_refuses_where_their_deciding_role_does_not_manage_users(
    projectmanager_a, instance, owner_a, entity_of_a, role
):
    # given: the entity grant decides alone, over the managing owner grant on A
    grant_entity_role(projectmanager_a, entity_of_a, "manager")

    # when
    error = manager_reach(projectmanager_a, instance).entity_grant_error(entity_of_a, role("customer"))

    # then
    assert error == "Your role on Bürohaus A does not manage users."


def test_reach_entity_grant_error_refuses_a_role_above_their_deciding_role(provider_pm_b, instance, entity_of_a, role):
    # when
    error = manager_reach(provider_pm_b, instance).entity_grant_error(entity_of_a, role("projectmanager"))

    # then
    assert error.startswith("Projectmanager has more rights than your own role there (Master data")


def test_reach_entity_grant_error_refuses_an_operator_role(projectmanager_a, instance, entity_of_a, role):
    # when
    error = manager_reach(projectmanager_a, instance).entity_grant_error(entity_of_a, role("sales-read-only"))

    # then
    assert error == "Sales read only (soobr) is an operator role; only operator staff grant it."


def test_reach_entity_grant_error_refuses_an_entity_of_another_cockpit_even_for_operator_staff(
    operator_staff, instance, other_instance, role
):
    # given
    foreign = BusinessEntityFactory(instance=other_instance)

    # when
    error = manager_reach(operator_staff, instance).entity_grant_error(foreign, role("customer"))

    # then
    assert error == "This business entity belongs to another cockpit."


def test_reach_entity_grant_error_allows_operator_staff_any_entity_of_the_cockpit(
    operator_staff, instance, entity_of_x, role
):
    # when / then
    assert manager_reach(operator_staff, instance).entity_grant_error(entity_of_x, role("admin")) is None


# --- Reach.grant_in_reach ----------------------------------------------------------------------


def test_reach_grant_in_reach_accepts_a_company_grant_they_could_have_given(projectmanager_a, instance, owner_a):
    # given
    grant = grant_company_role(UserFactory(company=owner_a), Level.OWNER, owner_a, "customer")

    # when / then
    assert manager_reach(projectmanager_a, instance).grant_in_reach(grant)


def test_reach_grant_in_reach_refuses_a_company_grant_outside_reach(projectmanager_a, instance, owner_a, other_x):
    # given
    grant = grant_company_role(UserFactory(company=owner_a), Level.OWNER, other_x, "customer")

    # when / then
    assert not manager_reach(projectmanager_a, instance).grant_in_reach(grant)


def test_reach_grant_in_reach_refuses_a_company_grant_above_their_own_role(projectmanager_a, instance, owner_a):
    # given: Projectmanager extended also views alpha features
    grant = grant_company_role(UserFactory(company=owner_a), Level.OWNER, owner_a, "projectmanager-extended")

    # when / then
    assert not manager_reach(projectmanager_a, instance).grant_in_reach(grant)


def test_reach_grant_in_reach_accepts_an_entity_grant_where_they_manage(
    projectmanager_a, instance, owner_a, entity_of_a
):
    # given
    grant = grant_entity_role(UserFactory(company=owner_a), entity_of_a, "customer")

    # when / then
    assert manager_reach(projectmanager_a, instance).grant_in_reach(grant)


def test_reach_grant_in_reach_refuses_an_entity_grant_where_they_do_not_manage(
    projectmanager_a, instance, owner_a, entity_of_x
):
    # given
    grant = grant_entity_role(UserFactory(company=owner_a), entity_of_x, "customer")

    # when / then
    assert not manager_reach(projectmanager_a, instance).grant_in_reach(grant)


# --- user_manages_users ------------------------------------------------------------------------


def test_user_manages_users_for_operator_staff(operator_staff, instance):
    # when / then
    assert user_manages_users(operator_staff, instance)


def test_user_manages_users_for_a_holder_of_a_user_managing_role(projectmanager_a, provider_pm_b, instance):
    # when / then
    assert user_manages_users(projectmanager_a, instance)
    assert user_manages_users(provider_pm_b, instance)


def test_user_manages_users_not_for_roles_that_only_view_users(employee_a, instance):
    # when / then
    assert not user_manages_users(employee_a, instance)


def test_user_manages_users_not_in_another_cockpit(projectmanager_a, other_instance):
    # when / then
    assert not user_manages_users(projectmanager_a, other_instance)


# --- require_manager / require_manageable_user -------------------------------------------------


def test_require_manager_refuses_a_user_without_a_managing_role(employee_a, instance):
    # when / then
    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        require_manager(employee_a, instance)


def test_require_manager_returns_the_reach_of_a_manager(projectmanager_a, instance, owner_a):
    # when
    reach = require_manager(projectmanager_a, instance)

    # then
    assert reach.actor == projectmanager_a and reach.company_ids == {owner_a.pk}


def test_require_manageable_user_refuses_a_user_out_of_reach(projectmanager_a, provider_pm_b, instance):
    # when / then
    with pytest.raises(PermissionDenied, match="You cannot manage this user."):
        require_manageable_user(projectmanager_a, instance, provider_pm_b)


def test_require_manageable_user_refuses_a_non_manager_as_such(employee_a, instance, owner_a):
    # when / then
    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        require_manageable_user(employee_a, instance, UserFactory(company=owner_a))


def test_require_manageable_user_returns_the_reach_for_a_user_in_reach(projectmanager_a, employee_a, instance):
    # when
    reach = require_manageable_user(projectmanager_a, instance, employee_a)

    # then
    assert reach.actor == projectmanager_a


# --- user_can_manage_user ----------------------------------------------------------------------


def test_user_can_manage_user_never_themselves_as_a_manager(projectmanager_a, instance):
    # when / then
    assert not user_can_manage_user(manager_reach(projectmanager_a, instance), projectmanager_a)


def test_user_can_manage_user_never_themselves_as_operator_staff(operator_staff, instance):
    # when / then
    assert not user_can_manage_user(manager_reach(operator_staff, instance), operator_staff)


def test_user_can_manage_user_not_a_user_of_another_cockpit(operator_staff, instance, other_instance):
    # given
    foreign = UserFactory(company=CompanyFactory(instance=other_instance))

    # when / then
    assert not user_can_manage_user(manager_reach(operator_staff, instance), foreign)


def test_user_can_manage_user_operator_staff_manage_customers_and_operator_employees(
    operator_staff, instance, provider_pm_b, operator_projectmanager
):
    # given
    reach = manager_reach(operator_staff, instance)

    # when / then
    assert user_can_manage_user(reach, provider_pm_b)
    assert user_can_manage_user(reach, operator_projectmanager)


def test_user_can_manage_user_operator_staff_not_other_staff(operator_staff, operator_company, instance):
    # given
    colleague = UserFactory(company=operator_company, is_staff=True)

    # when / then
    assert not user_can_manage_user(manager_reach(operator_staff, instance), colleague)


def test_user_can_manage_user_operator_staff_not_a_superuser(operator_staff, operator_company, instance):
    # given: a superuser outranks every manager
    superuser = UserFactory(company=operator_company, is_staff=True, is_superuser=True)

    # when / then
    assert not user_can_manage_user(manager_reach(operator_staff, instance), superuser)


def test_user_can_manage_user_a_manager_who_is_not_staff_never_an_operator_employee(
    operator_projectmanager, operator_company, instance
):
    # given: the operator company is in their reach, and the employee holds no role at all
    employee = UserFactory(company=operator_company)

    # when / then
    assert not user_can_manage_user(manager_reach(operator_projectmanager, instance), employee)


def test_user_can_manage_user_a_user_without_roles_of_a_company_in_reach(projectmanager_a, owner_a, instance):
    # when / then
    assert user_can_manage_user(manager_reach(projectmanager_a, instance), UserFactory(company=owner_a))


def test_user_can_manage_user_not_a_user_of_a_company_outside_reach(projectmanager_a, other_x, instance):
    # when / then
    assert not user_can_manage_user(manager_reach(projectmanager_a, instance), UserFactory(company=other_x))


def test_user_can_manage_user_a_user_whose_every_role_lies_in_reach(
    projectmanager_a, employee_a, entity_of_a, instance
):
    # given
    grant_entity_role(employee_a, entity_of_a, "customer")

    # when / then
    assert user_can_manage_user(manager_reach(projectmanager_a, instance), employee_a)


def test_user_can_manage_user_not_a_user_with_a_company_role_outside_reach(
    projectmanager_a, employee_a, other_x, instance
):
    # given
    grant_company_role(employee_a, Level.CUSTOMER, other_x, "customer")

    # when / then
    assert not user_can_manage_user(manager_reach(projectmanager_a, instance), employee_a)


def test_user_can_manage_user_not_a_user_with_an_entity_role_outside_reach(
    projectmanager_a, employee_a, entity_of_x, instance
):
    # given
    grant_entity_role(employee_a, entity_of_x, "customer")

    # when / then
    assert not user_can_manage_user(manager_reach(projectmanager_a, instance), employee_a)


def test_user_can_manage_user_not_a_user_whose_role_outranks_their_own(provider_pm_b, provider_b, instance):
    # given: same company and level, but Projectmanager edits what a Provider project manager only views
    senior = UserFactory(company=provider_b)
    grant_company_role(senior, Level.SERVICE_PROVIDER, provider_b, "projectmanager")

    # when / then
    assert not user_can_manage_user(manager_reach(provider_pm_b, instance), senior)


# --- access_managed_user -----------------------------------------------------------------------


def test_access_managed_user_returns_a_user_in_reach_with_the_reach(projectmanager_a, employee_a, instance):
    # when
    target, reach = access_managed_user(projectmanager_a, instance, employee_a.pk)

    # then
    assert target == employee_a and reach.actor == projectmanager_a


def test_access_managed_user_answers_404_for_a_missing_user(projectmanager_a, instance):
    # when / then
    with pytest.raises(Http404, match="No such user."):
        access_managed_user(projectmanager_a, instance, projectmanager_a.pk + 1000)


def test_access_managed_user_answers_404_for_a_user_out_of_reach(projectmanager_a, provider_pm_b, instance):
    # when / then
    with pytest.raises(Http404, match="No such user."):
        access_managed_user(projectmanager_a, instance, provider_pm_b.pk)


def test_access_managed_user_answers_403_for_a_non_manager(employee_a, projectmanager_a, instance):
    # when / then
    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        access_managed_user(employee_a, instance, projectmanager_a.pk)


# --- access_named_entity -----------------------------------------------------------------------


def test_access_named_entity_refuses_an_entity_of_another_cockpit_even_to_operator_staff(
    operator_staff, instance, other_instance
):
    # given: staff name any entity of their cockpit, but this one is in another cockpit
    foreign = BusinessEntityFactory(instance=other_instance, name="Rheinhafen")
    reach = manager_reach(operator_staff, instance)

    # when / then
    with pytest.raises(Http404):
        access_named_entity(reach, foreign.pk)


def test_access_named_entity_returns_the_entity_named(operator_staff, instance):
    # given
    BusinessEntityFactory(instance=instance, name="Werk Eins")
    named = BusinessEntityFactory(instance=instance, name="Werk Zwei")

    # when
    found = access_named_entity(manager_reach(operator_staff, instance), named.pk)

    # then
    assert found == named


@pytest.mark.parametrize(("deciding_level", "manageable"), [("owner", True), ("share_owner", False)])
def test_user_can_manage_user_not_a_user_whose_entity_role_the_manager_reaches_through_a_share(
    projectmanager_a, employee_a, owner_a, instance, monkeypatch, deciding_level, manageable
):
    # A share never decides in its holder's own cockpit; were it to, its capped rights are not its role's.
    from entities.models import Role
    from users import permissions

    customer, projectmanager = Role.objects.get(code="customer"), Role.objects.get(code="projectmanager")
    monkeypatch.setattr(
        permissions,
        "deciding_roles_on_grants",
        lambda subject, cockpit, ids: {(employee_a.pk, customer.pk, (deciding_level, projectmanager.pk))},
    )

    assert user_can_manage_user(manager_reach(projectmanager_a, instance), employee_a) is manageable
