import re

import pytest
from playwright.sync_api import expect

from entities.models import Level, SectionSettings
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    InstanceFactory,
    UserFactory,
    grant_company_role,
)
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    provider = CompanyFactory(instance=instance, name="CleanPro Services")
    customer = CompanyFactory(instance=instance, name="Kantonsspital Nord")
    for number in range(1, 61):
        BusinessEntityFactory(
            instance=instance,
            name=f"Bürohaus Seefeld {number:03d}",
            address=f"Seefeldstrasse {number}, 8008 Zürich",
            owner=owner,
            service_provider=provider,
            customer=customer,
        )
    BusinessEntityFactory(instance=instance, name="Fremdes Gebäude")
    return {"owner": owner, "provider": provider, "customer": customer}


def test_provider_project_manager_finds_an_entity_and_edits_route_planning(page, screenshot, world):
    manager = UserFactory(company=world["provider"], email="pm@cleanpro.example", first_name="Urs")
    grant_company_role(manager, Level.SERVICE_PROVIDER, world["provider"], "provider-project-manager")
    log_in(page, manager.email)
    expect(page).to_have_url(re.compile(r"/c/alpine/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Business entities").click()
    expect(page.get_by_test_id("entity-total")).to_contain_text("60 business entities")
    expect(page.get_by_role("link", name="Fremdes Gebäude")).to_have_count(0)
    screenshot("entity-list")

    page.get_by_label("Search").fill("Seefeld 042")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("entity-total")).to_contain_text("1 business entity")
    page.get_by_role("link", name="Bürohaus Seefeld 042").click()
    expect(page.get_by_test_id("deciding-role")).to_have_text("Provider project manager")
    # The role only views master data and features: the page opens on the first tab it edits.
    sections = page.get_by_role("navigation", name="Sections")
    expect(sections.locator("[aria-current=page]")).to_have_text("Performance figures")
    expect(page.get_by_role("button", name="Save")).to_be_visible()

    sections.get_by_role("link", name="Cleaning categories").click()
    expect(page.get_by_text("Read only")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    screenshot("entity-section-read-only")

    sections.get_by_role("link", name="Route planning").click()
    page.get_by_label("Tours per day").fill("25")
    page.get_by_label("Longest tour (minutes)").fill("240")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ensure this value is less than or equal to 20.")).to_be_visible()
    screenshot("entity-section-error")
    page.get_by_label("Tours per day").fill("3")
    page.get_by_label("Start location").fill("Haupteingang Süd")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Route planning saved.")).to_be_visible()
    expect(page.get_by_label("Start location")).to_have_value("Haupteingang Süd")
    screenshot("entity-section-saved")
    assert SectionSettings.objects.get(section="route_planning").data["tours_per_day"] == 3


def test_customer_analytics_only_sees_only_the_analytics_tab(page, screenshot, world):
    analyst = UserFactory(company=world["customer"], email="analyst@spital.example")
    grant_company_role(analyst, Level.CUSTOMER, world["customer"], "customer-analytics-only")
    log_in(page, analyst.email)
    expect(page).to_have_url(re.compile(r"/c/alpine/$"))

    page.goto("/c/alpine/entities/")
    page.get_by_role("link", name="Bürohaus Seefeld 001").click()

    expect(page.get_by_role("navigation", name="Sections").get_by_role("link")).to_have_text(["Analytics"])
    screenshot("entity-analytics-only")


def test_seed_003s_user_reads_why_they_see_an_entity_and_which_role_decides(page, screenshot, world):
    # given: seed 003's example user, owner role at Zurich Property AG and provider role at CleanPro Services
    person = UserFactory(company=world["provider"], email="urs@cleanpro.example", first_name="Urs")
    grant_company_role(person, Level.OWNER, world["owner"], "owner-project-manager")
    grant_company_role(person, Level.SERVICE_PROVIDER, world["provider"], "provider-project-manager")
    log_in(page, person.email)

    page.goto("/c/alpine/entities/")
    page.get_by_role("link", name="Bürohaus Seefeld 001").click()
    page.get_by_text("Why can I see this?").click()

    panel = page.get_by_test_id("why-panel")
    expect(panel.get_by_test_id("why-decides")).to_contain_text(
        "Your Owner role at Zurich Property AG (Owner project manager) decides."
    )
    expect(panel.get_by_test_id("why-outranked")).to_contain_text(
        "It decides over your Service provider role at CleanPro Services (Provider project manager)."
    )
    rights = panel.get_by_test_id("why-rights")
    expect(rights.locator("dd[data-access=None]")).to_contain_text("Performance figures")
    expect(rights.locator("dd[data-access=Edit]")).to_contain_text("Master data")
    screenshot("entity-why-panel")


def test_an_entity_grant_user_reads_that_the_role_on_the_entity_decides(page, screenshot, world):
    from entities.models import BusinessEntity
    from tests.factories import grant_entity_role

    person = UserFactory(company=world["customer"], email="qc@spital.example")
    grant_entity_role(person, BusinessEntity.objects.get(name="Bürohaus Seefeld 007"), "quality-feedback-users")
    log_in(page, person.email)

    page.goto("/c/alpine/entities/")
    page.get_by_role("link", name="Bürohaus Seefeld 007").click()
    page.get_by_text("Why can I see this?").click()

    expect(page.get_by_test_id("why-decides")).to_contain_text(
        "Your role on this business entity (Quality feedback users) decides."
    )
    expect(page.get_by_test_id("why-outranked")).to_have_count(0)
    screenshot("entity-why-panel-entity-grant")
