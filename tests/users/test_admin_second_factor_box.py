"""The admin's user page has the "2FA required" box of the cockpit's user page, saved through the same service
(accounts.services.user_save, which the cockpit's user_edit builds on) with the same audit entry and notice."""

import pytest
from django.urls import reverse

from entities.models import AuditLogEntry
from outbox.models import OutgoingMessage
from tests.factories import admin_user_change_form

pytestmark = pytest.mark.django_db


def test_admin_user_page_shows_the_second_factor_box(admin_client, user):
    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()

    assert 'name="otp_required"' in page
    assert "two-factor authentication required" in page.lower()


def test_admin_requires_a_second_factor_of_a_person(admin_client, user):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), admin_user_change_form(user, otp_required="on")
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.otp_required


def test_admin_second_factor_box_is_audited_as_the_cockpit_audits_it(admin_client, operator_admin, user):
    admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), admin_user_change_form(user, otp_required="on")
    )

    entry = AuditLogEntry.objects.get(action="user.changed", subject_user=user)
    assert entry.actor_id == operator_admin.pk
    assert entry.changes == {"otp_required": [False, True]}


def test_admin_second_factor_box_tells_the_person(admin_client, user):
    admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), admin_user_change_form(user, otp_required="on")
    )

    notice = OutgoingMessage.objects.get(recipient=user, kind="security")
    assert notice.payload["event"] == "second_factor_required"


def test_admin_second_factor_box_switched_off_again(admin_client, user):
    type(user).objects.filter(pk=user.pk).update(otp_required=True)

    admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), admin_user_change_form(user))

    user.refresh_from_db()
    assert not user.otp_required
    assert AuditLogEntry.objects.get(action="user.changed").changes == {"otp_required": [True, False]}
