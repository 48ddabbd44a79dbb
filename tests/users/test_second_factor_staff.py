"""Operator staff hand over authenticator keys and reset lost second factors, in the admin and in the cockpit."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import backup_codes_generate
from entities.models import AuditLogEntry, Level
from tests.factories import UserFactory, grant_company_role
from tests.support.sign_in import password_step, second_step, totp_code, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def kim(customer_company):
    return UserFactory(company=customer_company, email="kim@example.com", otp_required=True)


def key_of(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="totp-key">') + len('data-testid="totp-key">')
    return html[start : html.index("</code>", start)].replace(" ", "")


# --- the Django admin ------------------------------------------------------------------------


def test_admin_hands_over_an_authenticator_key_shown_once_that_signs_the_user_in(client, login, operator_admin, kim):
    admin = login(operator_admin)
    url = reverse("admin:accounts_user_authenticator", args=[kim.pk])

    shown = admin.post(url)

    device = TOTPDevice.objects.get(user=kim, confirmed=True)
    assert "no-store" in shown["Cache-Control"] and "<svg" in shown.content.decode()
    assert key_of(shown).rstrip("=") == __import__("base64").b32encode(device.bin_key).decode().rstrip("=")
    assert 'data-testid="totp-key"' not in admin.get(url).content.decode()  # never again
    assert (
        'data-testid="totp-key"' not in admin.get(reverse("admin:accounts_user_change", args=[kim.pk])).content.decode()
    )
    admin.post(reverse("accounts:logout"))
    password_step(client, kim)
    second_step(client, totp_code(device))
    assert verified(client)
    assert AuditLogEntry.objects.get(subject_user=kim, action="device.created").actor == operator_admin


def test_admin_shows_a_users_devices_with_readable_labels(client, login, operator_admin, kim):
    TOTPDevice.objects.create(user=kim, name="x", confirmed=True)
    backup_codes_generate(actor=None, user=kim)

    html = login(operator_admin).get(reverse("admin:accounts_user_change", args=[kim.pk])).content.decode()

    assert "Authenticator app" in html and "Backup codes" in html
    assert "10" in html  # codes left


def test_admin_no_longer_offers_django_otps_device_pages_that_show_keys(client, login, operator_admin):
    admin = login(operator_admin)

    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin.get("/admin/otp_static/staticdevice/").status_code == 404


def test_admin_resets_a_lost_second_factor(client, login, operator_admin, kim):
    TOTPDevice.objects.create(user=kim, name="x", confirmed=True)
    admin = login(operator_admin)

    response = admin.post(reverse("admin:accounts_user_second_factor_reset", args=[kim.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=kim).exists()
    assert AuditLogEntry.objects.get(subject_user=kim, action="user.second_factor_reset").actor == operator_admin


def test_staff_without_change_permission_cannot_hand_over_keys(client, login, operator_company, kim):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(company=operator_company, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))

    response = login(viewer).post(reverse("admin:accounts_user_authenticator", args=[kim.pk]))

    assert response.status_code == 403
    assert not TOTPDevice.objects.filter(user=kim).exists()


# --- the cockpit's user page ----------------------------------------------------------------


def cockpit_url(instance, name, user):
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, "pk": user.pk})


@pytest.mark.parametrize("name", ["user-authenticator", "user-second-factor-reset"])
def test_staff_second_factor_pages_are_closed_to_anonymous_managers_and_other_cockpits(
    client, login, instance, other_instance, kim, operator_admin, customer_company, name
):
    assert client.get(cockpit_url(instance, name, kim)).status_code == 302  # to the login

    manager = UserFactory(company=customer_company)
    grant_company_role(manager, Level.CUSTOMER, customer_company, "projectmanager")
    login(manager)
    assert client.post(cockpit_url(instance, name, kim)).status_code == 403
    assert client.post(cockpit_url(other_instance, name, kim)).status_code == 404
    assert not AuditLogEntry.objects.filter(subject_user=kim, action__startswith="device").exists()


def test_staff_hand_over_a_key_from_the_cockpit_user_page(client, login, instance, operator_admin, kim):
    login(operator_admin)

    page = client.get(cockpit_url(instance, "user-edit", kim)).content.decode()
    shown = client.post(cockpit_url(instance, "user-authenticator", kim))

    assert "Hand over an authenticator key" in page
    assert TOTPDevice.objects.get(user=kim).confirmed and key_of(shown)


def test_staff_reset_a_second_factor_from_the_cockpit_user_page(client, login, instance, operator_admin, kim):
    TOTPDevice.objects.create(user=kim, name="x", confirmed=True)
    login(operator_admin)

    response = client.post(cockpit_url(instance, "user-second-factor-reset", kim))

    assert response["Location"] == cockpit_url(instance, "user-edit", kim)
    assert not TOTPDevice.objects.filter(user=kim).exists()
