"""Every rule of the user services (users/services.py), pinned where it is enforced: the services themselves; and
what each records in the audit trail (who acted, on whom, in which cockpit).

The views' forms stop most of these cases before a service is called; these tests call
the services directly, so each fails when its rule is removed from the service.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level, Role
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    UserFactory,
    grant_company_role,
    grant_entity_role,
    state_of,
)
from tests.support.forms import user_page_form
from tests.support.urls import users_url
from users.services import (
    CompanyGrantRequest,
    EntityGrantRequest,
    user_deactivate,
    user_edit,
    user_invite,
    user_reactivate,
    welcome_email_resend,
)

pytestmark = pytest.mark.django_db

CHAT_NEEDS_ROLE = "Chat can only be switched on while one of the user's roles allows chat."


def invite(actor, company, *, company_grants=(), entity_grants=(), email="neu@owner-a.example", **profile):
    return user_invite(
        actor=actor,
        instance=company.instance,
        company_grants=list(company_grants),
        entity_grants=list(entity_grants),
        email=email,
        company=company,
        **profile,
    )


def edit(actor, user, *, company_grants=(), entity_grants=(), **profile):
    return user_edit(
        actor=actor,
        instance=user.company.instance,
        user=user,
        company_grants=list(company_grants),
        entity_grants=list(entity_grants),
        **profile,
    )


def grants_of(user):
    return sorted((grant.level, grant.company_id, grant.role.code) for grant in CompanyGrant.objects.filter(user=user))


def entity_grants_of(user):
    return sorted((g.content_object_id, g.role.code) for g in EntityGrant.objects.filter(user=user))


@pytest.fixture
def entity_a(instance, owner_a):
    """An entity owned by A: A's Projectmanager manages users there."""
    return BusinessEntityFactory(instance=instance, name="Werk A", owner=owner_a)


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


# --- user_invite -------------------------------------------------------------------------------


def test_user_invite_refuses_a_user_who_does_not_manage_users(employee_a, owner_a):
    # when / then
    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        invite(employee_a, owner_a)
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_user_invite_refuses_a_company_grant_on_a_company_the_manager_does_not_manage(
    projectmanager_a, owner_a, other_x, role
):
    # given
    grant = CompanyGrantRequest(Level.OWNER, other_x, role("customer"))

    # when / then
    with pytest.raises(
        ValidationError, match="Customer · Other X: You hold no user-managing role at this level for this company."
    ):
        invite(projectmanager_a, owner_a, company_grants=[grant])
    assert not User.objects.filter(email="neu@owner-a.example").exists()
    assert not CompanyGrant.objects.filter(company=other_x).exists()


def test_user_invite_refuses_an_entity_grant_where_the_managers_role_does_not_manage_users(
    projectmanager_a, instance, owner_a, other_x, role
):
    # given: on X's entities the manager holds Manager, which only views users
    grant_company_role(projectmanager_a, Level.OWNER, other_x, "manager")
    entity = BusinessEntityFactory(instance=instance, name="Lager X", owner=other_x)

    # when / then
    with pytest.raises(ValidationError, match="Customer · Lager X: Your role on Lager X does not manage users."):
        invite(projectmanager_a, owner_a, entity_grants=[EntityGrantRequest(entity, role("customer"))])
    assert not User.objects.filter(email="neu@owner-a.example").exists()
    assert not EntityGrant.objects.exists()


def test_user_invite_refuses_chat_without_a_role_that_allows_chat(projectmanager_a, owner_a, role):
    # given: Manager does not allow chat
    grant = CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))

    # when / then
    with pytest.raises(ValidationError, match=CHAT_NEEDS_ROLE):
        invite(projectmanager_a, owner_a, company_grants=[grant], chat_enabled=True)
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_user_invite_allows_chat_with_a_role_that_allows_chat(
    projectmanager_a, owner_a, role, django_capture_on_commit_callbacks
):
    # given
    grant = CompanyGrantRequest(Level.OWNER, owner_a, role("owner-project-manager"))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        user, _delivery = invite(projectmanager_a, owner_a, company_grants=[grant], chat_enabled=True)

    # then
    assert User.objects.get(pk=user.pk).chat_enabled


def test_user_invite_refuses_show_all_from_a_manager_who_is_not_operator_staff(projectmanager_a, owner_a, role):
    # when / then
    with pytest.raises(ValidationError, match="Only operator staff may let a user see all business entities."):
        invite(projectmanager_a, owner_a, sees_all_entities=True, all_entities_role=role("customer"))
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_user_invite_refuses_a_company_outside_reach(projectmanager_a, other_x):
    # when / then
    with pytest.raises(ValidationError, match="You cannot manage users of Other X."):
        invite(projectmanager_a, other_x, email="neu@other-x.example")
    assert not User.objects.filter(email="neu@other-x.example").exists()


def test_user_invite_refuses_the_operator_company_from_a_manager_who_is_not_staff(
    operator_projectmanager, operator_company
):
    # when / then
    with pytest.raises(ValidationError, match="You cannot manage users of soobr AG."):
        invite(operator_projectmanager, operator_company, email="new@soobr.example")
    assert not User.objects.filter(email="new@soobr.example").exists()


def test_user_invite_refuses_a_manager_who_is_not_staff_placing_a_user_in_the_operator(operator_company):
    from entities.models import Level
    from tests.factories import grant_company_role
    from users.services import user_invite

    manager = UserFactory(company=operator_company, email="pm@soobr.example")
    grant_company_role(manager, Level.OWNER, operator_company, "projectmanager")

    with pytest.raises(ValidationError, match="You cannot manage users of"):
        user_invite(
            actor=manager,
            instance=operator_company.instance,
            company_grants=[],
            entity_grants=[],
            email="new@soobr.example",
            company=operator_company,
        )
    assert not User.objects.filter(email="new@soobr.example").exists()


def test_user_invite_is_limited_per_manager_and_hour(
    projectmanager_a, owner_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    settings.INVITATIONS_PER_HOUR = 1
    with django_capture_on_commit_callbacks(execute=True):
        invite(projectmanager_a, owner_a, email="eins@owner-a.example")

    # when / then
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="many invitations"):
        invite(projectmanager_a, owner_a, email="zwei@owner-a.example")
    assert not User.objects.filter(email="zwei@owner-a.example").exists()
    assert [message.to for message in mailoutbox] == [["eins@owner-a.example"]]


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
    settings.EMAIL_BACKEND = "tests.support.failing_email.FailingBackend"

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


# --- user_invite: an address held in another cockpit or out of reach ---------------------------


@pytest.fixture
def held_elsewhere(other_instance):
    return UserFactory(company=CompanyFactory(instance=other_instance), email="taken@rhein.example")


def test_user_invite_does_not_confirm_an_address_of_another_cockpit(projectmanager_a, owner_a, held_elsewhere):
    with pytest.raises(ValidationError) as refused:
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="Taken@rhein.example",
            company=owner_a,
        )

    (message,) = refused.value.message_dict["email"]
    assert message.startswith("This email address cannot be used for a new login here.")
    assert "exists" not in message and "rhein" not in message.lower()


def test_an_address_out_of_the_managers_reach_reads_like_one_elsewhere(projectmanager_a, owner_a, provider_b):
    # given: the holder is in this cockpit, but not in the manager's list
    UserFactory(company=provider_b, email="someone@provider-b.example")

    with pytest.raises(ValidationError, match="cannot be used for a new login here"):
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="someone@provider-b.example",
            company=owner_a,
        )


def test_an_address_of_a_listed_user_is_named_as_taken_here(projectmanager_a, owner_a, employee_a):
    with pytest.raises(ValidationError, match="colleague@owner-a.example already has a login in this cockpit"):
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="colleague@owner-a.example",
            company=owner_a,
        )


def test_the_create_form_answers_an_address_of_another_cockpit_on_its_field(
    client, login, projectmanager_a, owner_a, held_elsewhere
):
    login(projectmanager_a)
    data = user_page_form(held_elsewhere, owner_a, None, **{"company-TOTAL_FORMS": "0", "company-INITIAL_FORMS": "0"})
    del data["company-0-role"]

    response = client.post(users_url(owner_a.instance, "user-create"), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "This email address cannot be used for a new login here." in page
    assert "already exists" not in page
    assert User.objects.filter(email="taken@rhein.example").count() == 1


# --- user_edit ---------------------------------------------------------------------------------


def test_user_edit_refuses_a_new_email_once_the_user_chose_their_password(projectmanager_a, employee_a, owner_a, role):
    # given: employee_a has logged in and chosen a password (must_change_password is False)
    grants = [CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))]

    # when / then
    with pytest.raises(ValidationError, match="The email address can only be changed until the user has chosen"):
        edit(projectmanager_a, employee_a, company_grants=grants, email="renamed@owner-a.example")
    assert User.objects.get(pk=employee_a.pk).email == "colleague@owner-a.example"
    assert employee_a.email == "colleague@owner-a.example"


def test_user_edit_changes_the_email_before_the_first_login(projectmanager_a, invited_a, owner_a, role):
    # given
    grants = [CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))]

    # when
    edit(projectmanager_a, invited_a, company_grants=grants, email="typo-fixed@owner-a.example")

    # then
    assert User.objects.get(pk=invited_a.pk).email == "typo-fixed@owner-a.example"


def test_user_edit_refuses_chat_without_a_role_that_allows_chat(projectmanager_a, employee_a, owner_a, role):
    # given: Manager does not allow chat
    grants = [CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))]

    # when / then
    with pytest.raises(ValidationError, match=CHAT_NEEDS_ROLE):
        edit(projectmanager_a, employee_a, company_grants=grants, chat_enabled=True, first_name="Changed")
    stored = User.objects.get(pk=employee_a.pk)
    assert (stored.chat_enabled, stored.first_name) == (False, "Erika")
    assert grants_of(employee_a) == [(Level.OWNER, owner_a.pk, "manager")]


def test_user_edit_refuses_show_all_from_a_manager_who_is_not_operator_staff(
    projectmanager_a, employee_a, owner_a, role
):
    # given
    grants = [CompanyGrantRequest(Level.OWNER, owner_a, role("manager"))]

    # when / then
    with pytest.raises(ValidationError, match="Only operator staff may let a user see all business entities."):
        edit(
            projectmanager_a,
            employee_a,
            company_grants=grants,
            sees_all_entities=True,
            all_entities_role=role("customer"),
        )
    assert User.objects.get(pk=employee_a.pk).sees_all_entities is False


def test_user_edit_refuses_a_user_out_of_reach(projectmanager_a, provider_pm_b, provider_b, role):
    # given
    grants = [CompanyGrantRequest(Level.SERVICE_PROVIDER, provider_b, role("customer"))]

    # when / then
    with pytest.raises(PermissionDenied, match="You cannot manage this user."):
        edit(projectmanager_a, provider_pm_b, company_grants=grants, first_name="Taken")
    assert User.objects.get(pk=provider_pm_b.pk).first_name == "Erika"
    assert grants_of(provider_pm_b) == [(Level.SERVICE_PROVIDER, provider_b.pk, "provider-project-manager")]


def test_user_edit_refuses_moving_the_user_to_a_company_outside_reach(projectmanager_a, employee_a, other_x):
    # when / then
    with pytest.raises(ValidationError, match="You cannot manage users of Other X."):
        edit(projectmanager_a, employee_a, company=other_x)
    assert User.objects.get(pk=employee_a.pk).company_id == employee_a.company_id != other_x.pk


def test_user_edit_refuses_a_grant_out_of_reach_and_keeps_the_old_roles(
    projectmanager_a, employee_a, owner_a, other_x, role
):
    # given
    grants = [CompanyGrantRequest(Level.CUSTOMER, other_x, role("customer"))]

    # when / then
    with pytest.raises(ValidationError, match="Customer · Other X: You hold no user-managing role"):
        edit(projectmanager_a, employee_a, company_grants=grants)
    assert grants_of(employee_a) == [(Level.OWNER, owner_a.pk, "manager")]


def test_user_edit_refused_after_the_profile_change_leaves_row_and_object_as_they_were(
    operator_admin, customer_company, role
):
    from entities.models import Level
    from users.services import CompanyGrantRequest, user_edit

    user = UserFactory(company=customer_company, email="karin@example.com", first_name="Karin")

    with pytest.raises(ValidationError):
        user_edit(
            actor=operator_admin,
            instance=customer_company.instance,
            user=user,
            company_grants=[CompanyGrantRequest(Level.OWNER, customer_company, role("sales"))],  # operator-only
            entity_grants=[],
            first_name="Kathrin",
        )

    assert user.first_name == "Karin"
    user.refresh_from_db()
    assert user.first_name == "Karin" and not user.company_grants.exists()


def test_user_edit_replaces_the_roles_with_the_requested_ones(projectmanager_a, employee_a, owner_a, role):
    # given
    grants = [CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))]

    # when
    edit(projectmanager_a, employee_a, company_grants=grants)

    # then
    assert grants_of(employee_a) == [(Level.OWNER, owner_a.pk, "customer")]


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
    assert grants_of(employee_a) == sorted(
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
    assert grants_of(chatting) == [(Level.OWNER, owner_a.pk, "team-leader")]


# --- user_deactivate / user_reactivate -----------------------------------------------------------


def test_user_deactivate_refuses_a_user_out_of_reach(projectmanager_a, provider_pm_b, instance):
    # when / then
    with pytest.raises(PermissionDenied, match="You cannot manage this user."):
        user_deactivate(actor=projectmanager_a, instance=instance, user=provider_pm_b)
    stored = User.objects.get(pk=provider_pm_b.pk)
    assert stored.is_active and stored.has_usable_password()
    assert not AuditLogEntry.objects.filter(action="user.deactivated").exists()


def test_user_deactivate_ends_the_login_and_records_it(projectmanager_a, employee_a, instance):
    # when
    user_deactivate(actor=projectmanager_a, instance=instance, user=employee_a)

    # then
    stored = User.objects.get(pk=employee_a.pk)
    assert not stored.is_active and not stored.has_usable_password()
    assert AuditLogEntry.objects.get(action="user.deactivated", subject_user=employee_a).actor == projectmanager_a


def test_user_reactivate_refuses_a_manager_who_is_not_operator_staff(
    projectmanager_a, employee_a, instance, mailoutbox
):
    # given
    user_deactivate(actor=projectmanager_a, instance=instance, user=employee_a)

    # when / then
    with pytest.raises(PermissionDenied, match="Only operator staff may reactivate a user."):
        user_reactivate(actor=projectmanager_a, instance=instance, user=User.objects.get(pk=employee_a.pk))
    assert not User.objects.get(pk=employee_a.pk).is_active
    assert mailoutbox == []


def test_user_reactivate_by_operator_staff_sends_a_new_temporary_password(
    projectmanager_a, operator_staff, employee_a, instance, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    user_deactivate(actor=projectmanager_a, instance=instance, user=employee_a)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = user_reactivate(actor=operator_staff, instance=instance, user=User.objects.get(pk=employee_a.pk))

    # then
    stored = User.objects.get(pk=employee_a.pk)
    assert state_of(delivery) == "sent" and stored.is_active and stored.must_change_password
    assert [message.to for message in mailoutbox] == [[employee_a.email]]


def test_user_reactivate_counts_against_the_welcome_email_limit(
    projectmanager_a, operator_staff, employee_a, instance, settings, mailoutbox
):
    user_deactivate(actor=projectmanager_a, instance=instance, user=employee_a)
    settings.INVITATIONS_PER_HOUR = 0

    with pytest.raises(ValidationError, match="many invitations"):
        user_reactivate(actor=operator_staff, instance=instance, user=User.objects.get(pk=employee_a.pk))
    assert not User.objects.get(pk=employee_a.pk).is_active
    assert mailoutbox == []


def test_a_new_address_before_the_first_login_counts_against_the_welcome_email_limit(
    projectmanager_a, invited_a, owner_a, role, settings
):
    settings.INVITATIONS_PER_HOUR = 0
    grants = [CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))]

    with pytest.raises(ValidationError, match="many invitations"):
        edit(projectmanager_a, invited_a, company_grants=grants, email="typo-fixed@owner-a.example")
    assert User.objects.get(pk=invited_a.pk).email != "typo-fixed@owner-a.example"


def test_user_reactivate_refuses_a_user_out_of_reach_even_for_operator_staff(operator_staff, operator_admin, instance):
    # when / then: staff do not manage other staff
    with pytest.raises(PermissionDenied, match="You cannot manage this user."):
        user_reactivate(actor=operator_staff, instance=instance, user=operator_admin)


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


# --- welcome_email_resend ----------------------------------------------------------------------


def test_welcome_email_resend_refuses_a_user_who_chose_their_password(
    projectmanager_a, employee_a, instance, mailoutbox
):
    # given
    password_before = User.objects.get(pk=employee_a.pk).password

    # when / then
    with pytest.raises(ValidationError, match="This user has already chosen their own password"):
        welcome_email_resend(actor=projectmanager_a, instance=instance, user=employee_a)
    stored = User.objects.get(pk=employee_a.pk)
    assert (stored.password, stored.must_change_password) == (password_before, False)
    assert mailoutbox == []


def test_welcome_email_resend_refuses_a_user_out_of_reach(provider_pm_b, invited_a, instance, mailoutbox):
    # given
    password_before = invited_a.password

    # when / then
    with pytest.raises(PermissionDenied, match="You cannot manage this user."):
        welcome_email_resend(actor=provider_pm_b, instance=instance, user=invited_a)
    assert User.objects.get(pk=invited_a.pk).password == password_before
    assert mailoutbox == []


def test_welcome_email_resend_is_limited_per_manager_and_hour(
    projectmanager_a, invited_a, instance, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given: the limit is used up by two resends
    settings.INVITATIONS_PER_HOUR = 2
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            welcome_email_resend(actor=projectmanager_a, instance=instance, user=invited_a)
    password_before = User.objects.get(pk=invited_a.pk).password

    # when / then
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="many invitations"):
        welcome_email_resend(actor=projectmanager_a, instance=instance, user=invited_a)
    assert len(mailoutbox) == 2
    assert User.objects.get(pk=invited_a.pk).password == password_before


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
