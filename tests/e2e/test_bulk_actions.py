"""A company admin changes the role of several people at once from the user list, after a confirmation."""

import re

import pytest
from playwright.sync_api import expect

from entities.models import CompanyGrant, Level
from tests.factories import CompanyFactory, InstanceFactory, UserFactory, grant_company_role
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project_manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    for first in ("Anna", "Ben", "Chiara"):
        person = UserFactory(company=owner, email=f"{first.lower()}@zurich.example", first_name=first, last_name="Team")
        grant_company_role(person, Level.OWNER, owner, "customer")
    return manager


def test_a_manager_gives_two_people_another_role_after_confirming(page, screenshot, project_manager):
    log_in(page, project_manager.email)
    page.goto("/c/alpine/users/")
    page.get_by_role("checkbox", name="Choose Anna Team").check()
    page.get_by_role("checkbox", name="Choose Ben Team").check()
    bar = page.get_by_test_id("bulk-form")
    bar.get_by_label("For the chosen people").select_option(label="Give or change a role")
    # Petra gives roles at one level only: the bar names it instead of offering a choice of one.
    expect(bar.get_by_test_id("bulk-only-level")).to_have_text("Owner")
    bar.get_by_label("Company").select_option(label="Zurich Property AG")
    bar.get_by_label("Role").select_option(label="Manager")
    screenshot("user-list-bulk")
    bar.get_by_role("button", name="Review").click()

    expect(page.get_by_test_id("bulk-summary")).to_contain_text("2 people change:")
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("Manager · Owner · Zurich Property AG")
    screenshot("user-bulk-confirm")
    page.get_by_role("button", name="Change 2 people").click()

    expect(page).to_have_url(re.compile(r"/c/alpine/users/"))
    expect(page.get_by_text(re.compile(r"Done for 2 people\. Batch \w+ in the history\."))).to_be_visible()
    roles = dict(CompanyGrant.objects.filter(user__last_name="Team").values_list("user__first_name", "role__code"))
    assert roles == {"Anna": "manager", "Ben": "manager", "Chiara": "customer"}
