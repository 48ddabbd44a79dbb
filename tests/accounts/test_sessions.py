"""Sessions end after 30 minutes without activity and 12 hours after sign-in, whatever the activity."""

import time
from unittest import mock

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def dashboard(user) -> str:
    return reverse("cockpit:dashboard", args=[user.company.instance.slug])


def at(seconds_from_now: float):
    """Requests made `seconds_from_now` later."""
    later = time.time() + seconds_from_now
    return mock.patch("accounts.middleware.time.time", return_value=later)


def test_a_session_ends_after_the_idle_timeout(client, login, user, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    login(user)

    with at(31 * 60):
        response = client.get(dashboard(user))

    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive_within_the_idle_timeout(client, login, user, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    login(user)

    for minutes in (20, 40, 60):
        with at(minutes * 60):
            assert client.get(dashboard(user)).status_code == 200, minutes


def test_a_session_ends_at_the_absolute_limit_even_with_activity(client, login, user, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    settings.SESSION_COOKIE_AGE = 2 * 60 * 60
    login(user)
    for minutes in range(20, 120, 20):
        with at(minutes * 60):
            client.get(dashboard(user))

    with at(121 * 60):
        response = client.get(dashboard(user))

    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_login_page_says_why_the_session_ended(client, login, user):
    login(user)

    with at(31 * 60):
        page = client.get(dashboard(user), follow=True).content.decode()

    assert "signed out after a time without activity" in page
