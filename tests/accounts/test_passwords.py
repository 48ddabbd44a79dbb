"""Passwords: one's own changed with the old one and the validators, reset by email (a link to the cockpit whatever
host the request named, completing a forced change), at most 1024 characters (refused before any hashing), and the
sign-in blocked after too many wrong ones."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from entities.models import Level
from tests.factories import PASSWORD, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(owner_a):
    """A user of A who chose their own password (the Manager role)."""
    user = UserFactory(company=owner_a, email="colleague@owner-a.example")
    grant_company_role(user, Level.OWNER, owner_a, "manager")
    return user


# --- one's own password changed ----------------------------------------------------------------


def test_password_change_requires_the_old_password_and_the_validators(client, login, colleague):
    login(colleague)

    weak = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    wrong_old = client.post(
        reverse("accounts:password-change"),
        {"old_password": "nope", "new_password1": "Sehr-gutes-Pw-99", "new_password2": "Sehr-gutes-Pw-99"},
    )

    assert weak.status_code == 200 and "This password is too short" in weak.content.decode()
    assert "This is not your current password." in wrong_old.content.decode()


# --- reset by email ----------------------------------------------------------------------------


def test_password_reset_by_email_lets_a_user_choose_a_new_password(client, colleague):
    client.post(reverse("accounts:password-reset"), {"email": colleague.email})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"},
    )

    assert client.login(username=colleague.email, password="Neues-Passwort-2026")


def test_password_reset_completes_a_pending_forced_change(client, colleague):
    User.objects.filter(pk=colleague.pk).update(must_change_password=True, temporary_password_expires_at=timezone.now())
    client.post(reverse("accounts:password-reset"), {"email": colleague.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)

    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"},
    )

    colleague.refresh_from_db()
    assert not colleague.must_change_password
    response = client.post(reverse("accounts:login"), {"username": colleague.email, "password": "Neues-Passwort-2026"})
    assert response.status_code == 302


def test_a_password_reset_link_points_at_the_cockpit_whatever_host_the_request_named(client, colleague, settings):
    settings.ALLOWED_HOSTS = ["cockpit.example.com", "evil.example.com"]
    settings.COCKPIT_BASE_URL = "https://cockpit.example.com"

    client.post(reverse("accounts:password-reset"), {"email": colleague.email}, HTTP_HOST="evil.example.com")

    (message,) = mail.outbox
    assert "https://cockpit.example.com/accounts/password/reset/" in message.body
    assert "evil.example.com" not in message.body


# --- the length limit --------------------------------------------------------------------------


def test_a_password_of_more_than_1024_characters_is_refused_at_login_before_any_hashing(client, colleague, monkeypatch):
    from django.contrib.auth import base_user

    def no_hashing(*args, **kwargs):
        raise AssertionError("a refused password must not be hashed")

    monkeypatch.setattr(base_user, "check_password", no_hashing)

    response = client.post(reverse("accounts:login"), {"username": colleague.email, "password": "x" * 1025})

    assert response.status_code == 200
    assert "at most 1024 characters" in response.content.decode()


def test_a_new_password_of_more_than_1024_characters_is_refused(client, colleague):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="too long"):
        validate_password("Ab1-" + "x" * 1021, user=colleague)
    validate_password("Ab1-" + "x" * 1020, user=colleague)


# --- too many wrong passwords ------------------------------------------------------------------


def test_login_is_blocked_after_too_many_failures_even_with_the_right_password(client, colleague, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": colleague.email, "password": "wrong"})

    response = client.post(reverse("accounts:login"), {"username": colleague.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
