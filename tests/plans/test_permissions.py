"""Who uploads, sees and manages plans, on one entity and for the sidebar's "CAD plans" link."""

import pytest

from entities.access import request_scope
from plans.models import PlanStatus
from plans.permissions import (
    may_manage_plans,
    may_upload_plans,
    plan_rights,
    user_manages_plans,
    user_uploads_plans,
)
from plans.services import plans_request_clear

pytestmark = pytest.mark.django_db


def sidebar(user, instance) -> tuple[bool, bool]:
    subject = user.access_subject()
    return user_uploads_plans(user, subject, instance), user_manages_plans(user, subject, instance)


# --- the sidebar: anywhere in the cockpit -------------------------------------------------------


def test_a_cad_plan_provider_uploads_plans_and_manages_none(cad_provider, instance):
    assert sidebar(cad_provider, instance) == (True, False)


def test_a_customer_neither_uploads_nor_manages_plans(customer, instance):
    assert sidebar(customer, instance) == (False, False)


def test_a_role_editing_master_data_manages_plans(manager, instance):
    assert sidebar(manager, instance) == (True, True)


def test_the_show_all_admin_uploads_and_manages_plans(operator_admin, instance):
    assert sidebar(operator_admin, instance) == (True, True)


def test_operator_staff_without_any_role_manage_plans(operator_staff, instance):
    assert sidebar(operator_staff, instance) == (True, True)


def test_a_user_of_another_cockpit_neither_uploads_nor_manages_plans_here(foreign_user, instance, other_instance):
    assert sidebar(foreign_user, other_instance) == (True, True)
    assert sidebar(foreign_user, instance) == (False, False)


def test_a_deactivated_cad_plan_provider_uploads_nothing(cad_provider, instance):
    cad_provider.is_active = False
    cad_provider.save()

    assert sidebar(cad_provider, instance) == (False, False)


def test_the_sidebar_answer_takes_one_query_and_none_again_in_the_same_request(
    cad_provider, instance, django_assert_num_queries
):
    subject = cad_provider.access_subject()
    with request_scope():
        with django_assert_num_queries(1):
            assert user_uploads_plans(cad_provider, subject, instance)
        with django_assert_num_queries(0):
            assert user_uploads_plans(cad_provider, subject, instance)
            assert not user_manages_plans(cad_provider, subject, instance)


def test_the_sidebar_answer_for_operator_staff_takes_no_query(operator_staff, instance, django_assert_num_queries):
    subject = operator_staff.access_subject()
    with django_assert_num_queries(0):
        assert user_uploads_plans(operator_staff, subject, instance)


# --- one entity --------------------------------------------------------------------------------


def test_a_cad_plan_provider_uploads_for_their_entity_and_sees_nothing_else(cad_provider, new_building):
    rights = plan_rights(cad_provider, new_building, PlanStatus.objects.get(entity=new_building))

    assert rights.can_upload
    assert not rights.views
    assert not rights.manages


def test_a_cad_plan_provider_no_longer_reaches_an_entity_whose_request_was_cleared(cad_provider, new_building):
    status = plans_request_clear(actor=None, entity=new_building)

    assert not plan_rights(cad_provider, new_building, status).opens_page


def test_a_cad_plan_provider_may_not_upload_for_another_entity(cad_provider, other_new_building):
    assert not may_upload_plans(cad_provider, other_new_building)


def test_a_customer_views_plans_of_an_entity_whose_master_data_they_view(customer, new_building):
    rights = plan_rights(customer, new_building)

    assert rights.views
    assert not rights.uploads
    assert not rights.manages


def test_a_customer_without_master_data_sees_no_plans(analytics_customer, new_building):
    assert not plan_rights(analytics_customer, new_building).opens_page


def test_a_role_editing_master_data_manages_the_entitys_plans(manager, new_building):
    assert may_manage_plans(manager, new_building)


def test_operator_staff_manage_plans_of_an_entity_no_role_shows_them(operator_staff, new_building):
    assert may_manage_plans(operator_staff, new_building)
    assert not plan_rights(operator_staff, new_building).views


def test_the_admin_role_uploads_views_and_manages(operator_admin, new_building):
    rights = plan_rights(operator_admin, new_building, PlanStatus.objects.get(entity=new_building))

    assert (rights.can_upload, rights.views, rights.manages) == (True, True, True)
