"""Two-factor authentication: the policy, the two-step login, TOTP, SMS, backup codes, the admin behind it."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SMSDevice, User
from accounts.second_factor import (
    REQUIRED_FOR_ADMIN,
    REQUIRED_FOR_SHOW_ALL,
    backup_codes_generate,
    second_factor_reason,
    second_factor_required,
    second_factor_reset,
    totp_device_create,
)
from entities.models import AuditLogEntry
from outbox.sms import FakeGateway
from tests.factories import PASSWORD, UserFactory
from tests.support.queue import DATABASE_TASKS
from tests.support.sign_in import (
    last_sms_code,
    password_step,
    second_step,
    totp_code,
    verified,
    verify_second_factor,
)
from tests.support.urls import cockpit_url_names

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_sms_outbox():
    FakeGateway.outbox.clear()
    yield
    FakeGateway.outbox.clear()


@pytest.fixture
def policy_user(customer_company):
    """A customer whose administrator switched two-factor authentication on."""
    return UserFactory(
        company=customer_company, email="kim@example.com", otp_required=True, mobile_phone="+41791234567"
    )


@pytest.fixture
def staff(operator_company):
    return UserFactory(company=operator_company, email="sven@soobr.example", is_staff=True, otp_required=True)


def dashboard(user) -> str:
    return reverse("cockpit:dashboard", args=[user.company.instance.slug])


# --- the policy ------------------------------------------------------------------------------


def test_the_policy_requires_a_second_factor_of_flagged_users_staff_and_the_enrolled_only(
    user, policy_user, staff, customer_company
):
    enrolled = UserFactory(company=customer_company)
    TOTPDevice.objects.create(user=enrolled, name="app", confirmed=True)
    half_enrolled = UserFactory(company=customer_company)
    TOTPDevice.objects.create(user=half_enrolled, name="app", confirmed=False)

    assert [second_factor_required(u) for u in (policy_user, staff, enrolled)] == [True, True, True]
    assert [second_factor_required(u) for u in (user, half_enrolled)] == [False, False]


def every_url(user, instance) -> list[str]:
    """Every named URL of the site that reverses with the cockpit's slug, a user id, or nothing."""
    candidates = [{}, {"instance_slug": instance.slug}, {"instance_slug": instance.slug, "pk": user.pk}]
    candidates += [{"object_id": str(user.pk)}, {"app_label": "accounts"}, {"user_id": user.pk}]
    urls = set()
    for name in cockpit_url_names():
        for kwargs in candidates:
            try:
                urls.add(reverse(name, kwargs=kwargs))
            except Exception:  # noqa: BLE001, S112 - this name takes other arguments
                continue
    return sorted(urls)


SECOND_STEP_PAGES = {
    "accounts:second-factor",
    "accounts:second-factor-setup",
    "accounts:logout",
    "accounts:login",
    # A passkey's challenge and its answer are the second step too.
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
}


def test_the_password_step_alone_reaches_nothing_but_the_second_step(
    client, login_password_only, policy_user, instance
):
    # given: only the password step is done
    TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)
    login_password_only(policy_user)
    allowed = {reverse(name) for name in SECOND_STEP_PAGES}

    # then: every cockpit page, every admin page, every account page sends them to the second step
    urls = [url for url in every_url(policy_user, instance) if url not in allowed]
    assert any(url.startswith("/admin/") for url in urls) and any(url.startswith("/c/") for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:second-factor")), url
    response = client.post(reverse("users:user-create", args=[instance.slug]), {"email": "x@example.com"})
    assert response["Location"].startswith(reverse("accounts:second-factor"))


def test_a_policy_user_without_a_device_is_sent_to_set_one_up(client, login_password_only, policy_user):
    login_password_only(policy_user)

    response = client.get(dashboard(policy_user))

    assert response["Location"].startswith(reverse("accounts:second-factor-setup"))


def test_users_outside_the_policy_sign_in_with_the_password_alone(client, user):
    response = password_step(client, user)

    assert response["Location"] == reverse("home")
    assert client.get(dashboard(user)).status_code == 200


# --- two steps -------------------------------------------------------------------------------


def test_a_staff_made_authenticator_key_signs_in_end_to_end_with_new_session_ids(client, policy_user, staff):
    # given: operator staff hand over an authenticator key
    device = totp_device_create(actor=staff, user=policy_user, confirmed=True)

    # when: password, then the app's code
    response = password_step(client, policy_user, next_url=dashboard(policy_user))
    after_password = client.session.session_key
    assert response["Location"].startswith(reverse("accounts:second-factor"))
    response = second_step(client, totp_code(device), next_url=dashboard(policy_user))

    # then: into the cockpit, verified, with a new session id after each step
    assert response["Location"] == dashboard(policy_user)
    assert verified(client) and client.session.session_key != after_password
    assert client.get(dashboard(policy_user)).status_code == 200


def test_the_same_authenticator_code_is_refused_a_second_time(client, policy_user):
    device = TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)
    code = totp_code(device)
    password_step(client, policy_user)
    second_step(client, code)
    client.post(reverse("accounts:logout"))

    password_step(client, policy_user)
    response = second_step(client, code)

    assert response.status_code == 400
    assert "This code is not valid" in response.content.decode()
    assert not verified(client)


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_authenticator_codes_are_accepted_one_time_step_either_side_and_no_further(
    client, policy_user, steps, accepted
):
    device = TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)
    password_step(client, policy_user)

    second_step(client, totp_code(device, steps))

    assert verified(client) is accepted


def test_wrong_codes_slow_the_device_down_with_a_clear_message(client, policy_user):
    device = TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)
    password_step(client, policy_user)
    second_step(client, "000000")

    # the right code right after a wrong one: the device asks to wait (django-otp's throttling)
    response = second_step(client, totp_code(device))

    assert "Too many wrong codes for this method" in response.content.decode()
    assert not verified(client)


def test_repeated_wrong_codes_pause_the_account_and_are_audited(client, policy_user, settings):
    settings.SECOND_FACTOR_FAILURES_PER_ACCOUNT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the account limit here
    device = TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)
    password_step(client, policy_user)
    for _ in range(3):
        second_step(client, "000000")

    response = second_step(client, totp_code(device))

    assert "Please wait 15 minutes" in response.content.decode()
    assert AuditLogEntry.objects.filter(subject_user=policy_user, action="user.second_factor_locked").exists()


def test_the_forced_password_change_comes_after_the_second_factor(client, policy_user):
    # given: a new user with a temporary password and a handed-over key
    policy_user.must_change_password = True
    policy_user.save()
    device = TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)

    # when / then: the password step leads to the second step, not to the password change
    password_step(client, policy_user)
    assert client.get(reverse("accounts:password-change"))["Location"].startswith(reverse("accounts:second-factor"))
    # and once verified, the forced change comes before the cockpit
    second_step(client, totp_code(device))
    assert client.get(dashboard(policy_user))["Location"] == reverse("accounts:password-change")


# --- self-enrolment --------------------------------------------------------------------------


def test_a_policy_user_enrols_an_authenticator_app_at_first_login_and_lands_in_the_cockpit(
    client, policy_user, mailoutbox, django_capture_on_commit_callbacks
):
    password_step(client, policy_user)
    setup = client.get(reverse("accounts:second-factor-setup"))
    assert "<svg" in setup.content.decode() and setup["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user=policy_user)
    assert not device.confirmed

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:second-factor-setup"), {"code": totp_code(device), "next": dashboard(policy_user)}
        )

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    device.refresh_from_db()
    assert device.confirmed and verified(client)
    assert client.get(dashboard(policy_user)).status_code == 200
    actions = set(AuditLogEntry.objects.filter(subject_user=policy_user).values_list("action", flat=True))
    assert {"device.created", "device.confirmed"} <= actions
    assert any("Authenticator app" in email.body for email in mailoutbox)


def enrol_authenticator(client, user, next_url=""):
    client.get(reverse("accounts:second-factor-setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(reverse("accounts:second-factor-setup"), {"code": totp_code(device), "next": next_url})


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([^<]+)</code></li>", response.content.decode())


def test_a_first_enrolment_shows_ten_backup_codes_once_and_leads_on_only_when_saved(client, policy_user):
    password_step(client, policy_user)

    response = enrol_authenticator(client, policy_user, next_url=dashboard(policy_user))

    codes = shown_codes(response)
    assert len(codes) == 10
    assert set(codes) == set(StaticDevice.objects.get(user=policy_user).token_set.values_list("token", flat=True))
    page = response.content.decode()
    assert f'href="{dashboard(policy_user)}">I have saved them' in page and "Not now" not in page


def test_an_enrolment_keeps_the_backup_codes_a_person_still_holds(client, policy_user, sms_device):
    kept = backup_codes_generate(actor=policy_user, user=policy_user)
    password_step(client, policy_user)
    verify_second_factor(client, policy_user)
    client.get(reverse("accounts:second-factor-setup"))  # by choice, from My account: another method
    device = TOTPDevice.objects.filter(user=policy_user, confirmed=False).get()
    response = client.post(reverse("accounts:second-factor-setup"), {"code": totp_code(device), "next": "/"})

    assert response.status_code == 302
    assert set(StaticDevice.objects.get(user=policy_user).token_set.values_list("token", flat=True)) == set(kept)


def test_an_enrolment_gives_new_codes_to_a_person_who_used_up_every_one(client, policy_user):
    backup_codes_generate(actor=policy_user, user=policy_user)
    StaticToken.objects.filter(device__user=policy_user).delete()
    password_step(client, policy_user)

    response = enrol_authenticator(client, policy_user)

    assert len(shown_codes(response)) == 10


def test_an_unconfirmed_device_does_not_count_until_a_valid_code_confirms_it(client, policy_user):
    password_step(client, policy_user)
    client.get(reverse("accounts:second-factor-setup"))

    response = client.post(reverse("accounts:second-factor-setup"), {"code": "123456"})

    assert response.status_code == 400
    assert not TOTPDevice.objects.get(user=policy_user).confirmed
    assert client.get(dashboard(policy_user))["Location"].startswith(reverse("accounts:second-factor-setup"))


# --- SMS -------------------------------------------------------------------------------------


@pytest.fixture
def sms_device(policy_user):
    return SMSDevice.objects.create(user=policy_user, name="SMS", confirmed=True)


def send_sms_code(client):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the SMS leaves once the request's writes commit
        return client.post(reverse("accounts:second-factor"), {"method": "sms", "send": "1"})


def test_an_sms_code_goes_to_the_stored_number_and_signs_in_once(client, policy_user, sms_device):
    password_step(client, policy_user)
    send_sms_code(client)

    assert FakeGateway.outbox[-1].phone == "+41791234567"
    second_step(client, last_sms_code(), method="sms")
    assert verified(client)


def test_an_sms_code_expires_after_five_minutes_to_the_second(client, policy_user, sms_device):
    password_step(client, policy_user)
    sent_at = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=sent_at):
        send_sms_code(client)
    code = last_sms_code()

    with mock.patch("django.utils.timezone.now", return_value=sent_at + timedelta(seconds=300)):
        second_step(client, code, method="sms")
    assert not verified(client)


def test_an_sms_code_just_before_its_expiry_works(client, policy_user, sms_device):
    password_step(client, policy_user)
    sent_at = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=sent_at):
        send_sms_code(client)

    with mock.patch("django.utils.timezone.now", return_value=sent_at + timedelta(seconds=299)):
        second_step(client, last_sms_code(), method="sms")
    assert verified(client)


def test_a_resend_makes_the_previous_sms_code_invalid(client, policy_user, sms_device, settings):
    settings.OTP_SMS_THROTTLE_FACTOR = 0
    password_step(client, policy_user)
    send_sms_code(client)
    old = last_sms_code()
    send_sms_code(client)

    second_step(client, old, method="sms") if old != last_sms_code() else None

    assert not verified(client)
    second_step(client, last_sms_code(), method="sms")
    assert verified(client)


def test_a_used_sms_code_cannot_be_used_again(client, policy_user, sms_device):
    password_step(client, policy_user)
    send_sms_code(client)
    code = last_sms_code()
    second_step(client, code, method="sms")
    client.post(reverse("accounts:logout"))

    password_step(client, policy_user)
    second_step(client, code, method="sms")

    assert not verified(client)


def test_the_sixth_sms_in_fifteen_minutes_is_refused(client, policy_user, sms_device, settings):
    settings.SMS_RESEND_WAIT_SECONDS = 0  # the limit, not the wait between two presses, is what is pinned here
    password_step(client, policy_user)
    for _ in range(5):
        send_sms_code(client)

    response = send_sms_code(client)

    assert len(FakeGateway.outbox) == 5
    assert "Too many codes were sent" in client.get(response["Location"]).content.decode()


def seconds_later(seconds: int):
    """The clock of the SMS wait, `seconds` on (the code's own lifetime runs on timezone.now and stays)."""
    return mock.patch("accounts.second_factor.time.time", return_value=time.time() + seconds)


def test_the_code_field_shows_at_once_while_the_code_still_waits_for_the_worker(
    client, policy_user, sms_device, settings
):
    settings.TASKS = DATABASE_TASKS
    password_step(client, policy_user)
    client.post(reverse("accounts:second-factor"), {"method": "sms", "send": "1"})

    page = client.get(reverse("accounts:second-factor"), {"method": "sms"}).content.decode()

    assert FakeGateway.outbox == []
    assert 'name="code"' in page
    assert re.search(r"disabled[^>]*>Send a new code in 4\d s<", page)


def test_a_second_press_within_the_wait_sends_nothing_and_the_first_code_still_signs_in(
    client, policy_user, sms_device
):
    password_step(client, policy_user)
    send_sms_code(client)
    first = last_sms_code()

    with seconds_later(30):
        pressed_again = send_sms_code(client)

    assert len(FakeGateway.outbox) == 1
    told = client.get(pressed_again["Location"]).content.decode()
    assert re.search(r"you can ask for a new one in 1[45] seconds", told)
    second_step(client, first, method="sms")
    assert verified(client)


def test_presses_within_the_wait_do_not_count_against_the_sms_limit(client, policy_user, sms_device, settings):
    settings.SMS_PER_USER = 2
    password_step(client, policy_user)
    send_sms_code(client)
    for _ in range(3):
        send_sms_code(client)

    with seconds_later(46):
        send_sms_code(client)

    assert len(FakeGateway.outbox) == 2


def test_after_the_wait_a_new_code_may_be_asked_and_replaces_the_first(client, policy_user, sms_device):
    password_step(client, policy_user)
    send_sms_code(client)
    first = last_sms_code()

    with seconds_later(46):
        send_sms_code(client)
        second_step(client, first, method="sms")

    assert len(FakeGateway.outbox) == 2
    assert not verified(client)


def test_the_set_up_shows_the_code_field_at_once_after_send(client, customer_company, settings):
    settings.TASKS = DATABASE_TASKS
    newcomer = UserFactory(company=customer_company, otp_required=True, mobile_phone="+41791234567")
    password_step(client, newcomer)
    client.post(reverse("accounts:second-factor-setup"), {"method": "sms", "send": "1"})

    page = client.get(reverse("accounts:second-factor-setup"), {"method": "sms"}).content.decode()

    assert FakeGateway.outbox == []
    assert 'name="code"' in page and re.search(r"Send a new code in 4\d s", page)


def test_sms_is_not_offered_without_a_mobile_number_and_the_page_says_why(client, customer_company):
    nobody_to_text = UserFactory(company=customer_company, otp_required=True, mobile_phone="")
    password_step(client, nobody_to_text)

    page = client.get(reverse("accounts:second-factor-setup"), {"method": "sms"}).content.decode()

    assert "SMS needs a mobile number on your account" in page
    assert not SMSDevice.objects.filter(user=nobody_to_text).exists()


# --- backup codes ----------------------------------------------------------------------------


def test_a_backup_code_works_once(client, policy_user):
    codes = backup_codes_generate(actor=policy_user, user=policy_user)
    assert len(codes) == 10 and len(set(codes)) == 10
    password_step(client, policy_user)
    second_step(client, codes[0], method="backup")
    assert verified(client)
    client.post(reverse("accounts:logout"))

    password_step(client, policy_user)
    second_step(client, codes[0], method="backup")

    assert not verified(client)


def test_new_backup_codes_replace_the_old_ones(policy_user):
    old = backup_codes_generate(actor=policy_user, user=policy_user)

    new = backup_codes_generate(actor=policy_user, user=policy_user)

    tokens = set(StaticDevice.objects.get(user=policy_user).token_set.values_list("token", flat=True))
    assert tokens == set(new) and not tokens & set(old)


def test_backup_codes_are_shown_once_when_generated(client, login, policy_user):
    login(policy_user)

    shown = client.post(reverse("accounts:backup-codes")).content.decode()
    later = client.get(reverse("accounts:backup-codes")).content.decode()

    codes = StaticDevice.objects.get(user=policy_user).token_set.values_list("token", flat=True)
    assert all(code in shown for code in codes)
    assert not any(code in later for code in codes)


# --- the operator's reset, and who may change devices ----------------------------------------


def test_staff_reset_removes_every_device_ends_sessions_and_forces_enrolment(
    client, login, policy_user, operator_admin, mailoutbox, django_capture_on_commit_callbacks
):
    policy_user.otp_required = False
    policy_user.save()
    login(policy_user)
    TOTPDevice.objects.create(user=policy_user, name="app", confirmed=True)
    backup_codes_generate(actor=policy_user, user=policy_user)

    with django_capture_on_commit_callbacks(execute=True):
        second_factor_reset(actor=operator_admin, user=policy_user)

    assert not TOTPDevice.objects.filter(user=policy_user).exists()
    assert not StaticDevice.objects.filter(user=policy_user).exists()
    assert User.objects.get(pk=policy_user.pk).otp_required
    assert client.get(dashboard(policy_user))["Location"].startswith(reverse("accounts:login"))
    assert AuditLogEntry.objects.filter(subject_user=policy_user, action="user.second_factor_reset").exists()
    assert "removed all second-factor devices" in mailoutbox[-1].body


def test_only_operator_staff_reset_a_second_factor(policy_user, customer_company):
    colleague = UserFactory(company=customer_company)

    with pytest.raises(PermissionDenied):
        second_factor_reset(actor=colleague, user=policy_user)


def test_only_operator_staff_hand_over_an_authenticator_key(policy_user, customer_company):
    colleague = UserFactory(company=customer_company)

    with pytest.raises(PermissionDenied):
        totp_device_create(actor=colleague, user=policy_user, confirmed=True)
    with pytest.raises(PermissionDenied):
        totp_device_create(actor=policy_user, user=policy_user, confirmed=True)
    assert not TOTPDevice.objects.exists()


def test_staff_do_not_hand_over_keys_for_other_staff_unless_superuser(staff, operator_company, operator_admin):
    other_staff = UserFactory(company=operator_company, is_staff=True)

    with pytest.raises(PermissionDenied):
        totp_device_create(actor=staff, user=other_staff, confirmed=True)
    assert totp_device_create(actor=operator_admin, user=other_staff, confirmed=True).confirmed


def test_sms_device_needs_a_mobile_number(customer_company):
    from accounts.second_factor import sms_device_create

    nobody_to_text = UserFactory(company=customer_company, mobile_phone="")

    with pytest.raises(ValidationError, match="SMS needs a mobile number"):
        sms_device_create(actor=nobody_to_text, user=nobody_to_text)


# --- the admin -------------------------------------------------------------------------------


def test_staff_without_a_verified_second_factor_cannot_open_the_admin(client, login_password_only, staff):
    login_password_only(staff)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second-factor-setup"))


def test_the_admin_login_is_the_cockpit_login(client):
    response = client.get(reverse("admin:login"))

    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_admin_login_is_throttled_like_the_cockpits(client, staff, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP = 2
    login_url = client.get(reverse("admin:login"))["Location"]
    for _ in range(2):
        client.post(login_url, {"username": staff.email, "password": "wrong"})

    response = client.post(login_url, {"username": staff.email, "password": PASSWORD})

    assert "Too many failed attempts" in response.content.decode()


def test_a_password_reset_never_signs_in_past_the_second_factor(client, policy_user):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(policy_user.pk))
    token = default_token_generator.make_token(policy_user)
    form_url = client.get(reverse("accounts:password-reset-confirm", args=[uid, token]))["Location"]

    client.post(form_url, {"new_password1": "Quite-new-2026-pass", "new_password2": "Quite-new-2026-pass"})

    assert "_auth_user_id" not in client.session


def test_the_admin_sends_anonymous_visitors_straight_to_the_cockpit_login_with_the_admin_as_next(client):
    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('accounts:login')}?next=%2Fadmin%2F"


@pytest.mark.parametrize("name", ["accounts:second-factor", "accounts:second-factor-setup", "accounts:backup-codes"])
def test_second_factor_pages_send_anonymous_visitors_to_the_login(client, name):
    response = client.get(reverse(name))

    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_second_step_sends_an_already_verified_session_on(client, login, policy_user):
    login(policy_user)

    response = client.get(reverse("accounts:second-factor"), {"next": dashboard(policy_user)})

    assert response["Location"] == dashboard(policy_user)


def test_the_second_step_never_sends_on_to_another_site(client, login, policy_user):
    login(policy_user)

    response = client.get(reverse("accounts:second-factor"), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


# --- why the set-up asks ------------------------------------------------------------------------


def test_the_set_up_says_the_organisation_requires_a_second_factor(client, policy_user):
    password_step(client, policy_user)

    page = client.get(reverse("accounts:second-factor-setup")).content.decode()

    assert "Your organisation requires a second factor for your account." in page


def test_the_set_up_tells_staff_why_they_are_asked(operator_company):
    staff = UserFactory(company=operator_company, is_staff=True)

    assert second_factor_reason(staff) == REQUIRED_FOR_ADMIN


def test_the_set_up_tells_a_show_all_employee_why_they_are_asked(operator_company, role):
    show_all = UserFactory(
        company=operator_company, sees_all_entities=True, all_entities_role=role("admin"), otp_required=True
    )

    assert second_factor_reason(show_all) == REQUIRED_FOR_SHOW_ALL


def test_the_set_up_gives_no_reason_to_someone_enrolling_by_choice(client, customer_company):
    volunteer = UserFactory(company=customer_company, otp_required=False)
    client.force_login(volunteer)

    page = client.get(reverse("accounts:second-factor-setup")).content.decode()

    assert second_factor_reason(volunteer) is None
    assert 'data-testid="why-second-factor"' not in page
