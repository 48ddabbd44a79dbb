"""The Django admin as operator staff use it: every model listed and the admin closed to everyone else; the user
pages (users/admin.py): bad input refused with a message, changes audited, the welcome email action, and the grant
formset saving all rows or none."""

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, Level
from tests.factories import BusinessEntityFactory, UserFactory, admin_user_change_form, grant_company_role

pytestmark = pytest.mark.django_db


# --- every model listed, and the admin closed to everyone else ---------------------------------


ADMIN_CHANGELISTS = [
    "admin:entities_instance_changelist",
    "admin:entities_company_changelist",
    "admin:entities_businessentity_changelist",
    "admin:entities_role_changelist",
    "admin:accounts_user_changelist",
]


@pytest.mark.parametrize("url_name", ADMIN_CHANGELISTS)
def test_admin_lists_every_model_for_operator_staff(admin_client, url_name, instance):
    BusinessEntityFactory(instance=instance)

    response = admin_client.get(reverse(url_name))

    assert response.status_code == 200


def test_admin_is_closed_to_users_who_are_not_operator_staff(client, login, user):
    response = login(user).get(reverse("admin:index"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --- the user pages: bad input refused with a message ------------------------------------------


def user_add_form(company, **overrides):
    data = {
        "email": "new@example.com",
        "company": company.pk,
        "first_name": "Neu",
        "last_name": "Benutzer",
        "mobile_phone": "",
        "language": "de",
        "usable_password": "true",
        "password1": "a-long-enough-Passw0rd",
        "password2": "a-long-enough-Passw0rd",
    }
    data.update(overrides)
    return data


def test_admin_refuses_a_user_whose_email_differs_only_in_case(admin_client, user):
    response = admin_client.post(
        reverse("admin:accounts_user_add"), user_add_form(user.company, email=user.email.upper())
    )

    assert response.status_code == 200
    assert "A user with this email address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact=user.email).count() == 1


def test_admin_refuses_a_user_with_a_malformed_phone(admin_client, customer_company):
    response = admin_client.post(
        reverse("admin:accounts_user_add"), user_add_form(customer_company, mobile_phone="079 12")
    )

    assert response.status_code == 200
    assert "e.g. 079 123 45 67" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_admin_refuses_show_all_entities_on_a_customer(admin_client, user, role):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = admin_user_change_form(user, sees_all_entities="on", all_entities_role=role("manager").pk)

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Only operator (soobr) employees may see all business entities" in response.content.decode()
    user.refresh_from_db()
    assert user.sees_all_entities is False


def test_the_admin_refuses_superuser_status_for_a_customer(admin_client, user):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), admin_user_change_form(user, is_superuser="on")
    )

    assert response.status_code == 200
    assert "Only operator (soobr) staff may be superusers." in response.content.decode()
    assert User.objects.get(pk=user.pk).is_superuser is False


def test_admin_creates_a_valid_user(admin_client, customer_company):
    response = admin_client.post(reverse("admin:accounts_user_add"), user_add_form(customer_company))

    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").company == customer_company


def project_manager_row(company, role) -> dict:
    """One new row of the admin's company-grant inline: a Projectmanager role on the company, as owner."""
    return {
        "company_grants-TOTAL_FORMS": "1",
        "company_grants-0-level": "owner",
        "company_grants-0-company": company.pk,
        "company_grants-0-role": role("projectmanager").pk,
    }


def test_admin_turns_on_two_factor_when_an_operator_project_manager_gets_show_all(admin_client, operator_company, role):
    from tests.factories import UserFactory

    employee = UserFactory(company=operator_company, email="emil@soobr.example", otp_required=False)
    url = reverse("admin:accounts_user_change", args=[employee.pk])
    # The project-manager role "show all" needs is granted on the same page, in the same save.
    data = admin_user_change_form(
        employee,
        sees_all_entities="on",
        all_entities_role=role("manager").pk,
        **project_manager_row(operator_company, role),
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    employee.refresh_from_db()
    assert (employee.sees_all_entities, employee.otp_required) == (True, True)
    assert employee.company_grants.get().role.code == "projectmanager"


def test_admin_refuses_show_all_for_an_operator_employee_without_a_project_manager_role(
    admin_client, operator_company, role
):
    from tests.factories import UserFactory

    employee = UserFactory(company=operator_company, email="emil@soobr.example")
    url = reverse("admin:accounts_user_change", args=[employee.pk])
    data = admin_user_change_form(employee, sees_all_entities="on", all_entities_role=role("manager").pk)

    response = admin_client.post(url, data, follow=True)

    assert "Only the operator&#x27;s project managers may see all business entities" in response.content.decode()
    employee.refresh_from_db()
    assert not employee.sees_all_entities


# --- the user list -----------------------------------------------------------------------------


def test_admin_user_list_makes_as_many_queries_for_many_rows_as_for_few(admin_client, customer_company, count_queries):
    url = reverse("admin:accounts_user_changelist")
    UserFactory.create_batch(3, company=customer_company)
    few = count_queries(lambda: admin_client.get(url))
    UserFactory.create_batch(30, company=customer_company)

    assert count_queries(lambda: admin_client.get(url)) == few


# --- changes audited ---------------------------------------------------------------------------


def test_admin_changes_of_a_user_are_audited(admin_client, operator_admin, user):
    from entities.models import AuditLogEntry

    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        admin_user_change_form(user, last_name="Neuname", mobile_phone="+41 79 111 22 33"),
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(subject_user=user, action="user.changed")
    assert entry.actor == operator_admin
    assert entry.changes["last_name"][1] == "Neuname" and entry.changes["mobile_phone"] == ["", "+41791112233"]


def test_admin_audits_granting_django_admin_access(admin_client, operator_company):
    from entities.models import AuditLogEntry

    colleague = UserFactory(company=operator_company, email="new-staff@soobr.example")

    admin_client.post(
        reverse("admin:accounts_user_change", args=[colleague.pk]),
        admin_user_change_form(colleague, is_staff="on"),
    )

    entry = AuditLogEntry.objects.get(subject_user=colleague, action="user.changed")
    assert entry.changes["is_staff"] == [False, True]


# --- the welcome email action ------------------------------------------------------------------


def test_admin_sends_the_welcome_email_with_a_new_temporary_password(
    admin_client, user, django_capture_on_commit_callbacks
):
    from django.core import mail

    type(user).objects.filter(pk=user.pk).update(must_change_password=True)  # invited, not yet logged in
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_welcome_email", "_selected_action": [user.pk]},
            follow=True,
        )

    assert "Welcome email queued for karin@example.com." in response.content.decode()
    (message,) = mail.outbox
    user.refresh_from_db()
    assert message.to == [user.email] and user.must_change_password


def test_the_admin_welcome_action_reaches_a_user_without_a_usable_password(
    admin_client, customer_company, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(company=customer_company, email="no-password@example.com")
    User.objects.filter(pk=user.pk).update(password="!unusable")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_welcome_email", "_selected_action": [user.pk]},
            follow=True,
        )

    assert "Welcome email queued for no-password@example.com." in response.content.decode()
    assert [message.to for message in mailoutbox] == [["no-password@example.com"]]


def test_admin_welcome_email_action_needs_the_change_permission(client, login, operator_company, user):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(company=operator_company, email="viewer@soobr.example", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    login(viewer)

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    assert "send_welcome_email" not in response.content.decode()


# --- the grant formset: all rows or none -------------------------------------------------------


def grants_of(user):
    return sorted((grant.level, grant.company_id, grant.role.code) for grant in CompanyGrant.objects.filter(user=user))


@pytest.fixture
def stale_admin_post(customer_company, role):
    """An operator's change page for Karin, opened before someone else gave her Customer at owner level.

    The POST changes her last name and adds two roles: Customer at customer level (valid)
    and Manager at owner level, which now clashes with the role given meanwhile. The
    formset cannot see that clash (the page knew no grant); only the service can.
    """
    karin = UserFactory(company=customer_company, email="karin@example.com", last_name="Alt")
    data = admin_user_change_form(
        karin,
        last_name="Neu",
        **{
            "company_grants-TOTAL_FORMS": "2",
            "company_grants-0-level": Level.CUSTOMER,
            "company_grants-0-company": customer_company.pk,
            "company_grants-0-role": role("customer").pk,
            "company_grants-1-level": Level.OWNER,
            "company_grants-1-company": customer_company.pk,
            "company_grants-1-role": role("manager").pk,
        },
    )
    grant_company_role(karin, Level.OWNER, customer_company, "customer")  # meanwhile, elsewhere
    return karin, data


def test_admin_user_change_with_one_invalid_grant_row_saves_nothing(
    client, login, operator_admin, customer_company, stale_admin_post
):
    # given
    karin, data = stale_admin_post
    audit_entries_before = AuditLogEntry.objects.count()
    admin_client = login(operator_admin)
    admin_client.raise_request_exception = False  # the page itself is a known bug, see the next test

    # when
    admin_client.post(reverse("admin:accounts_user_change", args=[karin.pk]), data)

    # then: neither the profile change nor the valid row nor any audit entry stayed
    assert User.objects.get(pk=karin.pk).last_name == "Alt"
    assert grants_of(karin) == [(Level.OWNER, customer_company.pk, "customer")]
    assert AuditLogEntry.objects.count() == audit_entries_before


def test_admin_user_change_with_one_invalid_grant_row_says_nothing_was_saved(
    client, login, operator_admin, stale_admin_post
):
    # given
    karin, data = stale_admin_post
    admin_client = login(operator_admin)
    admin_client.raise_request_exception = False

    # when
    response = admin_client.post(reverse("admin:accounts_user_change", args=[karin.pk]), data, follow=True)

    # then
    assert response.status_code == 200
    assert "Nothing was saved: This user already has a role at this level for this company." in (
        response.content.decode()
    )


def test_admin_user_change_moves_an_existing_grant_to_another_level(client, login, operator_admin, user, role):
    # given
    grant = grant_company_role(user, Level.OWNER, user.company, "customer")
    data = admin_user_change_form(
        user,
        **{
            "company_grants-TOTAL_FORMS": "1",
            "company_grants-INITIAL_FORMS": "1",
            "company_grants-0-id": grant.pk,
            "company_grants-0-user": user.pk,
            "company_grants-0-level": Level.SERVICE_PROVIDER,
            "company_grants-0-company": user.company.pk,
            "company_grants-0-role": role("customer").pk,
        },
    )

    # when
    response = login(operator_admin).post(reverse("admin:accounts_user_change", args=[user.pk]), data)

    # then
    assert response.status_code == 302
    assert grants_of(user) == [(Level.SERVICE_PROVIDER, user.company.pk, "customer")]
