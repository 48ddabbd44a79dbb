"""Operator staff run every cockpit through the Django admin: each of the user page's actions works on a person of
another cockpit than the operator's own, through the same service and audit as in the cockpit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, Level, Role
from tests.factories import CompanyFactory, UserFactory, admin_user_change_form
from users.services import welcome_email_resend_by_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere(other_instance):
    """A company of another cockpit than the operator admin's."""
    return CompanyFactory(instance=other_instance, name="Rhein Immobilien AG")


@pytest.fixture
def invited_elsewhere(elsewhere):
    """A person of the other cockpit who has not signed in yet."""
    return UserFactory(company=elsewhere, email="new@rhein.example", must_change_password=True)


def send_welcome(client, *people):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_welcome_email", "_selected_action": [person.pk for person in people]},
        follow=True,
    )


def test_admin_welcome_action_sends_to_a_person_of_another_cockpit(
    admin_client, invited_elsewhere, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send_welcome(admin_client, invited_elsewhere)

    assert "Welcome email queued for new@rhein.example." in response.content.decode()
    assert [message.to for message in mailoutbox] == [["new@rhein.example"]]


def test_admin_welcome_action_is_audited_in_the_persons_cockpit(
    admin_client, operator_admin, invited_elsewhere, other_instance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_welcome(admin_client, invited_elsewhere)

    entry = AuditLogEntry.objects.get(action="user.welcome_email_resent")
    assert (entry.actor_id, entry.subject_user_id, entry.instance_id) == (
        operator_admin.pk,
        invited_elsewhere.pk,
        other_instance.pk,
    )


def test_admin_welcome_action_names_a_person_who_signed_in_already(admin_client, elsewhere, mailoutbox):
    signed_in = UserFactory(company=elsewhere, email="active@rhein.example")

    response = send_welcome(admin_client, signed_in)

    assert [str(m) for m in response.context["messages"]] == [
        "Not sent to active@rhein.example: This user has already chosen their own password; "
        "if they forgot it, they use 'Forgot your password?'."
    ]
    assert mailoutbox == []


def test_staff_welcome_service_refuses_someone_who_is_not_operator_staff(projectmanager_a, invited_elsewhere):
    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        welcome_email_resend_by_staff(actor=projectmanager_a, user=invited_elsewhere)

    assert not AuditLogEntry.objects.filter(action="user.welcome_email_resent").exists()


def test_staff_welcome_service_refuses_other_staff(operator_staff, other_instance):
    staff_elsewhere = UserFactory(
        company=CompanyFactory(instance=other_instance, is_operator=True),
        is_staff=True,
        must_change_password=True,
    )

    with pytest.raises(PermissionDenied, match="You cannot manage this user."):
        welcome_email_resend_by_staff(actor=operator_staff, user=staff_elsewhere)


def test_staff_welcome_service_reaches_every_cockpit(
    operator_staff, invited_elsewhere, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = welcome_email_resend_by_staff(actor=operator_staff, user=invited_elsewhere)

    assert delivery.recipient_id == invited_elsewhere.pk


# --- the user page's other actions on a person of another cockpit -----------------------------------------------


def test_admin_changes_a_person_of_another_cockpit(admin_client, invited_elsewhere):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[invited_elsewhere.pk]),
        admin_user_change_form(invited_elsewhere, first_name="Renate"),
    )

    assert response.status_code == 302
    invited_elsewhere.refresh_from_db()
    assert invited_elsewhere.first_name == "Renate"
    assert AuditLogEntry.objects.get(action="user.changed").instance_id == invited_elsewhere.company.instance_id


def test_admin_grants_a_role_to_a_person_of_another_cockpit(admin_client, invited_elsewhere, elsewhere):
    role = Role.objects.get(code="customer")
    form = admin_user_change_form(
        invited_elsewhere,
        **{
            "company_grants-TOTAL_FORMS": "1",
            "company_grants-0-level": Level.OWNER,
            "company_grants-0-company": elsewhere.pk,
            "company_grants-0-role": role.pk,
        },
    )

    response = admin_client.post(reverse("admin:accounts_user_change", args=[invited_elsewhere.pk]), form)

    assert response.status_code == 302
    assert CompanyGrant.objects.filter(user=invited_elsewhere, company=elsewhere, role=role).exists()
    assert AuditLogEntry.objects.filter(action="grant.created", subject_user=invited_elsewhere).exists()


def test_admin_resets_the_second_factor_of_a_person_of_another_cockpit(admin_client, invited_elsewhere):
    TOTPDevice.objects.create(user=invited_elsewhere, name="Authenticator app", confirmed=True)

    admin_client.post(reverse("admin:accounts_user_second_factor_reset", args=[invited_elsewhere.pk]))

    assert not TOTPDevice.objects.filter(user=invited_elsewhere).exists()
    assert AuditLogEntry.objects.filter(action="user.second_factor_reset", subject_user=invited_elsewhere).exists()


def test_admin_hands_over_an_authenticator_key_to_a_person_of_another_cockpit(admin_client, invited_elsewhere):
    response = admin_client.post(reverse("admin:accounts_user_authenticator", args=[invited_elsewhere.pk]))

    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=invited_elsewhere, confirmed=True).exists()


def test_admin_deletes_a_person_of_another_cockpit(admin_client, invited_elsewhere):
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [invited_elsewhere.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=invited_elsewhere.pk).exists()
    assert AuditLogEntry.objects.get(action="object.deleted").instance_id == invited_elsewhere.company.instance_id
