"""Sign-in limits: one limiter for every login path, counted where every worker sees it, keyed so an attacker
cannot lock a victim out everywhere."""

import logging
from unittest import mock

import pytest
from django.urls import reverse

from accounts import throttle
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER, VICTIM = "198.51.100.66", "203.0.113.10"


@pytest.fixture(params=["database", "cache"])
def rate_limit_store(request, settings):
    """Both stores: the database (production without Redis) and the cache (Redis in production)."""
    settings.RATE_LIMIT_STORE = request.param
    return request.param


def sign_in(client, email, password, ip):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_account_at_that_address_even_with_the_right_password(
    client, user, settings, rate_limit_store
):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    for _ in range(3):
        sign_in(client, user.email, "wrong", ATTACKER)

    response = sign_in(client, user.email, PASSWORD, ATTACKER)

    assert "Too many failed attempts" in response.content.decode()
    assert not signed_in(client)


def test_a_blocked_attempt_never_reaches_the_password_hash(client, user, settings, rate_limit_store):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 2
    for _ in range(2):
        sign_in(client, user.email, "wrong", ATTACKER)

    with mock.patch("accounts.backends.EmailBackend.authenticate") as authenticate:
        sign_in(client, user.email, PASSWORD, ATTACKER)

    authenticate.assert_not_called()


def test_the_victim_still_signs_in_from_their_own_address_while_the_attackers_is_blocked(
    client, user, settings, rate_limit_store
):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    for _ in range(5):
        sign_in(client, user.email, "wrong", ATTACKER)

    sign_in(client, user.email, PASSWORD, VICTIM)

    assert signed_in(client)


def test_failures_from_many_addresses_lock_the_account_everywhere_but_only_much_later(client, user, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    settings.LOGIN_FAILURES_PER_ACCOUNT = 6
    for n in range(6):
        sign_in(client, user.email, "wrong", f"198.51.100.{n}")

    sign_in(client, user.email, PASSWORD, VICTIM)

    assert not signed_in(client)


def test_sixty_accounts_sprayed_from_one_address_are_stopped_at_the_address_limit(client, customer_company, settings):
    settings.LOGIN_FAILURES_PER_IP = 50
    accounts = UserFactory.create_batch(60, company=customer_company)
    for account in accounts[:50]:
        sign_in(client, account.email, "Winter2026!", ATTACKER)

    # the 51st account, even with its right password, is refused from that address
    response = sign_in(client, accounts[50].email, PASSWORD, ATTACKER)

    assert "Too many failed attempts" in response.content.decode()
    assert not signed_in(client)


def test_spoofed_forwarding_headers_do_not_reset_the_address_limit(client, user, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    for n in range(3):
        client.post(
            reverse("accounts:login"),
            {"username": user.email, "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )

    client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR=VICTIM,
    )

    assert not signed_in(client)


def test_client_ip_is_the_peer_unless_our_proxies_are_declared(settings):
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.10"}

    settings.TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(meta) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert throttle.client_ip(meta) == "203.0.113.10"  # what our proxy saw; the client wrote the rest
    settings.TRUSTED_PROXY_COUNT = 3
    assert throttle.client_ip(meta) == "10.0.0.2"  # fewer entries than proxies: not a chain we built


def test_a_right_password_forgets_the_failures_at_that_address(client, user, settings, rate_limit_store):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    for _ in range(2):
        sign_in(client, user.email, "wrong", VICTIM)
    sign_in(client, user.email, PASSWORD, VICTIM)
    client.logout()

    for _ in range(2):
        sign_in(client, user.email, "wrong", VICTIM)
    sign_in(client, user.email, PASSWORD, VICTIM)

    assert signed_in(client)


def test_failed_sign_ins_are_logged_with_email_and_address_and_never_the_password(client, user, caplog):
    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        sign_in(client, user.email, "Geheim-123!", ATTACKER)

    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"email={user.email}" in logged and f"ip={ATTACKER}" in logged
    assert "Geheim-123!" not in logged


def test_the_database_store_counts_across_windows(settings):
    settings.RATE_LIMIT_STORE = "database"
    counters = throttle.store()

    assert [counters.hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.peek("k") == 3
    counters.clear("k")
    assert counters.peek("k") == 0


def test_a_sign_in_lock_is_recorded_in_the_users_history(client, user, settings):
    from entities.models import AuditLogEntry

    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 2
    for _ in range(2):
        sign_in(client, user.email, "wrong", ATTACKER)

    entry = AuditLogEntry.objects.get(subject_user=user, action="user.sign_in_locked")
    assert entry.changes == {"ip": [None, ATTACKER]}
    assert entry.action_label == "Sign-in locked after wrong passwords"


def test_an_empty_password_does_not_forget_the_failures_at_that_address(client, user, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 3
    for _ in range(2):
        sign_in(client, user.email, "wrong", ATTACKER)
    sign_in(client, user.email, "", ATTACKER)
    sign_in(client, user.email, "wrong", ATTACKER)

    response = sign_in(client, user.email, PASSWORD, ATTACKER)

    assert "Too many failed attempts" in response.content.decode()


def test_a_sign_in_check_with_the_counters_unreachable_raises_rather_than_letting_the_password_be_checked(settings):
    from redis.exceptions import ConnectionError as RedisConnectionError

    settings.RATE_LIMIT_STORE = "cache"
    with (
        mock.patch("accounts.throttle.cache.get", side_effect=RedisConnectionError),
        pytest.raises(throttle.LimitsUnreachable),
    ):
        throttle.login_blocked(email="someone@example.com", ip=VICTIM)


def test_a_second_factor_check_with_the_counters_unreachable_raises(settings):
    from redis.exceptions import ConnectionError as RedisConnectionError

    settings.RATE_LIMIT_STORE = "cache"
    with (
        mock.patch("accounts.throttle.cache.get", side_effect=RedisConnectionError),
        pytest.raises(throttle.LimitsUnreachable),
    ):
        throttle.second_factor_blocked(user_id=1, email="someone@example.com", ip=VICTIM)
