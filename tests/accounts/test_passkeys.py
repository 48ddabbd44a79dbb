"""Passkeys at the rule layer and on their pages: who may add and remove them, what they count for, what resets
them. The ceremonies themselves (signatures) run in Chromium's virtual authenticator: tests/e2e/test_passkeys.py."""

import json
import secrets
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from accounts.middleware import SIGNED_IN_AT
from accounts.models import User
from accounts.passkeys import PASSKEY_NAME_KEY, passkey_verified
from accounts.second_factor import (
    Method,
    confirmed_devices,
    second_factor_required,
    second_factor_reset,
    second_factor_status,
)
from entities.models import AuditLogEntry
from tests.factories import PASSWORD, UserFactory
from tests.support.sign_in import password_step

pytestmark = pytest.mark.django_db


def passkey_of(user: User, name: str = "Work laptop") -> WebAuthnCredential:
    """A confirmed passkey as django-otp-webauthn stores one (its key is never used here: no ceremony runs)."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=secrets.token_bytes(32),
        public_key=secrets.token_bytes(77),
        sign_count=0,
        aaguid="00000000-0000-0000-0000-000000000000",
    )


@pytest.fixture
def person(customer_company):
    return UserFactory(company=customer_company, email="pia@customer.example", language="en")


# --- what a passkey counts for -------------------------------------------------------------------


def test_a_passkey_is_a_second_factor_asked_at_every_sign_in(person):
    passkey_of(person)

    assert second_factor_required(person)
    assert Method.PASSKEY in confirmed_devices(person)


def test_the_second_step_offers_the_passkey_first(client, person):
    passkey_of(person)
    password_step(client, person)

    page = client.get(reverse("accounts:second-factor")).content.decode()

    assert "Use my passkey" in page
    assert 'id="otp_webauthn_config"' in page


def test_a_staff_reset_removes_the_passkeys_too(person, operator_staff):
    passkey_of(person)
    passkey_of(person, "Phone")

    second_factor_reset(actor=operator_staff, user=person)

    assert not WebAuthnCredential.objects.filter(user=person).exists()


def test_a_passkey_alone_signs_in_verified_with_the_cockpits_own_backend(rf, person):
    request = rf.post("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    passkey = passkey_of(person)

    passkey_verified(request, passkey)

    assert request.user == person
    assert request.session["_auth_user_backend"] == "accounts.backends.EmailBackend"
    assert request.session["otp_device_id"] == passkey.persistent_id


# --- adding one ----------------------------------------------------------------------------------


def test_adding_a_passkey_asks_for_the_password_when_it_was_not_typed_lately(client, login, person):
    login(person)
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.REAUTHENTICATION_SECONDS - 60  # signed in a while ago
    session.save()

    response = client.get(reverse("accounts:passkey-add"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:password-confirm"))


def test_the_passkey_is_named_before_the_browser_makes_it(client, login, person):
    login(person)

    named = client.post(reverse("accounts:passkey-add"), {"name": "  Work   laptop "})

    assert named.status_code == 200
    assert client.session[PASSKEY_NAME_KEY] == "Work laptop"
    assert b'id="passkey-register-button"' in named.content


@pytest.mark.parametrize(
    ("name", "message"), [("   ", b"This field is required"), ("x" * 65, b"at most 64 characters")]
)
def test_a_passkey_without_a_usable_name_is_refused_on_the_form(client, login, person, name, message):
    login(person)

    response = client.post(reverse("accounts:passkey-add"), {"name": name})

    assert response.status_code == 400
    assert message in response.content
    assert PASSKEY_NAME_KEY not in client.session


def test_the_ceremony_does_not_begin_before_the_passkey_is_named(client, login, person):
    login(person)

    response = client.post(reverse("otp_webauthn:credential-registration-begin"))

    assert response.status_code == 403
    assert json.loads(response.content)["detail"] == "Name the passkey first."


def test_the_ceremony_does_not_begin_without_a_recent_password(client, login, person):
    login(person)
    client.post(reverse("accounts:passkey-add"), {"name": "Work laptop"})
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.REAUTHENTICATION_SECONDS - 60  # signed in a while ago
    session.save()

    response = client.post(reverse("otp_webauthn:credential-registration-begin"))

    assert response.status_code == 403


def test_the_ceremony_begins_with_the_cockpit_as_relying_party(client, login, person):
    login(person)
    client.post(reverse("accounts:passkey-add"), {"name": "Work laptop"})

    options = json.loads(client.post(reverse("otp_webauthn:credential-registration-begin")).content)

    assert options["rp"] == {"name": "Cockpit", "id": "testserver"}
    assert options["authenticatorSelection"]["residentKey"] == "required"


def test_the_page_after_the_ceremony_goes_to_my_account_when_no_codes_wait(client, login, person):
    login(person)

    response = client.get(reverse("accounts:passkey-added"))

    assert response["Location"] == reverse("accounts:my-account")


# --- removing one ------------------------------------------------------------------------------


def test_my_account_lists_each_passkey_by_its_name(client, login, person):
    passkey_of(person)
    passkey_of(person, "Phone")
    login(person)

    page = client.get(reverse("accounts:my-account")).content.decode()

    assert "Work laptop" in page and "Phone" in page


def test_a_person_removes_their_passkey_with_their_password_audited_and_emailed(
    client, login, person, mailoutbox, django_capture_on_commit_callbacks
):
    passkey = passkey_of(person)
    login(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:passkey-remove", args=[passkey.pk]), {"password": PASSWORD})

    assert response["Location"] == reverse("accounts:my-account")
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert AuditLogEntry.objects.filter(action="device.removed", subject_user_id=person.pk).exists()
    assert "Passkey" in mailoutbox[-1].body


def test_a_wrong_password_keeps_the_passkey_with_a_message(client, login, person):
    passkey = passkey_of(person)
    login(person)

    response = client.post(reverse("accounts:passkey-remove", args=[passkey.pk]), {"password": "wrong"})

    assert response.status_code == 400
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_nobody_removes_another_persons_passkey(client, login, person, customer_company):
    someone_else = UserFactory(company=customer_company)
    passkey = passkey_of(someone_else)
    login(person)

    response = client.post(reverse("accounts:passkey-remove", args=[passkey.pk]), {"password": PASSWORD})

    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


@pytest.mark.parametrize("name", ["accounts:passkey-add", "accounts:passkey-added"])
def test_passkey_pages_send_anonymous_visitors_to_the_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_cannot_begin_adding_a_passkey(client):
    response = client.post(reverse("otp_webauthn:credential-registration-begin"))

    assert response.status_code == 302
    assert not WebAuthnCredential.objects.exists()


def test_the_user_list_shows_a_passkey_as_the_strongest_method():
    assert second_factor_status(required=True, totp=True, sms=True, backup=True, passkey=True).code == "passkey"
