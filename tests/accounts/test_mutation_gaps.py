"""Behaviour of the user services that a mutation run (mutmut) found unpinned.

Each test names the service and the one behaviour it pins; most of them are about the
audit trail (who acted, on whom, in which cockpit, before -> after), which the other tests
mostly exercise with actor=None, and about roles added or removed on an edit.
"""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import User
from accounts.services import password_changed, user_create, user_save, user_update
from entities.access import request_scope
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level, Role
from tests.accounts.test_service_rules import CHAT_NEEDS_ROLE, edit, invite
from tests.factories import BusinessEntityFactory, UserFactory, grant_company_role, grant_entity_role
from users.permissions import access_named_entity, manager_reach
from users.services import (
    CompanyGrantRequest,
    EntityGrantRequest,
    user_deactivate,
    user_reactivate,
    welcome_email_resend,
)

pytestmark = pytest.mark.django_db


def company_grants_of(user):
    return sorted((g.level, g.company_id, g.role.code) for g in CompanyGrant.objects.filter(user=user))


def entity_grants_of(user):
    return sorted((g.content_object_id, g.role.code) for g in EntityGrant.objects.filter(user=user))


@pytest.fixture
def entity_a(instance, owner_a):
    """An entity owned by A: A's Projectmanager manages users there."""
    return BusinessEntityFactory(instance=instance, name="Werk A", owner=owner_a)


@pytest.fixture
def invited_a(owner_a):
    """A user of A still on the temporary password, with a role in the reach of A's Projectmanager."""
    invited = UserFactory(company=owner_a, email="invited@owner-a.example", must_change_password=True)
    grant_company_role(invited, Level.OWNER, owner_a, "customer")
    return invited


@pytest.fixture
def quiet_project_manager(db):
    """A project-manager role without chat: "show all" needs one, and the chat tests need it not to allow chat."""
    return Role.objects.create(code="pm-no-chat", name="Project manager without chat", is_project_manager=True)


@pytest.fixture
def operator_employee(operator_company, role, quiet_project_manager):
    """An operator employee who is not staff and sees all entities as Team leader (a role that allows chat)."""
    employee = UserFactory(company=operator_company, email="emil@soobr.example", operator_project_manager=False)
    CompanyGrant.objects.create(
        user=employee, level=Level.CUSTOMER, company=operator_company, role=quiet_project_manager
    )
    employee.sees_all_entities, employee.all_entities_role = True, role("team-leader")
    employee.otp_required = employee.chat_enabled = True
    employee.save()
    return employee


# --- user_save / user_create / user_update -----------------------------------------------------


def test_user_save_records_nothing_for_an_unchanged_user(user):
    # given
    entries_before = AuditLogEntry.objects.count()

    # when
    user_save(actor=None, user=User.objects.get(pk=user.pk))

    # then
    assert AuditLogEntry.objects.count() == entries_before


def test_user_save_files_the_entry_under_the_users_cockpit(customer_company):
    # when
    created = user_create(actor=None, email="neu@example.com", company=customer_company)

    # then
    assert AuditLogEntry.objects.get(action="user.created", subject_user=created).instance == customer_company.instance


def test_user_save_records_a_superuser_flag_change(operator_company):
    # given
    staff = UserFactory(company=operator_company, is_staff=True)

    # when
    staff.is_superuser = True
    user_save(actor=None, user=staff)

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=staff).changes == {
        "is_superuser": [False, True]
    }


def test_user_save_records_an_activation_flag_change(user):
    # when
    user.is_active = False
    user_save(actor=None, user=user)

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=user).changes == {"is_active": [True, False]}


def test_user_create_records_the_acting_user(operator_admin, customer_company):
    # when
    created = user_create(actor=operator_admin, email="neu@example.com", company=customer_company)

    # then
    assert AuditLogEntry.objects.get(action="user.created", subject_user=created).actor == operator_admin


def test_user_create_stores_every_given_profile_field(operator_company):
    # when
    created = user_create(
        actor=None,
        email="neu@soobr.example",
        company=operator_company,
        first_name="  Nora ",
        last_name=" Neu  ",
        language="en",
        is_staff=True,
        otp_required=True,
    )

    # then
    stored = User.objects.get(pk=created.pk)
    assert (stored.first_name, stored.last_name, stored.language, stored.is_staff, stored.otp_required) == (
        "Nora",
        "Neu",
        "en",
        True,
        True,
    )


def test_user_create_leaves_names_empty_and_two_factor_and_chat_off_by_default(customer_company):
    # when
    created = user_create(actor=None, email="neu@example.com", company=customer_company)

    # then
    stored = User.objects.get(pk=created.pk)
    assert (stored.first_name, stored.last_name, stored.otp_required, stored.chat_enabled) == ("", "", False, False)


def test_user_create_sets_the_given_password(customer_company):
    # when
    created = user_create(actor=None, email="neu@example.com", company=customer_company, password="Seefeld-2026!")

    # then
    assert User.objects.get(pk=created.pk).check_password("Seefeld-2026!")


def test_user_update_refuses_a_field_outside_the_editable_ones(user):
    # when / then
    with pytest.raises(TypeError, match="user_update cannot change \\['is_superuser'\\]"):
        user_update(actor=None, user=user, is_superuser=True)
    assert User.objects.get(pk=user.pk).is_superuser is False


def test_user_update_normalizes_the_mobile_phone(user):
    # when
    user_update(actor=None, user=user, mobile_phone="+41 (79) 123-45.67")

    # then
    assert User.objects.get(pk=user.pk).mobile_phone == "+41791234567"


def test_user_update_records_the_acting_user(operator_admin, user):
    # when
    user_update(actor=operator_admin, user=user, first_name="Karina")

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=user).actor == operator_admin


# --- user_invite -------------------------------------------------------------------------------


def test_user_invite_names_the_company_field_when_the_company_is_out_of_reach(projectmanager_a, other_x):
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        invite(projectmanager_a, other_x, email="neu@other-x.example")
    assert set(excinfo.value.message_dict) == {"company"}


def test_user_invite_names_the_show_all_field_when_refusing_show_all(projectmanager_a, owner_a, role):
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        invite(projectmanager_a, owner_a, sees_all_entities=True, all_entities_role=role("customer"))
    assert set(excinfo.value.message_dict) == {"sees_all_entities"}


def test_user_invite_limits_each_manager_on_their_own(
    projectmanager_a, provider_pm_b, owner_a, provider_b, settings, django_capture_on_commit_callbacks
):
    # given: A's Projectmanager has used up the hourly limit
    settings.INVITATIONS_PER_HOUR = 1
    with django_capture_on_commit_callbacks(execute=True):
        invite(projectmanager_a, owner_a, email="eins@owner-a.example")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        invited, _delivery = invite(provider_pm_b, provider_b, email="eins@provider-b.example")

    # then
    assert User.objects.filter(pk=invited.pk).exists()


def test_user_invite_allows_chat_through_the_show_all_role(
    operator_staff, operator_company, role, quiet_project_manager, django_capture_on_commit_callbacks
):
    # when: the only role that allows chat is the show-all role, Team leader
    with django_capture_on_commit_callbacks(execute=True):
        invited, _delivery = invite(
            operator_staff,
            operator_company,
            company_grants=[CompanyGrantRequest(Level.CUSTOMER, operator_company, quiet_project_manager)],
            email="neu@soobr.example",
            sees_all_entities=True,
            all_entities_role=role("team-leader"),
            otp_required=True,
            chat_enabled=True,
        )

    # then
    assert User.objects.get(pk=invited.pk).chat_enabled is True


def test_user_invite_reports_a_failed_welcome_email_with_the_services_message(
    projectmanager_a, owner_a, settings, django_capture_on_commit_callbacks
):
    # given: the email service is down
    settings.EMAIL_BACKEND = "tests.accounts.failing_email.FailingBackend"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        invited, delivery = invite(projectmanager_a, owner_a)

    # then: the user stays, and the manager learns why the email did not go out
    assert User.objects.filter(pk=invited.pk).exists()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == ("failed", "email service unavailable")


def test_user_invite_records_the_manager_as_creator(projectmanager_a, owner_a, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        invited, _delivery = invite(projectmanager_a, owner_a)

    # then
    assert AuditLogEntry.objects.get(action="user.created", subject_user=invited).actor == projectmanager_a


def test_user_invite_records_the_manager_on_a_company_grant(
    projectmanager_a, owner_a, role, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        invited, _delivery = invite(
            projectmanager_a, owner_a, company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))]
        )

    # then
    assert AuditLogEntry.objects.get(action="grant.created", subject_user=invited).actor == projectmanager_a


def test_user_invite_records_the_manager_on_an_entity_grant(
    projectmanager_a, owner_a, entity_a, role, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        invited, _delivery = invite(
            projectmanager_a, owner_a, entity_grants=[EntityGrantRequest(entity_a, role("customer"))]
        )

    # then
    assert AuditLogEntry.objects.get(action="grant.created", subject_user=invited).actor == projectmanager_a


# --- user_edit ---------------------------------------------------------------------------------


def test_user_edit_records_the_manager_on_a_revoked_company_grant(projectmanager_a, employee_a):
    # when: no role is requested any more
    edit(projectmanager_a, employee_a)

    # then
    assert AuditLogEntry.objects.get(action="grant.deleted", subject_user=employee_a).actor == projectmanager_a


def test_user_edit_records_the_manager_on_a_changed_role(projectmanager_a, employee_a, owner_a, role):
    # when
    edit(projectmanager_a, employee_a, company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))])

    # then
    assert AuditLogEntry.objects.get(action="grant.changed", subject_user=employee_a).actor == projectmanager_a


def test_user_edit_records_the_manager_on_the_profile_change(projectmanager_a, employee_a, owner_a, role):
    # when
    edit(
        projectmanager_a,
        employee_a,
        company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))],
        first_name="Erik",
    )

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=employee_a).actor == projectmanager_a


def test_user_edit_names_the_email_field_when_refusing_a_new_email(projectmanager_a, employee_a, owner_a, role):
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        edit(
            projectmanager_a,
            employee_a,
            company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))],
            email="renamed@owner-a.example",
        )
    assert set(excinfo.value.message_dict) == {"email"}


def test_user_edit_adds_a_company_grant_at_a_further_level(projectmanager_a, employee_a, owner_a, role):
    # given: A's Projectmanager also manages users at customer level of A
    grant_company_role(projectmanager_a, Level.CUSTOMER, owner_a, "projectmanager")
    grants = [
        CompanyGrantRequest(Level.OWNER, owner_a, role("manager")),
        CompanyGrantRequest(Level.CUSTOMER, owner_a, role("customer")),
    ]

    # when
    edit(projectmanager_a, employee_a, company_grants=grants)

    # then
    assert company_grants_of(employee_a) == sorted(
        [(Level.OWNER, owner_a.pk, "manager"), (Level.CUSTOMER, owner_a.pk, "customer")]
    )


def test_user_edit_records_the_manager_on_an_added_company_grant(projectmanager_a, employee_a, owner_a, role):
    # given
    grant_company_role(projectmanager_a, Level.CUSTOMER, owner_a, "projectmanager")
    grants = [
        CompanyGrantRequest(Level.OWNER, owner_a, role("manager")),
        CompanyGrantRequest(Level.CUSTOMER, owner_a, role("customer")),
    ]

    # when
    edit(projectmanager_a, employee_a, company_grants=grants)

    # then: the latest grant entry is the one the edit made
    latest = AuditLogEntry.objects.filter(action="grant.created", subject_user=employee_a).latest("pk")
    assert latest.actor == projectmanager_a


def test_user_edit_adds_an_entity_grant(projectmanager_a, employee_a, owner_a, entity_a, role):
    # when
    edit(
        projectmanager_a,
        employee_a,
        company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))],
        entity_grants=[EntityGrantRequest(entity_a, role("customer"))],
        lowering_confirmed=True,  # Customer on the entity gives less than Manager at its owner
    )

    # then
    assert entity_grants_of(employee_a) == [(entity_a.pk, "customer")]


def test_user_edit_records_the_manager_on_an_added_entity_grant(projectmanager_a, employee_a, owner_a, entity_a, role):
    # when
    edit(
        projectmanager_a,
        employee_a,
        company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))],
        entity_grants=[EntityGrantRequest(entity_a, role("customer"))],
        lowering_confirmed=True,  # Customer on the entity gives less than Manager at its owner
    )

    # then: the latest grant entry is the one the edit made
    latest = AuditLogEntry.objects.filter(action="grant.created", subject_user=employee_a).latest("pk")
    assert latest.actor == projectmanager_a


def test_user_edit_revokes_an_entity_grant_no_longer_requested(projectmanager_a, employee_a, owner_a, entity_a, role):
    # given
    grant_entity_role(employee_a, entity_a, "customer")

    # when
    edit(projectmanager_a, employee_a, company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))])

    # then
    assert entity_grants_of(employee_a) == []


def test_user_edit_records_the_manager_on_a_revoked_entity_grant(projectmanager_a, employee_a, owner_a, entity_a, role):
    # given
    grant_entity_role(employee_a, entity_a, "customer")

    # when
    edit(projectmanager_a, employee_a, company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))])

    # then
    assert AuditLogEntry.objects.get(action="grant.deleted", subject_user=employee_a).actor == projectmanager_a


def test_user_edit_keeps_an_entity_grant_that_is_still_requested(projectmanager_a, employee_a, owner_a, entity_a, role):
    # given
    kept = grant_entity_role(employee_a, entity_a, "customer")

    # when
    edit(
        projectmanager_a,
        employee_a,
        company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))],
        entity_grants=[EntityGrantRequest(entity_a, role("customer"))],
    )

    # then: the very same row, neither revoked nor given again
    assert list(EntityGrant.objects.filter(user=employee_a).values_list("pk", flat=True)) == [kept.pk]


def test_user_edit_keeps_chat_allowed_by_the_users_own_show_all_role(operator_staff, operator_employee):
    # when: the edit does not touch the show-all role, which allows chat
    edit(operator_staff, operator_employee, chat_enabled=True, first_name="Emilia")

    # then
    assert User.objects.get(pk=operator_employee.pk).first_name == "Emilia"


def test_user_edit_allows_chat_through_a_newly_given_show_all_role(
    operator_staff, operator_employee, operator_company, quiet_project_manager, role
):
    # given: the user sees all entities as Manager, which does not allow chat
    operator_employee.chat_enabled = False
    operator_employee.all_entities_role = role("manager")
    operator_employee.save()

    # when
    edit(
        operator_staff,
        operator_employee,
        company_grants=[CompanyGrantRequest(Level.CUSTOMER, operator_company, quiet_project_manager)],
        sees_all_entities=True,
        all_entities_role=role("team-leader"),
        chat_enabled=True,
    )

    # then
    assert User.objects.get(pk=operator_employee.pk).chat_enabled is True


def test_user_edit_refuses_to_remove_the_last_chat_role_while_chat_stays_on(projectmanager_a, owner_a, role):
    # given: a user with chat on, whose only role (Team leader) allows chat
    chatting = UserFactory(company=owner_a, email="chat@owner-a.example", chat_enabled=True)
    grant_company_role(chatting, Level.OWNER, owner_a, "team-leader")

    # when / then: the edit swaps the role for Manager, which does not allow chat, and leaves chat alone
    with pytest.raises(ValidationError, match=CHAT_NEEDS_ROLE):
        edit(projectmanager_a, chatting, company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))])
    assert company_grants_of(chatting) == [(Level.OWNER, owner_a.pk, "team-leader")]


# --- user_deactivate / user_reactivate ---------------------------------------------------------


def test_user_deactivate_records_the_change_in_the_cockpit(projectmanager_a, employee_a, instance):
    # when
    user_deactivate(actor=projectmanager_a, instance=instance, user=employee_a)

    # then
    entry = AuditLogEntry.objects.get(action="user.deactivated", subject_user=employee_a)
    assert (entry.instance, entry.changes) == (instance, {"is_active": [True, False]})


def test_user_reactivate_records_who_brought_whom_back_in_which_cockpit(
    projectmanager_a, operator_staff, employee_a, instance, django_capture_on_commit_callbacks
):
    # given
    user_deactivate(actor=projectmanager_a, instance=instance, user=employee_a)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        user_reactivate(actor=operator_staff, instance=instance, user=User.objects.get(pk=employee_a.pk))

    # then
    entry = AuditLogEntry.objects.get(action="user.reactivated")
    assert (entry.actor, entry.subject_user, entry.instance, entry.changes) == (
        operator_staff,
        employee_a,
        instance,
        {"is_active": [False, True]},
    )


# --- welcome_email_resend / password_changed ---------------------------------------------------


def test_welcome_email_resend_limits_each_manager_on_their_own(
    projectmanager_a, operator_staff, invited_a, instance, settings, django_capture_on_commit_callbacks
):
    # given: operator staff have used up their hourly limit
    settings.INVITATIONS_PER_HOUR = 1
    with django_capture_on_commit_callbacks(execute=True):
        welcome_email_resend(actor=operator_staff, instance=instance, user=invited_a)
    password_before = User.objects.get(pk=invited_a.pk).password

    # when
    with django_capture_on_commit_callbacks(execute=True):
        welcome_email_resend(actor=projectmanager_a, instance=instance, user=User.objects.get(pk=invited_a.pk))

    # then
    assert User.objects.get(pk=invited_a.pk).password != password_before


def test_welcome_email_resend_records_the_manager_in_the_cockpit(
    projectmanager_a, invited_a, instance, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        welcome_email_resend(actor=projectmanager_a, instance=instance, user=invited_a)

    # then
    entry = AuditLogEntry.objects.get(action="user.welcome_email_resent", subject_user=invited_a)
    assert (entry.actor, entry.instance) == (projectmanager_a, instance)


def test_password_changed_records_the_user_as_actor_and_subject(invited_a):
    # when
    password_changed(user=invited_a)

    # then
    entry = AuditLogEntry.objects.get(action="user.password_changed")
    assert (entry.actor, entry.subject_user) == (invited_a, invited_a)


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


# --- manager_reach -----------------------------------------------------------------------------


def test_manager_reach_keeps_each_managers_reach_apart_within_a_request(projectmanager_a, provider_pm_b, instance):
    # given: one request scope, two managers
    with request_scope():
        # when
        reach_a = manager_reach(projectmanager_a, instance)
        reach_b = manager_reach(provider_pm_b, instance)

    # then
    assert (reach_a.actor, reach_b.actor) == (projectmanager_a, provider_pm_b)
