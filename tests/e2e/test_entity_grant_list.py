"""A manager gives a person a role on several business entities found by a search, then changes and removes some."""

import re

import pytest
from playwright.sync_api import expect

from entities.models import EntityGrant, Level
from tests.factories import CompanyFactory, InstanceFactory, UserFactory, grant_company_role, owned_by
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project_manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    owned_by(
        instance, owner, "Klinik Nord", "Klinik Süd", "Klinik West", "Schulhaus Ost", address="Seestrasse 1, Zürich"
    )
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    supervisor = UserFactory(company=owner, email="sara@zurich.example", first_name="Sara", last_name="Supervisor")
    grant_company_role(supervisor, Level.OWNER, owner, "customer")
    return manager


def test_a_manager_gives_a_role_on_found_entities_and_removes_one(page, screenshot, project_manager):
    log_in(page, project_manager.email)
    page.goto("/c/alpine/users/")
    page.get_by_role("link", name="Sara Supervisor").click()
    expect(page.get_by_test_id("entity-grant-summary")).to_contain_text("0 roles on single business entities.")
    page.get_by_role("link", name="Show and change roles on single business entities").click()
    expect(page.get_by_role("heading", name="Roles on single business entities")).to_be_visible()

    # when: she finds the clinics and gives a role on all that match
    page.get_by_role("searchbox", name="Find business entities").fill("Klinik")
    page.get_by_role("button", name="Find", exact=True).click()
    screenshot("entity-grants-found")
    page.get_by_label("All 3 business entities matching “Klinik”").check()
    page.get_by_test_id("give-form").get_by_label("Role").select_option(label="Team leader")
    page.get_by_role("button", name="Give this role").click()

    # then: the list shows the three, each with who gave it
    expect(page.get_by_text("Team leader given on 3 business entities.")).to_be_visible()
    rows = page.get_by_test_id("entity-grant-list").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Petra Projekt")
    screenshot("entity-grants-list")

    # when: she removes one of them
    page.get_by_test_id("entity-grant-list").get_by_label("Klinik Süd").check()
    page.get_by_role("button", name="Remove the chosen").click()

    # then
    expect(page.get_by_text("1 role removed.")).to_be_visible()
    expect(rows).to_have_count(2)
    assert sorted(EntityGrant.objects.values_list("content_object__name", flat=True)) == ["Klinik Nord", "Klinik West"]
    page.get_by_role("link", name="Sara Supervisor").click()
    expect(page).to_have_url(re.compile(r"/c/alpine/users/\d+/$"))
    expect(page.get_by_test_id("entity-grant-summary")).to_contain_text("2 roles on single business entities.")
