import re
from importlib import import_module

import pytest
from django.conf import settings
from django.core import mail
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.middleware import SIGNED_IN_AT
from accounts.models import SMSDevice
from entities.models import Level, Role
from outbox.sms import FakeGateway
from tests.factories import (
    PASSWORD,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
)
from tests.support.browser import (
    LAPTOP_WIDTH,
    PHONE_WIDTH,
    authenticator_code,
    enter_authenticator_code,
    enter_password,
    give_authenticator_app,
    inspect_page,
    key_from_page,
    log_in,
)
from tests.support.queue import DATABASE_TASKS, arrived, worker_beside_the_server
from users.services import user_invite

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def soobr():
    return OperatorCompanyFactory(instance=InstanceFactory(slug="alpine", name="Alpine Facility Services"))


@pytest.fixture
def operator_employee(soobr):
    """Sees every entity, so the second factor is mandatory; has no device yet."""
    return UserFactory(
        company=soobr,
        email="olivia@soobr.example",
        first_name="Olivia",
        sees_all_entities=True,
        all_entities_role=Role.objects.get(code="admin"),
        otp_required=True,
    )


@pytest.fixture
def operator_admin(soobr):
    admin = UserFactory(company=soobr, email="admin@soobr.example", is_staff=True, is_superuser=True)
    give_authenticator_app(admin)
    return admin


def test_policy_user_without_a_device_enrols_an_authenticator_app_and_lands_on_the_dashboard(
    page, screenshot, operator_employee
):
    # given
    enter_password(page, operator_employee.email)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/setup/"))
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_label("QR code for your authenticator app").locator("svg")).to_be_visible()
    screenshot("second-factor-setup")

    # when: the person types the key into their app, which then shows a code
    key = key_from_page(page.get_by_test_id("totp-key").inner_text())
    page.get_by_role("textbox", name="Code").fill(authenticator_code(key))
    page.get_by_role("button", name="Confirm").click()

    # then: backup codes at once, shown this one time, then the cockpit once they are saved
    expect(page.get_by_text("Authenticator app is set up.")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    expect(page.get_by_role("link", name="Not now")).to_have_count(0)
    screenshot("second-factor-backup-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(re.compile(r"/c/alpine/$"))
    expect(page.get_by_role("heading", name="Alpine Facility Services")).to_be_visible()
    assert TOTPDevice.objects.get(user=operator_employee).confirmed
    assert StaticDevice.objects.get(user=operator_employee).token_set.count() == 10


def test_user_with_an_authenticator_app_passes_the_second_step_on_a_phone(page, screenshot, operator_admin):
    # given: the password step done, on a phone
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    enter_password(page, operator_admin.email)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/\?"))
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    screenshot("second-factor")

    # when
    enter_authenticator_code(page, operator_admin.email)

    # then
    expect(page).to_have_url(re.compile(r"/c/alpine/$"))
    expect(page.get_by_role("heading", name="Alpine Facility Services")).to_be_visible()
    screenshot("second-factor-done-dashboard")


def test_log_in_passes_the_second_step_for_staff_who_then_reach_the_django_admin(page, operator_admin):
    log_in(page, operator_admin.email)
    expect(page).to_have_url(re.compile(r"/c/alpine/$"))

    page.goto("/admin/")

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def signed_in_minutes_ago(page, minutes: int) -> None:
    """Move this browser's sign-in back in time, as if the person had been working that long."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    session[SIGNED_IN_AT] -= minutes * 60
    session.save()


def test_a_person_adding_an_authenticator_app_later_in_the_day_types_their_password_again(
    page, screenshot, operator_employee
):
    # given: signed in with an app half an hour ago
    give_authenticator_app(operator_employee)
    log_in(page, operator_employee.email)
    signed_in_minutes_ago(page, 30)

    # when: they set up another authenticator app
    page.goto("/accounts/second-factor/setup/?method=totp")

    # then: the password first, on a page that fits a phone and a laptop
    expect(page).to_have_url(re.compile(r"/accounts/me/confirm/\?next="))
    expect(page.get_by_role("heading", name="Confirm with your password")).to_be_visible()
    inspect_page(page, "password-confirm")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("This is not your current password")).to_be_visible()
    inspect_page(page, "password-confirm-wrong")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/setup/\?method=totp$"))
    expect(page.get_by_label("QR code for your authenticator app").locator("svg")).to_be_visible()


# --- SMS with the queue worked beside the server ------------------------------------------------


@pytest.fixture
def texted_user(soobr):
    """Signs in with an SMS code, the only second factor they have."""
    user = UserFactory(
        company=soobr, email="sina@soobr.example", first_name="Sina", otp_required=True, mobile_phone="+41791234567"
    )
    SMSDevice.objects.create(user=user, name="SMS", confirmed=True)
    return user


@pytest.fixture
def queue_beside_the_server(settings):
    """Messages wait in the database queue until the worker runs (worker_beside_the_server), as under make run."""
    settings.TASKS = DATABASE_TASKS
    mail.outbox.clear()
    FakeGateway.outbox.clear()


@pytest.mark.parametrize("width", [PHONE_WIDTH, LAPTOP_WIDTH])
def test_an_sms_sign_in_shows_the_code_field_at_once_and_waits_before_a_new_code(
    page, screenshot, texted_user, queue_beside_the_server, width
):
    page.set_viewport_size({"width": width, "height": 800})
    # given: the password step done; SMS is the only method
    enter_password(page, texted_user.email)
    expect(page.get_by_text("We send a 6-digit code to +41 •• ••• •• 67.")).to_be_visible()

    # when: "Send code", whatever the worker's timing
    page.get_by_role("button", name="Send code").click()

    # then: the code field at once, before any worker has sent the code, and a new code only after a visible wait
    expect(page.get_by_role("textbox", name="Code")).to_be_visible()
    assert FakeGateway.outbox == []
    resend = page.get_by_role("button", name=re.compile(r"Send a new code in \d+ s"))
    expect(resend).to_be_disabled()
    screenshot(f"sms-code-on-its-way-{width}")
    with worker_beside_the_server():
        expect(resend).to_have_text(re.compile(r"Send a new code in (4[0-3]|[1-3]\d) s"), timeout=6_000)
        code = arrived(FakeGateway.outbox, "SMS").body.rsplit(" ", 1)[-1]

    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(re.compile(r"/c/alpine/$"))
    assert len(FakeGateway.outbox) == 1


# --- a first sign-in left halfway ---------------------------------------------------------------


@pytest.mark.parametrize("width", [PHONE_WIDTH, LAPTOP_WIDTH])
def test_a_new_user_leaves_at_the_set_up_and_finishes_later_with_the_same_emailed_password(
    page, screenshot, soobr, queue_beside_the_server, width
):
    page.set_viewport_size({"width": width, "height": 800})
    owner = CompanyFactory(instance=soobr.instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    user_invite(
        actor=manager,
        instance=soobr.instance,
        company_grants=[],
        entity_grants=[],
        email="nora@zurich.example",
        first_name="Nora",
        company=owner,
        language="en",
        otp_required=True,
    )
    with worker_beside_the_server():
        password = re.search(r"Temporary password: (\S+)", arrived(mail.outbox, "welcome email").body).group(1)

    # given: the emailed password leads to the set-up; no phone at hand, the person leaves
    enter_password(page, "nora@zurich.example", password)
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    page.context.clear_cookies()

    # when: later, with the same emailed password
    enter_password(page, "nora@zurich.example", password)
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    key = key_from_page(page.get_by_test_id("totp-key").inner_text())
    page.get_by_role("textbox", name="Code").fill(authenticator_code(key))
    page.get_by_role("button", name="Confirm").click()

    # then: backup codes to save, their own password, the cockpit
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    page.get_by_role("textbox", name=re.compile(r"^New password\b(?! confirmation)")).fill("Ein-eigenes-Passwort-2026")
    page.get_by_role("textbox", name=re.compile(r"^New password confirmation")).fill("Ein-eigenes-Passwort-2026")
    screenshot(f"first-sign-in-own-password-{width}")
    page.get_by_role("button", name="Save password").click()
    expect(page).to_have_url(re.compile(r"/c/alpine/$"))
