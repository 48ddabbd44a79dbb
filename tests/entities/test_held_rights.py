"""The rights a person holds somewhere in a cockpit (entities.access.held_rights): from the rule table, per section."""

import pytest

from entities.access import held_rights, request_scope
from entities.models import Access, CompanyGrant, Level, Role, Section
from entities.permissions import user_has_entity_pages
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


def rights_of(user, instance) -> dict[str, int]:
    return held_rights(user.access_subject(), instance.pk)


def test_a_company_grant_gives_its_roles_rights(user, customer_company, instance):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")

    rights = rights_of(user, instance)

    assert (rights[Section.MASTER_DATA], rights[Section.TABLETS]) == (Access.VIEW, Access.NONE)


def test_the_best_right_over_several_roles_wins(user, customer_company, instance):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    grant_entity_role(user, BusinessEntityFactory(instance=instance), "inventory-manager")

    rights = rights_of(user, instance)

    assert (rights[Section.MASTER_DATA], rights[Section.TABLETS]) == (Access.VIEW, Access.EDIT)


def test_a_special_role_left_at_a_company_level_counts_for_nothing(user, customer_company, instance):
    # A row the services refuse to write, as a restore could leave it behind.
    CompanyGrant.objects.create(
        user=user, level=Level.OWNER, company=customer_company, role=Role.objects.get(code="inventory-manager")
    )

    assert rights_of(user, instance)[Section.TABLETS] == Access.NONE


def test_an_operator_role_of_a_user_moved_to_a_customer_counts_for_nothing(
    operator_company, customer_company, instance
):
    staff = UserFactory(company=operator_company)
    grant_company_role(staff, Level.OWNER, operator_company, "admin")
    # The user page refuses the move while the role is held; a data fix may still make it.
    type(staff).objects.filter(pk=staff.pk).update(company=customer_company)
    staff.refresh_from_db()

    assert rights_of(staff, instance)[Section.TABLETS] == Access.NONE


def test_a_deactivated_user_holds_nothing(user, customer_company, instance):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    user.is_active = False
    user.save()

    assert set(rights_of(user, instance).values()) == {Access.NONE}


def test_grants_act_only_in_their_holders_cockpit(user, other_instance):
    company = CompanyFactory(instance=other_instance)
    grant_entity_role(UserFactory(company=company), BusinessEntityFactory(instance=other_instance), "customer")

    assert set(rights_of(user, other_instance).values()) == {Access.NONE}


def test_the_show_all_role_counts_for_an_operator_employee(operator_admin, instance):
    assert rights_of(operator_admin, instance)[Section.TABLETS] == Access.EDIT


def test_the_answer_is_one_query_and_read_once_per_request(user, customer_company, instance, count_queries):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    subject = user.access_subject()

    with request_scope():
        assert count_queries(lambda: held_rights(subject, instance.pk)) == 1
        assert count_queries(lambda: held_rights(subject, instance.pk)) == 0


def test_special_roles_alone_open_no_entity_pages(user, instance):
    grant_entity_role(user, BusinessEntityFactory(instance=instance), "tablet-provider")

    assert not user_has_entity_pages(user.access_subject(), instance)


def test_a_role_that_views_a_tab_opens_the_entity_pages(user, instance):
    grant_entity_role(user, BusinessEntityFactory(instance=instance), "customer-analytics-only")

    assert user_has_entity_pages(user.access_subject(), instance)
