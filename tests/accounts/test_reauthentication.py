"""Changing how one signs in: every password typed again counts with the sign-in's limits, a change of a factor
asks for the password (unless typed a few minutes ago) and is announced by email, and an SMS code counts only in
the session that asked for it."""

import time

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SIGNED_IN_AT
from accounts.models import SMSDevice, User
from accounts.second_factor import backup_codes_generate
from accounts.services import password_confirm, user_update
from outbox.sms import FakeGateway
from tests.factories import PASSWORD, UserFactory
from tests.support.forms import profile
from tests.support.sign_in import last_sms_code, password_step, second_step, verified

pytestmark = pytest.mark.django_db

MY_ACCOUNT = reverse("accounts:my-account")
SETUP = reverse("accounts:second-factor-setup")
BACKUP_CODES = reverse("accounts:backup-codes")
CONFIRM = reverse("accounts:password-confirm")


@pytest.fixture(autouse=True)
def sms_outbox():
    FakeGateway.outbox.clear()
    yield
    FakeGateway.outbox.clear()


@pytest.fixture
def person(customer_company):
    return UserFactory(company=customer_company, email="anna@example.com", mobile_phone="+41791234567")


def signed_in(client, user, *, minutes_ago: int = 0) -> Client:
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - minutes_ago * 60
    session.save()
    return client


# --- every password check counts ---------------------------------------------------------------


def test_wrong_passwords_on_my_account_pause_it_like_the_login_even_for_the_right_one(client, person, settings):
    signed_in(client, person)
    for number in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP):
        client.post(MY_ACCOUNT, profile(person, mobile_phone="+41 79 111 22 33", password=f"wrong-{number}"))

    right = client.post(MY_ACCOUNT, profile(person, mobile_phone="+41 79 111 22 33", password=PASSWORD))

    assert "Too many failed attempts" in right.content.decode()
    assert User.objects.get(pk=person.pk).mobile_phone == "+41791234567"


def test_wrong_old_passwords_on_the_password_change_pause_it_and_the_login(client, person, settings):
    signed_in(client, person)
    url = reverse("accounts:password-change")
    for number in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP):
        client.post(
            url, {"old_password": f"wrong-{number}", "new_password1": "Neu-Pw-2026!", "new_password2": "Neu-Pw-2026!"}
        )

    right = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Neu-Pw-2026!", "new_password2": "Neu-Pw-2026!"}
    )
    login = Client().post(reverse("accounts:login"), {"username": person.email, "password": PASSWORD})

    assert "Too many failed attempts" in right.content.decode()
    assert User.objects.get(pk=person.pk).check_password(PASSWORD)
    assert "Too many failed attempts" in login.content.decode()  # one limiter for every password check


def test_password_confirm_counts_a_wrong_password_and_logs_it_as_the_login_does(person, caplog):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="This is not your current password"):
        password_confirm(person, "wrong")

    assert any(record.getMessage().startswith("Sign-in failed: email=anna@example.com") for record in caplog.records)


# --- a change of how one signs in asks for the password ------------------------------------------


def test_setting_up_an_authenticator_app_in_an_open_session_asks_for_the_password_first(client, person):
    signed_in(client, person, minutes_ago=30)

    response = client.get(SETUP, {"method": "totp"})

    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    assert not TOTPDevice.objects.filter(user=person).exists()  # no key was made to show


def test_after_the_password_the_set_up_goes_on(client, person):
    signed_in(client, person, minutes_ago=30)
    next_url = f"{SETUP}?method=totp"

    wrong = client.post(CONFIRM, {"password": "wrong", "next": next_url})
    right = client.post(CONFIRM, {"password": PASSWORD, "next": next_url})

    assert wrong.status_code == 400 and "This is not your current password" in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == next_url
    assert client.get(next_url).status_code == 200 and TOTPDevice.objects.filter(user=person).exists()


def test_new_backup_codes_in_an_open_session_ask_for_the_password_first(client, person):
    signed_in(client, person, minutes_ago=30)

    response = client.post(BACKUP_CODES)

    assert response["Location"].startswith(CONFIRM)
    assert not StaticDevice.objects.filter(user=person).exists()


def test_a_password_typed_a_few_minutes_ago_lets_one_change_methods(client, person, settings):
    signed_in(client, person, minutes_ago=settings.REAUTHENTICATION_SECONDS // 60 - 1)

    assert client.get(SETUP, {"method": "totp"}).status_code == 200
    assert client.post(BACKUP_CODES).status_code == 200


def test_the_first_set_up_during_the_sign_in_asks_for_no_password_again(client, person):
    person.otp_required = True
    person.save()
    password_step(client, person)
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 30 * 60  # as if the password was typed half an hour ago
    session.save()

    assert client.get(SETUP, {"method": "totp"}).status_code == 200  # the second step is still owed


# --- and is announced ------------------------------------------------------------------------------


def sent(subject_part: str) -> list:
    return [message for message in mail.outbox if subject_part in message.subject]


def test_a_new_mobile_number_is_announced_to_the_person(person, django_capture_on_commit_callbacks):
    person.last_login = None
    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=person, user=person, mobile_phone="+41 79 111 22 33")

    (notice,) = sent("mobile number")
    assert notice.to == [person.email] and "ending in 33" in notice.body
    assert "If this was not you" in notice.body


def test_a_changed_password_is_announced(client, person, django_capture_on_commit_callbacks):
    signed_in(client, person)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password-change"),
            {"old_password": PASSWORD, "new_password1": "Neu-Pw-2026!", "new_password2": "Neu-Pw-2026!"},
        )

    assert len(sent("password of your Cockpit account was changed")) == 1


def test_new_backup_codes_are_announced(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        backup_codes_generate(actor=person, user=person)
        backup_codes_generate(actor=person, user=person)

    assert len(sent("sign-in method was added")) == 1 and len(sent("New backup codes")) == 1


def test_a_new_email_address_is_announced_to_the_old_one(person, operator_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=operator_admin, user=person, email="anna.neu@example.com")

    (notice,) = sent("email address")
    assert notice.to == ["anna@example.com"] and "anna.neu@example.com" in notice.body


def test_each_of_two_changes_at_once_is_announced(person, operator_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=operator_admin, user=person, email="anna.neu@example.com", mobile_phone="+41791112233")

    assert len(sent("email address")) == 1 and len(sent("mobile number")) == 1


# --- an SMS code counts only in the sign-in that asked for it --------------------------------------


def test_an_sms_code_asked_for_in_one_sign_in_is_refused_in_another(person):
    person.otp_required = True
    person.save()
    SMSDevice.objects.create(user=person, name="SMS", confirmed=True)
    asking, other = Client(), Client(REMOTE_ADDR="203.0.113.9")
    password_step(asking, person)
    password_step(other, person)
    with TestCase.captureOnCommitCallbacks(execute=True):
        asking.post(reverse("accounts:second-factor"), {"method": "sms", "send": "1"})
    code = last_sms_code()

    refused = second_step(other, code, method="sms")

    assert refused.status_code == 400 and not verified(other)
    second_step(asking, code, method="sms")
    assert verified(asking)


def test_a_second_factor_now_required_is_announced_to_the_person(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=None, user=person, otp_required=True)

    (notice,) = sent("now asks for a second factor")
    assert notice.to == [person.email] and "at your next sign-in" in notice.body


def test_a_second_factor_now_required_is_announced_in_the_persons_language(person, django_capture_on_commit_callbacks):
    person.language = "de"
    person.save()

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        user_update(actor=None, user=person, otp_required=True)

    (notice,) = sent("verlangt jetzt einen zweiten Faktor")
    assert "bei der nächsten Anmeldung" in notice.body


def test_a_person_yet_to_sign_in_is_told_in_the_welcome_email_not_by_a_notice(
    person, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=person.pk).update(must_change_password=True)
    person.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=None, user=person, otp_required=True)

    assert sent("now asks for a second factor") == []
