"""My account: one's own profile and language, mobile number, sign-in methods and other sessions."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SMSDevice, User
from accounts.services import PASSWORD_NEEDED, PASSWORD_WRONG, account_update, sessions_end_all
from entities.models import AuditLogEntry
from tests.factories import PASSWORD, UserFactory
from tests.support.forms import profile

pytestmark = pytest.mark.django_db

MY_ACCOUNT = reverse("accounts:my-account")
END_OTHER_SESSIONS = reverse("accounts:sessions-end-others")
NEW_NUMBER = "+41 79 111 22 33"


def remove_url(method: str) -> str:
    return reverse("accounts:device-remove", args=[method])


def stored(user: User) -> dict:
    row = User.objects.get(pk=user.pk)
    return {field: getattr(row, field) for field in ("first_name", "last_name", "language", "mobile_phone")}


@pytest.fixture
def app_user(customer_company):
    """A customer who set up an authenticator app by choice."""
    user = UserFactory(company=customer_company, email="anna@example.com", first_name="Anna")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


# --- the page --------------------------------------------------------------------------------


def test_my_account_sends_anonymous_visitors_to_the_login(client):
    # when
    response = client.get(MY_ACCOUNT)

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={MY_ACCOUNT}"


def test_my_account_changes_name_and_language_and_the_next_page_speaks_it(client, login, user):
    # given: an English-speaking user
    login(user)
    assert "Log out" in client.get(MY_ACCOUNT).content.decode()

    # when
    response = client.post(
        MY_ACCOUNT, profile(user, first_name=" Karin ", last_name="Keller", language="de"), follow=True
    )

    # then
    assert response.redirect_chain == [(MY_ACCOUNT, 302)]
    assert stored(user) == {"first_name": "Karin", "last_name": "Keller", "language": "de", "mobile_phone": ""}
    html = response.content.decode()
    assert "Abmelden" in html and "Passwort ändern" in html
    assert ">Log out</button>" not in html
    assert AuditLogEntry.objects.filter(action="user.changed", subject_user=user, actor=user).exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("", PASSWORD_NEEDED), ("not-my-password", PASSWORD_WRONG)],
    ids=["without_password", "with_wrong_password"],
)
def test_my_account_refuses_a_new_mobile_number_without_the_right_password(client, login, user, password, message):
    # given
    login(user)
    before = stored(user)

    # when
    response = client.post(MY_ACCOUNT, profile(user, mobile_phone=NEW_NUMBER, first_name="Kim", password=password))

    # then: refused with the reason next to the password, and nothing saved (not even the name)
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    assert response.context["form"].errors["password"] == [str(message)]
    assert stored(user) == before


def test_my_account_saves_a_new_mobile_number_with_the_right_password(client, login, user):
    # given
    login(user)

    # when
    response = client.post(MY_ACCOUNT, profile(user, mobile_phone=NEW_NUMBER, password=PASSWORD))

    # then
    assert response.status_code == 302
    assert stored(user)["mobile_phone"] == "+41791112233"


def test_my_account_changes_the_name_without_the_password_while_the_number_stays(client, login, user):
    # given: a user with a mobile number, typed differently than stored
    User.objects.filter(pk=user.pk).update(mobile_phone="+41791112233")
    user.refresh_from_db()
    login(user)

    # when
    response = client.post(MY_ACCOUNT, profile(user, first_name="Kim", mobile_phone=NEW_NUMBER))

    # then
    assert response.status_code == 302
    assert stored(user)["first_name"] == "Kim"


def test_my_account_saves_a_long_mobile_number_typed_with_spaces(client, login, user):
    # given
    login(user)

    # when: +4915123456789 (14 characters) typed as people write it (18 characters)
    response = client.post(MY_ACCOUNT, profile(user, mobile_phone="+49 151 2345 6789", password=PASSWORD))

    # then
    assert response.status_code == 302
    assert stored(user)["mobile_phone"] == "+4915123456789"


# --- the service -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [(None, PASSWORD_NEEDED), ("", PASSWORD_NEEDED), ("not-my-password", PASSWORD_WRONG)],
    ids=["no_password", "empty_password", "wrong_password"],
)
def test_account_update_refuses_a_new_mobile_number_without_the_right_password(user, password, message):
    # given
    before = stored(user)

    # when
    with pytest.raises(ValidationError, match=str(message)):
        account_update(
            user=user, first_name="Kim", last_name="Keller", language="de", mobile_phone=NEW_NUMBER, password=password
        )

    # then
    assert stored(user) == before
    assert not AuditLogEntry.objects.filter(action="user.changed", subject_user=user).exists()


def test_account_update_saves_a_new_mobile_number_with_the_right_password(user):
    # when
    account_update(
        user=user, first_name="Kim", last_name="Keller", language="de", mobile_phone=NEW_NUMBER, password=PASSWORD
    )

    # then
    assert stored(user) == {
        "first_name": "Kim",
        "last_name": "Keller",
        "language": "de",
        "mobile_phone": "+41791112233",
    }
    entry = AuditLogEntry.objects.get(action="user.changed", subject_user=user)
    assert entry.actor_id == user.pk
    assert entry.changes["mobile_phone"] == ["", "+41791112233"]


def test_account_update_needs_no_password_when_the_number_stays(user):
    # given
    User.objects.filter(pk=user.pk).update(mobile_phone="+41791112233")
    user.refresh_from_db()

    # when
    account_update(user=user, first_name="Kim", last_name="", language="en", mobile_phone="+41 79 111 22 33")

    # then
    assert stored(user)["first_name"] == "Kim"


def test_account_update_refuses_an_invalid_number_and_leaves_the_row(user):
    # given
    before = stored(user)

    # when
    with pytest.raises(ValidationError, match="Enter a mobile number, e.g. 079 123 45 67"):
        account_update(
            user=user, first_name="Kim", last_name="", language="en", mobile_phone="079 111", password=PASSWORD
        )

    # then
    assert stored(user) == before
    assert user.first_name == before["first_name"]


# --- sign-in methods -------------------------------------------------------------------------


def test_device_remove_refuses_without_the_password(client, login, app_user):
    # given
    login(app_user)

    # when
    missing = client.post(remove_url("totp"), {})
    wrong = client.post(remove_url("totp"), {"password": "not-my-password"})

    # then
    assert missing.status_code == wrong.status_code == 400
    assert "This field is required." in missing.content.decode()
    assert str(PASSWORD_WRONG) in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=app_user, confirmed=True).exists()
    assert not AuditLogEntry.objects.filter(action="device.removed").exists()


def test_device_remove_removes_the_app_with_the_password_emails_and_audits(
    client, login, app_user, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    login(app_user)
    mailoutbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove_url("totp"), {"password": PASSWORD})

    # then
    assert response.status_code == 302 and response["Location"] == MY_ACCOUNT
    assert not TOTPDevice.objects.filter(user=app_user).exists()
    (message,) = mailoutbox
    assert message.to == [app_user.email]
    assert message.subject == "A sign-in method was removed from your Cockpit account"
    assert '"Authenticator app" was removed' in message.body
    entry = AuditLogEntry.objects.get(action="device.removed", subject_user=app_user)
    assert entry.actor_id == app_user.pk
    assert entry.changes == {"device": [None, "Authenticator app"]}


def test_device_remove_of_the_only_optional_method_leads_back_to_my_account(client, login, app_user):
    # given
    login(app_user)

    # when
    response = client.post(remove_url("totp"), {"password": PASSWORD}, follow=True)

    # then
    assert response.redirect_chain == [(MY_ACCOUNT, 302)]
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["fax", "TOTP", "sms", "backup-codes"])
def test_device_remove_answers_404_for_an_unknown_or_missing_method(client, login, app_user, method):
    # given: the user has only an authenticator app
    login(app_user)

    # when
    response = client.post(remove_url(method), {"password": PASSWORD})

    # then
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=app_user).exists()


def test_device_remove_cannot_remove_another_users_device(client, login, user, app_user):
    # given: another user has an authenticator app and SMS; the signed-in user has neither
    SMSDevice.objects.create(user=app_user, name="SMS", confirmed=True)
    other_app = TOTPDevice.objects.get(user=app_user)
    login(user)

    # when: asking with the own password, and naming the other's device and user
    forged = {"password": PASSWORD, "device": other_app.pk, "user": app_user.pk, "user_id": app_user.pk}
    responses = [client.post(remove_url(method), forged) for method in ("totp", "sms")]

    # then
    assert [response.status_code for response in responses] == [404, 404]
    assert TOTPDevice.objects.filter(pk=other_app.pk).exists()
    assert SMSDevice.objects.filter(user=app_user).exists()


def test_device_remove_acts_only_on_the_signed_in_users_own_device(client, login, user, app_user):
    # given: both users have an authenticator app
    own = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    other_app = TOTPDevice.objects.get(user=app_user)
    login(user)

    # when: naming the other's device and user
    response = client.post(remove_url("totp"), {"password": PASSWORD, "device": other_app.pk, "user": app_user.pk})

    # then: the own one is gone, the other's stays
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=own.pk).exists()
    assert TOTPDevice.objects.filter(pk=other_app.pk).exists()


# --- sessions --------------------------------------------------------------------------------


def test_sessions_end_others_logs_out_the_other_session_and_keeps_this_one(client, login, user):
    # given: the same user signed in on a second computer
    other_computer = Client()
    assert other_computer.login(username=user.email, password=PASSWORD)
    login(user)
    assert other_computer.get(MY_ACCOUNT).status_code == 200

    # when
    response = client.post(END_OTHER_SESSIONS)

    # then
    assert response.status_code == 302 and response["Location"] == MY_ACCOUNT
    assert client.get(MY_ACCOUNT).status_code == 200
    elsewhere = other_computer.get(MY_ACCOUNT)
    assert elsewhere.status_code == 302 and elsewhere["Location"].startswith(reverse("accounts:login"))
    entry = AuditLogEntry.objects.get(action="user.sessions_ended", subject_user=user)
    assert entry.actor_id == user.pk


def test_sessions_end_others_keeps_a_verified_second_factor_session(client, login, app_user):
    # given
    login(app_user)

    # when
    client.post(END_OTHER_SESSIONS)

    # then: still signed in, without being asked for a code again
    assert client.get(MY_ACCOUNT).status_code == 200


def test_sessions_end_all_ends_every_session_of_the_user(user):
    # given
    computer = Client()
    assert computer.login(username=user.email, password=PASSWORD)

    # when
    sessions_end_all(user=user)

    # then
    assert computer.get(MY_ACCOUNT).status_code == 302
    assert AuditLogEntry.objects.filter(action="user.sessions_ended", subject_user=user, actor=user).count() == 1


def test_sessions_end_others_answers_only_post(client, login, user):
    # given
    login(user)

    # when
    response = client.get(END_OTHER_SESSIONS)

    # then
    assert response.status_code == 405
    assert not AuditLogEntry.objects.filter(action="user.sessions_ended").exists()


# --- bad requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"language": "xx"}, "language", "Select a valid choice."),
        ({"language": ""}, "language", "This field is required."),
        ({"first_name": "K\x00rin"}, "first_name", "Null characters are not allowed."),
        ({"last_name": "K" * 151}, "last_name", "Ensure this value has at most 150 characters"),
        (
            {"mobile_phone": "call me", "password": PASSWORD},
            "mobile_phone",
            "Enter a mobile number, e.g. 079 123 45 67",
        ),
        ({"mobile_phone": "+41\x0079", "password": PASSWORD}, "mobile_phone", "Null characters are not allowed."),
    ],
    ids=["unknown_language", "no_language", "nul_in_name", "long_name", "not_a_number", "nul_in_number"],
)
def test_my_account_answers_a_bad_post_with_400_and_the_message_on_the_form(
    client, login, user, changes, field, message
):
    # given
    login(user)
    before = stored(user)

    # when
    response = client.post(MY_ACCOUNT, profile(user, **changes))

    # then
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert stored(user) == before


def test_my_account_answers_an_empty_post_with_400(client, login, user):
    # given
    login(user)

    # when
    response = client.post(MY_ACCOUNT, {})

    # then
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
