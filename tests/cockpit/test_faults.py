"""Faults: an unreachable database answers 503 at once, with a page that needs no database."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("error", [OperationalError("the database system is shutting down"), InterfaceError("gone")])
def test_a_database_that_fails_during_a_request_answers_503_with_retry_after(browser, instance, error):
    with mock.patch("cockpit.views.DashboardView.get_context_data", side_effect=error):
        response = browser.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert response.status_code == 503 and response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Temporarily unavailable" in html and "Vorübergehend nicht verfügbar" in html
    assert "Traceback" not in html and "shutting down" not in html


def test_any_other_error_keeps_the_500_page(browser, instance):
    with mock.patch("cockpit.views.DashboardView.get_context_data", side_effect=RuntimeError("bug")):
        response = browser.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_a_database_failing_in_the_middleware_before_any_view_answers_503(browser, instance):
    with mock.patch("cockpit.middleware.access_cockpit", side_effect=OperationalError("connection refused")):
        response = browser.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert response.status_code == 503


# Redis down: a cache on a port where nothing listens, refused at once.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "core.cache.PoolClientRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = UNREACHABLE_REDIS
    settings.RATE_LIMIT_STORE = "cache"


@pytest.fixture
def signed_in_before(user):
    """A session made while Redis was up: it lives in the database as well."""
    client = Client()
    client.force_login(user)
    return client


def test_with_redis_down_a_signed_in_user_keeps_working(signed_in_before, redis_down, instance):
    dashboard = signed_in_before.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))
    account = signed_in_before.get(reverse("accounts:my-account"))

    assert (dashboard.status_code, account.status_code) == (200, 200)


def test_with_redis_down_a_login_is_refused_even_with_the_right_password(client, user, redis_down):
    from tests.factories import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})

    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_with_redis_down_a_login_says_it_is_paused_not_that_there_were_too_many_attempts(client, user, redis_down):
    from tests.factories import PASSWORD

    html = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD}).content.decode()

    assert "Signing in is paused for a moment" in html
    assert "Too many failed attempts" not in html


def test_with_redis_down_a_right_second_factor_code_is_refused_and_says_why(client, settings, customer_company):
    from tests.factories import UserFactory
    from tests.support.sign_in import password_step, second_step, totp_code, verified

    person = UserFactory(company=customer_company, otp_required=True)
    device = TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    password_step(client, person)
    settings.CACHES, settings.RATE_LIMIT_STORE = UNREACHABLE_REDIS, "cache"

    response = second_step(client, totp_code(device))

    assert "Signing in is paused for a moment" in response.content.decode()
    assert not verified(client)


def test_with_redis_down_list_limits_let_the_lists_through():
    from accounts.throttle import listing_allowed

    with mock.patch("accounts.throttle.cache.add", side_effect=__import__("redis").exceptions.ConnectionError):
        assert all(listing_allowed(user_id=1) for _ in range(3))
