"""A cockpit whose policy requires a second factor of everyone requires it of the people it is shared with too."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RequiredFor, SMSDevice
from accounts.second_factor import second_factor_policy_set
from tests.support.sign_in import last_sms_code, password_step, second_step, totp_code

pytestmark = pytest.mark.django_db


def dashboard(instance) -> str:
    return reverse("cockpit:dashboard", args=[instance.slug])


def require_everyone(operator_admin, instance, *, sms_counts=True, required_for=RequiredFor.EVERYONE):
    second_factor_policy_set(
        actor=operator_admin, instance=instance, required_for=required_for, sms_counts=sms_counts, grace_days=0
    )


def test_a_shared_user_without_a_factor_reaches_the_set_up_not_the_shared_cockpit(
    client, guest, instance, operator_admin, shared_with
):
    shared_with(guest)
    require_everyone(operator_admin, instance)
    password_step(client, guest)

    refused = client.get(dashboard(instance))

    assert refused.status_code == 302
    assert refused["Location"] == f"{reverse('accounts:second-factor-setup')}?next=%2Fc%2F{instance.slug}%2F"
    page = client.get(refused["Location"]).content.decode()
    assert f"{instance} requires a second factor of everyone who works in it. Set one up to continue." in page


def test_a_shared_user_without_a_factor_still_reaches_their_home_cockpit(
    client, guest, instance, other_instance, operator_admin, shared_with
):
    shared_with(guest)
    require_everyone(operator_admin, instance)
    password_step(client, guest)

    assert client.get(dashboard(other_instance)).status_code == 200


def test_once_set_up_the_shared_cockpit_opens(client, guest, instance, operator_admin, shared_with):
    shared_with(guest)
    require_everyone(operator_admin, instance)
    password_step(client, guest)
    client.get(dashboard(instance))
    client.get(reverse("accounts:second-factor-setup"))
    device = TOTPDevice.objects.get(user=guest, confirmed=False)

    client.post(reverse("accounts:second-factor-setup"), {"code": totp_code(device), "next": dashboard(instance)})

    assert client.get(dashboard(instance)).status_code == 200


def test_a_shared_user_signed_in_with_an_sms_code_where_sms_does_not_count_sets_up_another_method(
    client, guest, instance, operator_admin, shared_with, django_capture_on_commit_callbacks
):
    guest.mobile_phone = "+41791234567"
    guest.save()
    SMSDevice.objects.create(user=guest, name="SMS", confirmed=True)
    shared_with(guest)
    require_everyone(operator_admin, instance, sms_counts=False)
    password_step(client, guest)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:second-factor"), {"method": "sms", "send": "1"})

    second_step(client, last_sms_code(), method="sms")

    assert client.get(dashboard(instance))["Location"].startswith(reverse("accounts:second-factor-setup"))


def test_a_policy_for_user_managers_asks_nothing_of_shared_users(client, guest, instance, operator_admin, shared_with):
    shared_with(guest)
    require_everyone(operator_admin, instance, required_for=RequiredFor.USER_MANAGERS)
    password_step(client, guest)

    assert client.get(dashboard(instance)).status_code == 200
