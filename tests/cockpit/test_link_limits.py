"""Limits on emailed links and invitations, and refused cockpit pages in the log."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from entities.models import Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from users.services import CompanyGrantRequest, user_invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_link_limit(settings):
    settings.LINKS_PER_IP = 3
    return settings.LINKS_PER_IP


def test_invitation_links_from_one_address_are_paused_with_a_429_and_logged(client, user, small_link_limit, caplog):
    client.force_login(user)
    guesses = [client.get(reverse("invitations:accept", args=[f"guess-{n}"])) for n in range(small_link_limit + 2)]

    assert [response.status_code for response in guesses] == [404] * small_link_limit + [429, 429]
    assert guesses[-1]["Retry-After"] and "emailed links" in guesses[-1].content.decode()
    assert "Emailed links paused, limit reached: ip=127.0.0.1" in caplog.text


def test_guesses_at_invitation_links_count_before_one_signs_in(client, small_link_limit):
    guesses = [client.get(reverse("invitations:accept", args=[f"guess-{n}"])) for n in range(small_link_limit + 1)]

    assert [response.status_code for response in guesses] == [302] * small_link_limit + [429]


def test_password_reset_links_and_requests_count_with_them(client, user, small_link_limit):
    for _ in range(small_link_limit):
        client.get(reverse("accounts:password-reset-confirm", args=["MQ", "wrong-token"]))

    asked = client.post(reverse("accounts:password-reset"), {"email": user.email})
    opened = client.get(reverse("accounts:password-reset-confirm", args=["MQ", "wrong-token"]))

    assert (asked.status_code, opened.status_code) == (429, 429)


def test_another_address_still_opens_its_link(client, user, small_link_limit):
    for _ in range(small_link_limit + 1):
        client.get(reverse("accounts:password-reset-confirm", args=["MQ", "x"]))

    elsewhere = client.get(reverse("accounts:password-reset-confirm", args=["MQ", "x"]), REMOTE_ADDR="192.0.2.7")

    assert elsewhere.status_code == 200


def test_welcome_emails_of_one_company_are_limited_per_day_whoever_sends_them(instance, settings, role):
    settings.INVITATIONS_PER_COMPANY_PER_DAY = 2
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    managers = [UserFactory(company=owner, email=f"pm{n}@zurich.example") for n in range(2)]
    for manager in managers:
        grant_company_role(manager, Level.OWNER, owner, "projectmanager")

    def invite(manager, number):
        return user_invite(
            actor=manager,
            instance=instance,
            company_grants=[CompanyGrantRequest(Level.OWNER, owner, role("customer"))],
            entity_grants=[],
            email=f"new{number}@zurich.example",
            company=owner,
        )

    invite(managers[0], 1)
    invite(managers[1], 2)

    with pytest.raises(ValidationError, match="Your company has sent many invitations in the last 24 hours"):
        invite(managers[1], 3)


def test_a_refused_cockpit_page_is_logged_with_who_asked_and_from_where(client, user, instance, caplog):
    caplog.set_level(logging.WARNING, logger="accounts.security")
    client.force_login(user)

    response = client.get(reverse("entities:entity-detail", args=[instance.slug, 999999]))

    assert response.status_code == 404
    assert f"Cockpit page refused (404): user_id={user.pk} ip=127.0.0.1" in caplog.text
