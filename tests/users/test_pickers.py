"""Pickers offer exactly what the manager may grant; the list's role filter only roles in reach."""

import pytest
from django.urls import reverse

from entities.models import Level, Role
from tests.factories import UserFactory, grant_company_role
from users.permissions import manager_reach

pytestmark = pytest.mark.django_db


def options(form, name) -> set[str]:
    return {str(value) for value, _label in form.fields[name].choices if value != ""}


@pytest.fixture
def create_page(client, login, projectmanager_a, instance):
    login(projectmanager_a)
    return client.get(reverse("users:user-create", kwargs={"instance_slug": instance.slug}))


def test_a_projectmanager_is_offered_only_their_level_and_company(create_page, owner_a):
    row = create_page.context["company_formset"].empty_form

    assert options(row, "level") == {Level.OWNER}
    assert options(row, "company") == {str(owner_a.pk)}


def test_a_projectmanager_is_offered_exactly_the_roles_they_may_grant(create_page, projectmanager_a, owner_a, instance):
    reach = manager_reach(projectmanager_a, instance)
    offered = options(create_page.context["company_formset"].empty_form, "role")
    candidates = Role.objects.filter(is_special=False, is_share_role=False)

    grantable = {
        str(role.pk) for role in candidates if reach.company_grant_error(Level.OWNER, owner_a.pk, role) is None
    }
    assert offered == grantable
    names = {role.code for role in candidates if str(role.pk) in offered}
    assert not names & {"projectmanager-extended", "admin", "sales", "superuser"}
    assert "projectmanager" in names and "customer" in names


def test_entity_rows_offer_no_role_above_the_managers_own(create_page, projectmanager_a, instance):
    reach = manager_reach(projectmanager_a, instance)
    offered = options(create_page.context["entity_formset"].empty_form, "role")
    own = next(iter(reach.managed.values()))

    for role in Role.objects.filter(is_share_role=False):
        assert (str(role.pk) in offered) == (reach.role_error(role, own) is None), role.code


def test_operator_staff_are_offered_every_level_and_role(client, login, operator_staff, instance):
    login(operator_staff)

    row = (
        client.get(reverse("users:user-create", kwargs={"instance_slug": instance.slug}))
        .context["company_formset"]
        .empty_form
    )

    assert options(row, "level") == {Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER}
    assert options(row, "role") == {
        str(pk) for pk in Role.objects.filter(is_special=False, is_share_role=False).values_list("pk", flat=True)
    }


def test_the_form_explains_each_offered_role_with_its_chat(create_page):
    page = create_page.content.decode()

    assert 'data-testid="role-guide"' in page
    customer = Role.objects.get(code="customer")
    assert customer.usage in page


def test_the_role_filter_offers_only_roles_held_in_reach(
    client, login, projectmanager_a, employee_a, provider_b, instance
):
    outsider = UserFactory(company=provider_b)
    grant_company_role(outsider, Level.SERVICE_PROVIDER, provider_b, "team-leader")
    login(projectmanager_a)

    roles = client.get(reverse("users:user-list", kwargs={"instance_slug": instance.slug})).context["roles"]

    # The manager's own role too: the list names them.
    assert {role.code for role in roles} == {"manager", "projectmanager"}
