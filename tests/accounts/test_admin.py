"""The Django admin as operator staff use it: every model listed, bad input refused with a message."""

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import BusinessEntity
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, admin_user_change_form

pytestmark = pytest.mark.django_db

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


def test_admin_refuses_an_entity_whose_owner_belongs_to_another_instance(admin_client, instance, other_instance):
    foreign = CompanyFactory(instance=other_instance, name="Rheinhafen Immobilien")
    local = CompanyFactory(instance=instance)

    response = admin_client.post(
        reverse("admin:entities_businessentity_add"),
        {
            "instance": instance.pk,
            "name": "Bürohaus Seefeld",
            "address": "",
            "project_form": "standard",
            "owner": foreign.pk,
            "service_provider": local.pk,
            "customer": local.pk,
        },
    )

    assert response.status_code == 200
    assert "Rheinhafen Immobilien belongs to another cockpit" in response.content.decode()
    assert not BusinessEntity.objects.exists()


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


def test_admin_is_closed_to_users_who_are_not_operator_staff(client, login, user):
    response = login(user).get(reverse("admin:index"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_admin_creates_a_valid_user(admin_client, customer_company):
    response = admin_client.post(reverse("admin:accounts_user_add"), user_add_form(customer_company))

    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").company == customer_company


def test_admin_entity_list_makes_as_many_queries_for_many_rows_as_for_few(admin_client, instance, count_queries):
    url = reverse("admin:entities_businessentity_changelist")
    BusinessEntityFactory.create_batch(3, instance=instance)
    few = count_queries(lambda: admin_client.get(url))
    BusinessEntityFactory.create_batch(30, instance=instance)

    assert count_queries(lambda: admin_client.get(url)) == few


def test_admin_user_list_makes_as_many_queries_for_many_rows_as_for_few(admin_client, customer_company, count_queries):
    url = reverse("admin:accounts_user_changelist")
    UserFactory.create_batch(3, company=customer_company)
    few = count_queries(lambda: admin_client.get(url))
    UserFactory.create_batch(30, company=customer_company)

    assert count_queries(lambda: admin_client.get(url)) == few


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


def test_admin_audits_granting_django_admin_access(admin_client, operator_company):
    from entities.models import AuditLogEntry

    colleague = UserFactory(company=operator_company, email="new-staff@soobr.example")

    admin_client.post(
        reverse("admin:accounts_user_change", args=[colleague.pk]),
        admin_user_change_form(colleague, is_staff="on"),
    )

    entry = AuditLogEntry.objects.get(subject_user=colleague, action="user.changed")
    assert entry.changes["is_staff"] == [False, True]


def test_admin_welcome_email_action_needs_the_change_permission(client, login, operator_company, user):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(company=operator_company, email="viewer@soobr.example", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    login(viewer)

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    assert "send_welcome_email" not in response.content.decode()


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
