import re

import pytest
from playwright.sync_api import expect

from entities.models import Level
from tests.factories import PASSWORD, CompanyFactory, InstanceFactory, UserFactory, grant_company_role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def karin():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    company = CompanyFactory(instance=instance, name="Kantonsspital Nord")
    karin = UserFactory(company=company, email="karin@example.com", first_name="Karin", last_name="Kunde")
    grant_company_role(karin, Level.CUSTOMER, company, "customer")
    return karin


def test_user_logs_in_and_lands_on_the_dashboard_of_their_cockpit(page, screenshot, karin):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot("login")

    page.get_by_label("Email address").fill("KARIN@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/c/alpine/$"))
    expect(page.get_by_role("heading", name="Alpine Facility Services")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Business entities")
    # One cockpit: the header names it, and there is nothing to switch to.
    expect(page.get_by_role("banner")).to_contain_text("Alpine Facility Services")
    expect(page.get_by_test_id("cockpit-switcher")).to_have_count(0)
    screenshot("dashboard")


def test_wrong_password_keeps_the_user_on_the_login_page_with_a_message(page, screenshot, karin):
    page.goto("/accounts/login/")

    page.get_by_label("Email address").fill("karin@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct email address and password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot("login-error")
