import re

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from entities.models import Role
from tests.e2e.browser import (
    PHONE_WIDTH,
    authenticator_code,
    enter_authenticator_code,
    enter_password,
    give_authenticator_app,
    key_from_page,
    log_in,
)
from tests.factories import InstanceFactory, OperatorCompanyFactory, UserFactory

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

    # then: backup codes, then the cockpit
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/backup-codes/"))
    expect(page.get_by_text("Authenticator app is set up.")).to_be_visible()
    screenshot("second-factor-backup-offer")
    page.get_by_role("button", name="Create backup codes").click()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
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
