"""Passkeys in Chromium with its virtual authenticator (DevTools' WebAuthn domain): added on My account, used as the
second factor after the password, and used alone from the login page."""

import re

import pytest
from django.core import mail
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from entities.models import AuditLogEntry, Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from tests.support.browser import enter_password, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(instance):
    company = CompanyFactory(instance=instance, name="Zurich Property AG")
    user = UserFactory(company=company, email="pia@zurich.example", first_name="Pia", language="en")
    grant_company_role(user, Level.OWNER, company, "customer")
    return user


@pytest.fixture
def authenticator(page):
    """A platform authenticator that keeps passkeys and verifies its user (a fingerprint), as a laptop has."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return devtools


def log_out(page):
    """From the user menu in the header, as a person does."""
    page.locator("details.usermenu summary").click()
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_load_state()


def test_a_person_adds_a_passkey_and_signs_in_with_password_and_passkey_then_with_the_passkey_alone(
    page, screenshot, person, authenticator
):
    # given: signed in with the password alone (nobody asks them for a second factor)
    log_in(page, person.email)
    page.goto("/accounts/me/")
    page.get_by_role("link", name="Add a passkey").click()
    screenshot("passkey-name")

    # when: they name it and make it with the browser
    page.get_by_label("Name of the passkey").fill("Work laptop")
    page.get_by_role("button", name="Continue").click()
    screenshot("passkey-make")
    page.get_by_role("button", name="Make the passkey").click()

    # then: their first method, so backup codes once; then My account, which lists it; audited and emailed
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    screenshot("passkey-backup-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(re.compile(r"/accounts/me/$"))
    expect(page.get_by_role("row", name=re.compile("Passkey Work laptop"))).to_be_visible()
    screenshot("my-account-with-passkey")
    passkey = WebAuthnCredential.objects.get(user=person)
    assert passkey.name == "Work laptop"
    assert AuditLogEntry.objects.filter(action="device.created", subject_user_id=person.pk).exists()
    assert any("Passkey" in message.body and message.to == [person.email] for message in mail.outbox)

    # when: the next sign-in, password first; the passkey is now their second factor
    log_out(page)
    enter_password(page, person.email)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    expect(page.get_by_text("Use your passkey")).to_be_visible()
    screenshot("second-step-passkey")
    page.get_by_role("button", name="Use my passkey").click()

    # then: in their cockpit
    expect(page).to_have_url(re.compile(rf"/c/{person.company.instance.slug}/$"))

    # when: signing in from the login page with the passkey alone
    log_out(page)
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    screenshot("login-with-passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()

    # then: signed in and past the second factor, without typing anything
    expect(page).to_have_url(re.compile(rf"/c/{person.company.instance.slug}/$"))
    page.goto("/accounts/me/")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
