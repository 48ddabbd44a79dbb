"""A cockpit's second-factor policy: whom it asks, which methods count, its grace period, and who sets it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RequiredFor, SecondFactorPolicy, SMSDevice
from accounts.second_factor import (
    METHOD_NOT_COUNTED,
    second_factor_policy_set,
    second_factor_required,
    sms_code_send,
    sms_device_create,
)
from entities.models import AuditLogEntry, Level
from outbox.sms import FakeGateway
from tests.factories import UserFactory, admin_user_change_form, grant_company_role
from tests.support.sign_in import password_step, second_step, totp_code, verified

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock for everything that asks django.utils.timezone.now(); `clock.now` moves it."""

    class Clock:
        now = START

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    FakeGateway.outbox.clear()
    yield
    FakeGateway.outbox.clear()


@pytest.fixture
def person(customer_company):
    """Someone of the cockpit who never set up a second factor and was never asked for one."""
    return UserFactory(
        company=customer_company,
        email="pia@customer.example",
        mobile_phone="+41791234567",
        date_joined=START - timedelta(days=100),
    )


def set_policy(actor, instance, **choices):
    chosen = {"required_for": RequiredFor.EVERYONE, "sms_counts": True, "grace_days": 0} | choices
    return second_factor_policy_set(actor=actor, instance=instance, **chosen)


def dashboard(user) -> str:
    return reverse("cockpit:dashboard", args=[user.company.instance.slug])


def lands_on(client, response) -> str:
    return client.get(response["Location"], follow=True).request["PATH_INFO"]


# --- the grace period --------------------------------------------------------------------------


def test_on_day_6_of_a_7_day_grace_period_the_person_works_and_sees_the_banner(client, clock, person, operator_staff):
    set_policy(operator_staff, person.company.instance, grace_days=7)
    clock.now = START + timedelta(days=6)

    signed_in = password_step(client, person)
    page = client.get(dashboard(person))

    assert lands_on(client, signed_in) == dashboard(person)
    assert page.status_code == 200
    assert b'data-testid="second-factor-grace"' in page.content
    assert b"set one up by 8 December 2026" in page.content


def test_on_day_8_of_a_7_day_grace_period_the_password_step_reaches_only_the_set_up(
    client, clock, person, operator_staff
):
    set_policy(operator_staff, person.company.instance, grace_days=7)
    clock.now = START + timedelta(days=8)

    signed_in = password_step(client, person)

    assert lands_on(client, signed_in) == reverse("accounts:second-factor-setup")
    assert client.get(dashboard(person))["Location"].startswith(reverse("accounts:second-factor-setup"))


def test_the_grace_period_ends_during_a_session_at_its_moment(client, clock, person, operator_staff):
    set_policy(operator_staff, person.company.instance, grace_days=7)
    clock.now = START + timedelta(days=7) - timedelta(minutes=5)
    password_step(client, person)
    assert client.get(dashboard(person)).status_code == 200

    clock.now = START + timedelta(days=7)

    assert client.get(dashboard(person))["Location"].startswith(reverse("accounts:second-factor-setup"))


def test_someone_who_joins_later_gets_the_whole_grace_period_from_their_joining(
    client, clock, customer_company, operator_staff
):
    set_policy(operator_staff, customer_company.instance, grace_days=7)
    clock.now = START + timedelta(days=30)
    newcomer = UserFactory(company=customer_company, date_joined=clock.now)
    clock.now += timedelta(days=6)

    password_step(client, newcomer)

    assert client.get(dashboard(newcomer)).status_code == 200


def test_the_banner_leads_to_the_set_up_and_is_gone_once_a_factor_is_set_up(client, clock, person, operator_staff):
    set_policy(operator_staff, person.company.instance, grace_days=7)
    password_step(client, person)
    client.get(reverse("accounts:second-factor-setup"))
    device = TOTPDevice.objects.get(user=person, confirmed=False)

    client.post(reverse("accounts:second-factor-setup"), {"code": totp_code(device)})

    assert b"second-factor-grace" not in client.get(dashboard(person)).content


def test_a_policy_without_grace_period_asks_at_the_next_sign_in(client, person, operator_staff):
    set_policy(operator_staff, person.company.instance)

    signed_in = password_step(client, person)

    assert lands_on(client, signed_in) == reverse("accounts:second-factor-setup")


def test_the_set_up_page_says_the_cockpit_requires_it(client, person, operator_staff):
    set_policy(operator_staff, person.company.instance)
    password_step(client, person)

    page = client.get(reverse("accounts:second-factor-setup")).content.decode()

    assert f"{person.company.instance} requires a second factor of everyone who works in it." in page


# --- whom it asks ------------------------------------------------------------------------------


def test_a_policy_for_user_managers_asks_them_and_not_the_others(owner_a, projectmanager_a, operator_staff):
    colleague = UserFactory(company=owner_a, email="worker@owner-a.example")
    grant_company_role(colleague, Level.OWNER, owner_a, "customer")

    set_policy(operator_staff, owner_a.instance, required_for=RequiredFor.USER_MANAGERS)

    assert second_factor_required(projectmanager_a)
    assert not second_factor_required(colleague)


def test_the_built_in_rule_alone_asks_nobody_more(person, operator_staff):
    set_policy(operator_staff, person.company.instance, required_for=RequiredFor.BUILT_IN)

    assert not second_factor_required(person)


def test_another_cockpits_policy_does_not_ask_this_cockpits_people(person, other_instance, operator_staff):
    set_policy(operator_staff, other_instance)

    assert not second_factor_required(person)


# --- which methods count -----------------------------------------------------------------------


def test_where_sms_does_not_count_the_set_up_offers_no_sms_and_the_service_refuses_it(client, person, operator_staff):
    set_policy(operator_staff, person.company.instance, sms_counts=False)
    password_step(client, person)

    page = client.get(reverse("accounts:second-factor-setup"), {"method": "sms"}).content.decode()

    assert "Use SMS instead" not in page and "Scan this QR code" in page
    with pytest.raises(ValidationError) as refused:
        sms_device_create(actor=person, user=person)
    assert refused.value.messages == [str(METHOD_NOT_COUNTED)]
    assert not SMSDevice.objects.filter(user=person).exists()


def test_where_sms_does_not_count_an_sms_device_does_not_sign_in(client, person, operator_staff):
    sms = SMSDevice.objects.create(user=person, name="SMS", confirmed=True)
    set_policy(operator_staff, person.company.instance, sms_counts=False)

    signed_in = password_step(client, person)
    refused = second_step(client, "123456", method="sms")

    assert lands_on(client, signed_in) == reverse("accounts:second-factor-setup")
    assert refused.status_code == 302 and not verified(client)
    assert FakeGateway.outbox == []
    assert SMSDevice.objects.filter(pk=sms.pk).exists()  # kept, for the person to remove on My account


def test_the_second_step_refuses_an_sms_code_where_sms_does_not_count(rf, person, operator_staff):
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.second_factor import second_factor_verify

    sms = SMSDevice.objects.create(user=person, name="SMS", confirmed=True)
    set_policy(operator_staff, person.company.instance, sms_counts=False)
    request = rf.post("/")
    request.user, request.session = person, SessionStore()

    with pytest.raises(ValidationError) as refused:
        second_factor_verify(request, sms, "123456")
    with pytest.raises(ValidationError):
        sms_code_send(request, sms)
    assert refused.value.code == "method_not_counted"


def test_sms_never_counts_for_people_who_may_open_the_django_admin(client, operator_company):
    staff = UserFactory(company=operator_company, is_staff=True, mobile_phone="+41791234567")
    SMSDevice.objects.create(user=staff, name="SMS", confirmed=True)

    signed_in = password_step(client, staff)

    assert lands_on(client, signed_in) == reverse("accounts:second-factor-setup")
    with pytest.raises(ValidationError):
        sms_device_create(actor=staff, user=staff)


def test_my_account_lists_an_sms_device_that_no_longer_counts_so_it_can_be_removed(
    client, login, person, operator_staff
):
    SMSDevice.objects.create(user=person, name="SMS", confirmed=True)
    set_policy(operator_staff, person.company.instance, sms_counts=False)
    login(person)

    page = client.get(reverse("accounts:my-account")).content.decode()

    assert "(does not count here)" in page
    assert reverse("accounts:device-remove", args=["sms"]) in page


# --- who sets it -------------------------------------------------------------------------------


def test_only_operator_staff_set_a_policy(person, projectmanager_a):
    with pytest.raises(PermissionDenied):
        set_policy(projectmanager_a, person.company.instance)

    assert not SecondFactorPolicy.objects.exists()


def test_a_policy_change_is_audited_with_before_and_after(person, operator_staff):
    set_policy(operator_staff, person.company.instance, grace_days=7)

    entry = AuditLogEntry.objects.get(action="second_factor.policy_changed")

    assert entry.actor_id == operator_staff.pk and entry.instance_id == person.company.instance_id
    assert entry.changes == {"required_for": ["built_in", "everyone"], "grace_days": [0, 7]}


def test_asking_more_restarts_the_grace_period_and_asking_less_keeps_it(clock, person, operator_staff):
    instance = person.company.instance
    set_policy(operator_staff, instance, required_for=RequiredFor.USER_MANAGERS, grace_days=7)
    clock.now = START + timedelta(days=3)
    widened = set_policy(operator_staff, instance, required_for=RequiredFor.EVERYONE, grace_days=7)
    clock.now = START + timedelta(days=5)
    narrowed = set_policy(operator_staff, instance, required_for=RequiredFor.USER_MANAGERS, grace_days=7)

    assert widened.required_since == START + timedelta(days=3)
    assert narrowed.required_since == START + timedelta(days=3)


def test_a_grace_period_beyond_90_days_is_refused(person, operator_staff):
    with pytest.raises(ValidationError):
        set_policy(operator_staff, person.company.instance, grace_days=365)

    assert not SecondFactorPolicy.objects.exists()


def test_the_admin_sets_a_policy_through_the_service(admin_client, instance):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_secondfactorpolicy_add"),
            {"instance": instance.pk, "required_for": "everyone", "sms_counts": "", "grace_days": "14"},
        )

    policy = SecondFactorPolicy.objects.get(instance=instance)
    assert response.status_code == 302
    assert (policy.required_for, policy.sms_counts, policy.grace_days) == ("everyone", False, 14)
    assert AuditLogEntry.objects.filter(action="second_factor.policy_changed", instance=instance).exists()


def test_the_admin_refuses_a_grace_period_beyond_90_days_on_the_form(admin_client, instance):
    response = admin_client.post(
        reverse("admin:accounts_secondfactorpolicy_add"),
        {"instance": instance.pk, "required_for": "everyone", "sms_counts": "on", "grace_days": "365"},
    )

    assert response.status_code == 200
    assert b"less than or equal to 90" in response.content
    assert not SecondFactorPolicy.objects.exists()


def test_the_admin_user_page_shows_and_sets_2fa_required_and_the_person_is_told(
    admin_client, person, mailoutbox, django_capture_on_commit_callbacks
):
    person.last_login = timezone.now()  # someone who signs in already
    person.save()
    page = admin_client.get(reverse("admin:accounts_user_change", args=[person.pk]))

    with django_capture_on_commit_callbacks(execute=True):
        saved = admin_client.post(
            reverse("admin:accounts_user_change", args=[person.pk]),
            admin_user_change_form(person, otp_required="on", mobile_phone=person.mobile_phone),
        )

    assert b'name="otp_required"' in page.content
    assert saved.status_code == 302
    person.refresh_from_db()
    assert person.otp_required
    assert [message.to for message in mailoutbox] == [[person.email]]
    assert "second factor" in mailoutbox[-1].body


def test_the_admin_policy_page_picks_a_cockpit_but_offers_no_way_to_add_or_change_one(admin_client):
    page = admin_client.get(reverse("admin:accounts_secondfactorpolicy_add")).content.decode()

    assert 'name="instance"' in page
    assert 'id="add_id_instance"' not in page and 'id="change_id_instance"' not in page
