"""A cockpit's second-factor policy as its people meet it: the grace period's banner on every page, and its link."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import RequiredFor
from accounts.second_factor import second_factor_policy_set
from entities.models import Level
from tests.factories import CompanyFactory, OperatorCompanyFactory, UserFactory, grant_company_role
from tests.support.browser import enter_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(instance):
    company = CompanyFactory(instance=instance, name="Zurich Property AG")
    user = UserFactory(company=company, email="pia@zurich.example", first_name="Pia", language="en")
    grant_company_role(user, Level.OWNER, company, "customer")
    return user


@pytest.fixture
def policy_with_grace(instance):
    staff = UserFactory(company=OperatorCompanyFactory(instance=instance), is_staff=True)
    return second_factor_policy_set(
        actor=staff, instance=instance, required_for=RequiredFor.EVERYONE, sms_counts=True, grace_days=7
    )


def test_within_the_grace_period_a_person_works_under_a_banner_that_leads_to_the_set_up(
    page, screenshot, person, policy_with_grace
):
    # given: the cockpit now asks everyone for a second factor, with a week to set one up
    enter_password(page, person.email)

    # then: the cockpit opens, with the banner and its date
    expect(page).to_have_url(re.compile(rf"/c/{person.company.instance.slug}/$"))
    banner = page.get_by_test_id("second-factor-grace")
    expect(banner).to_contain_text("Your organisation requires a second factor: set one up by")
    screenshot("second-factor-grace-banner")

    # when: they follow it
    banner.get_by_role("link", name="Set up a second factor now").click()

    # then: the set-up, saying why
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/setup/"))
    expect(page.get_by_test_id("why-second-factor")).to_contain_text(
        f"{person.company.instance.name} requires a second factor of everyone who works in it."
    )
    screenshot("second-factor-setup-by-policy")
